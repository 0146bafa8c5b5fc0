"""`ChatLlamaCpp` on the tiny SmolLM2: usage counts, the kept prompt prefix, the lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator
from pathlib import Path
from typing import cast

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from qa.errors import BadInputError, ModelUnavailableError
from qa.llm import make_chat_model, model_name
from qa.llm.llamacpp import ChatLlamaCpp, to_llama_messages
from qa.llm.model_files import (
    smollm2_path,
)
from qa.settings import Settings

from conftest import CHAT_QUESTION


def test_messages_map_to_llama_roles() -> None:
    messages = [SystemMessage("s"), HumanMessage("u"), AIMessage("a")]
    assert to_llama_messages(messages) == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"},
    ]
    with pytest.raises(BadInputError, match="'tool'"):
        to_llama_messages([ToolMessage("x", tool_call_id="1")])


@pytest.fixture(scope="module")
def smol() -> ChatLlamaCpp:
    """The tiny model through the factory, as the pipeline builds it."""
    settings = Settings(backend="local", model_path=smollm2_path(), max_tokens=32)
    chat = make_chat_model(settings)
    assert isinstance(chat, ChatLlamaCpp)
    return chat


@pytest.mark.slow
def test_invoke_returns_text_and_usage(smol: ChatLlamaCpp) -> None:
    assert smol._llm_type == "llama-cpp"
    assert model_name(smol) == "SmolLM2-135M-Instruct.Q4_1.gguf"

    reply = smol.invoke(CHAT_QUESTION)

    assert isinstance(reply.content, str) and reply.content.strip()
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] > 10 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert reply.response_metadata["finish_reason"] in {"stop", "length"}


@pytest.mark.slow
def test_stream_matches_invoke_at_temperature_zero(smol: ChatLlamaCpp) -> None:
    reply = smol.invoke(CHAT_QUESTION)

    chunks = list(smol.stream(CHAT_QUESTION))

    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert len([c for c in chunks if c.content]) > 3
    assert "".join(str(c.content) for c in chunks) == reply.content
    assert chunks[-1].chunk_position == "last"
    streamed, invoked = chunks[-1].usage_metadata, reply.usage_metadata
    assert streamed is not None and invoked is not None
    assert streamed["input_tokens"] == invoked["input_tokens"]
    assert streamed["output_tokens"] == invoked["output_tokens"]
    assert streamed["total_tokens"] == invoked["total_tokens"]


@pytest.mark.slow
def test_reused_prompt_prefix_is_reported_as_cached(smol: ChatLlamaCpp) -> None:
    system = SystemMessage("Reply briefly and in plain words, as a librarian would. " * 4)
    first = smol.invoke([system, HumanMessage("What is the capital of France?")])
    second = smol.invoke([system, HumanMessage("What is the capital of Spain?")])

    def cached(reply: AIMessage) -> int:
        usage = reply.usage_metadata
        assert usage is not None
        return usage.get("input_token_details", {}).get("cache_read", 0)

    # Only the chat template's opening tokens match an earlier, different prompt.
    assert cached(first) < 5
    system_tokens = smol.count_tokens(str(system.content))
    assert system_tokens <= cached(second) < cast(dict, second.usage_metadata)["input_tokens"]


@pytest.mark.slow
def test_prefix_survives_a_different_prompt_in_between(smol: ChatLlamaCpp) -> None:
    system = SystemMessage("Answer in one short sentence, and be polite about it. " * 6)
    smol.invoke([system, HumanMessage("What is the capital of France?")])
    smol.invoke([HumanMessage("Something else entirely, to replace the evaluated prompt.")])
    asked = [system, HumanMessage("What is the capital of Italy?")]

    restored = smol.invoke(asked)
    usage = restored.usage_metadata
    assert usage is not None
    assert usage.get("input_token_details", {}).get("cache_read", 0) >= smol.count_tokens(
        str(system.content)
    )
    # The restored state gives exactly what a fresh evaluation of the whole prompt gives.
    smol.clear_cache()
    fresh = smol.invoke(asked)
    assert cast(dict, fresh.usage_metadata)["input_token_details"]["cache_read"] == 0
    assert restored.content == fresh.content


@pytest.mark.slow
def test_stop_sequences_and_call_options(smol: ChatLlamaCpp) -> None:
    full = str(smol.invoke(CHAT_QUESTION).content)
    words = full.split()
    assert len(words) > 2
    stop = f" {words[2]}"

    cut = smol.invoke(CHAT_QUESTION, stop=[stop])
    streamed = "".join(str(c.content) for c in smol.stream(CHAT_QUESTION, stop=[stop]))

    assert cut.content == streamed == full[: full.index(stop)]
    short = smol.invoke(CHAT_QUESTION, max_tokens=3)
    assert short.response_metadata["finish_reason"] == "length"
    assert short.usage_metadata is not None and short.usage_metadata["output_tokens"] == 3
    with pytest.raises(TypeError, match="tools"):
        smol.invoke(CHAT_QUESTION, tools=[])


@pytest.mark.slow
def test_concurrent_callers_take_turns(smol: ChatLlamaCpp) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            results.append(str(smol.invoke(CHAT_QUESTION).content))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1] and results[0]


@pytest.mark.slow
def test_async_calls_work_through_the_same_lock(smol: ChatLlamaCpp) -> None:
    async def both() -> tuple[str, str]:
        reply = await smol.ainvoke(CHAT_QUESTION)
        chunks = [c async for c in smol.astream(CHAT_QUESTION)]
        return str(reply.content), "".join(str(c.content) for c in chunks)

    invoked, streamed = asyncio.run(both())
    assert invoked and invoked == streamed


@pytest.mark.slow
def test_an_abandoned_stream_frees_the_model(smol: ChatLlamaCpp) -> None:
    stream = cast(Generator[AIMessageChunk, None, None], smol.stream(CHAT_QUESTION))
    next(stream)
    stream.close()

    done = threading.Event()

    def ask() -> None:
        smol.invoke(CHAT_QUESTION, max_tokens=2)
        done.set()

    threading.Thread(target=ask, daemon=True).start()
    assert done.wait(timeout=60)


@pytest.mark.slow
def test_token_counts_use_the_model_tokenizer(smol: ChatLlamaCpp) -> None:
    assert smol.count_tokens("") == 0
    n = smol.count_tokens("The capital of France is Paris.")
    assert 4 <= n <= 12
    assert smol.get_num_tokens("The capital of France is Paris.") == n


@pytest.mark.slow
def test_a_prompt_longer_than_the_context_is_bad_input() -> None:
    chat = ChatLlamaCpp(model_path=smollm2_path(), n_ctx=256, max_tokens=8)
    long_question = [HumanMessage("word " * 300)]

    with pytest.raises(BadInputError, match="256-token context"):
        chat.invoke(long_question)
    with pytest.raises(BadInputError, match="256-token context"):
        list(chat.stream(long_question))


def test_a_broken_model_file_is_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF not really")
    with pytest.raises(ModelUnavailableError, match="cannot load"):
        ChatLlamaCpp(model_path=broken)
    with pytest.raises(ModelUnavailableError, match="no model file"):
        ChatLlamaCpp(model_path=tmp_path / "missing.gguf")
