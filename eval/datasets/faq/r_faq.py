"""The R FAQ PDF -> ``docs/r-faq.md`` without its question headings, and rows for the chosen questions."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from eval.datasets.faq.passages import (
    CONTEXT_MIN_WORDS,
    REFERENCE_MAX_WORDS,
    capped,
    first_words,
    norm,
    sentences,
)

RFAQ_DOC = "r-faq.md"

# R FAQ questions used (numbers as in Version 2022-09-08). Left out: answers that are mostly lists
# of links or addresses (2.4, 2.6, 2.7, 2.9, 2.10, 5.1.x, 6.1), very short or code-only answers,
# near-duplicates (2.5.x), and short pointers or code/link-only answers; README.md lists them.
R_SELECTED = [
    "2.1",
    "2.2",
    "2.3",
    "2.11",
    "2.12",
    "2.13",
    "2.14",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "5.2",
    "5.3",
    "5.4",
    "5.5",
    "5.6",
    "6.2",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6",
    "7.7",
    "7.8",
    "7.9",
    "7.10",
    "7.12",
    "7.13",
    "7.14",
    "7.15",
    "7.16",
    "7.17",
    "7.18",
    "7.19",
    "7.20",
    "7.21",
    "7.23",
    "7.25",
    "7.26",
    "7.27",
    "7.28",
    "7.29",
    "7.30",
    "7.31",
    "7.32",
    "7.33",
    "7.34",
    "7.36",
    "7.37",
    "7.39",
    "7.40",
    "7.41",
    "7.42",
    "7.43",
    "8.1",
    "8.4",
    "9.1",
]

_PAGE_HEADER = re.compile(r"^(Chapter \d+: .*\s\d+|[ivx]+|\d+)$")
_XREF = re.compile(r"((?:Section|Chapter)\s+\d+(?:\.\d+)*)\s*\[[^\]]{1,160}\],?\s*page\s+\d+", re.S)


def toc_entries(toc_text: str) -> list[tuple[str, str]]:
    """(number, title) from the PDF's table of contents; wrapped entries joined."""
    entries: list[tuple[str, str]] = []
    pending = ""
    for raw in toc_text.splitlines():
        line = raw.strip()
        if not line or line in ("Table of Contents",) or re.fullmatch(r"[ivx]+", line):
            continue
        line = (pending + " " + line).strip() if pending else line
        if re.search(r"(\.\s*){3,}\d+$|\s\d+$", line) and re.match(r"^\d", line):
            title = re.sub(r"[\s.]*\d+$", "", line)
            num, _, rest = title.partition(" ")
            entries.append((num, norm(rest).rstrip(".").strip()))
            pending = ""
        else:
            pending = line
    return entries


def dehyphenate(text: str) -> str:
    """Join words hyphenated across a line break, keeping real compounds (R-devel, S-Plus, x-axis)."""
    vocab = set(re.findall(r"[A-Za-z]+", text))
    hyph = set(re.findall(r"[A-Za-z]+-[A-Za-z]+", text.replace("-\n", "\0")))

    def fix(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if f"{a}-{b}" in hyph and (a + b) not in vocab:
            return f"{a}-{b}"
        if a[-1].isupper() or len(a) == 1:  # R-devel, S-Plus, x-axis style compounds
            return f"{a}-{b}"
        return a + b

    return re.sub(r"([A-Za-z]+)-\n([a-z]+)", fix, text)


def build_rfaq(src: Path, docs: Path) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Write ``docs/r-faq.md``; return the rows of ``R_SELECTED`` and every (number, title) heading."""
    from pypdf import PdfReader

    pages = [p.extract_text() or "" for p in PdfReader(str(src)).pages]
    start = next(i for i, t in enumerate(pages) if re.search(r"^1 Introduction$", t, re.M) and i > 1)
    toc_pages = [
        i for i in range(start) if "Table of Contents" in pages[i] or re.search(r"\.\s\.\s\.", pages[i])
    ]
    entries = toc_entries("\n".join(pages[i] for i in toc_pages))
    title_lines = [line for i in range(start) if i not in toc_pages for line in pages[i].splitlines()]
    title_lines = [line for line in title_lines if line.strip() and not _PAGE_HEADER.match(line.strip())]

    body: list[str] = []
    for t in pages[start:]:
        lines = t.splitlines()
        if lines and _PAGE_HEADER.match(lines[0].strip()):
            lines = lines[1:]
        body.extend(lines)

    # Walk the headings in order; each can wrap onto following lines.
    out: list[str] = ["# R FAQ", "", *title_lines, ""]
    answers: dict[str, list[str]] = {}
    current: str | None = None
    k = 0
    i = 0
    while i < len(body):
        line = body[i]
        if k < len(entries):
            num, title = entries[k]
            if line.startswith(num + " ") and norm(title).startswith(
                norm(line[len(num) + 1 :]).rstrip("-")[:20]
            ):
                got = norm(line[len(num) + 1 :])
                while len(got) < len(title) and i + 1 < len(body):
                    i += 1
                    got = norm(got + " " + body[i])
                if "." not in num:
                    out += ["", f"# {num} {title}", ""]
                else:
                    out += [""]  # the (sub)section heading is dropped: a paragraph break instead
                current = num
                answers[current] = []
                k += 1
                i += 1
                continue
        out.append(line)
        if current is not None:
            answers[current].append(line)
        i += 1
    if k != len(entries):
        sys.exit(f"R FAQ: only {k} of {len(entries)} headings found in the text (next: {entries[k]})")

    def clean(text: str) -> str:
        text = _XREF.sub(r"\1", text)
        text = dehyphenate(text)
        return "\n".join(
            ("    " + ln) if ln.lstrip().startswith("#") and not re.match(r"^# \d+ |^# R FAQ$", ln) else ln
            for ln in text.splitlines()
        )

    md = clean("\n".join(out)).strip() + "\n"
    md = re.sub(r"\n{3,}", "\n\n", md)
    (docs / RFAQ_DOC).write_text(md, encoding="utf-8")

    titles = dict(entries)
    rows = []
    for num in R_SELECTED:
        text = clean("\n".join(answers[num]))
        units = sentences(text)
        rows.append(
            {
                "id": f"rfaq-{num}",
                "user_input": titles[num],
                "reference": capped(units, REFERENCE_MAX_WORDS) or norm(text),
                "reference_contexts": [first_words(units, CONTEXT_MIN_WORDS)],
                "source": RFAQ_DOC,
            }
        )
    return rows, entries
