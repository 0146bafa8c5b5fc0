"""The FastAPI app around a pipeline: the API's own routes, the OpenAI-compatible routes, the
admission queue, body limits and the one error shape."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp

from qa.errors import NotFoundError
from qa.serving.admission import Admission
from qa.serving.articles import articles_router
from qa.serving.deps import QAPipeline
from qa.serving.errors import add_error_handlers
from qa.serving.feedback import FeedbackStore
from qa.serving.limits import ShapedBodyLimitMiddleware
from qa.serving.openai_routes import openai_router
from qa.serving.routes import api_router, health_router
from qa.settings import Settings

__all__ = ["add_not_found_routes", "create_app"]


def create_app(
    pipeline: QAPipeline,
    settings: Settings,
    feedback: FeedbackStore | None = None,
    admission: Admission | None = None,
) -> FastAPI:
    """The API around a pipeline built once by the caller.

    Args:
        pipeline: the assembled pipeline (held in `app.state`, served by `get_pipeline`).
        settings: the configuration (API key, data folder, body and queue limits).
        feedback: where ratings go (default: `settings.feedback_path`).
        admission: the queue in front of the pipeline (default: one of `settings.max_queue`);
            other doors (UI, MCP) share `app.state.admission`.
    """
    app = _App(
        title="News Q&A",
        summary="Answers with cited passages from a local collection of news articles.",
        version="0.1.0",
        # Routes may declare their own (`max_body_size=` on a route or `include_router`).
        max_body_size=settings.max_body_bytes,
    )
    app.state.pipeline = pipeline
    app.state.settings = settings
    app.state.feedback = feedback or FeedbackStore(settings.feedback_path)
    app.state.admission = admission or Admission(settings.max_queue)
    add_error_handlers(app)
    app.include_router(health_router)
    app.include_router(api_router)
    # Uploads have their own limit: the article (QA_MAX_ARTICLE_BYTES, checked on the
    # content itself) inside a multipart or JSON envelope, whose escaping may double it.
    app.include_router(
        articles_router, max_body_size=2 * settings.max_article_bytes + _ENVELOPE_BYTES
    )
    app.include_router(openai_router)
    # Routers included later (e.g. /api/articles) must come before this catch-all.
    add_not_found_routes(app)
    _optional_bearer_when_keyless(app, settings)
    return app


_ENVELOPE_BYTES = 64 * 1024
"""Room for an upload's multipart or JSON framing around the article, in bytes."""

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class _App(FastAPI):
    """FastAPI with the body limit's plain-text 413s reshaped (outside every middleware, as
    Starlette's own limit answers from there)."""

    def build_middleware_stack(self) -> ASGIApp:
        return ShapedBodyLimitMiddleware(super().build_middleware_stack())


def add_not_found_routes(app: FastAPI, prefixes: tuple[str, ...] = ("/api", "/v1")) -> None:
    """Unknown paths under the API's prefixes are 404s (405 for a known path's wrong method)
    in the one error shape, instead of falling through to the UI mounted at `/`. Call it
    after including every router."""

    async def not_found(request: Request) -> None:
        routes = [
            r for r in request.app.router.routes if getattr(r, "endpoint", None) is not not_found
        ]
        allowed = [
            method
            for method in _METHODS
            if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
        ]
        if allowed:
            raise StarletteHTTPException(405, "Method Not Allowed", {"Allow": ", ".join(allowed)})
        raise NotFoundError(f"no route {request.url.path[:100]}: see /docs for the API's routes")

    for prefix in prefixes:
        app.add_api_route(
            prefix + "/{path:path}",
            not_found,
            methods=list(_METHODS),
            include_in_schema=False,
        )


def _optional_bearer_when_keyless(app: FastAPI, settings: Settings) -> None:
    """Without QA_API_KEY the bearer key is optional: operations also accept no security."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        if settings.api_key is None:
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if isinstance(operation, dict) and operation.get("security"):
                        operation["security"] = [{}, *operation["security"]]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
