"""ui.evidence: answers rendered inert (no Markdown, no images), sentences linked to marked spans."""

from __future__ import annotations

import re

from rag_app.answering.grounding import Grounding, SentenceEvidence
from rag_app.types import Passage
from ui import evidence

PASSAGE = Passage(source="/d/r-faq.pdf", page=2, chunk=0, text="New features go into r-devel.\nBugs: r-patched.",
                  score=0.8)  # fmt: skip
TEXT = "New features go into r-devel [1]. Jupiter has 7 moons [1]."


def grounding() -> Grounding:
    return Grounding(
        [
            SentenceEvidence("New features go into r-devel [1].", True, 1, (0, 29), 0.9, 0, 33),
            SentenceEvidence("Jupiter has 7 moons [1].", False, None, None, 0.1, 34, 58),
        ]
    )


def test_model_text_can_never_become_markup() -> None:
    hostile = (
        'See ![x](http://evil.example/p.png) <img src="http://evil.example/q.png"> **bold** `code`\n\nnext'
    )
    html = evidence.safe_text(hostile)
    assert "<img" not in html and "&lt;img" in html and "![x](http://evil.example/p.png)" in html
    assert "<b>bold</b>" in html and "<code>code</code>" in html
    assert "\n" not in html and "<br>" in html  # no blank line: the chatbot's Markdown pass skips the block
    assert evidence.streaming_html("") == '<div class="rag-answer">…</div>'


def test_supported_sentences_link_to_their_card_and_unsupported_ones_are_marked() -> None:
    html = evidence.answer_html(TEXT, grounding(), "a1")
    supported, unsupported = re.findall(r'<span class="rag-sent ([^"]+)"', html)
    assert supported == "rag-supported rag-to-rag-a1-src-1 rag-k-0"
    assert 'New features go into r-devel.<sup class="rag-ev">[1]</sup>' in html
    assert unsupported == "rag-unsupported"
    assert 'Jupiter has 7 moons. <span class="rag-nf">not found in the sources</span>' in html
    assert "1 of 2 sentences found in the sources" in html
    assert "\n" not in html


def test_cards_mark_the_supporting_span_and_carry_the_ids_the_links_use() -> None:
    html = evidence.evidence_cards_html([PASSAGE], grounding(), "a1", cited=[1], note=" · not reranked")
    assert '<details class="rag-source" id="rag-a1-src-1">' in html
    assert '<mark class="rag-mark rag-k-0">New features go into r-devel.</mark><br>Bugs: r-patched.' in html
    assert "evidence</span>" in html and "cited</span>" in html and "Sources (1) · not reranked" in html
    assert "\n" not in html


def test_overlapping_spans_merge_into_one_mark() -> None:
    g = Grounding(
        [SentenceEvidence("a", True, 1, (0, 12), 1, 0, 1), SentenceEvidence("b", True, 1, (4, 20), 1, 2, 3)]
    )
    html = evidence.evidence_cards_html([PASSAGE], g, "x")
    assert html.count("<mark") == 1 and 'class="rag-mark rag-k-0 rag-k-1"' in html


def test_no_grounding_or_no_passages() -> None:
    assert evidence.answer_html("Plain <b>.", None, "a") == '<div class="rag-answer">Plain &lt;b&gt;.</div>'
    assert "No passages were found" in evidence.evidence_cards_html([], None, "a")
    assert evidence.refusal_html("Not found.") == '<div class="rag-answer rag-refused">Not found.</div>'
    assert "similarity 0.12 (too low" in evidence.refusal_html("Not found.", 0.1234)
