"""Helpers of the article-library tests: articles stating facts the seeds do not hold (topics
far from the seeds, so that without them the question is refused), polling, and a real
`chroma run` fixture (test modules import it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import free_port

CHROMA = Path(sys.executable).parent / "chroma"

ORCHESTRA = (
    "Andes Philharmonic Plans Patagonia Tour\n"
    "By Lucia Ferreyra\n"
    "BUENOS AIRES (Reuters) - The Andes Philharmonic will tour Patagonia in October with"
    " 48 musicians, playing nine concerts in towns that have never hosted an orchestra, its"
    " director said on Wednesday.\n"
)
ORCHESTRA_V2 = ORCHESTRA.replace("48 musicians", "63 musicians").replace("nine", "eleven")
ORCHESTRA_QUESTION = "How many musicians will the Andes Philharmonic take on its Patagonia tour?"

BEES = (
    "# Lisbon Rooftop Beekeepers Harvest Record Honey\n\n"
    "LISBON (Reuters) - Volunteers who keep hives on Lisbon's rooftops harvested 730 kilograms"
    " of honey last year, a record for the city project, its organisers said on Friday.\n"
)
BEES_QUESTION = "How much honey did the Lisbon rooftop beekeepers harvest last year?"


def wait_for(check: Callable[[], Any], seconds: float = 60, every: float = 0.25) -> Any:
    """Poll `check` until it returns something true; that value, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {seconds} s: {check}")
        time.sleep(every)


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real `chroma run` bound to 127.0.0.1; yields its port."""
    folder = tmp_path_factory.mktemp("chroma-run")
    port = free_port()
    with (folder / "server.log").open("w") as log:
        proc = subprocess.Popen(
            [CHROMA, "run", "--path", folder / "db", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        try:

            def beats() -> bool:
                assert proc.poll() is None, (folder / "server.log").read_text()
                try:
                    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
                    return httpx.get(url, timeout=1).is_success
                except httpx.TransportError:
                    return False

            wait_for(beats, 60, 0.2)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=15)
