"""Rebuild the parallel Debian FAQ retrieval set (English, Chinese, Korean) from Debian packages.

    .venv/bin/python eval/datasets/debian_faq/build.py            # apt-get download, then rebuild
    .venv/bin/python eval/datasets/debian_faq/build.py --src DIR  # DIR: the packages extracted there

Sources (Debian 12 "bookworm", version 11.1 of each; the .deb files' sha256 are checked): the
Debian FAQ in English (``debian-faq``), Simplified Chinese (``debian-faq-zh-cn``) and Korean
(``debian-faq-ko``), the same questions translated. For each language, ten chapters
(``CHAPTERS``) go to ``<lang>/docs/`` as they are, except that three things are removed: the
chapter's table of contents, every section heading (the questions), and the question titles that
cross references quote (`Section 4.1, "On what hardware...?"` becomes `Section 4.1`). Each
question whose English heading ends with "?" and whose answer starts with prose in all three
languages, translated (parts of the Korean FAQ are still in English), becomes a row of ``<lang>/questions.jsonl``, with the same ``id`` in every language:

- ``user_input``: the removed heading, its number dropped ("10.3. " ...);
- ``reference``: the start of the answer (about 150 words, or 300 characters in Chinese/Korean);
- ``reference_contexts``: the answer's first paragraphs, as the app's HTML loader extracts them,
  until at least 50 words (English) or 100 characters (Chinese, Korean);
- ``source``, ``language``.

The build checks that every gold passage occurs in its document's indexed text and that no
question is left in it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
if not __package__:  # run as a script: import the app's loaders from the checkout
    sys.path.insert(0, str(REPO))

from eval.datasets.faq.passages import norm  # noqa: E402
from eval.datasets.faq.sqlite_faq import loader_lines, plain  # noqa: E402

PACKAGES = {  # name -> (version, sha256 of the .deb)
    "debian-faq": ("11.1", "427426e0cfa6888622fc1d72631071cb4b5a1f86ccde722e7820bcef284de5d0"),
    "debian-faq-zh-cn": ("11.1", "3545356b1aa04d87e91dd15e8406210cf5b4f476662e597897bcb42234591758"),
    "debian-faq-ko": ("11.1", "1e010227c0e7497b836e195beedcda60f3e9b8856f19f211cbbdc5e91b4a5d7a"),
}
FAQ = "usr/share/doc/debian/FAQ"
LANGS = {"en": "{c}.en.html", "zh": "zh-cn/{c}.zh-cn.html", "ko": "ko/{c}.ko.html"}
CHAPTERS = (
    "basic-defs", "getting-debian", "compatibility", "software", "pkg-basics",
    "pkgtools", "uptodate", "kernel", "customizing", "support",
)  # fmt: skip
MIN_WORDS = 50  # English gold passage
MIN_CHARS = 100  # Chinese / Korean gold passage
REF_WORDS, REF_CHARS = 150, 300

_TOC = re.compile(r'<div class="toc">.*?</dl></div>', re.S)
_HEAD = re.compile(
    r'<div class="titlepage"><div><div><h([2-4]) class="title"><a id="([^"]+)"></a>(.*?)</h\1></div></div></div>',
    re.S,
)
_NUMBER = re.compile(r"^\d+(\.\d+)*\.\s*")
# Cross references name their target's question: `Section 4.1, "On what hardware ...?"` -> `Section 4.1`.
_XREF = re.compile(r'(<a class="xref" href="[^"]*") title="[^"]*">(.*?),?\s*“.*?”</a>', re.S)


def fetch(dest: Path) -> None:
    """``apt-get download`` the pinned packages, check their sha256, extract them into ``dest``."""
    with tempfile.TemporaryDirectory(prefix="debian-faq-") as tmp:
        for name, (version, digest) in PACKAGES.items():
            r = subprocess.run(
                ["apt-get", "download", f"{name}={version}"], cwd=tmp, capture_output=True, text=True
            )
            debs = sorted(Path(tmp).glob(f"{name}_*.deb"))
            if r.returncode or not debs:
                sys.exit(f"`apt-get download {name}={version}` failed: {r.stderr.strip()[-400:]}")
            got = hashlib.sha256(debs[0].read_bytes()).hexdigest()
            if got != digest:
                sys.exit(f"{debs[0].name}: sha256 {got} differs from the pinned {digest}")
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(dest)], check=True)


def cjk(lang: str) -> bool:
    return lang in ("zh", "ko")


def size(text: str, lang: str) -> int:
    """Characters (Chinese, Korean: no spaces counted) or words (English)."""
    return len(text.replace(" ", "")) if cjk(lang) else len(text.split())


def leading(lines: list[str], lang: str, at_least: int) -> str:
    """Whole lines from the start until ``at_least`` characters/words."""
    out: list[str] = []
    for line in lines:
        out.append(norm(line))
        if size(" ".join(out), lang) >= at_least:
            break
    return " ".join(out)


def capped(lines: list[str], lang: str, at_most: int) -> str:
    """Whole lines while they fit in ``at_most`` characters/words (at least one line, cut if needed)."""
    out: list[str] = []
    for line in lines:
        if out and size(" ".join([*out, line]), lang) > at_most:
            break
        out.append(norm(line))
    text = " ".join(out)
    return text if size(text, lang) <= at_most * 2 else text[: at_most * (1 if cjk(lang) else 8)]


def translated(lang: str, section: dict[str, Any], gold: str) -> bool:
    """The question and its gold passage are written in ``lang`` (parts of the Korean FAQ are not)."""
    from rag_app.language import measure

    return all(measure([text]).dominant in (lang, "und") for text in (section["question"], gold))


def chapter(page: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The page without its TOC and section headings; each section's question and answer lines."""
    page = _XREF.sub(r"\1>\2</a>", _TOC.sub("", page, count=1))
    heads = list(_HEAD.finditer(page))
    sections: dict[str, dict[str, Any]] = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(page)
        answer = re.split(r'<div class="navfooter">', page[m.end() : end])[0]
        sections[m.group(2)] = {"question": _NUMBER.sub("", plain(m.group(3))), "lines": loader_lines(answer)}
    return _HEAD.sub("", page), sections


