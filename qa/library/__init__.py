"""The article library: the seeds folder kept indexed while the server runs (uploads,
replacements, deletions and a folder watch, all through one incremental code path), with
article metadata and version groups, swapped atomically under the questions."""

from __future__ import annotations

from qa.library.library import Library, safe_article_name
from qa.library.watch import FolderWatch

__all__ = ["FolderWatch", "Library", "safe_article_name"]
