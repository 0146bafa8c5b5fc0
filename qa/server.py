"""The composition root of serving: one process serving the API, the MCP door at `/mcp` and,
mounted at `/`, the Gradio chat UI (`qa serve`). Every door shares one admission queue, and
with `QA_API_KEY` set every door needs the key (the UI asks for it on a login page)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import gradio as gr
from fastapi import FastAPI

from index.lock import StoreLock, StoreLockedError
from qa.errors import IndexMissingError, SourceError
from qa.pipeline import Pipeline, build_pipeline
from qa.serving import FeedbackStore, QAPipeline, create_app
from qa.serving.admission import MAX_RETRY_AFTER_S
from qa.serving.deps import key_matches
from qa.serving.mcp_door import mount_mcp
from qa.settings import Settings
from ui import CSS, build_ui

__all__ = ["KEEP_ALIVE_S", "create_server_app", "serve"]

KEEP_ALIVE_S = MAX_RETRY_AFTER_S + 15
"""How long (s) uvicorn keeps an idle connection open: longer than any `Retry-After`."""


def create_server_app(settings: Settings, pipeline: QAPipeline | None = None) -> FastAPI:
    """The full app: the API routes first, the MCP door at `/mcp`, then the UI mounted at `/`.
    While it runs, the seeds folder is watched (when `settings.watch` and the pipeline has a
    library).

    With `settings.api_key` set, the UI and its API (`/gradio_api/...`, `gradio_client`)
    need a login whose password is the key (any user name): a browser gets a login page,
    `gradio_client.Client(url, auth=("user", KEY))` logs in, and raw HTTP posts
    `username=...&password=KEY` to `/login` for a session cookie.

    Args:
        settings: the configuration.
        pipeline: an assembled pipeline (default: built here, the index brought up to date).
    """
    if pipeline is None:
        pipeline = build_pipeline(settings, ensure_index=True)
    feedback = FeedbackStore(settings.feedback_path)
    app = create_app(pipeline, settings, feedback)
    admission = app.state.admission
    mount_mcp(app, pipeline, admission, settings)
    if settings.watch and isinstance(pipeline, Pipeline):
        app.router.lifespan_context = _watching(pipeline, app.router.lifespan_context)
    blocks = build_ui(pipeline, feedback, admission=admission)
    # Mounted last: the API routes above take precedence over the catch-all mount.
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=None if settings.api_key is None else _key_login(settings),
        auth_message="Enter the server's API key (QA_API_KEY) as the password; any user name.",
        server_name=settings.host,
        server_port=settings.port,
        footer_links=["api"],
        run_history=False,
        css=CSS,
        # System fonts only: the default theme would fetch Google Fonts, and we run offline.
        theme=gr.themes.Soft(
            font=["ui-sans-serif", "system-ui", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
        ssr_mode=False,
        mcp_server=False,
    )


def _key_login(settings: Settings) -> Any:
    """Gradio's login check: the password is the API key, the user name is free."""

    def check(username: str, password: str) -> bool:
        return key_matches(settings, password)

    return check


def _watching(pipeline: Pipeline, inner: Any) -> Any:
    """The app's lifespan with the folder watch running inside it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        watch = pipeline.watch()
        try:
            context: AbstractAsyncContextManager[Any] = inner(app)
            async with context as state:
                yield state
        finally:
            watch.stop()

    return lifespan


def serve(settings: Settings, build_index: bool = True, **uvicorn_options: Any) -> int:
    """Build the pipeline once (bringing the index up to date), then serve the API and UI
    until interrupted, watching the seeds folder.

    In embedded mode the server holds `settings.lock_path` while it runs, so a `qa index` in
    another process is refused instead of writing to the store under it.

    Args:
        settings: the configuration (`host`, `port`, `backend`, `api_key`, ...).
        build_index: kept for the `--build-index` flag; the index is always brought up to
            date at start.
        uvicorn_options: passed to `uvicorn.run` (e.g. `log_level`).

    Returns:
        The process exit code: 0 after a clean shutdown, 2 when the store is held by another
        process or the seeds folder is unusable.
    """
    lock = StoreLock(settings.lock_path, "qa serve")
    try:
        if settings.chroma_mode == "embedded":
            lock.acquire()
        return _serve(settings, **uvicorn_options)
    except (StoreLockedError, IndexMissingError, SourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.release()


def _serve(settings: Settings, **uvicorn_options: Any) -> int:
    import uvicorn

    pipeline = build_pipeline(settings, ensure_index=True)
    pipeline.warm_up()
    app = create_server_app(settings, pipeline)
    print(
        f"Serving {pipeline.passage_count} passages ({settings.backend} backend) on "
        f"http://{settings.host}:{settings.port}/  (API docs: /docs)",
        file=sys.stderr,
    )
    # Browsers keep event streams open; do not wait for them forever on Ctrl-C.
    uvicorn_options.setdefault("timeout_graceful_shutdown", 5)
    # Idle keep-alive connections stay open longer than any `Retry-After` the queue sends, so
    # a client that waits as told reuses a live connection instead of racing the server's
    # close (uvicorn's default, 5 s, met a 5 s wait: a `ReadError` in the load benchmark).
    uvicorn_options.setdefault("timeout_keep_alive", KEEP_ALIVE_S)
    uvicorn.run(app, host=settings.host, port=settings.port, **uvicorn_options)
    return 0
