"""The same index and queries through a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import httpx
import pytest

from index.embedder import Embedder
from index.loader import read_source_text
from index.normalize import normalize
from qa.pipeline import build_retriever, build_store, run_index
from qa.settings import Settings

from conftest import QUERIES, free_port

pytestmark = pytest.mark.server

CHROMA = Path(sys.executable).parent / "chroma"


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, read from /proc (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Chroma server bound to 127.0.0.1 on a free port; yields the port."""
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: install chromadb in the venv")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(folder / "db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"chroma run exited ({proc.returncode}):\n"
                    + (folder / "server.log").read_text()
                )
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("no Chroma heartbeat in 60 s:\n" + (folder / "server.log").read_text())
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_server_listens_on_loopback_only(chroma_server: int) -> None:
    addresses = listening_addresses(chroma_server)
    assert addresses, "nothing listens on the server port"
    # 0100007F is 127.0.0.1 as /proc writes it; an IPv6 wildcard would be all zeros.
    assert addresses == {"0100007F"}, addresses


def test_server_and_embedded_give_the_same_results(
    chroma_server: int, tmp_path: Path, seeds_dir: Path, embedder: Embedder
) -> None:
    remote = Settings(
        seeds_dir=seeds_dir,
        data_dir=tmp_path / "server-data",
        backend="extractive",
        chroma_mode="server",
        chroma_port=chroma_server,
    )
    server_store = build_store(remote, embedder)
    assert isinstance(server_store.client, chromadb.api.ClientAPI)
    report = run_index(remote, server_store)
    assert report.embedded == server_store.count() > 0
    assert remote.bm25_path.exists()
    assert run_index(remote, server_store).embedded == 0  # idempotent over HTTP too

    local = Settings(seeds_dir=seeds_dir, data_dir=tmp_path / "local-data", backend="extractive")
    local_store = build_store(local, embedder)
    run_index(local, local_store)
    assert server_store.ids_by_source() == local_store.ids_by_source()

    served = build_retriever(remote, server_store)
    embedded = build_retriever(local, local_store)
    for query, fact in QUERIES:
        got, want = served.retrieve(query), embedded.retrieve(query)
        assert [r.id for r in got] == [r.id for r in want], query
        assert fact in normalize(got[0].text), query
        for a, b in zip(got, want, strict=True):
            assert a.score == pytest.approx(b.score)
            assert a.dense_score == pytest.approx(b.dense_score, abs=1e-4)
            assert a.corroborated_by == b.corroborated_by
            assert read_source_text(seeds_dir, a.source)[a.start : a.end] == a.text
