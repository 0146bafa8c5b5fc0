"""The package layers, read from the imports (AST): every import edge must go down a layer.

index < qa foundation (types, errors, settings) < retrieval, llm < answer < evaluation;
serving < ui < the composition roots (qa.pipeline, qa.server, qa.cli), the only modules that
wire stages together and the only ones that may import `ui`. Imports inside functions and
under TYPE_CHECKING count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

ROOTS = "roots"
# Each group and the groups it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "index": set(),
    "qa.foundation": {"index"},
    "qa.retrieval": {"index", "qa.foundation"},
    "qa.llm": {"index", "qa.foundation"},
    "qa.answer": {"index", "qa.foundation", "qa.llm"},
    "qa.evaluation": {"index", "qa.foundation", "qa.llm", "qa.answer"},
    "qa.library": {"index", "qa.foundation", "qa.retrieval"},
    "qa.serving": {"qa.foundation"},
    "ui": {"qa.foundation", "qa.serving"},
    ROOTS: {
        "index",
        "qa.foundation",
        "qa.retrieval",
        "qa.llm",
        "qa.answer",
        "qa.evaluation",
        "qa.library",
        "qa.serving",
        "ui",
    },
}
_FOUNDATION = {"qa", "qa.types", "qa.errors", "qa.settings"}
_ROOT_MODULES = {"qa.pipeline", "qa.server", "qa.cli"}
_STAGES = {"qa.retrieval", "qa.llm", "qa.answer", "qa.evaluation", "qa.library", "qa.serving"}


def group_of(module: str) -> str | None:
    """The layer group of a project module; None for a module outside the project."""
    top = module.split(".")[0]
    if top in ("index", "ui"):
        return top
    if top != "qa":
        return None
    parts = module.split(".")
    head = ".".join(parts[:2])
    if module in _FOUNDATION:
        return "qa.foundation"
    if head in _ROOT_MODULES:
        return ROOTS
    if head in _STAGES:
        return head
    raise AssertionError(f"{module} belongs to no layer: add it to tests/test_layers.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_project_module(name: str) -> bool:
    """True when `name` is a module or package of the source tree."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a module: `import a.b`, `from a import b`
    (also `a.b` when that is a module), and `importlib.import_module("a.b")` or
    `__import__("a.b")` with a literal name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "use absolute imports"
            module = node.module or ""
            found.append((node.lineno, module))
            found += [
                (node.lineno, f"{module}.{alias.name}")
                for alias in node.names
                if is_project_module(f"{module}.{alias.name}")
            ]
        elif isinstance(node, ast.Call) and _imports_by_name(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def _imports_by_name(func: ast.expr) -> bool:
    """`importlib.import_module(...)`, `import_module(...)` or `__import__(...)`."""
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


SOURCES = sorted(p for top in ("index", "qa", "ui") for p in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down_the_layers(path: Path) -> None:
    here = module_name(path)
    mine = group_of(here)
    assert mine is not None
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target} ({theirs})"
        for line, target in imported(tree)
        if (theirs := group_of(target)) is not None
        and theirs != mine
        and theirs not in ALLOWED[mine]
    ]
    assert not wrong, f"{here} ({mine}) may import only {sorted(ALLOWED[mine])}:\n" + "\n".join(
        wrong
    )


def test_the_rule_catches_a_back_edge() -> None:
    tree = ast.parse(
        "from qa.types import Answer\nimport ui.app\n"
        "def later():\n    from qa import pipeline\n    importlib.import_module('qa.server')\n"
    )
    modules = [module for _, module in imported(tree)]
    assert modules == ["qa.types", "ui.app", "qa", "qa.pipeline", "qa.server"]
    assert {group_of(module) for module in modules} == {"qa.foundation", "ui", ROOTS}
    assert "qa.foundation" not in ALLOWED["index"]
    assert "ui" not in ALLOWED["qa.serving"] | ALLOWED["qa.answer"]


def test_every_module_has_a_layer() -> None:
    assert {group_of(module_name(p)) for p in SOURCES} == set(ALLOWED)
