"""ingest.loaders.archive: Office zips that unpack to too much are refused before a library opens them."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import archive
from rag_app.errors import IngestError
from tests.hostile_files import zip_bomb
from tests.unit.ingest.loaders.test_docx import make_docx
from tests.unit.ingest.loaders.test_pptx import make_pptx


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_real_office_file_passes() -> None:
    archive.check_zip(Path("ok.docx"), make_docx(), "DOCX")


def test_a_part_that_unpacks_a_thousandfold_is_a_bomb() -> None:
    bomb = zip_bomb(make_docx(), unpacked_mb=64)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(IngestError, match=r"word/media/zeros.bin unpacks to 64 MB .*zip bomb"):
        archive.check_zip(Path("b.docx"), bomb, "DOCX")


def test_the_total_unpacked_size_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_UNPACKED_MB", 1)
    data = _zip(a=os.urandom(700_000), b=os.urandom(700_000))  # incompressible: no ratio alarm
    with pytest.raises(IngestError, match="unpacks to 1 MB, over the 1 MB limit"):
        archive.check_zip(Path("big.pptx"), data, "PPTX")


def test_too_many_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_PARTS", 3)
    with pytest.raises(IngestError, match="holds 4 parts"):
        archive.check_zip(Path("many.docx"), _zip(a=b"1", b=b"2", c=b"3", d=b"4"), "DOCX")


def test_not_a_zip() -> None:
    with pytest.raises(IngestError, match="corrupt DOCX"):
        archive.check_zip(Path("x.docx"), b"PK\x03\x04 not really", "DOCX")


@pytest.mark.parametrize(("name", "make"), [("bomb.docx", make_docx), ("bomb.pptx", make_pptx)])
def test_office_loaders_refuse_a_bomb_before_reading_it(tmp_path: Path, name: str, make) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.ingest.files import assert_ingest_error

    member = "word/media/zeros.bin" if name.endswith("docx") else "ppt/media/zeros.bin"
    assert_ingest_error(tmp_path / name, zip_bomb(make(), unpacked_mb=64, member=member), "zip bomb")