def indexed_text(path: Path) -> str:
    from ingest.formats import load

    return norm(" ".join(s.text for s in load(path, path.read_bytes()).sections))


def build(src: Path) -> dict[str, list[dict[str, Any]]]:
    """Write ``<lang>/docs/`` for every language; return the rows per language."""
    parsed: dict[str, dict[str, dict[str, dict[str, Any]]]] = {lang: {} for lang in LANGS}
    for lang, pattern in LANGS.items():
        docs = HERE / lang / "docs"
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir(parents=True)
        for c in CHAPTERS:
            original = src / FAQ / pattern.format(c=c)
            page, sections = chapter(original.read_text(encoding="utf-8"))
            (docs / original.name).write_text(page, encoding="utf-8")
            parsed[lang][c] = sections
    rows: dict[str, list[dict[str, Any]]] = {lang: [] for lang in LANGS}
    for c in CHAPTERS:
        for anchor, en in parsed["en"][c].items():
            if not en["question"].endswith("?"):
                continue
            per_lang = {lang: parsed[lang][c].get(anchor) for lang in LANGS}
            golds = {
                lang: leading(s["lines"], lang, MIN_CHARS if cjk(lang) else MIN_WORDS) if s else ""
                for lang, s in per_lang.items()
            }
            if any(size(g, lang) < (MIN_CHARS if cjk(lang) else MIN_WORDS) for lang, g in golds.items()):
                continue  # a short answer (a pointer, a list of links) somewhere: not asked
            if any(not translated(lang, s, golds[lang]) for lang, s in per_lang.items() if s):
                continue  # left in English in a translation: not a Chinese/Korean question
            for lang, s in per_lang.items():
                assert s is not None
                rows[lang].append(
                    {
                        "id": f"{c}-{anchor}",
                        "user_input": s["question"],
                        "reference": capped(s["lines"], lang, REF_CHARS if cjk(lang) else REF_WORDS),
                        "reference_contexts": [golds[lang]],
                        "source": Path(LANGS[lang].format(c=c)).name,
                        "language": lang,
                    }
                )
    return rows


def check(lang: str, rows: list[dict[str, Any]], questions: list[str]) -> None:
    """Every gold passage occurs in its document's indexed text; no question does."""
    docs = HERE / lang / "docs"
    texts = {p.name: indexed_text(p) for p in sorted(docs.iterdir())}
    for r in rows:
        assert norm(r["reference_contexts"][0]) in texts[r["source"]], (
            r["id"],
            r["reference_contexts"][0][:80],
        )
    for q in questions:
        for name, t in texts.items():
            assert norm(q).lower() not in t.lower(), (name, q)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, help="folder with the three packages extracted (dpkg-deb -x)")
    args = ap.parse_args()
    tmp = None
    if args.src is None:
        tmp = Path(tempfile.mkdtemp(prefix="debian-faq-src-"))
        fetch(tmp)
    src = args.src or tmp
    assert src is not None
    try:
        rows = build(src)
        for lang, lang_rows in rows.items():
            check(lang, lang_rows, [r["user_input"] for r in lang_rows])
            with (HERE / lang / "questions.jsonl").open("w", encoding="utf-8") as out:
                for r in lang_rows:
                    out.write(json.dumps(r, ensure_ascii=False) + "\n")
            print(f"{lang}: {len(lang_rows)} questions, {len(CHAPTERS)} documents", file=sys.stderr)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
