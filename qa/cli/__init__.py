"""The `qa` command line (a composition root). `main` is the console script's entry point."""

from __future__ import annotations

from qa.cli.commands import main

__all__ = ["main"]
