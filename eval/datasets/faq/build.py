"""Rebuild the FAQ retrieval dataset from two Debian documentation packages.

    .venv/bin/python eval/datasets/faq/build.py            # apt-get download, then rebuild
    .venv/bin/python eval/datasets/faq/build.py --src DIR  # DIR: the packages already extracted there

Sources (Debian 12 "bookworm"; versions and sha256 are checked, see README.md):

- ``sqlite3-doc`` ``/usr/share/doc/sqlite3/faq.html`` (27 Q&A, public domain) becomes
  ``docs/sqlite-faq.html``: the same page with the question list at the top and every question
  heading ``<p><b>(N) ...</b></p>`` removed. Answers, in order, and the rest of the page are kept.
- ``r-doc-pdf`` ``/usr/share/R/doc/manual/R-FAQ.pdf`` (GPL-2 or later) becomes ``docs/r-faq.md``:
  the PDF's text layer (pypdf), without the title-page table of contents, page headers and
  page numbers; chapter headings kept as ``# N Title``, every numbered (sub)section heading
  removed (a blank line in its place); cross references ``Section 2.10 [What is CRAN?], page 9``
  shortened to ``Section 2.10`` (their bracketed titles are the question headings); words
  hyphenated across lines joined again; lines starting with ``#`` (R comments) indented so
  Markdown does not read them as headings.

Questions (``questions.jsonl``): every SQLite question plus a selection of R FAQ questions whose
answers are self-contained prose (``R_SELECTED``). ``user_input`` is the removed heading,
``reference`` the start of the answer, ``reference_contexts`` its first sentences/paragraphs as the
app's own loaders (``ingest.loaders``) extract them from the indexed file, so the word-3-gram
matching of ``eval/retrieval.py`` finds them. The build checks each one occurs in the extracted
text, and that no question heading is left in it.
"""

from __future__ import annotations

import argparse
import hashlib
import html as htmlmod
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

PACKAGES = {
    "sqlite3-doc": "3.40.1-2+deb12u2",
    "r-doc-pdf": "4.2.2.20221110-2",
}
SOURCES = {
    "sqlite": (
        "usr/share/doc/sqlite3/faq.html",
        "f521c7145ea05014a91fb8b548c6b8f94168621b72d5158b3ca14667d248a5a7",
    ),
    "rfaq": (
        "usr/share/R/doc/manual/R-FAQ.pdf",
        "de8768520d4fb90dad64c28483ffb92dca7dd9d8dc8556905b35c2e62a939255",
    ),
}
SQLITE_DOC = "sqlite-faq.html"
RFAQ_DOC = "r-faq.md"
SMALL_IDS = ["sqlite-q1", "sqlite-q5", "sqlite-q6", "sqlite-q13", "sqlite-q19"]

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

CONTEXT_MIN_WORDS = 50  # reference_contexts: whole sentences/blocks until at least this many words
REFERENCE_MAX_WORDS = 150  # reference: the answer's start, whole sentences up to about this many words


def norm(text: str) -> str:
    return " ".join(text.split())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- fetching ------------------------------------------------------------------------------------
def fetch(dest: Path, allow_other_versions: bool) -> dict[str, str]:
    """``apt-get download`` the pinned packages and extract them into ``dest``."""
    versions = {}
    with tempfile.TemporaryDirectory(prefix="faq-debs-") as tmp:
        for name, version in PACKAGES.items():
            spec = name if allow_other_versions else f"{name}={version}"
            r = subprocess.run(["apt-get", "download", spec], cwd=tmp, capture_output=True, text=True)
            debs = sorted(Path(tmp).glob(f"{name}_*.deb"))
            if r.returncode or not debs:
                sys.exit(
                    f"`apt-get download {spec}` failed: {r.stderr.strip()[-400:]}\n"
                    "Run `apt-get update` once, or pass --src with the packages extracted."
                )
            got = subprocess.run(
                ["dpkg-deb", "-f", str(debs[0]), "Version"], capture_output=True, text=True, check=True
            ).stdout.strip()
            versions[name] = got
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(dest)], check=True)
    return versions


# -- SQLite faq.html -----------------------------------------------------------------------------
_SQ_TOC = re.compile(r"<ol class=nounderline>.*?</ol>", re.S)
_SQ_Q = re.compile(r'<a name="q(\d+)"></a>\s*<p><b>\((\d+)\)\s*(.*?)</b></p>\s*', re.S)


