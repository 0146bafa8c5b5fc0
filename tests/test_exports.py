"""Each package's `__all__` lists exactly its public names (as httpx's
`test_exported_members.py` does), and optional backends are not imported with the packages."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import types

import pytest

from conftest import ROOT

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


def _modules() -> list[str]:
    names = []
    for top in ("index", "qa", "ui"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] not in ("__init__", "__main__"):
                names.append(".".join(parts))
    return names


@pytest.mark.parametrize("name", _modules())
def test_each_module_exports_what_it_defines_and_hides_the_rest(name: str) -> None:
    """A module's functions and classes are in its `__all__` or start with an underscore."""
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert not {n for n in exported if n.startswith("_")}
    assert all(hasattr(module, n) for n in exported)
    defined_here = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == name
    }
    assert defined_here <= exported, f"public but not exported: {sorted(defined_here - exported)}"
