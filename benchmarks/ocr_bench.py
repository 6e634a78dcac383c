"""OCR accuracy and speed through the app's own loaders (``ingest.formats.load``: pypdfium2 ▸ tesseract).

Pages: :mod:`ocr_pages` (five real scans with hand-made transcriptions, three pages degraded here
like scans: English, Chinese with a picture, Korean as a TIFF). Figures, as JSON on stdout:

- per page: CER (Levenshtein distance / reference length after normalising quotes, dashes,
  bullets and whitespace; Chinese without spaces; reading order counts), word recall (reference
  words found anywhere in the output: what BM25 sees; Chinese as character bigrams), wall and CPU
  seconds (tesseract's child processes included), best of ``--repeat`` runs, one page at a time;
- ``throughput``: the seven text pages twice, as one 14-page scanned PDF, with 1 and with 2
  tesseract workers (``ingest.ocr_workers``): pages/s and CPU s/page;
- the load average before and after (the machine is shared: compare ratios within a run).

    .venv/bin/python benchmarks/ocr_bench.py --output ocr.json      # ~5 min on 2 cores; fetches once
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from common import emit, loadavg, log, machine, versions
from ocr_pages import DPI, build

from ingest import ocr
from ingest.formats import load
from ingest.loaders.base import LoadOptions

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def norm(s: str, cjk: bool) -> str:
    s = unicodedata.normalize("NFKC", s).replace("\ufffe", "-")
    s = re.sub(r"[‘’´`′]", "'", s)
    s = re.sub(r"[“”„″]", '"', s)
    s = re.sub(r"[‐‑‒–—―]", "-", s)
    s = re.sub(r"[•·▪■●◦]", " ", s)  # bullets: engines print them as 0, e, « or nothing
    s = re.sub(r"\s+", " ", s).strip()
    return s.replace(" ", "") if cjk else s


def tokens(s: str, cjk: bool) -> Counter[str]:
    s = norm(s, cjk).lower()
    if cjk:
        s = re.sub(r"[^\w]", "", s)
        return Counter(s[i : i + 2] for i in range(len(s) - 1))
    return Counter(re.findall(r"\w+", s))


def score(hyp: str, ref: str) -> tuple[float | None, float]:
    """(CER, word recall); CER is None for a words-only reference (the map)."""
    from rapidfuzz.distance import Levenshtein

    cjk = len(CJK.findall(ref)) > 0.2 * len(ref)
    th, tr = tokens(hyp, cjk), tokens(ref, cjk)
    recall = sum((th & tr).values()) / max(1, sum(tr.values()))
    if "\n" not in ref.strip() and len(ref.split()) < 40 and not cjk:  # baiona.words: labels only
        return None, recall
    h, r = norm(hyp, cjk), norm(ref, cjk)
    return Levenshtein.distance(h, r) / max(1, len(r)), recall


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed_load(path: Path, options: LoadOptions) -> tuple[str, float, float]:
    data = path.read_bytes()
    t0, c0 = time.perf_counter(), cpu_now()
    doc = load(path, data, options)
    return "\n".join(s.text for s in doc.sections), time.perf_counter() - t0, cpu_now() - c0


def per_page(pages: Path, truth: dict[str, str], repeat: int) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for name, ref in truth.items():
        runs = [timed_load(pages / name, LoadOptions(ocr_workers=1)) for _ in range(repeat)]
        text = runs[0][0]
        cer, recall = score(text, ref)
        rows[name] = {
            "cer": None if cer is None else round(cer, 4),
            "word_recall": round(recall, 3),
            "wall_s": round(min(r[1] for r in runs), 2),
            "cpu_s": round(min(r[2] for r in runs), 2),
        }
        log(f"{name}: {rows[name]}")
    return rows


def batch_pdf(pages: Path, names: list[str], out: Path) -> int:
    """The pages as one scanned PDF (each page an image at the scan's resolution), twice over."""
    import pypdfium2 as pdfium
    from PIL import Image

    images = []
    for name in names:
        if name.endswith(".pdf"):
            images.append(
                pdfium.PdfDocument(str(pages / name))[0].render(scale=DPI / 72, grayscale=True).to_pil()
            )
        else:
            images.append(Image.open(pages / name).convert("L"))
    images = images * 2
    images[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return len(images)


def throughput(pages: Path, names: list[str], cache: Path) -> dict[str, Any]:
    pdf = cache / "batch.pdf"
    n = batch_pdf(pages, names, pdf)
    out: dict[str, Any] = {"pages": n}
    for workers in (1, 2):
        _, wall, cpu = timed_load(pdf, LoadOptions(ocr_workers=workers))
        out[f"workers_{workers}"] = {
            "pages_per_s": round(n / wall, 3),
            "wall_s": round(wall, 1),
            "cpu_s_per_page": round(cpu / n, 2),
            "loadavg_1m_after": loadavg(),
        }
        log(f"{workers} worker(s): {out[f'workers_{workers}']}")
    return out


def table(rows: dict[str, Any]) -> str:
    """The per-page figures as a Markdown table (for benchmarks/README.md)."""
    lines = ["| page | CER | word recall | s/page (CPU s) |", "|---|---|---|---|"]
    for name, r in rows.items():
        cer = "n/a" if r["cer"] is None else f"{r['cer'] * 100:.1f}%"
        lines.append(
            f"| {name} | {cer} | {r['word_recall'] * 100:.0f}% | {r['wall_s']:.1f} ({r['cpu_s']:.1f}) |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache" / "ocr")
    ap.add_argument("--repeat", type=int, default=2, help="timing runs per page (the best is kept)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    if ocr.tesseract() is None:
        sys.exit("tesseract is not installed: `make install` (or see ingest/ocr.py).")
    result: dict[str, Any] = {"machine": machine(), "tesseract": ocr.version()}
    result["versions"] = versions(["pypdfium2", "pillow", "pypdf"], ["ingest"])
    truth = build(args.cache, args.cache / "pages")
    rows = per_page(args.cache / "pages", truth, args.repeat)
    text_pages = [n for n, r in rows.items() if r["cer"] is not None]
    result["pages"] = rows
    result["mean_7_text_pages"] = {
        "cer": round(sum(rows[n]["cer"] for n in text_pages) / len(text_pages), 4),
        "word_recall": round(sum(rows[n]["word_recall"] for n in text_pages) / len(text_pages), 3),
        "wall_s": round(sum(rows[n]["wall_s"] for n in text_pages) / len(text_pages), 2),
        "cpu_s": round(sum(rows[n]["cpu_s"] for n in text_pages) / len(text_pages), 2),
    }
    if not args.skip_throughput:
        result["throughput"] = throughput(args.cache / "pages", text_pages, args.cache)
    result["machine"]["loadavg_1m_end"] = loadavg()
    log("\n" + table(rows))
    emit(result, args.output)


if __name__ == "__main__":
    main()