def plain(fragment: str) -> str:
    return norm(htmlmod.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def loader_lines(html_fragment: str) -> list[str]:
    """The lines the app's HTML loader extracts from a fragment (the same rules as the full page)."""
    from ingest.loaders import load_html

    doc = load_html(Path("x.html"), f"<html><body>{html_fragment}</body></html>".encode())
    return [line for s in doc.sections for line in s.text.splitlines() if line.strip()]


def first_words(units: list[str], min_words: int) -> str:
    out: list[str] = []
    for u in units:
        out.append(norm(u))
        if len(" ".join(out).split()) >= min_words:
            break
    return " ".join(out)


def capped(units: list[str], max_words: int) -> str:
    out: list[str] = []
    for u in units:
        if out and len(" ".join([*out, u]).split()) > max_words:
            break
        out.append(norm(u))
    return " ".join(out)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!:])\s+(?=[A-Z(‘“])", norm(text)) if s]


def build_sqlite(src: Path, docs: Path) -> list[dict]:
    page = src.read_text(encoding="utf-8")
    questions = [(int(m.group(1)), plain(m.group(3))) for m in _SQ_Q.finditer(page)]
    # Answer of qN: from the end of its heading to the next anchor (or the end of the list).
    rows = []
    matches = list(_SQ_Q.finditer(page))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else page.find("</ol>", m.end())
        end = end if end > 0 else len(page)
        answer_html = page[m.end() : end]
        lines = loader_lines(answer_html)
        units = [s for line in lines for s in sentences(line)]
        rows.append(
            {
                "id": f"sqlite-q{m.group(1)}",
                "user_input": plain(m.group(3)),
                "reference": capped(units, REFERENCE_MAX_WORDS) or norm(" ".join(lines)),
                "reference_contexts": [first_words(lines, CONTEXT_MIN_WORDS)],
                "source": SQLITE_DOC,
            }
        )
    assert len(questions) == 27, len(questions)
    out = _SQ_TOC.sub("", page, count=1)
    out = _SQ_Q.sub(lambda m: f'<a name="q{m.group(1)}"></a>\n', out)
    (docs / SQLITE_DOC).write_text(out, encoding="utf-8")
    return rows


# -- R FAQ PDF -----------------------------------------------------------------------------------
_PAGE_HEADER = re.compile(r"^(Chapter \d+: .*\s\d+|[ivx]+|\d+)$")
_TOC_LINE = re.compile(r"^(\d+(?:\.\d+)*)\s+(.*?)[\s.]*?(\d+)$")
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


def build_rfaq(src: Path, docs: Path) -> tuple[list[dict], list[tuple[str, str]]]:
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


# -- checks ----------------------------------------------------------------------------------------
def indexed_text(path: Path) -> str:
    from ingest.loaders import load

    doc = load(path, path.read_bytes())
    return norm(" ".join(s.text for s in doc.sections))


def check(rows: list[dict], docs: Path, extra_headings: list[str]) -> None:
    texts = {p.name: indexed_text(p) for p in sorted(docs.iterdir())}
    low = {k: v.lower() for k, v in texts.items()}
    for r in rows:
        for ctx in r["reference_contexts"]:
            assert norm(ctx) in texts[r["source"]], (r["id"], ctx[:80])
    for q in [r["user_input"] for r in rows] + extra_headings:
        for name, t in low.items():
            assert norm(q).lower() not in t, (name, q)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, help="folder with the packages already extracted (dpkg-deb -x)")
    ap.add_argument(
        "--allow-other-versions",
        action="store_true",
        help="accept other package versions / source checksums (the set will differ)",
    )
    args = ap.parse_args()
    tmp = None
    if args.src is None:
        tmp = Path(tempfile.mkdtemp(prefix="faq-src-"))
        versions = fetch(tmp, args.allow_other_versions)
        print(f"packages: {versions}", file=sys.stderr)
        src = tmp
    else:
        src = args.src
    try:
        files = {}
        for key, (rel, digest) in SOURCES.items():
            f = (src / rel).resolve()
            if sha256(f) != digest:
                msg = f"{rel}: sha256 {sha256(f)} differs from the pinned {digest}"
                if not args.allow_other_versions:
                    sys.exit(msg + " (pass --allow-other-versions to build from it anyway)")
                print("warning: " + msg, file=sys.stderr)
            files[key] = f
        docs = HERE / "docs"
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir(parents=True)
        rows = build_sqlite(files["sqlite"], docs)
        r_rows, entries = build_rfaq(files["rfaq"], docs)
        rows += r_rows
        r_questions = [
            t
            for n, t in entries
            if "." in n
            and (
                t.endswith("?")
                or t.split()[0]
                in ("How", "Why", "What", "Which", "Where", "Is", "Are", "Can", "Should", "Does")
            )
        ]
        check(rows, docs, r_questions)
        with (HERE / "questions.jsonl").open("w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        small = [r for r in rows if r["id"] in SMALL_IDS]
        with (HERE / "questions-small.jsonl").open("w", encoding="utf-8") as out:
            for r in small:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        n_sq = sum(r["source"] == SQLITE_DOC for r in rows)
        print(
            f"{len(rows)} questions ({n_sq} SQLite, {len(rows) - n_sq} R FAQ); "
            f"{len(small)} in questions-small.jsonl; docs: {sorted(p.name for p in docs.iterdir())}",
            file=sys.stderr,
        )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
