"""Every door of a real server (uvicorn on 127.0.0.1, the real extractive pipeline, an API key)
with the clients people use: the `openai` SDK, LangChain's `ChatOpenAI`, `gradio_client`,
the `mcp` client and raw HTTP, with and without the key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import openai
import pytest
from gradio_client import Client
from langchain_openai import ChatOpenAI
from mcp import Client as MCPClient
from mcp.client.streamable_http import streamable_http_client

from qa.server import create_server_app

from conftest import QUESTION, LiveServer, real_pipeline

pytestmark = pytest.mark.server

KEY = "door-key"
FOLLOW_UP = "And how much did it spend last year?"
FIRST = "How much did Google plan to pay Scale AI?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    pipeline = real_pipeline(tmp_path_factory.mktemp("doors"), embedder, api_key=KEY)
    with LiveServer(create_server_app(pipeline.settings, pipeline)) as live:
        yield live


@pytest.fixture
def sdk(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0, timeout=120)


# ---------------------------------------------------------------- the key guards every door


def test_without_the_key_every_door_is_shut(server: LiveServer) -> None:
    url = server.url
    shut = [
        httpx.post(f"{url}/api/ask", json={"question": QUESTION}),
        httpx.post(f"{url}/v1/chat/completions", json={"messages": []}),
        httpx.get(f"{url}/api/sources"),
        httpx.post(f"{url}/gradio_api/call/ask", json={"data": [QUESTION, []]}),
        httpx.post(f"{url}/gradio_api/queue/join", json={"data": [QUESTION, []], "fn_index": 0}),
        httpx.get(f"{url}/gradio_api/info"),
        httpx.get(f"{url}/config"),
        httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    ]
    assert [r.status_code for r in shut] == [401] * len(shut), [r.text[:80] for r in shut]
    assert shut[-1].json()["error"]["code"] == "invalid_api_key"
    with pytest.raises(Exception, match="credentials"):
        Client(f"{url}/", verbose=False)
    for public in ("/health", "/openapi.json", "/docs"):
        assert httpx.get(f"{url}{public}").status_code == 200
    page = httpx.get(f"{url}/")  # the UI's page: a login form, no questions answered
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_a_browser_logs_in_with_the_key(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as browser:
        wrong = browser.post("/login", data={"username": "me", "password": "nope"})
        assert wrong.status_code == 400
        assert browser.post("/login", data={"username": "me", "password": KEY}).status_code == 200
        assert browser.get("/config").status_code == 200
        assert browser.get("/gradio_api/info").status_code == 200


# ---------------------------------------------------------------- openai SDK


def test_openai_sdk_request_shapes(sdk: openai.OpenAI) -> None:
    def ask(messages: list[Any], **extra: Any) -> Any:
        return sdk.chat.completions.create(model="newsqa", messages=messages, **extra)

    q = {"role": "user", "content": QUESTION}
    shapes: list[list[Any]] = [
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None}, q],
        [
            {"role": "user", "content": "look it up"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "done"},
            q,
        ],
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": QUESTION},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                ],
            }
        ],
        [{"role": ("user", "assistant")[i % 2], "content": f"turn {i}"} for i in range(119)] + [q],
    ]
    for messages in shapes:
        reply = ask(messages, temperature=0.3, seed=1, user="u", response_format={"type": "text"})
        assert "49" in (reply.choices[0].message.content or "")
    capped = ask([q], max_tokens=3)
    assert capped.choices[0].finish_reason == "length"
    stopped = ask([q], stop=["49"])
    assert "49" not in (stopped.choices[0].message.content or "").split("Sources:")[0]
    with pytest.raises(openai.BadRequestError, match="one choice"):
        ask([q], n=2)
    with pytest.raises(openai.UnprocessableEntityError, match="characters"):
        ask([{"role": "user", "content": "x" * 2001}])


def test_openai_sdk_usage_only_when_asked(sdk: openai.OpenAI) -> None:
    q: list[Any] = [{"role": "user", "content": QUESTION}]
    plain = list(sdk.chat.completions.create(model="newsqa", messages=q, stream=True))
    assert all(c.usage is None for c in plain)
    options: Any = {"include_usage": True}
    asked = list(
        sdk.chat.completions.create(model="newsqa", messages=q, stream=True, stream_options=options)
    )
    assert asked[-1].choices == [] and asked[-1].usage is not None
    assert sum(c.usage is not None for c in asked) == 1


def test_langchain_chat_openai_counts_usage_once(server: LiveServer) -> None:
    llm = ChatOpenAI(
        model="newsqa",
        base_url=f"{server.url}/v1",
        api_key=KEY,
        max_retries=0,
        stream_usage=True,
    )
    reply = llm.invoke(QUESTION)
    assert "49" in str(reply.content) and reply.usage_metadata is not None
    chunks = list(llm.stream(QUESTION))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert "49" in str(total.content)
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1 and total.usage_metadata == with_usage[0].usage_metadata


# ---------------------------------------------------------------- gradio_client


def test_gradio_client_history_comes_from_the_messages_sent(server: LiveServer) -> None:
    client = Client(f"{server.url}/", auth=("anyone", KEY), verbose=False)
    first = client.predict(FIRST, [], api_name="/ask")
    # Gradio 6 chat messages hold lists of parts; a caller sends back what it was given.
    history = [
        {"role": "user", "content": [{"type": "text", "text": FIRST}]},
        {"role": "assistant", "content": first[1][-1]["content"]},
    ]
    follow = client.predict(FOLLOW_UP, history, api_name="/ask")
    assert "150" in follow[1][-1]["content"][0]["text"]
    # The same session, no history sent: nothing of the earlier turns leaks in.
    alone = client.predict(FOLLOW_UP, [], api_name="/ask")
    assert len(alone[1]) == 2
    assert f"**Standalone question:** {FOLLOW_UP}" in alone[-1]


# ---------------------------------------------------------------- MCP


async def _mcp(url: str, key: str) -> tuple[list[str], Any, Any]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120)
    async with http, MCPClient(streamable_http_client(url, http_client=http)) as client:
        tools = await client.list_tools()
        asked = await client.call_tool("ask", {"question": QUESTION})
        found = await client.call_tool("search", {"query": "Scale AI revenue", "k": 2})
        return [t.name for t in tools.tools], asked, found


def test_mcp_client_lists_and_calls_the_tools(server: LiveServer) -> None:
    names, asked, found = asyncio.run(_mcp(f"{server.url}/mcp", KEY))
    assert {"ask", "search"} <= set(names)
    assert not asked.is_error
    result = asked.structured_content
    assert result["refused"] is False and "49" in result["answer"]
    citation = result["citations"][0]
    assert {"n", "source", "start", "end", "text", "score"} <= set(citation)
    passages = found.structured_content["result"]
    assert len(passages) == 2 and passages[0]["end"] > passages[0]["start"]


def test_mcp_without_the_key_is_refused(server: LiveServer) -> None:
    with pytest.raises(BaseException):  # noqa: B017 - the SDK wraps the 401 in task groups
        asyncio.run(_mcp(f"{server.url}/mcp", "wrong"))
