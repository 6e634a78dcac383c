"""Per-format loaders: a file becomes sections of text with their page or heading.

Every loader raises :class:`IngestError` with a reason a user understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag_app.errors import IngestError


@dataclass
class Section:
    text: str
    page: int | None = None
    heading: str = ""


@dataclass
class LoadedDocument:
    path: Path
    title: str
    sections: list[Section] = field(default_factory=list)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_text(data: bytes, path: Path) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(f"{path}: declares {encoding} but is not valid {encoding} ({exc})") from exc
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: binary data, not text (the extension says {path.suffix})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(f"{path}: not readable as text in any known encoding")
    text = str(best)
    # Control characters other than whitespace mean it was not really text.
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(10, len(text[:20000]) // 100):
        raise IngestError(f"{path}: binary data, not text (the extension says {path.suffix})")
    return text


def load_text(path: Path, data: bytes) -> LoadedDocument:
    text = _decode_text(data, path)
    return LoadedDocument(path, path.stem, [Section(text)])


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def load_markdown(path: Path, data: bytes) -> LoadedDocument:
    text = _decode_text(data, path)
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, heading) from the outermost in
    buf: list[str] = []
    title = ""
    in_code = False

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(body, heading=" > ".join(name for _, name in stack)))
        buf.clear()

    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        m = None if in_code else _MD_HEADING.match(line)
        if m:
            flush()
            level, name = len(m.group(1)), m.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, name))
            title = title or name
            continue
        buf.append(line)
    flush()
    return LoadedDocument(path, title or path.stem, sections)


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


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    ("p", "div", "li", "pre", "td", "th", "tr", "blockquote", "dt", "dd", "section", "article", "main",
     "table", "ul", "ol", "dl", "br", "body", "figcaption", "caption", "address")
)  # fmt: skip


def load_html(path: Path, data: bytes) -> LoadedDocument:
    """Main text of a page: every visible string, split into sections at headings.

    Scripts, styles, navigation, headers, footers and forms are dropped.
    """
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "header", "footer", "form", "svg", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    root = soup.body or soup
    sections: list[Section] = []
    heading = ""
    lines: list[str] = []
    current: list[str] = []
    block: object = None

    def end_line() -> None:
        if current:
            lines.append(" ".join(current))
            current.clear()

    def flush() -> None:
        end_line()
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(text, heading=heading))
        lines.clear()

    for node in root.descendants:
        if isinstance(node, Tag) and node.name in _HEADINGS:
            flush()
            heading = node.get_text(" ", strip=True)
            title = title or heading
            continue
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        if node.find_parent(_HEADINGS) is not None or node.find_parent("title") is not None:
            continue
        text = " ".join(str(node).split())
        if not text:
            continue
        owner = node.find_parent(lambda t: t.name in _BLOCKS)
        if owner is not block:
            end_line()
            block = owner
        current.append(text)
    flush()
    return LoadedDocument(path, title or path.stem, sections)


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    import io
    import zipfile

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
            rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows]
            buf.extend(r for r in rows if r.strip(" |"))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name or "") if item.style is not None else ""
        if style.startswith("Heading") or style == "Title":
            if buf:
                sections.append(Section("\n".join(buf), heading=heading))
                buf = []
            heading = text
            title = title or text
        else:
            buf.append(text)
    if buf:
        sections.append(Section("\n".join(buf), heading=heading))
    return LoadedDocument(path, title or path.stem, sections)


LOADERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load(path: Path, data: bytes) -> LoadedDocument:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise IngestError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    if not data.strip():
        raise IngestError(f"{path}: empty file")
    doc = loader(path, data)
    if not any(s.text.strip() for s in doc.sections):
        raise IngestError(f"{path}: no text found")
    return doc
