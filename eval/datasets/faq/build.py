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

Modules: :mod:`debian` (download, checksums), :mod:`sqlite_faq`, :mod:`r_faq` (one per source),
:mod:`passages` (cutting references and gold passages from an answer).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
if not __package__:  # run as a script: import the app's loaders and these modules from the checkout
    sys.path.insert(0, str(REPO))

from eval.datasets.faq.debian import fetch, source_files  # noqa: E402
from eval.datasets.faq.passages import norm  # noqa: E402
from eval.datasets.faq.r_faq import build_rfaq  # noqa: E402
from eval.datasets.faq.sqlite_faq import SQLITE_DOC, build_sqlite  # noqa: E402

SMALL_IDS = ["sqlite-q1", "sqlite-q5", "sqlite-q6", "sqlite-q13", "sqlite-q19"]
SQLITE_QUESTIONS = 27  # numbered 1-28, no 16
QUESTION_WORDS = ("How", "Why", "What", "Which", "Where", "Is", "Are", "Can", "Should", "Does")


def question_headings(entries: list[tuple[str, str]]) -> list[str]:
    """The R FAQ's (sub)section titles that read as questions, asked about or not: none may stay indexed."""
    return [t for n, t in entries if "." in n and (t.endswith("?") or t.split()[0] in QUESTION_WORDS)]


def indexed_text(path: Path) -> str:
    """A document's text as the app's loaders extract it for indexing, whitespace-normalised."""
    from ingest.formats import load

    doc = load(path, path.read_bytes())
    return norm(" ".join(s.text for s in doc.sections))


def check(rows: list[dict[str, Any]], docs: Path, extra_headings: list[str]) -> None:
    """Every gold passage occurs in its document's indexed text; no question (nor heading) does."""
    texts = {p.name: indexed_text(p) for p in sorted(docs.iterdir())}
    low = {k: v.lower() for k, v in texts.items()}
    for r in rows:
        for ctx in r["reference_contexts"]:
            assert norm(ctx) in texts[r["source"]], (r["id"], ctx[:80])
    for q in [r["user_input"] for r in rows] + extra_headings:
        for name, t in low.items():
            assert norm(q).lower() not in t, (name, q)


def main() -> int:
    """Fetch (or take ``--src``), check the sources, rebuild ``docs/`` and both question files."""
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
        files = source_files(src, args.allow_other_versions)
        docs = HERE / "docs"
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir(parents=True)
        rows = build_sqlite(files["sqlite"], docs)
        if len(rows) != SQLITE_QUESTIONS:
            sys.exit(f"SQLite FAQ: {len(rows)} questions found, expected {SQLITE_QUESTIONS}")
        r_rows, entries = build_rfaq(files["rfaq"], docs)
        rows += r_rows
        check(rows, docs, question_headings(entries))
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
