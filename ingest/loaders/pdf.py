"""PDF: one section per page, from the text layer (pypdf), or by OCR for pages that have none.

Tables in the text layer become "a | b" rows (:mod:`ingest.loaders.pdf_tables`).

``ingest.ocr: auto`` OCRs only the pages without a text layer (a mixed PDF keeps its text pages
exact), ``always`` every page, ``never`` none (a scanned PDF is then an error). Pages are rendered
with pypdfium2 at ``ingest.ocr_dpi`` and read by tesseract (:mod:`ingest.ocr`); page numbers are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.pdf_tables import rebuild
from rag_app.errors import IngestError

if TYPE_CHECKING:
    from PIL.Image import Image
    from pypdf import PageObject, PdfReader

# Far above real documents; a page tree can declare (or repeat) millions of pages. Time and memory
# are also capped for every loader by the worker that runs it (ingest.loader_process).
MAX_PAGES = 10_000


def _declared_pages(reader: PdfReader) -> int:
    """The page count the document's page tree declares (0 when it declares none)."""
    from pypdf.generic import DictionaryObject

    try:
        pages = reader.root_object["/Pages"].get_object()
        return int(pages.get("/Count", 0)) if isinstance(pages, DictionaryObject) else 0
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


MIN_TEXT = 20  # non-space characters below which a page counts as having no text layer


def _page_text(page: PageObject) -> str:
    """A page's text layer; where it has tables, from the layout text with the tables as rows."""
    text = page.extract_text() or ""
    if len("".join(text.split())) < MIN_TEXT:
        return text
    try:
        layout = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode is stricter about odd fonts: the plain text is still good
        return text
    return rebuild(layout) or text


def _read_text_layer(path: Path, data: bytes) -> tuple[list[str], str]:
    """Each page's text layer (pypdf) and the document's title."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise IngestError(f"{path}: encrypted PDF ({exc})") from exc
            if not ok:
                raise IngestError(f"{path}: encrypted PDF; a password is needed to read it")
        declared = _declared_pages(reader)
        if declared > MAX_PAGES:
            raise IngestError(
                f"{path}: the PDF declares {declared:,} pages; at most {MAX_PAGES:,} are read "
                "(split it into smaller files)"
            )
        if len(reader.pages) > MAX_PAGES:  # the real count, before any text is extracted
            raise IngestError(
                f"{path}: the PDF has {len(reader.pages):,} pages; at most {MAX_PAGES:,} are read "
                "(split it into smaller files)"
            )
        texts = [_page_text(page) for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except IngestError:
        raise
    except LimitReachedError as exc:  # pypdf's own guards (page tree, stream sizes)
        raise IngestError(f"{path}: the PDF is over a safety limit of the PDF reader ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(f"{path}: corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    return texts, str(meta_title).strip()


def _rendered(data: bytes, pages: list[int], dpi: int) -> Iterator[tuple[Image, int | None]]:
    """Page images (0-based ``pages``) rendered one at a time, grayscale at ``dpi``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for index in pages:
            page = pdf[index]
            try:
                yield page.render(scale=dpi / 72, grayscale=True).to_pil(), dpi  # 72 pt per inch
            finally:
                page.close()
    finally:
        pdf.close()


def load_pdf(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    from ingest import ocr

    texts, title = _read_text_layer(path, data)
    if options.ocr == "always":
        scanned = list(range(len(texts)))
    else:
        scanned = [i for i, t in enumerate(texts) if len("".join(t.split())) < MIN_TEXT]
    warnings: list[str] = []
    ocr_texts: dict[int, str] = {}
    if scanned and options.ocr != "never":
        if ocr.tesseract() is None and len(scanned) < len(texts):
            warnings.append(
                f"{path.name}: {len(scanned)} scanned page(s) without a text layer were skipped: "
                f"tesseract is not installed. {ocr.INSTALL_FIX}"
            )
        else:
            try:
                read = ocr.read_images(_rendered(data, scanned, options.ocr_dpi), options, len(scanned))
            except IngestError as exc:
                raise IngestError(f"{path}: {exc.message}", fix=exc.fix) from exc
            except Exception as exc:  # pdfium cannot render a page pypdf could parse
                raise IngestError(
                    f"{path}: cannot render pages for OCR ({type(exc).__name__}: {exc})"
                ) from exc
            ocr_texts = dict(zip(scanned, read, strict=True))
    sections = []
    for index, text in enumerate(texts):
        if ocr_texts.get(index, "").strip():
            sections.append(Section(ocr_texts[index], page=index + 1, ocr=True))
        elif text.strip():
            sections.append(Section(text, page=index + 1))
    if not sections:
        if options.ocr == "never":
            raise IngestError(
                f"{path}: the PDF has no text layer (scanned pages), and ingest.ocr is never",
                fix="Set ingest.ocr: auto to read scanned pages with OCR.",
            )
        raise IngestError(f"{path}: no text found, neither in a text layer nor by OCR")
    return LoadedDocument(path, title or path.stem, sections, warnings=warnings)
