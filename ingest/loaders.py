"""Per-format loaders: a file becomes sections of text with their page or heading.

Every loader raises :class:`IngestError` with a reason a user understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _western_latin(data: bytes) -> str | None:
    """cp1252 text (Windows/ISO Western European), recognised by accents inside Latin words.

    Statistical detectors misjudge short Western texts (``café crème`` as Arabic or Baltic code
    pages). In real French, German, Spanish... text almost every accented letter sits next to a
    plain ASCII letter; Cyrillic or Greek bytes read as cp1252 make words of accents only.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [i for i, ch in enumerate(text) if ord(ch) > 127]
    if not non_ascii:
        return text
    if any(not text[i].isalpha() and text[i] not in "€–—‘’“”…«»°£§·" for i in non_ascii):
        return None
    inside_words = sum(
        1
        for i in non_ascii
        if (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha())
        or (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha())
    )
    return text if inside_words >= 0.8 * len(non_ascii) else None


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
    text = _western_latin(data)
    if text is None:
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
        elif style.startswith("List"):
            buf.append(f"- {text}")
        else:
            buf.append(text)
    if buf:
        sections.append(Section("\n".join(buf), heading=heading))
    return LoadedDocument(path, title or path.stem, sections)


def _pptx_shape_lines(shapes: Any) -> list[str]:
    """Text of shapes in reading order: top to bottom, then left to right."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    lines: list[str] = []
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            lines.extend(_pptx_shape_lines(shape.shapes))
        elif shape.has_table:
            for row in shape.table.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                if any(cells):
                    lines.append(" | ".join(cells))
        elif shape.has_text_frame:
            text = shape.text_frame.text.replace("\v", "\n")
            lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def load_pptx(path: Path, data: bytes) -> LoadedDocument:
    """One section per slide: the title is the heading, then the body text, tables and notes."""
    import io

    sections: list[Section] = []
    first_title = ""
    try:
        from pptx import Presentation

        presentation = Presentation(io.BytesIO(data))
        core_title = (presentation.core_properties.title or "").strip()
        for number, slide in enumerate(presentation.slides, start=1):
            title_shape = slide.shapes.title
            heading = ""
            if title_shape is not None and title_shape.has_text_frame:
                heading = " ".join(title_shape.text_frame.text.split())
            first_title = first_title or heading
            others = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
            lines = _pptx_shape_lines(others)
            if slide.has_notes_slide:
                frame = slide.notes_slide.notes_text_frame
                notes = frame.text.replace("\v", "\n").strip() if frame is not None else ""
                if notes:
                    lines += ["Notes:", notes]
            text = "\n".join(lines) or heading  # a title-only slide still gets found by its title
            if text:
                sections.append(Section(text, page=number, heading=heading))
    except Exception as exc:  # zipfile, lxml and python-pptx errors alike
        raise IngestError(f"{path}: corrupt PPTX ({type(exc).__name__}: {exc})") from exc
    return LoadedDocument(path, core_title or first_title or path.stem, sections)


# reStructuredText: section adornments, explicit markup and literal blocks (no docutils).
_RST_ADORNMENT = re.compile(r"""^([=\-~^"'`#*+_:.])\1*$""")
_RST_DIRECTIVE = re.compile(r"^\.\.\s+(\S+?)::(?:\s+(.*))?$")
_RST_OPTION = re.compile(r"^:[\w-]+:(?:\s.*)?$")
_RST_LITERAL_DIRECTIVES = frozenset(("code-block", "code", "sourcecode", "parsed-literal", "math"))
# Directives whose argument and body are markup, paths or raw output rather than prose.
_RST_SKIPPED_DIRECTIVES = frozenset(
    ("image", "include", "literalinclude", "raw", "highlight", "meta", "contents", "sectnum",
     "default-role", "role", "toctree", "index", "class", "title")
)  # fmt: skip


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _rst_is_adornment(line: str) -> bool:
    return bool(line) and not line[0].isspace() and bool(_RST_ADORNMENT.match(line.rstrip()))


def _rst_block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the block that runs from ``start`` while lines are blank or indented past ``indent``."""
    end = start
    i = start
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        i += 1
        if lines[i - 1].strip():
            end = i
    return end


def _rst_parse(lines: list[str], out: list[tuple[str, str, str]], titles: bool) -> None:
    """Append ("text", line, "") and ("title", style, text) events; titles only at the top level."""
    import textwrap

    i, n = 0, len(lines)
    after_blank = True
    while i < n:
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            out.append(("text", "", ""))
            after_blank = True
            i += 1
            continue
        indent = _indent(line)
        if stripped == ".." or stripped.startswith(".. "):
            end = _rst_block_end(lines, i + 1, indent)
            body = textwrap.dedent("\n".join(lines[i + 1 : end])).splitlines()
            i = end
            after_blank = True
            directive = _RST_DIRECTIVE.match(stripped)
            if directive:
                name, argument = directive.group(1).lower(), (directive.group(2) or "").strip()
                while body and _RST_OPTION.match(body[0].strip()):
                    body.pop(0)
                if name in _RST_LITERAL_DIRECTIVES:
                    out.extend(
                        ("text", b.rstrip(), "") for b in textwrap.dedent("\n".join(body)).splitlines()
                    )
                elif name == "figure":  # the argument is an image path; the body is the caption
                    _rst_parse(body, out, titles=False)
                elif name not in _RST_SKIPPED_DIRECTIVES:
                    if argument:
                        out.append(("text", argument, ""))
                    _rst_parse(body, out, titles=False)
            elif stripped.startswith(".. ["):  # footnote or citation: its text is content
                out.append(("text", stripped[3:], ""))
                _rst_parse(body, out, titles=False)
            # anything else is a comment, a hyperlink target or a substitution definition: dropped
            continue
        if titles and after_blank and _rst_is_adornment(line):
            char = line[0]
            if (
                i + 2 < n
                and lines[i + 1].strip()
                and lines[i + 2].rstrip()[:1] == char
                and _rst_is_adornment(lines[i + 2])
                and len(lines[i + 1].strip()) <= len(line)
            ):
                out.append(("title", "over" + char, lines[i + 1].strip()))
                i += 3
                continue
            if len(line) >= 4 and (i + 1 == n or not lines[i + 1].strip()):
                i += 1  # a transition: a horizontal rule, not text
                continue
        if (
            titles
            and after_blank
            and indent == 0
            and i + 1 < n
            and _rst_is_adornment(lines[i + 1])
            and len(lines[i + 1].rstrip()) >= len(stripped)
        ):
            out.append(("title", "under" + lines[i + 1][0], stripped))
            i += 2
            after_blank = True
            continue
        after_blank = False
        i += 1
        if stripped.endswith("::") and (i == n or not lines[i].strip()):
            # The paragraph ends with '::': the indented block after it is literal text.
            if stripped == "::":
                text = ""
            elif stripped[-3].isspace():
                text = line[:-2].rstrip()
            else:
                text = line[:-1]
            if text:
                out.append(("text", text, ""))
            start = i
            while start < n and not lines[start].strip():
                start += 1
            if start < n and _indent(lines[start]) > indent:
                end = _rst_block_end(lines, start, indent)
                out.append(("text", "", ""))
                block = textwrap.dedent("\n".join(ln.rstrip() for ln in lines[start:end]))
                out.extend(("text", b, "") for b in block.splitlines())
                i = end
            continue
        out.append(("text", line, ""))


def load_rst(path: Path, data: bytes) -> LoadedDocument:
    """reStructuredText split into sections at titles, with heading paths like Markdown's.

    A title's level comes from the order in which its adornment style (overline or not, and the
    character) first appears, as docutils assigns it. Literal blocks stay verbatim; comments go.
    """
    text = _decode_text(data, path)
    events: list[tuple[str, str, str]] = []
    _rst_parse(text.splitlines(), events, titles=True)
    sections: list[Section] = []
    styles: list[str] = []
    stack: list[tuple[int, str]] = []
    buf: list[str] = []
    title = ""

    def flush() -> None:
        body = "\n".join(buf).strip("\n")
        if body.strip():
            sections.append(Section(body, heading=" > ".join(name for _, name in stack)))
        buf.clear()

    for kind, value, name in events:
        if kind == "text":
            buf.append(value)
            continue
        flush()
        if value not in styles:
            styles.append(value)
        level = styles.index(value)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, name))
        title = title or name
    flush()
    return LoadedDocument(path, title or path.stem, sections)


_CSV_ROWS_PER_SECTION = 50
_CSV_DELIMITERS = ",;\t|"


def load_csv(path: Path, data: bytes) -> LoadedDocument:
    """Each data row becomes "Header: value; ..." on one line; sections hold at most 50 rows."""
    import csv
    import io

    text = _decode_text(data, path)
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab
    delimiter = "\t"
    if path.suffix.lower() != ".tsv":
        sample = text[:65536]
        if len(text) > len(sample) and "\n" in sample:
            sample = sample[: sample.rindex("\n")]  # no cut-off last row
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS)
            delimiter = dialect.delimiter
        except csv.Error:
            # The sniffer wants the same count on (nearly) every line, so ragged rows defeat it:
            # fall back to the delimiter the header line uses most, else a comma.
            dialect = csv.excel
            header_line = next((ln for ln in sample.splitlines() if ln.strip()), "")
            best = max(_CSV_DELIMITERS, key=header_line.count)
            delimiter = best if header_line.count(best) else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect, delimiter=delimiter)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise IngestError(f"{path}: malformed CSV ({exc})") from exc
    if not rows:
        raise IngestError(f"{path}: no rows found")
    header = [" ".join(name.split()) or f"column {n}" for n, name in enumerate(rows[0], start=1)]
    lines = []
    for row in rows[1:]:
        pairs = []
        for n, value in enumerate(row, start=1):
            value = " ".join(value.split())
            if value:
                pairs.append(f"{header[n - 1] if n <= len(header) else f'column {n}'}: {value}")
        lines.append("; ".join(pairs))
    if not lines:
        raise IngestError(f"{path}: no data rows, only a header")
    sections = [
        Section("\n".join(lines[start : start + _CSV_ROWS_PER_SECTION]))
        for start in range(0, len(lines), _CSV_ROWS_PER_SECTION)
    ]
    return LoadedDocument(path, path.stem, sections)


LOADERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
    ".pptx": load_pptx,
    ".rst": load_rst,
    ".csv": load_csv,
    ".tsv": load_csv,
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
