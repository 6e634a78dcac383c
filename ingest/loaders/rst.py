"""reStructuredText without docutils: sections at titles, literal blocks verbatim, comments dropped.

A small hand-written parser of section adornments, explicit markup (directives, footnotes,
comments) and literal blocks: enough to split prose by headings the way docutils would.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.text import decode_text

_ADORNMENT = re.compile(r"""^([=\-~^"'`#*+_:.])\1*$""")
_DIRECTIVE = re.compile(r"^\.\.\s+(\S+?)::(?:\s+(.*))?$")
_OPTION = re.compile(r"^:[\w-]+:(?:\s.*)?$")
_LITERAL_DIRECTIVES = frozenset(("code-block", "code", "sourcecode", "parsed-literal", "math"))
# Directives whose argument and body are markup, paths or raw output rather than prose.
_SKIPPED_DIRECTIVES = frozenset(
    ("image", "include", "literalinclude", "raw", "highlight", "meta", "contents", "sectnum",
     "default-role", "role", "toctree", "index", "class", "title")
)  # fmt: skip


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_adornment(line: str) -> bool:
    return bool(line) and not line[0].isspace() and bool(_ADORNMENT.match(line.rstrip()))


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the block that runs from ``start`` while lines are blank or indented past ``indent``."""
    end = start
    i = start
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        i += 1
        if lines[i - 1].strip():
            end = i
    return end


def _parse(lines: list[str], out: list[tuple[str, str, str]], titles: bool) -> None:
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
            end = _block_end(lines, i + 1, indent)
            body = textwrap.dedent("\n".join(lines[i + 1 : end])).splitlines()
            i = end
            after_blank = True
            directive = _DIRECTIVE.match(stripped)
            if directive:
                name, argument = directive.group(1).lower(), (directive.group(2) or "").strip()
                while body and _OPTION.match(body[0].strip()):
                    body.pop(0)
                if name in _LITERAL_DIRECTIVES:
                    out.extend(
                        ("text", b.rstrip(), "") for b in textwrap.dedent("\n".join(body)).splitlines()
                    )
                elif name == "figure":  # the argument is an image path; the body is the caption
                    _parse(body, out, titles=False)
                elif name not in _SKIPPED_DIRECTIVES:
                    if argument:
                        out.append(("text", argument, ""))
                    _parse(body, out, titles=False)
            elif stripped.startswith(".. ["):  # footnote or citation: its text is content
                out.append(("text", stripped[3:], ""))
                _parse(body, out, titles=False)
            # anything else is a comment, a hyperlink target or a substitution definition: dropped
            continue
        if titles and after_blank and _is_adornment(line):
            char = line[0]
            if (
                i + 2 < n
                and lines[i + 1].strip()
                and lines[i + 2].rstrip()[:1] == char
                and _is_adornment(lines[i + 2])
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
            and _is_adornment(lines[i + 1])
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
                end = _block_end(lines, start, indent)
                out.append(("text", "", ""))
                block = textwrap.dedent("\n".join(ln.rstrip() for ln in lines[start:end]))
                out.extend(("text", b, "") for b in block.splitlines())
                i = end
            continue
        out.append(("text", line, ""))


def load_rst(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """reStructuredText split into sections at titles, with heading paths like Markdown's.

    A title's level comes from the order in which its adornment style (overline or not, and the
    character) first appears, as docutils assigns it. Literal blocks stay verbatim; comments go.
    """
    text = decode_text(data, path)
    events: list[tuple[str, str, str]] = []
    _parse(text.splitlines(), events, titles=True)
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
