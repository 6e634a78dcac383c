"""HTML: the visible text of a page (BeautifulSoup), split into sections at headings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section

if TYPE_CHECKING:
    from bs4 import Tag

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    ("p", "div", "li", "pre", "td", "th", "tr", "blockquote", "dt", "dd", "section", "article", "main",
     "table", "ul", "ol", "dl", "br", "body", "figcaption", "caption", "address")
)  # fmt: skip


_ROWS_MARK = "data-rag-rows"


def _table_lines(table: Tag) -> list[str]:
    """A data table as one "a | b | c" line per row (a cell spanning columns repeated across them)."""
    lines = []
    for tr in table.find_all("tr"):
        cells: list[str] = []
        for cell in tr.find_all(["th", "td"], recursive=False):
            text = " ".join(cell.get_text(" ", strip=True).split())
            span = str(cell.get("colspan") or "1")
            cells.extend([text] * min(int(span) if span.isdigit() else 1, 50))
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def load_html(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """Main text of a page: every visible string, split into sections at headings.

    Scripts, styles, navigation, headers, footers and forms are dropped. A data table (one with no
    table inside: not a page layout) becomes one "a | b" line per row, set apart by blank lines,
    so the chunker can repeat its header row in each chunk of its rows.
    """
    from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

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

    for table in root.find_all("table"):
        if table.find("table") is None:  # a data table, not a page layout
            table[_ROWS_MARK] = "1"
    # One walk down the tree, carrying each node's nearest block ancestor: asking every text node
    # for its ancestors (find_parent) was quadratic in the nesting depth. Headings and the title are
    # not entered: a heading's text is its name, the title's is the document's; a data table is
    # written as its rows.
    start = root if root.name in _BLOCKS else root.find_parent(lambda t: t.name in _BLOCKS)
    stack: list[tuple[PageElement, object]] = [(child, start) for child in reversed(root.contents)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, Tag):
            if node.get(_ROWS_MARK):
                end_line()
                lines.extend(["", *_table_lines(node), ""])
                block = None
            elif node.name in _HEADINGS:
                flush()
                heading = node.get_text(" ", strip=True)
                title = title or heading
            elif node.name != "title":
                inner = node if node.name in _BLOCKS else owner
                stack.extend((child, inner) for child in reversed(node.contents))
            continue
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        text = " ".join(str(node).split())
        if not text:
            continue
        if owner is not block:
            end_line()
            block = owner
        current.append(text)
    flush()
    return LoadedDocument(path, title or path.stem, sections)
