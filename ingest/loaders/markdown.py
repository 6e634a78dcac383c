"""Markdown: sections at ATX headings (``#`` to ``######``), with heading paths; fenced code is body text."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.text import decode_text


def heading(line: str) -> tuple[int, str] | None:
    """``(level, name)`` when ``line`` is an ATX heading (``## Name`` with an optional closing ``##``).

    Plain string operations, linear in the line's length: a regular expression with a lazy group
    between optional runs of spaces and ``#`` backtracked cubically on long lines of spaces.
    A closing run of ``#`` counts only after a space, as in CommonMark (``# C#`` is "C#").
    """
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or level == len(line) or not line[level].isspace():
        return None
    name = line[level:].strip()
    unclosed = name.rstrip("#")
    if unclosed != name and (not unclosed or unclosed[-1].isspace()):
        name = unclosed.rstrip()
    return (level, name) if name else None


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
        found = None if in_code else heading(line)
        if found:
            flush()
            level, name = found
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, name))
            title = title or name
            continue
        buf.append(line)
    flush()
    return LoadedDocument(path, title or path.stem, sections)
