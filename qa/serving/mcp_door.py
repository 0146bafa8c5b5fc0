"""The door for agents: an MCP server (the `mcp` SDK's `MCPServer`) over streamable HTTP at
`/mcp`, beside the API on the same app.

Tools:
- `ask(question, history?, sources?)` → `{answer, refused, citations}` (the shared `Citation`
  schema), through the same admission queue as every other door;
- `search(query, k?)` → the `k` best passages, as citations with their offsets.

With `QA_API_KEY` set, every request needs `Authorization: Bearer KEY` (401 otherwise). The
server is stateless (no session to keep) and answers JSON.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.errors import UnauthorizedError
from qa.serving.admission import Admission
from qa.serving.deps import QAPipeline, key_matches
from qa.serving.errors import error_response
from qa.serving.streaming import iterate_in_thread
from qa.settings import Settings
from qa.types import MAX_QUESTION_CHARS, Answer, ChatTurn, Citation

__all__ = ["MCP_PATH", "AskResult", "build_mcp_server", "mount_mcp"]

MCP_PATH = "/mcp"


class AskResult(BaseModel):
    """The answer to a question: checked text, whether it was declined, its sources."""

    answer: str = Field(description="The answer with [n] markers, or the refusal message")
    refused: bool = Field(description="True when the articles do not hold the answer")
    citations: list[Citation] = Field(description="The sources the [n] markers cite")


def build_mcp_server(pipeline: QAPipeline, admission: Admission) -> MCPServer:
    """The MCP server with the `ask` and `search` tools over one pipeline and queue."""
    server: MCPServer = MCPServer(
        name="newsqa",
        instructions="Answers questions from a local collection of news articles, with"
        " citations (source file and character offsets). Use `ask` for an answer and"
        " `search` for the raw passages.",
    )

    @server.tool()
    async def ask(
        question: str,
        history: list[ChatTurn] | None = None,
        sources: list[str] | None = None,
    ) -> AskResult:
        """Answer a question about the news articles with numbered, checked citations, or
        decline when the articles do not hold the answer. `history`: earlier turns
        ({role: user|assistant, content}), oldest first, for follow-ups. `sources`: only
        these article file names or version groups (`story:...`, see GET /api/articles)."""
        turns = list(history or [])[-50:]
        ticket = admission.reserve()
        answer: Answer | None = None
        async for item in iterate_in_thread(
            lambda: ticket.run(lambda: pipeline.stream(question, turns, sources=sources or None))
        ):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return AskResult(answer=answer.answer, refused=answer.refused, citations=answer.citations)

    @server.tool(name="search")
    def search_tool(query: str, k: int = 4) -> list[Citation]:
        """The k (1-20) passages that best match the query, each with its source file,
        character offsets (start, end) and cosine similarity to the query (score)."""
        if not query.strip() or len(query) > MAX_QUESTION_CHARS:
            raise ValueError(f"the query must hold 1 to {MAX_QUESTION_CHARS} characters")
        passages = pipeline.search(query, max(1, min(k, 20)))
        return [Citation.from_passage(i, p, p.dense_score) for i, p in enumerate(passages, 1)]

    return server


class _KeyGuard:
    """ASGI wrapper: with an API key configured, requests need `Authorization: Bearer KEY`."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            given = header[7:] if header.lower().startswith("bearer ") else None
            if not key_matches(self.settings, given):
                error = UnauthorizedError(
                    "missing or wrong API key: send `Authorization: Bearer <QA_API_KEY>`"
                )
                await error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def mount_mcp(
    app: FastAPI, pipeline: QAPipeline, admission: Admission, settings: Settings
) -> MCPServer:
    """Serve the MCP server at `/mcp` on `app` (guarded by the API key) and run its session
    manager in the app's lifespan. Call before mounting anything at `/`."""
    server = build_mcp_server(pipeline, admission)
    http_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=settings.host
    )
    # A Route (not a Mount): `/mcp` itself is the endpoint, with no redirect to `/mcp/`.
    app.router.routes.append(Route(MCP_PATH, _KeyGuard(http_app, settings)))
    outer = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(inner: Any) -> AsyncIterator[Any]:
        async with server.session_manager.run(), outer(inner) as state:
            yield state

    app.router.lifespan_context = lifespan
    return server
