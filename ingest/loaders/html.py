"""HTML: the visible text of a page (BeautifulSoup), split into sections at headings."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    ("p", "div", "li", "pre", "td", "th", "tr", "blockquote", "dt", "dd", "section", "article", "main",
     "table", "ul", "ol", "dl", "br", "body", "figcaption", "caption", "address")
)  # fmt: skip


def load_html(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
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
