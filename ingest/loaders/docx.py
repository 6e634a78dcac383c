"""DOCX: paragraphs and tables in document order (python-docx), split into sections at heading styles."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.archive import check_zip
from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from rag_app.errors import IngestError


def load_docx(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    import io
    import zipfile

    check_zip(path, data, "DOCX")
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"{path}: corrupt DOCX ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # python-docx raises its own package errors
        raise IngestError(f"{path}: cannot read DOCX ({type(exc).__name__}: {exc})") from exc
    sections: list[Section] = []
    heading, title = "", (document.core_properties.title or "")
    buf: list[str] = []
    # Paragraphs and tables in document order, so a table keeps the heading above it.
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            # One line per row (a cell's line breaks become spaces), a blank line around the table:
            # the chunker repeats its first row, the header, in every chunk of its rows.
            rows = [" | ".join(" ".join(cell.text.split()) for cell in row.cells) for row in item.rows]
            buf.extend(["", *(r for r in rows if r.strip(" |")), ""])
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name or "") if item.style is not None else ""
        if style.startswith("Heading") or style == "Title":
            if buf:
                sections.append(Section("\n".join(buf).strip("\n"), heading=heading))
                buf = []
            heading = text
            title = title or text
        elif style.startswith("List"):
            buf.append(f"- {text}")
        else:
            buf.append(text)
    if buf:
        sections.append(Section("\n".join(buf).strip("\n"), heading=heading))
    return LoadedDocument(path, title or path.stem, sections)
