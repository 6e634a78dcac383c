"""ingest.loaders.text: plain text in any encoding (BOMs, UTF-8, cp1252, charset-normalizer), binary rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders.text import load_text
from rag_app.errors import IngestError
from tests.unit.ingest.files import assert_ingest_error, load_file, noise


def test_txt_utf8(tmp_path: Path) -> None:
    text = "Überblick: naïve façade — 東京 ✓\nSecond line.\n"
    doc = load_file(tmp_path / "notes.txt", text.encode("utf-8"))
    assert doc.title == "notes"
    assert len(doc.sections) == 1
    assert doc.sections[0].text == text
    assert doc.sections[0].page is None
    assert doc.sections[0].heading == ""


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_txt_legacy_encoding_paragraph(tmp_path: Path, encoding: str) -> None:
    text = (
        "Le café de la gare est très apprécié des voyageurs. "
        "Les élèves préfèrent le thé glacé en été, et la crème brûlée à Noël.\n"
        "Où est la bibliothèque? À côté du château, près de l'hôpital.\n"
    )
    doc = load_file(tmp_path / "fr.txt", text.encode(encoding))
    assert doc.sections[0].text == text
    assert "café" in doc.sections[0].text


def test_txt_short_cp1252_word(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "menu.txt", "café crème\n".encode("cp1252"))
    assert doc.sections[0].text.strip() == "café crème"


def test_txt_utf8_bom_text_is_kept(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "bom.txt", "\ufeffHello world".encode())
    assert "Hello world" in doc.sections[0].text


def test_txt_bom_plus_whitespace_is_empty(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        load_file(tmp_path / "bom.txt", "\ufeff  \n\n".encode())


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "win.txt", "Hello café world\n".encode("utf-16"))
    assert "Hello café world" in doc.sections[0].text


def test_binary_data_named_txt(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise(500), "binary")


def test_cyrillic_cp1251_is_left_to_charset_normalizer(tmp_path: Path) -> None:
    # Read as cp1252 these bytes are words of accented letters only: the Western heuristic declines.
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация.\n" * 3
    doc = load_file(tmp_path / "ru.txt", text.encode("cp1251"))
    assert doc.sections[0].text == text


def test_a_bom_that_lies_is_an_error_naming_the_encoding(tmp_path: Path) -> None:
    error = assert_ingest_error(tmp_path / "odd.txt", b"\xff\xfeA\x00\x00\xd8", "declares utf-16-le")
    assert "not valid utf-16-le" in error.message


def test_control_characters_mean_binary(tmp_path: Path) -> None:
    # Not UTF-8, no NUL byte, but mostly control characters once decoded as cp1252.
    data = bytes(range(1, 9)) * 50 + "café crème".encode("cp1252")
    assert_ingest_error(tmp_path / "data.text", data, "binary data, not text (the extension says .text)")


def test_load_text_keeps_the_whole_file_as_one_section(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    doc = load_text(path, b"one\n\ntwo\n")
    assert (doc.title, [(s.text, s.page, s.heading) for s in doc.sections]) == (
        "notes",
        [("one\n\ntwo\n", None, "")],
    )
