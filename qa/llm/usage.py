"""Token counts read off a chat model's messages, the same way for every backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TokenUsage"]


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one or more generations.

    Attributes:
        prompt: prompt tokens, cached ones included.
        cached: prompt tokens the model reused from its cache instead of evaluating again.
        completion: generated tokens.
    """

    prompt: int = 0
    cached: int = 0
    completion: int = 0

    @classmethod
    def of(cls, message: Any) -> TokenUsage:
        """The usage a LangChain message (or chunk) reports in `usage_metadata`; zeros when it
        reports none."""
        counts = getattr(message, "usage_metadata", None) or {}
        return cls(
            prompt=int(counts.get("input_tokens", 0)),
            cached=int((counts.get("input_token_details") or {}).get("cache_read", 0)),
            completion=int(counts.get("output_tokens", 0)),
        )

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt + other.prompt,
            self.cached + other.cached,
            self.completion + other.completion,
        )
