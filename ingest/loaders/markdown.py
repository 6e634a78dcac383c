"""Markdown: sections at ATX headings (``#`` to ``######``), with heading paths; fenced code is body text."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.text import decode_text

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def load_markdown(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    text = decode_text(data, path)
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
        m = None if in_code else _HEADING.match(line)
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
