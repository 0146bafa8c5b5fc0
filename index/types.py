"""The passage: a span of one source file, the unit that is embedded, stored and retrieved."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Passage"]


class Passage(BaseModel):
    """A span of one source file. `original[start:end] == text` always holds.

    Attributes:
        id: `source:start-end:content_hash`, so the id changes exactly when the span does.
        source: the file name, relative to the seeds folder.
        start: offset of the first character, in characters of the original text.
        end: offset after the last character.
        text: the span's exact text.
        position: index of the passage within its source (0-based).
        content_hash: the first 16 hex digits of the text's sha256.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    position: int = Field(ge=0, description="Index of the passage within its source")
    content_hash: str
