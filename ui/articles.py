"""The Articles panel's handlers: upload, list and remove articles. Thin: they call the
pipeline's library methods and format the outcome; a bad file is named with its reason and
changes nothing else."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from pydantic import SecretStr

from qa.errors import ConflictError, QAError
from qa.serving.articles import ArticleLibrary
from ui.format import article_rows, scope_choices

__all__ = ["ArticleHandlers"]


class ArticleHandlers:
    """Handlers of the Articles panel.

    Args:
        library: the pipeline, as an article library.
        api_key: when set (`QA_API_KEY`), uploads and removals need it.
    """

    def __init__(self, library: ArticleLibrary, api_key: SecretStr | None) -> None:
        self.library = library
        self.api_key = api_key

    def listing(self) -> tuple[Any, ...]:
        """(table rows, remove picker, ask-within picker) for the current articles."""
        articles = list(self.library.sources())
        names = [a.name for a in articles]
        return (
            article_rows(articles),
            gr.update(choices=names, value=None),
            gr.update(choices=scope_choices(articles)),
        )

    def upload(self, paths: Sequence[str] | str | None, key: str = "") -> tuple[Any, ...]:
        """Add the uploaded files (a file of an existing name replaces it): (status, table,
        remove picker, ask-within picker, cleared upload box)."""
        if isinstance(paths, str):
            paths = [paths]
        if not paths:
            return ("Choose .txt, .md or .html files first.", *self.listing(), None)
        if not self._authorised(key):
            return (_NEEDS_KEY, *self.listing(), gr.update())
        lines = [self._add(Path(path)) for path in paths]
        return ("\n".join(lines), *self.listing(), None)

    def remove(self, name: str | None, key: str = "") -> tuple[Any, ...]:
        """Remove the picked article: (status, table, remove picker, ask-within picker)."""
        if not name:
            return ("Pick an article to remove.", *self.listing())
        if not self._authorised(key):
            return (_NEEDS_KEY, *self.listing())
        try:
            self.library.remove_article(name)
        except QAError as exc:
            return (f"❌ {exc}", *self.listing())
        return (f"🗑️ Removed `{name}`.", *self.listing())

    def _add(self, path: Path) -> str:
        """One file added or replaced, as a status line naming it."""
        try:
            data = path.read_bytes()
            try:
                info = self.library.add_article(path.name, data)
                verb = "Added"
            except ConflictError:
                info = self.library.add_article(path.name, data, replace=True)
                verb = "Replaced"
        except (QAError, OSError) as exc:
            return f"❌ `{path.name}`: {exc}"
        title = f" “{info.title}”" if info.title else ""
        return f"✅ {verb} `{info.name}`{title}: {info.passages} passages."

    def _authorised(self, key: str) -> bool:
        if self.api_key is None:
            return True
        return secrets.compare_digest(
            (key or "").encode(), self.api_key.get_secret_value().encode()
        )


_NEEDS_KEY = "🔒 This server needs its API key (QA_API_KEY) to change articles."
