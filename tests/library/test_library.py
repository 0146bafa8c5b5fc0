"""The article library in process: uploads, replacements and deletions through the one
incremental path, bad files changing nothing, questions seeing one snapshot, the `sources`
selection, the folder watch, and an index from before metadata migrated at start."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from articles import (
    BEES,
    BEES_QUESTION,
    ORCHESTRA,
    ORCHESTRA_QUESTION,
    ORCHESTRA_V2,
    wait_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunker import chunk_text
from index.errors import BadSourceError
from index.indexer import plan_index
from index.loader import load_sources
from qa.errors import BadInputError, ConflictError, NotFoundError, UnsafeNameError
from qa.pipeline import build_pipeline, build_store
from qa.settings import Settings

from conftest import ROOT, SEED_NAMES, SEEDS, real_pipeline

RELATED = ROOT / "tests" / "fixtures" / "related"


@pytest.fixture
def pipeline(tmp_path: Path, embedder: Any) -> Any:
    """The real pipeline (extractive backend) over a private copy of the seeds."""
    return real_pipeline(tmp_path, embedder)


def wanted_ids(pipeline: Any) -> set[str]:
    """The passage ids a clean index of the pipeline's seeds folder holds."""
    s = pipeline.settings
    return {
        p.id
        for d in load_sources(s.seeds_dir)[0]
        for p in chunk_text(
            d.name,
            d.text,
            pipeline.store.embedder.count_tokens,
            max_tokens=s.chunk_tokens,
            overlap_tokens=s.chunk_overlap_tokens,
        )
    }


def stored_ids(pipeline: Any) -> list[str]:
    return list(pipeline.store.collection.get(include=[])["ids"])


def test_upload_replace_delete(pipeline: Any) -> None:
    assert pipeline.ask(ORCHESTRA_QUESTION).refused
    info = pipeline.add_article("andes tour.txt", ORCHESTRA.encode())
    assert info.name == "andes_tour.txt"  # sanitised
    assert (info.title, info.byline) == (
        "Andes Philharmonic Plans Patagonia Tour",
        "Lucia Ferreyra",
    )
    assert info.indexed_at and info.passages >= 1
    answer = pipeline.ask(ORCHESTRA_QUESTION)
    assert not answer.refused and "48" in answer.answer
    cited = answer.citations[0]
    assert cited.source == "andes_tour.txt" and cited.title == info.title
    assert cited.version_group == "story:andes_tour.txt"

    pipeline.add_article("andes_tour.txt", ORCHESTRA_V2.encode(), replace=True)
    answer = pipeline.ask(ORCHESTRA_QUESTION)
    assert "63" in answer.answer and "48" not in answer.answer

    pipeline.remove_article("andes_tour.txt")
    assert pipeline.ask(ORCHESTRA_QUESTION).refused
    assert not (pipeline.settings.seeds_dir / "andes_tour.txt").exists()
    assert sorted(stored_ids(pipeline)) == sorted(wanted_ids(pipeline))


