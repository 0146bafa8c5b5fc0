"""Chat-template control tokens in user or article text (`<|im_start|>`, `<|im_end|>`,
`<|endoftext|>`, ...) are broken up before a prompt is rendered, so a tokenizer never reads
them as the control tokens that open a turn or end the text. Both backends apply it: the
llama.cpp one with its model's own list of special tokens, the OpenAI-compatible one with the
common forms (the server's vocabulary is not known here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from langchain_core.messages import BaseMessage

__all__ = ["CONTROL_TOKEN", "neutralize", "neutralize_messages"]

# The control-token forms chat templates use: <|...|> (ChatML, Llama 3, Phi), <s>/</s>,
# [INST] (Mistral, Llama 2), <<SYS>>, <start_of_turn>/<end_of_turn> (Gemma).
_COMMON = r"<\|[^<>|\s]{1,64}\|>|</?s>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>"
CONTROL_TOKEN = re.compile(_COMMON)
"""A control token in one of the common forms (`<|im_start|>`, `[INST]`, `<end_of_turn>`)."""


@lru_cache(maxsize=8)
def _pattern(specials: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [re.escape(s) for s in sorted(specials, key=len, reverse=True) if len(s) > 1]
    return re.compile("|".join([*alternatives, _COMMON]))


def neutralize(text: str, specials: Iterable[str] = ()) -> str:
    """`text` with every control token (one of `specials`, or a common form such as
    `<|im_start|>`) broken by a space after its first character: `< |im_start|>` reads the
    same to a person and is plain text to a tokenizer."""
    pattern = _pattern(tuple(sorted(set(specials))))
    return pattern.sub(lambda m: f"{m.group()[0]} {m.group()[1:]}", text)


def neutralize_messages(
    messages: Sequence[BaseMessage], specials: Iterable[str] = ()
) -> list[BaseMessage]:
    """Copies of `messages` whose text content is neutralized (see `neutralize`)."""
    kept = tuple(specials)
    out: list[BaseMessage] = []
    for message in messages:
        content = message.content
        if isinstance(content, str):
            content = neutralize(content, kept)
        else:
            content = [
                {**part, "text": neutralize(str(part["text"]), kept)}
                if isinstance(part, dict) and "text" in part
                else part
                for part in content
            ]
        out.append(message.model_copy(update={"content": content}))
    return out
