"""ingest.loaders.pptx: a section per slide, reading order, tables, notes; generated with python-pptx in tmp."""

from __future__ import annotations

import io
import random
from pathlib import Path

from tests.unit.ingest.files import assert_ingest_error, load_file


def make_pptx(core_title: str = "") -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    title_only, blank = prs.slide_layouts[5], prs.slide_layouts[6]

    # Slide 1: boxes added out of reading order; reading order is top-to-bottom, then left-to-right.
    s1 = prs.slides.add_slide(title_only)
    s1.shapes.title.text = "Quarterly Review"
    s1.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1)).text_frame.text = "Lower box"
    s1.shapes.add_textbox(Inches(5), Inches(2), Inches(3), Inches(1)).text_frame.text = "Upper right"
    s1.shapes.add_textbox(Inches(1), Inches(2), Inches(3), Inches(1)).text_frame.text = "Upper left"
    s1.notes_slide.notes_text_frame.text = "Remember to thank the team."

    # Slide 2: a table.
    s2 = prs.slides.add_slide(title_only)
    s2.shapes.title.text = "Numbers"
    table = s2.shapes.add_table(2, 3, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for r, row in enumerate((("Region", "Q1", "Q2"), ("North", "10", "12"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value

    # Slide 3: no title; a text box above a group of two boxes.
    s3 = prs.slides.add_slide(blank)
    group = s3.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(4), Inches(4), Inches(2), Inches(1)).text_frame.text = "Group right"
    group.shapes.add_textbox(Inches(1), Inches(4), Inches(2), Inches(1)).text_frame.text = "Group left"
    s3.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1)).text_frame.text = "Closing words"

    if core_title:
        prs.core_properties.title = core_title
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def test_pptx_slides_titles_reading_order_table_notes(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "review.pptx", make_pptx())
    assert doc.title == "Quarterly Review"  # no core title: the first slide's title
    assert [s.page for s in doc.sections] == [1, 2, 3]
    assert [s.heading for s in doc.sections] == ["Quarterly Review", "Numbers", ""]
    assert doc.sections[0].text == ("Upper left\nUpper right\nLower box\nNotes:\nRemember to thank the team.")
    assert doc.sections[1].text == "Region | Q1 | Q2\nNorth | 10 | 12"
    assert doc.sections[2].text == "Closing words\nGroup left\nGroup right"
    # The title is the heading, not body text.
    assert "Quarterly Review" not in doc.sections[0].text


def test_pptx_core_title_wins(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "review.pptx", make_pptx(core_title="Board Deck 2024"))
    assert doc.title == "Board Deck 2024"


def test_pptx_without_titles_uses_file_stem(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "Only text"
    buf = io.BytesIO()
    prs.save(buf)
    doc = load_file(tmp_path / "untitled-deck.pptx", buf.getvalue())
    assert doc.title == "untitled-deck"
    assert [(s.page, s.heading, s.text) for s in doc.sections] == [(1, "", "Only text")]


def test_corrupt_pptx(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "broken.pptx", random.Random(7).randbytes(3000), "corrupt PPTX")


def test_truncated_pptx(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "cut.pptx", make_pptx()[:5000], "corrupt PPTX")
