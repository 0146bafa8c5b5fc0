"""The FastAPI app around a pipeline: the API's own routes, the OpenAI-compatible routes and
the one error handler."""

from __future__ import annotations

from fastapi import FastAPI

from qa.errors import QAError
from qa.serving.articles import articles_router
from qa.serving.deps import QAPipeline
from qa.serving.errors import qa_error_handler
from qa.serving.feedback import FeedbackStore
from qa.serving.openai_routes import openai_router
from qa.serving.routes import api_router, health_router
from qa.settings import Settings

__all__ = ["create_app"]


def create_app(
    pipeline: QAPipeline, settings: Settings, feedback: FeedbackStore | None = None
) -> FastAPI:
    """The API around a pipeline built once by the caller.

    Args:
        pipeline: the assembled pipeline (held in `app.state`, served by `get_pipeline`).
        settings: the configuration (API key, data folder).
        feedback: where ratings go (default: `settings.feedback_path`).
    """
    app = FastAPI(
        title="News Q&A",
        summary="Answers with cited passages from a local collection of news articles.",
        version="0.1.0",
    )
    app.state.pipeline = pipeline
    app.state.settings = settings
    app.state.feedback = feedback or FeedbackStore(settings.feedback_path)
    app.add_exception_handler(QAError, qa_error_handler)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(articles_router)
    app.include_router(openai_router)
    return app
