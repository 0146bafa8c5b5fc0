"""newsqa: questions over a local collection of news articles, answered with cited passages.

Layers, lowest first (a test holds the imports to them): `index` (load, chunk, embed, store);
`qa` core: `qa.types`, `qa.errors`, `qa.settings`, then `qa.retrieval`, `qa.llm`,
`qa.answer`, then `qa.evaluation` and `qa.serving`; `ui`; and the composition roots
`qa.pipeline`, `qa.server` and `qa.cli`. See ARCHITECTURE.md.
"""

from __future__ import annotations

from qa.errors import QAError
from qa.settings import Settings, get_settings
from qa.types import Answer, ChatTurn, Citation

__all__ = ["Answer", "ChatTurn", "Citation", "QAError", "Settings", "get_settings"]
