"""ingest.ocr: tesseract per page (real), packs chosen by script, pages in order, clear errors."""

from __future__ import annotations

import pytest

from ingest import ocr
from ingest.loaders.base import LoadOptions
from rag_app.errors import IngestError
from tests import docgen


def test_packs_follow_the_script_and_what_is_installed() -> None:
    installed = frozenset({"eng", "chi_sim", "kor"})
    assert ocr.languages_for("Latin", installed) == "eng"
    assert ocr.languages_for("Han", installed) == "chi_sim+eng"
    assert ocr.languages_for("Hangul", installed) == "kor+eng"
    assert ocr.languages_for("Cyrillic", installed) == "eng+chi_sim+kor"  # no rus pack: all of them
    assert ocr.languages_for("", frozenset({"deu"})) == "deu"
    assert "osd" not in ocr.installed_languages() and "eng" in ocr.installed_languages()
    assert (ocr.version() or "").startswith("tesseract")


def test_pages_come_back_in_order_from_parallel_workers() -> None:
    texts = ["alpha page", "bravo page", "charlie page", "delta page"]
    pages = ((docgen.text_image(t, width=900), 200) for t in texts)
    seen: list[int] = []
    out = ocr.read_images(pages, LoadOptions(ocr_workers=2, on_ocr_page=lambda d, t: seen.append(d)), 4)
    assert [t.split()[0].lower() for t in out] == ["alpha", "bravo", "charlie", "delta"]
    assert seen == [1, 2, 3, 4]


def test_a_missing_pack_or_tesseract_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    image = docgen.text_image("words", width=600)
    with pytest.raises(IngestError, match="OCR failed") as info:
        ocr.read_image(image, LoadOptions(ocr_languages="xyz"), 200)
    assert "ocr_languages" in (info.value.fix or "")
    monkeypatch.setattr(ocr, "tesseract", lambda: None)
    with pytest.raises(IngestError, match="tesseract") as info:
        ocr.read_images([(image, 200)], LoadOptions(), 1)
    assert "make install" in (info.value.fix or "")
