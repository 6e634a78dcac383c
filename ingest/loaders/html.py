"""HTML: the visible text of a page (BeautifulSoup), split into sections at headings."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadedDocument, Section

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    ("p", "div", "li", "pre", "td", "th", "tr", "blockquote", "dt", "dd", "section", "article", "main",
     "table", "ul", "ol", "dl", "br", "body", "figcaption", "caption", "address")
)  # fmt: skip


def load_html(path: Path, data: bytes) -> LoadedDocument:
    """Main text of a page: every visible string, split into sections at headings.

    Scripts, styles, navigation, headers, footers and forms are dropped.
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

    # One walk down the tree, carrying each node's nearest block ancestor: asking every text node
    # for its ancestors (find_parent) was quadratic in the nesting depth. Headings and the title are
    # not entered: a heading's text is its name, the title's is the document's.
    start = root if root.name in _BLOCKS else root.find_parent(lambda t: t.name in _BLOCKS)
    stack: list[tuple[PageElement, object]] = [(child, start) for child in reversed(root.contents)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, Tag):
            if node.name in _HEADINGS:
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
