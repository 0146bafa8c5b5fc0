"""Serving over HTTP: the FastAPI app with the API's own routes and the OpenAI-compatible
`/v1` routes, their shared dependencies, error shape, streaming and feedback store.

The full server (this app with the Gradio UI mounted) is assembled in `qa.server`.
"""

from __future__ import annotations

from qa.serving.app import create_app
from qa.serving.deps import QAPipeline, check_question, require_api_key
from qa.serving.errors import ErrorBody, ErrorResponse, error_body
from qa.serving.feedback import Feedback, FeedbackRecord, FeedbackStore, Rating
from qa.serving.openai_schema import SYSTEM_MODEL_ID, format_sources
from qa.serving.streaming import iterate_in_thread

__all__ = [
    "SYSTEM_MODEL_ID",
    "ErrorBody",
    "ErrorResponse",
    "Feedback",
    "FeedbackRecord",
    "FeedbackStore",
    "QAPipeline",
    "Rating",
    "check_question",
    "create_app",
    "error_body",
    "format_sources",
    "iterate_in_thread",
    "require_api_key",
]
