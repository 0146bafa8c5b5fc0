"""Each package's `__all__` lists exactly its public names (as httpx's
`test_exported_members.py` does), and optional backends are not imported with the packages."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

PACKAGES = [
    "index",
    "qa",
    "qa.retrieval",
    "qa.llm",
    "qa.answer",
    "qa.evaluation",
    "qa.serving",
    "qa.cli",
    "ui",
]


def public_names(package: types.ModuleType) -> set[str]:
    """Names a package defines or imports at its top, without submodules and underscores."""
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # from __future__ import annotations
    }


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    package = importlib.import_module(name)
    exported = list(package.__all__)
    assert len(exported) == len(set(exported)), "a name is listed twice"
    lazy = set(getattr(package, "_LAZY", {}))
    assert set(exported) == public_names(package) | lazy
    for attribute in exported:
        assert getattr(package, attribute) is not None


def test_optional_backends_are_not_imported_with_the_packages() -> None:
    optional = ("llama_cpp", "openai", "langchain_openai")
    code = (
        "import sys\n"
        f"for name in {[*PACKAGES, 'qa.pipeline', 'qa.server']!r}:\n"
        "    __import__(name)\n"
        f"print(sorted(m for m in {optional!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_names_import_their_backend() -> None:
    import qa.llm

    assert qa.llm.ChatLlamaCpp.__name__ == "ChatLlamaCpp"
    with pytest.raises(AttributeError):
        _ = qa.llm.NoSuchModel
