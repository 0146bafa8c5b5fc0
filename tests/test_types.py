"""The boundary types: question validation and the citation schema."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from qa.errors import BadInputError
from qa.types import Answer, Citation, RetrievedPassage, validate_question


@pytest.mark.parametrize("bad", ["", "   \n", "x" * 2001])
def test_bad_questions_are_rejected(bad: str) -> None:
    with pytest.raises(BadInputError):
        validate_question(bad)


def test_citation_schema_fields() -> None:
    passage = RetrievedPassage(
        id="a.txt:5-20:x", source="a.txt", start=5, end=20, text="Meta takes 49%.", score=0.1,
        dense_score=0.61234,
    )  # fmt: skip
    citation = Citation.from_passage(2, passage, passage.dense_score)
    assert citation.model_dump() == {
        "n": 2,
        "source": "a.txt",
        "title": None,
        "date": None,
        "start": 5,
        "end": 20,
        "passage_start": 5,
        "passage_end": 20,
        "text": "Meta takes 49%.",
        "score": 0.6123,
        "version_group": None,
        "corroborated_by": None,
    }


def test_one_citation_schema_everywhere() -> None:
    from qa.evaluation import Prediction
    from qa.serving import Feedback
    from qa.serving.openai_schema import ChatCompletionResponse

    schemas: list[tuple[type[BaseModel], str]] = [
        (Answer, "citations"),
        (Answer, "retrieved"),
        (Prediction, "citations"),
        (Feedback, "citations"),
        (ChatCompletionResponse, "citations"),
    ]
    for model, field in schemas:
        assert model.model_fields[field].annotation == list[Citation], (model, field)
