"""ingest.loaders for PPTX, reStructuredText, CSV/TSV, DOCX lists and Markdown code fences.

Every input is generated here in tmp_path (python-pptx, python-docx or plain text); nothing is fetched.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from ingest.loaders import LoadedDocument, load, supported
from rag_app.errors import IngestError


def load_file(path: Path, data: bytes) -> LoadedDocument:
    path.write_bytes(data)
    return load(path, path.read_bytes())


def assert_ingest_error(path: Path, data: bytes, *needles: str) -> None:
    with pytest.raises(IngestError) as info:
        load_file(path, data)
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle.lower() in message.lower(), message


def test_new_extensions_are_supported() -> None:
    for name in ("deck.pptx", "guide.rst", "table.csv", "table.TSV"):
        assert supported(Path(name)), name


# --- pptx --------------------------------------------------------------------------------------


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


# --- reStructuredText --------------------------------------------------------------------------

RST = """\
=============
 User Guide
=============

Intro paragraph.

.. This comment must be dropped.
   Its second line too.

.. _install-target:

Installation
============

Run the installer::

    $ ./install.sh
    Not a title
    ===========
    done

After the block.

Linux
-----

Use apt.

.. note::
   Needs root access.

Usage
=====

.. code-block:: python
   :linenos:

   x = 1
   =====
   print(x)

Run it.
"""


def test_rst_heading_paths_literal_blocks_and_comments(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "guide.rst", RST.encode())
    assert doc.title == "User Guide"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("User Guide", "Intro paragraph."),
        (
            "User Guide > Installation",
            "Run the installer:\n\n$ ./install.sh\nNot a title\n===========\ndone\n\nAfter the block.",
        ),
        ("User Guide > Installation > Linux", "Use apt.\n\nNeeds root access."),
        ("User Guide > Usage", "x = 1\n=====\nprint(x)\n\nRun it."),
    ]
    everything = "\n".join(s.text for s in doc.sections)
    assert "comment" not in everything and "second line" not in everything
    assert "install-target" not in everything and ":linenos:" not in everything


def test_rst_levels_follow_first_appearance_of_each_style(tmp_path: Path) -> None:
    # '-' is seen first, so it is the top level here, though '=' is the usual convention.
    text = "Top\n---\n\none\n\nInner\n=====\n\ntwo\n\nNext\n----\n\nthree\n"
    doc = load_file(tmp_path / "styles.rst", text.encode())
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Top", "one"),
        ("Top > Inner", "two"),
        ("Next", "three"),
    ]


def test_rst_short_underline_is_not_a_title(tmp_path: Path) -> None:
    text = "Intro\n\nA long line of text\n===\n\nMore.\n"
    doc = load_file(tmp_path / "short.rst", text.encode())
    assert [s.heading for s in doc.sections] == [""]
    assert "A long line of text" in doc.sections[0].text
    assert doc.title == "short"


# --- csv / tsv ---------------------------------------------------------------------------------


CLIENTS_CSV = (
    "Nom;Ville;Remarque\r\n"
    "Zoé;Besançon;Très bon café près de la gare\r\n"
    "Hélène;Orléans;Crème brûlée préférée, à côté du château\r\n"
    "Jérôme;Besançon;\r\n"
    "Anaïs;Nîmes;Élève très appliquée;hors colonne\r\n"
)
CLIENTS_ROWS = [
    "Nom: Zoé; Ville: Besançon; Remarque: Très bon café près de la gare",
    "Nom: Hélène; Ville: Orléans; Remarque: Crème brûlée préférée, à côté du château",
    "Nom: Jérôme; Ville: Besançon",  # the empty value is skipped
    "Nom: Anaïs; Ville: Nîmes; Remarque: Élève très appliquée; column 4: hors colonne",
]


def test_csv_semicolon_accents_ragged_row(tmp_path: Path) -> None:
    # The ragged last row defeats csv.Sniffer; the header line still says ';'.
    doc = load_file(tmp_path / "clients.csv", CLIENTS_CSV.encode("utf-8"))
    assert doc.title == "clients"
    assert [(s.heading, s.page) for s in doc.sections] == [("", None)]
    assert doc.sections[0].text.splitlines() == CLIENTS_ROWS


def test_csv_semicolon_sniffed_with_consistent_rows(tmp_path: Path) -> None:
    text = "a;b;c\n1;x, y;3\n4;5;6\n"
    doc = load_file(tmp_path / "semi.csv", text.encode())
    assert doc.sections[0].text == "a: 1; b: x, y; c: 3\na: 4; b: 5; c: 6"


def test_csv_cp1252_semicolon_with_header_names(tmp_path: Path) -> None:
    # charset_normalizer alone scores cp1250 equal here and would give 'Trčs' for 'Très'.
    doc = load_file(tmp_path / "clients.csv", CLIENTS_CSV.encode("cp1252"))
    assert doc.title == "clients"
    assert doc.sections[0].text.splitlines() == CLIENTS_ROWS


def test_tsv_uses_tabs(tmp_path: Path) -> None:
    # Every line has two commas and one tab: a sniffer would take the comma; .tsv means tab.
    text = "Name, full\tPlace, country\nLovelace, Ada\tLondon, UK\nTuring, Alan\tWilmslow, UK\n"
    doc = load_file(tmp_path / "people.tsv", text.encode())
    assert doc.sections[0].text == (
        "Name, full: Lovelace, Ada; Place, country: London, UK\n"
        "Name, full: Turing, Alan; Place, country: Wilmslow, UK"
    )


def test_csv_header_only(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "empty.csv", b"id,name,email\n", "no data rows")


def test_csv_120_rows_make_three_sections(tmp_path: Path) -> None:
    text = "id,word\n" + "".join(f"{n},word{n}\n" for n in range(1, 121))
    doc = load_file(tmp_path / "many.csv", text.encode())
    assert [len(s.text.splitlines()) for s in doc.sections] == [50, 50, 20]
    assert all(s.heading == "" and s.page is None for s in doc.sections)
    assert doc.sections[0].text.splitlines()[0] == "id: 1; word: word1"
    assert doc.sections[1].text.splitlines()[0] == "id: 51; word: word51"
    assert doc.sections[2].text.splitlines()[-1] == "id: 120; word: word120"


# --- docx lists --------------------------------------------------------------------------------


def test_docx_list_paragraphs_get_dashes(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Groceries", level=1)
    d.add_paragraph("Buy these:")
    d.add_paragraph("apples", style="List Bullet")
    d.add_paragraph("pears", style="List Bullet")
    d.add_paragraph("wash them", style="List Number")
    d.add_paragraph("Then cook.")
    buf = io.BytesIO()
    d.save(buf)
    doc = load_file(tmp_path / "list.docx", buf.getvalue())
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Groceries", "Buy these:\n- apples\n- pears\n- wash them\nThen cook.")
    ]


# --- markdown code fences ----------------------------------------------------------------------


def test_markdown_fenced_code_is_verbatim(tmp_path: Path) -> None:
    code = "```python\n# not a heading\ndef f():\n    ## nor this\n\n\n    return 1  # trailing   \n```"
    text = f"# Code\n\nBefore.\n\n{code}\n\nAfter.\n"
    doc = load_file(tmp_path / "code.md", text.encode())
    assert [s.heading for s in doc.sections] == ["Code"]
    assert doc.sections[0].text == f"Before.\n\n{code}\n\nAfter."
