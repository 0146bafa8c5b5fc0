"""BM25 over the stored passages."""

from __future__ import annotations

from pathlib import Path

from index.types import Passage
from qa.retrieval import BM25Index, fingerprint


def _passage(i: int, text: str, source: str = "a.txt") -> Passage:
    return Passage(
        id=f"{source}:{i}",
        source=source,
        start=0,
        end=len(text),
        text=text,
        position=i,
        content_hash=str(i),
    )


CORPUS = [
    _passage(0, "Google planned to pay about $ 200 million to Scale AI this year."),
    _passage(1, "Meta takes a 49 % share of the data labeling startup."),
    _passage(2, "CEO Alexander Wang moves to Meta with several employees."),
    _passage(3, "Scale AI labels data for self-driving car companies and the U.S. government."),
    _passage(4, "Scale AI Scale AI Scale AI: the scale of Scale AI."),
    _passage(5, "Google spent about $ 150 million last year on Scale AI services."),
]


def test_bm25_finds_the_fact() -> None:
    bm25 = BM25Index(CORPUS)
    assert bm25.search("Who is Alexander Wang?", 3)[0][0].id == "a.txt:2"
    # Normalisation makes "$200 million" and "$ 200 million" the same token.
    assert bm25.search("$200 million", 3)[0][0].id == "a.txt:0"
    assert bm25.search("49% stake", 3)[0][0].id == "a.txt:1"
    assert bm25.search("self-driving", 3)[0][0].id == "a.txt:3"


def test_bm25_scores_positive_sorted_and_limited() -> None:
    bm25 = BM25Index(CORPUS)
    hits = bm25.search("Scale AI Google million", 3)
    assert len(hits) == 3
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert bm25.search("Scale AI Google million", 0) == []


def test_bm25_rare_terms_weigh_more() -> None:
    bm25 = BM25Index(CORPUS)
    # "scale" is everywhere, "wang" in one passage: the rare word decides.
    assert bm25.search("scale wang", 1)[0][0].id == "a.txt:2"


def test_bm25_term_frequency_saturates() -> None:
    bm25 = BM25Index(CORPUS)
    scores = dict((p.id, s) for p, s in bm25.search("scale", 10))
    assert scores["a.txt:4"] > scores["a.txt:0"]
    assert scores["a.txt:4"] < 3 * scores["a.txt:0"]  # k1 caps the gain of repeats


def test_bm25_nothing_to_match() -> None:
    bm25 = BM25Index(CORPUS)
    assert bm25.search("the of and", 5) == []
    assert bm25.search("zebra", 5) == []
    assert bm25.search("", 5) == []
    assert BM25Index([]).search("google", 5) == []


def test_bm25_save_load_round_trip(tmp_path: Path) -> None:
    bm25 = BM25Index(CORPUS, k1=1.5, b=0.5)
    path = tmp_path / "sub" / "bm25.json"
    bm25.save(path)
    loaded = BM25Index.load(path)
    assert loaded.fingerprint == bm25.fingerprint == fingerprint([p.id for p in CORPUS])
    assert (loaded.k1, loaded.b) == (1.5, 0.5)
    assert loaded.passages == CORPUS
    assert loaded.search("Google million", 4) == bm25.search("Google million", 4)
    assert not path.with_suffix(".tmp").exists()


def test_fingerprint_ignores_order() -> None:
    ids = [p.id for p in CORPUS]
    assert fingerprint(ids) == fingerprint(list(reversed(ids)))
    assert fingerprint(ids) != fingerprint(ids[:-1])


def test_a_name_no_passage_gives_finds_its_respelling() -> None:
    corpus = [
        _passage(0, "Meta fears Lama, released in April, has fallen behind."),
        _passage(1, "Openi decided to withdraw several months ago."),
        _passage(2, "The wound healed, he would say."),
    ]
    bm25 = BM25Index(corpus)
    assert bm25.search("When did Meta release Llama?", 1)[0][0].id == "a.txt:0"
    assert bm25.respelled("When did Meta release Llama?") == {"lama"}
    assert [p.id for p, _ in bm25.search("Why did OpenAI pull back?", 3)] == ["a.txt:1"]
    # Only names are respelled; a lower-case word, a stop word or an indexed name is not.
    assert bm25.respelled("When would it heal? What is Meta?") == set()
    assert bm25.search("Wound care", 3)[0][0].id == "a.txt:2"
    assert bm25.respelled("Would it?") == set()