@pytest.mark.parametrize(
    ("name", "data", "error", "message"),
    [
        ("../escape.txt", b"Some text about the harbour.", UnsafeNameError, "plain file name"),
        ("sub/inner.txt", b"Some text about the harbour.", UnsafeNameError, "plain file name"),
        (".hidden.txt", b"Some text about the harbour.", UnsafeNameError, "leading dot"),
        ("notes.pdf", b"Some text.", BadInputError, ".txt, .md or .html"),
        ("logo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BadSourceError, "binary"),
        ("empty.md", b"  \n", BadSourceError, "empty file"),
        ("menu.html", b"<html><body><nav>Home</nav></body></html>", BadSourceError, "no article"),
        ("huge.txt", b"word " * 600_000, BadSourceError, "byte limit"),
        (sorted(SEED_NAMES)[0], b"A new version.", ConflictError, "PUT /api/articles"),
    ],
)
def test_bad_uploads_change_nothing(
    pipeline: Any, name: str, data: bytes, error: type[Exception], message: str
) -> None:
    folder = pipeline.settings.seeds_dir
    before = (sorted(p.name for p in folder.iterdir()), sorted(stored_ids(pipeline)))
    articles = pipeline.sources()
    with pytest.raises(error, match=message):
        pipeline.add_article(name, data)
    assert (sorted(p.name for p in folder.iterdir()), sorted(stored_ids(pipeline))) == before
    assert pipeline.sources() == articles
    assert not (folder.parent / "escape.txt").exists()


def test_missing_articles_are_not_found(pipeline: Any) -> None:
    with pytest.raises(NotFoundError):
        pipeline.remove_article("nothing.txt")
    with pytest.raises(NotFoundError):
        pipeline.add_article("nothing.txt", b"Some new text here.", replace=True)


def test_a_question_during_an_ingestion_sees_the_old_articles_or_the_new(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrieval while the new version is embedded and written (not committed) sees only the
    old version; once committed, only the new one."""
    pipeline.add_article("andes.txt", ORCHESTRA.encode())
    library, embedder = pipeline.library, pipeline.store.embedder
    seen: list[set[str]] = []
    encode = embedder.encode_documents

    def spying(texts: Any) -> np.ndarray:
        vectors = encode(texts)
        if any("63 musicians" in t for t in texts):
            # Called before the write: run a question after this batch is in the store.
            def ask() -> None:
                hits = library.retrieve(ORCHESTRA_QUESTION, 8, {"andes.txt"})
                seen.append({h.text for h in hits})

            threading.Timer(0.0, ask).start()
            threading.Event().wait(0.3)
        return vectors

    monkeypatch.setattr(embedder, "encode_documents", spying)
    calls = []
    original_upsert = pipeline.store.upsert

    def upsert_then_ask(*args: Any, **kwargs: Any) -> None:
        original_upsert(*args, **kwargs)
        calls.append({h.text for h in library.retrieve(ORCHESTRA_QUESTION, 8, {"andes.txt"})})

    monkeypatch.setattr(pipeline.store, "upsert", upsert_then_ask)
    pipeline.add_article("andes.txt", ORCHESTRA_V2.encode(), replace=True)
    monkeypatch.undo()
    assert calls, "the ingestion wrote nothing"
    for texts in calls + seen:
        assert texts and all("48 musicians" in t for t in texts), texts
    after = {h.text for h in library.retrieve(ORCHESTRA_QUESTION, 8, {"andes.txt"})}
    assert after and all("63 musicians" in t for t in after)


def test_sources_restrict_retrieval_to_files_or_a_version_group(pipeline: Any) -> None:
    folder = pipeline.settings.seeds_dir
    for path in RELATED.iterdir():
        shutil.copy(path, folder / path.name)
    pipeline.library.sync()
    question = "What is Scale AI worth?"
    only = pipeline.ask(question, sources=["scale_ai_valuation_older.txt"])
    assert {c.source for c in only.retrieved} == {"scale_ai_valuation_older.txt"}
    group = pipeline.library.article(sorted(SEED_NAMES)[0]).version_group
    seeds = pipeline.ask(question, sources=[group])
    assert seeds.retrieved and {c.source for c in seeds.retrieved} <= SEED_NAMES
    assert {c.version_group for c in seeds.retrieved} == {group}
    with pytest.raises(NotFoundError, match="neither an indexed article nor a version group"):
        pipeline.ask(question, sources=["nope.txt"])
    events = list(pipeline.stream(question, sources=["data_labeling_rivals.md"]))
    assert {c.source for c in events[-1].retrieved} == {"data_labeling_rivals.md"}


def test_the_folder_watch_indexes_added_changed_and_removed_files(pipeline: Any) -> None:
    watch = pipeline.watch()
    try:
        path = pipeline.settings.seeds_dir / "bees.md"
        path.write_text(BEES, encoding="utf-8")
        wait_for(lambda: "bees.md" in {s.name for s in pipeline.sources()})
        assert "730 kilograms" in pipeline.ask(BEES_QUESTION).answer
        path.write_text(BEES.replace("730", "815"), encoding="utf-8")
        wait_for(lambda: "815" in pipeline.ask(BEES_QUESTION).answer)
        path.unlink()
        wait_for(lambda: "bees.md" not in {s.name for s in pipeline.sources()})
        assert "bees.md" not in {c.source for c in pipeline.ask(BEES_QUESTION).retrieved}
    finally:
        watch.stop()
    assert sorted(stored_ids(pipeline)) == sorted(wanted_ids(pipeline))


def test_an_index_from_before_metadata_is_migrated_at_start(tmp_path: Path, embedder: Any) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    shutil.copy(RELATED / "meta_superintelligence_lab.txt", seeds)
    config = Settings(backend="extractive", seeds_dir=seeds, data_dir=tmp_path / "data")
    store = build_store(config, embedder)
    plan = plan_index(store, seeds, max_tokens=config.chunk_tokens, overlap_tokens=30)
    # The old indexer: passages and vectors, no article metadata.
    store.upsert(plan.to_embed, embedder.encode_documents([p.text for p in plan.to_embed]))
    assert all(r.meta_keys == {""} for r in store.sources().values())
    del store

    pipeline = build_pipeline(config, embedder=embedder)
    report = pipeline.library.last_report
    assert report is not None and report.embedded == 0
    assert sorted(report.plan.migrated) == sorted(p.name for p in seeds.iterdir())
    records = pipeline.store.sources()
    assert all(len(r.meta_keys) == 1 and "" not in r.meta_keys for r in records.values())
    assert records["meta_superintelligence_lab.txt"].meta["title"].startswith("Meta Forms")
    article = pipeline.library.article("meta_superintelligence_lab.txt")
    assert article.title == "Meta Forms Superintelligence Lab Under Former Scale AI Chief"


# ---------------------------------------------------------------- any interleaving

NAMES = ["a.txt", "b.md", "c.txt"]
BODIES = [
    ORCHESTRA,
    ORCHESTRA_V2,
    BEES,
    "Ferry Terminal Approved\nBERGEN (Reuters) - The port of Bergen will build a ferry"
    " terminal costing 900 million crowns, the harbour authority said on Friday.\n",
]
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "replace", "remove", "drop"]),
        st.sampled_from(NAMES),
        st.sampled_from(range(len(BODIES))),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    return real_pipeline(tmp_path_factory.mktemp("interleaving"), embedder)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_any_interleaving_leaves_exactly_the_folders_passages(
    shared: Any, operations: list[tuple[str, str, int]]
) -> None:
    """Uploads, replacements, deletions and files written straight into the folder, with
    questions in flight from another thread: the store ends with exactly the passages of the
    files in the folder, no duplicates, and no question fails."""
    stop, failures = threading.Event(), []

    def ask() -> None:
        while not stop.is_set():
            try:
                shared.ask(ORCHESTRA_QUESTION)
                shared.ask(BEES_QUESTION)
            except Exception as exc:  # any failure is the test's failure
                failures.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    folder = shared.settings.seeds_dir
    try:
        for op, name, body in operations:
            data = BODIES[body].encode()
            exists = (folder / name).exists()
            if op == "add" and not exists:
                shared.add_article(name, data)
            elif op == "replace" and exists:
                shared.add_article(name, data, replace=True)
            elif op == "remove" and exists:
                shared.remove_article(name)
            elif op == "drop":
                (folder / name).write_bytes(data)
                threading.Thread(target=shared.library.sync).start()
        shared.library.sync()
    finally:
        stop.set()
        asker.join()
    assert not failures, failures
    ids = stored_ids(shared)
    assert len(ids) == len(set(ids))
    assert set(ids) == wanted_ids(shared)
    assert shared.passage_count == len(ids)
    assert {s.name for s in shared.sources()} == {
        p.name for p in folder.iterdir() if not p.name.startswith(".")
    }


def test_names_are_taken_exactly_for_replace_and_remove(pipeline: Any) -> None:
    """A file dropped into the folder under a name the API would sanitise is still replaced
    and removed by that name; a non-article file is never removed."""
    folder = pipeline.settings.seeds_dir
    (folder / "bee story.md").write_text(BEES, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    pipeline.library.sync()
    info = pipeline.add_article("bee story.md", BEES.replace("730", "815").encode(), replace=True)
    assert info.name == "bee story.md" and not (folder / "bee_story.md").exists()
    pipeline.remove_article("bee story.md")
    assert not (folder / "bee story.md").exists()
    with pytest.raises(NotFoundError):
        pipeline.remove_article("notes.pdf")
    assert (folder / "notes.pdf").exists()
