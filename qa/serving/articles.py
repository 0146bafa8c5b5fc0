"""The article library over HTTP: list, upload, replace and delete articles while serving.

`GET /api/sources/{name}` stays the text endpoint; these routes list metadata and take writes.
Uploads are multipart (`file`, optionally `name`) or JSON `{"name", "text"}`; the library
writes them to a temporary file, renames it into the seeds folder and indexes it before the
route answers, so the next question can use the article.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from qa.errors import BadInputError, NotFoundError
from qa.serving.deps import PipelineDep, SettingsDep, require_api_key
from qa.serving.errors import AUTH_ERRORS, ErrorResponse
from qa.types import SourceInfo

__all__ = [
    "ArticleLibrary",
    "ArticleText",
    "add_article",
    "articles_router",
    "delete_article",
    "get_article",
    "get_library",
    "list_articles",
    "replace_article",
]


class ArticleLibrary(Protocol):
    """What these routes need of the pipeline (`qa.pipeline.Pipeline`)."""

    def sources(self) -> Sequence[SourceInfo]: ...

    def add_article(self, name: str, data: bytes, *, replace: bool = False) -> SourceInfo: ...

    def remove_article(self, name: str) -> None: ...


ARTICLE_NAME_PATTERN = r"^[^\x00]*\.([tT][xX][tT]|[mM][dD]|[hH][tT][mM][lL]?)$"
"""An article's file name ends in .txt, .md or .html (or .htm). The library sanitises the
rest; a name that would leave the seeds folder (a path, a hidden file) is a 400."""


class ArticleText(BaseModel):
    """An article given as text."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=ARTICLE_NAME_PATTERN,
        description="File name, e.g. story.txt: .txt, .md or .html; a path is a 400",
    )
    text: str = Field(min_length=1, description="The article (plain text, Markdown or HTML)")


async def get_library(pipeline: PipelineDep) -> ArticleLibrary:
    """The pipeline, as the article library.

    Raises:
        NotFoundError: the pipeline keeps no article library (a test double).
    """
    if not hasattr(pipeline, "add_article"):
        raise NotFoundError("this server has no article library")
    return cast(ArticleLibrary, pipeline)


LibraryDep = Annotated[ArticleLibrary, Depends(get_library)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    400: {"model": ErrorResponse, "description": "A name that would leave the seeds folder"},
    404: {"model": ErrorResponse, "description": "No article of that name"},
    409: {"model": ErrorResponse, "description": "An article of that name exists (POST)"},
    422: {"model": ErrorResponse, "description": "Not an article (binary, empty, too large...)"},
}

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "name": {
                            "type": "string",
                            "pattern": ARTICLE_NAME_PATTERN,
                            "maxLength": 200,
                            "description": "Overrides the file's name",
                        },
                    },
                    "required": ["file"],
                }
            },
            "application/json": {"schema": ArticleText.model_json_schema()},
        },
    }
}

articles_router = APIRouter(
    prefix="/api/articles",
    tags=["articles"],
    responses=_ERRORS,
    dependencies=[Depends(require_api_key)],
)


async def _read_upload(request: Request, limit: int, name: str | None) -> tuple[str, bytes]:
    """The (name, bytes) of a multipart or JSON upload; `name` (from the path) wins."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadInputError("the multipart upload needs a `file` part")
        data = await upload.read(limit + 1)
        given = form.get("name")
        return name or (given if isinstance(given, str) and given else upload.filename or ""), data
    try:
        body = await request.json()
        if name is not None and isinstance(body, dict):
            body.setdefault("name", name)
        article = ArticleText.model_validate(body)
    except (ValueError, ValidationError) as exc:
        raise BadInputError(
            'send multipart/form-data with a `file`, or JSON {"name": ..., "text": ...}'
            f" ({str(exc).splitlines()[0]})"
        ) from None
    return name or article.name, article.text.encode("utf-8")


@articles_router.get("")
def list_articles(library: LibraryDep) -> list[SourceInfo]:
    """The indexed articles: name, title, byline, date, passages, version group, indexed-at."""
    return list(library.sources())


@articles_router.get("/{name}")
def get_article(name: Annotated[str, Path(max_length=255)], library: LibraryDep) -> SourceInfo:
    """One indexed article's metadata (its text: `GET /api/sources/{name}`)."""
    found = {s.name: s for s in library.sources()}.get(name)
    if found is None:
        raise NotFoundError(f"no indexed article named {name!r}; see GET /api/articles")
    return found


@articles_router.post("", status_code=201, openapi_extra=_UPLOAD_BODY)
async def add_article(request: Request, library: LibraryDep, settings: SettingsDep) -> SourceInfo:
    """Add an article (multipart `file`, or JSON `{"name", "text"}`) and index it; it is
    answerable when this returns."""
    name, data = await _read_upload(request, settings.max_article_bytes, None)
    return await run_in_threadpool(library.add_article, name, data)


@articles_router.put("/{name}", openapi_extra=_UPLOAD_BODY)
async def replace_article(
    name: Annotated[str, Path(max_length=255)],
    request: Request,
    library: LibraryDep,
    settings: SettingsDep,
) -> SourceInfo:
    """Replace an article's content (same body as POST) and index the new version."""
    _, data = await _read_upload(request, settings.max_article_bytes, name)
    return await run_in_threadpool(lambda: library.add_article(name, data, replace=True))


@articles_router.delete("/{name}", status_code=204)
async def delete_article(
    name: Annotated[str, Path(max_length=255)], library: LibraryDep
) -> Response:
    """Delete an article's file and its passages."""
    await run_in_threadpool(library.remove_article, name)
    return Response(status_code=204)
