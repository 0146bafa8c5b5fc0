"""The boundary types: question validation and the citation schema."""

from __future__ import annotations

import pytest

from qa.errors import BadInputError
from qa.types import validate_question


@pytest.mark.parametrize("bad", ["", "   \n", "x" * 2001])
def test_bad_questions_are_rejected(bad: str) -> None:
    with pytest.raises(BadInputError):
        validate_question(bad)
