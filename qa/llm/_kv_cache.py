"""llama.cpp internals: token counts of the latest generation and kept KV-cache states.

Private to `qa.llm`: `ChatLlamaCpp` is the only user.
"""

from __future__ import annotations

import ctypes
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import llama_cpp

__all__ = ["CountingLlama"]


@dataclass(frozen=True)
class _Snapshot:
    """The context's state after one generation: its evaluated tokens and KV cache."""

    tokens: list[int]
    state: Any  # a ctypes byte array from llama_state_get_data
    size: int


# Prompts sharing this many leading tokens share a fixed opening (instructions, examples).
_OPENING = 48


class CountingLlama(llama_cpp.Llama):
    """A `Llama` that counts the tokens of its latest generation and keeps prompt prefixes.

    Streamed chat completions carry no usage figures, so they are counted where every
    completion passes: `generate(prompt_tokens)`. The counts match the `usage` of a
    non-streamed completion: the prompt tokens, and the sampled tokens except an
    end-of-generation token. `cached_tokens` is the part of the prompt that was not
    evaluated again, so `prompt_tokens - cached_tokens` is what the prompt really cost.

    llama.cpp skips the leading tokens a prompt shares with the previous one, but one
    different prompt in between (a follow-up's rewrite) loses the answer prompt's long
    fixed prefix. So the state after each of the last few generations is kept (about 9 MB
    for 300 tokens, copied in milliseconds; llama-cpp-python's own `LlamaRAMCache` also
    copies a 300 MB logits buffer) and the one sharing the longest prefix with a new
    prompt is restored first.
    """

    prompt_tokens = 0
    cached_tokens = 0
    completion_tokens = 0
    max_snapshots = 3

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._snapshots: list[_Snapshot] = []

    def generate(
        self, tokens: Sequence[int], *args: Any, **kwargs: Any
    ) -> Generator[int, Sequence[int] | None, None]:
        tokens = list(tokens)
        self._restore_best_prefix(tokens)
        self.prompt_tokens = len(tokens)
        self.cached_tokens = _reused_prefix(self._input_ids.tolist(), tokens)
        self.completion_tokens = 0
        vocab = self._model.vocab
        try:
            for token in super().generate(tokens, *args, **kwargs):
                if not llama_cpp.llama_vocab_is_eog(vocab, token):
                    self.completion_tokens += 1
                yield token
        finally:
            self._snapshot()

    def forget_snapshots(self) -> None:
        """Drop the kept states."""
        self._snapshots = []

    def _snapshot(self) -> None:
        size = llama_cpp.llama_state_get_size(self._ctx.ctx)
        state = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(self._ctx.ctx, state, size)
        tokens = self._input_ids.tolist()
        # One state per fixed opening: a prompt sharing its opening with a kept state takes
        # its place, so a burst of short prompts of one kind (the yes/no checks of an
        # answer's claims) does not push the answer prompt's opening out.
        snaps = [s for s in self._snapshots if _reused_prefix(s.tokens, tokens) < _OPENING]
        snaps.append(_Snapshot(tokens, state, int(written)))
        self._snapshots = snaps[-self.max_snapshots :]

    def _restore_best_prefix(self, prompt: list[int]) -> None:
        current = _reused_prefix(self._input_ids.tolist(), prompt)
        best = max(self._snapshots, key=lambda s: _reused_prefix(s.tokens, prompt), default=None)
        if best is None or _reused_prefix(best.tokens, prompt) <= current:
            return
        if llama_cpp.llama_state_set_data(self._ctx.ctx, best.state, best.size) != best.size:
            self.reset()  # a state that does not load leaves nothing to trust
            return
        self.input_ids[: len(best.tokens)] = best.tokens
        self.n_tokens = len(best.tokens)
        self._requires_eval = True  # the saved logits are not restored: evaluate again


def _reused_prefix(evaluated: Sequence[int], prompt: Sequence[int]) -> int:
    """Leading prompt tokens llama.cpp keeps from the last evaluation (at least one token is
    always evaluated again, for fresh logits)."""
    same = 0
    for a, b in zip(evaluated, prompt, strict=False):
        if a != b:
            break
        same += 1
    return min(same, max(len(prompt) - 1, 0))
