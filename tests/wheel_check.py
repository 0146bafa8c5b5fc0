"""Ship what you test: build the wheel, install it where the dependencies are visible but the
source tree is not, import every module from it and run `qa --help`.

Run by `make wheel-check` (part of `make test`); exits non-zero with a message on failure.
Usage: python tests/wheel_check.py
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "qa", "ui")


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=_clean_env()
    )
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    return env


def source_modules() -> list[str]:
    """Every module of the source tree, as dotted names (`__main__` modules left out: importing
    one runs the program)."""
    names = set()
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def copy_sources(target: Path) -> Path:
    """The files git would commit, copied to `target`: no build/ left over from another
    build, which setuptools would pack again."""
    listed = run(
        "git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT
    ).split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wheel-check-") as tmp_name:
        tmp = Path(tmp_name)
        source = copy_sources(tmp / "source")
        pip = (sys.executable, "-m", "pip")
        run(*pip, "wheel", "-q", "--no-deps", "-w", tmp / "dist", source, cwd=tmp)
        (wheel,) = (tmp / "dist").glob("newsqa-*.whl")
        # A bare environment that sees this environment's dependencies through a path entry
        # (not a site dir, so the editable install's finder is not loaded), and the wheel.
        venv.create(tmp / "env", with_pip=False)
        python = tmp / "env" / "bin" / "python"
        env_site = Path(
            run(
                python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp
            ).strip()
        )
        deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
        (env_site / "dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
        run(*pip, "--python", python, "install", "-q", "--no-deps", wheel, cwd=tmp)
        names = source_modules()
        probe = (
            "import importlib\n"
            f"site = {str(env_site)!r}\n"
            f"for name in {names!r}:\n"
            "    module = importlib.import_module(name)\n"
            "    assert module.__file__.startswith(site), f'{name} from {module.__file__}'\n"
        )
        run(python, "-c", probe, cwd=tmp)
        usage = run(tmp / "env" / "bin" / "qa", "--help", cwd=tmp)
        if "usage: qa" not in usage:
            raise SystemExit(f"`qa --help` printed no usage:\n{usage}")
        print(f"{wheel.name}: {len(names)} modules import from the installed wheel; qa --help ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
