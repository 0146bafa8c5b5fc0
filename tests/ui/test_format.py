"""The UI's pure formatting: answers, sources, the highlighted article."""

from __future__ import annotations

from qa.types import REFUSAL_MESSAGE, Answer, Citation


def test_highlight_escapes_the_article() -> None:
    from ui import highlight_html

    text = "A <script>alert(1)</script> & B. The cited <b>span</b>. End."
    start = text.index("The cited")
    end = text.index(" End")
    out = highlight_html("x<y>.txt", text, start, end, 2)
    assert "<script>" not in out and "<b>" not in out and "x<y>" not in out
    assert '<mark id="qa-cited">The cited &lt;b&gt;span&lt;/b&gt;.</mark>' in out
    assert out.count("<mark") == 1 and "[2] x&lt;y&gt;.txt" in out


def test_answer_formatting_and_history() -> None:
    from ui import REFUSAL_LABEL, conversation_turns, format_answer, source_choices

    cite = Citation(n=1, source="a.txt", start=3, end=9, text="Meta takes 49%", score=0.8)
    answer = Answer(
        question="q",
        standalone_question="q",
        answer="Meta takes 49% [1].",
        refused=False,
        citations=[cite],
        backend="extractive",
        model="none",
    )
    shown = format_answer(answer)
    assert REFUSAL_LABEL not in shown and "**[1]** `a.txt`" in shown
    refusal = answer.model_copy(
        update={"refused": True, "answer": REFUSAL_MESSAGE, "citations": []}
    )
    assert format_answer(refusal).startswith(f'<span class="qa-refusal">{REFUSAL_LABEL}</span>')
    assert source_choices([cite]) == [("[1] a.txt [3:9]", 0)]
    messages = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": shown},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": format_answer(refusal)},
    ]
    turns = conversation_turns(messages)
    assert [(t.role, t.content) for t in turns] == [
        ("user", "q"),
        ("assistant", answer.answer),
        ("user", "q2"),
        ("assistant", REFUSAL_MESSAGE),
    ]
    assert conversation_turns(messages, keep=1) == turns[-1:]
