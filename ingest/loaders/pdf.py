"""PDF: one section per page with a text layer (pypdf); encrypted, corrupt and scanned files are errors."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadedDocument, Section
from rag_app.errors import IngestError


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise IngestError(f"{path}: encrypted PDF ({exc})") from exc
            if not ok:
                raise IngestError(f"{path}: encrypted PDF; a password is needed to read it")
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                sections.append(Section(text, page=number))
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(f"{path}: corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    if not sections:
        raise IngestError(
            f"{path}: the PDF has no text layer (scanned images need OCR, which is not supported)"
        )
    return LoadedDocument(path, str(meta_title).strip() or path.stem, sections)
