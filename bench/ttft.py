"""Time to first token: llama.cpp alone vs our `ChatLlamaCpp`, on the same RAG prompt.

Both load the same .gguf in this process and run alternately on a ~500-token prompt built
by the real prompt builder from passages of seeds/. Three measurements:

- raw: a plain `llama_cpp.Llama`, its KV cache reset before each run (the whole prompt);
- ours, cold: `ChatLlamaCpp.stream` with every cache cleared (the whole prompt again), so
  ours / raw is what the chain's model wrapper adds;
- ours, warm: the prompt's fixed opening (instructions and worked examples) already
  evaluated, as after the server's warm-up, so warm / raw is what serving gains from it.

Prints the p50 of each, the ratios, then the generation speed of one longer answer.

Usage: python -m bench.ttft --model qwen|smollm2 [--reps 5] [--prompt-tokens 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import cast

if __package__ in (None, ""):  # run as `python bench/ttft.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import llama_cpp
from langchain_core.messages import AIMessageChunk, BaseMessage

from qa.answer import evaluate_fixed_opening
from qa.answer.prompts import build_answer_messages
from qa.llm.llamacpp import ChatLlamaCpp, to_llama_messages
from qa.llm.model_files import ensure_model, smollm2_path
from qa.settings import get_settings
from qa.types import RetrievedPassage

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How much did Google plan to pay Scale AI this year, and what changed?"
PASSAGE_WORDS = 40


def seed_passages(seeds_dir: Path) -> Iterator[RetrievedPassage]:
    """Passages of about `PASSAGE_WORDS` words, taken in turn from each seed article."""
    per_file: list[list[RetrievedPassage]] = []
    for path in sorted(seeds_dir.glob("*.txt")) + sorted(seeds_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        words = text.split()
        chunks = []
        for i in range(0, len(words), PASSAGE_WORDS):
            piece = " ".join(words[i : i + PASSAGE_WORDS])
            chunks.append(
                RetrievedPassage(
                    id=f"{path.name}:{i}",
                    source=path.name,
                    start=0,
                    end=len(piece),
                    text=piece,
                    score=0.0,
                    dense_score=1.0,
                )
            )
        per_file.append(chunks)
    for i in range(max((len(c) for c in per_file), default=0)):
        for chunks in per_file:
            if i < len(chunks):
                yield chunks[i]


def rag_messages(chat: ChatLlamaCpp, seeds_dir: Path, prompt_tokens: int) -> list[BaseMessage]:
    """The answer prompt with as many passages as fit in about `prompt_tokens` tokens."""
    passages: list[RetrievedPassage] = []
    messages = build_answer_messages(QUESTION, passages)
    for passage in seed_passages(seeds_dir):
        candidate = build_answer_messages(QUESTION, [*passages, passage])
        if sum(chat.count_tokens(m.text) for m in candidate) > prompt_tokens:
            break
        passages.append(passage)
        messages = candidate
    return messages


def raw_ttft(llama: llama_cpp.Llama, chat: ChatLlamaCpp, messages: Sequence[BaseMessage]) -> float:
    """Seconds to the first content token from `Llama.create_chat_completion(stream=True)`."""
    llama.reset()
    request = to_llama_messages(messages)
    start = time.perf_counter()
    stream = llama.create_chat_completion(
        request,
        stream=True,
        temperature=chat.temperature,
        max_tokens=chat.max_tokens,
        seed=chat.seed,
    )
    try:
        for event in stream:
            if isinstance(event, dict) and event["choices"][0]["delta"].get("content"):
                return time.perf_counter() - start
    finally:
        getattr(stream, "close", lambda: None)()
    raise RuntimeError("the model produced no text")


def ours_ttft(chat: ChatLlamaCpp, messages: Sequence[BaseMessage], *, warm: bool) -> float:
    """Seconds to the first content chunk from `ChatLlamaCpp.stream`, from a cleared cache
    or (`warm`) with the prompt's fixed opening evaluated first, untimed."""
    chat.clear_cache()
    if warm:
        evaluate_fixed_opening(chat)
    start = time.perf_counter()
    stream = cast(Generator[AIMessageChunk, None, None], chat.stream(list(messages)))
    try:
        for chunk in stream:
            if chunk.content:
                return time.perf_counter() - start
    finally:
        stream.close()
    raise RuntimeError("the model produced no text")


def generation_speed(chat: ChatLlamaCpp, messages: Sequence[BaseMessage]) -> tuple[int, float]:
    """Prompt tokens, and generated tokens per second after the first one."""
    chat.clear_cache()
    first: float | None = None
    usage = None
    for chunk in chat.stream(list(messages)):
        if chunk.content and first is None:
            first = time.perf_counter()
        if chunk.usage_metadata:
            usage = chunk.usage_metadata
    end = time.perf_counter()
    if first is None or usage is None or usage["output_tokens"] < 2:
        return (usage["input_tokens"] if usage else 0), 0.0
    return usage["input_tokens"], (usage["output_tokens"] - 1) / (end - first)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["qwen", "smollm2"], default="qwen")
    parser.add_argument("--reps", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--prompt-tokens", type=int, default=500)
    parser.add_argument("--gen-tokens", type=int, default=48, help="for the speed run")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    args = parser.parse_args(argv)

    settings = get_settings(data_dir=ROOT / "data")
    path = ensure_model(settings) if args.model == "qwen" else smollm2_path()
    started = time.perf_counter()
    chat = ChatLlamaCpp(
        model_path=path,
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads,
        max_tokens=args.gen_tokens,
        temperature=0.0,
    )
    loaded = time.perf_counter() - started
    print(f"model      {path.name} (loaded in {loaded:.2f} s, {settings.n_threads} threads)")
    messages = rag_messages(chat, args.seeds, args.prompt_tokens)

    raw_llama = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads,
        n_threads_batch=settings.n_threads,
        seed=chat.seed,
        verbose=False,
    )

    raw_ttft(raw_llama, chat, messages)  # warm-up: page in the weights
    ours_ttft(chat, messages, warm=False)
    raw: list[float] = []
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(args.reps):
        raw.append(raw_ttft(raw_llama, chat, messages))
        cold.append(ours_ttft(chat, messages, warm=False))
        warm.append(ours_ttft(chat, messages, warm=True))
    prompt_tokens, speed = generation_speed(chat, messages)

    raw_p50, cold_p50, warm_p50 = (statistics.median(x) for x in (raw, cold, warm))
    print(f"prompt     {prompt_tokens} tokens (chat template included)")
    print(f"raw  TTFT        p50 {raw_p50 * 1000:8.1f} ms  runs {_ms(raw)}")
    print(f"ours TTFT, cold  p50 {cold_p50 * 1000:8.1f} ms  runs {_ms(cold)}")
    print(f"ours TTFT, warm  p50 {warm_p50 * 1000:8.1f} ms  runs {_ms(warm)}")
    print(f"ratio      {cold_p50 / raw_p50:.3f} (ours cold / raw: what the wrapper adds)")
    print(f"ratio      {warm_p50 / raw_p50:.3f} (ours warm / raw: fixed opening evaluated)")
    print(f"prompt     {prompt_tokens / raw_p50:.1f} tokens/s (prompt tokens / raw TTFT p50)")
    print(f"generation {speed:.1f} tokens/s")
    return 0


def _ms(values: Sequence[float]) -> str:
    return " ".join(f"{v * 1000:.0f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
