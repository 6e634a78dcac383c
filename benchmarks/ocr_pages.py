"""The OCR benchmark's pages, built from packages that install offline, with their true text.

- Real scans from the ocrmypdf 17.13.0 sdist (PyPI, ``tests/resources``): a two-column brochure
  (linn.png), a book page with an engraving (c03-29.pdf), a scanned printout (epson.pdf), a
  typewritten recipe (typewriter.png) and a map (baiona.png, label words only). Their true text was
  transcribed by hand: ``benchmarks/ocr_truth/``.
- Made here like a flatbed scan (grey paper, blur, noise, dust, a slight rotation, JPEG): page 7
  of the R FAQ (Debian ``r-doc-pdf``; truth: its text layer), section 1.2 of the Debian FAQ in
  Chinese with a picture in the middle (``debian-faq-zh-cn``, font ``fonts-wqy-zenhei``) and in
  Korean as a TIFF (``debian-faq-ko``, ``fonts-nanum``); truth: the text drawn.

``fetch(cache)`` downloads them once (``pip download`` and ``apt-get download``) into ``cache``.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import log

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "ocr_truth"
DPI = 300
DEBS = ["debian-faq-zh-cn", "debian-faq-ko", "r-doc-pdf", "fonts-wqy-zenhei", "fonts-nanum"]
REAL = ["linn.png", "c03-29.pdf", "epson.pdf", "typewriter.png", "baiona.png"]
SCRIPT = {"zh_scan.pdf": "Han", "ko_scan.tif": "Hangul"}  # the rest: Latin


def fetch(cache: Path) -> tuple[Path, Path]:
    """The ocrmypdf test resources and the extracted Debian packages (downloaded on first use)."""
    resources = cache / "ocrmypdf-17.13.0" / "tests" / "resources"
    debs = cache / "debs"
    if not resources.is_dir():
        log("fetching the ocrmypdf 17.13.0 sdist (its test scans) from PyPI")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             "ocrmypdf==17.13.0", "-d", str(cache)],
            check=True,
        )  # fmt: skip
        members = [f"ocrmypdf-17.13.0/tests/resources/{name}" for name in REAL]  # only the scans
        subprocess.run(
            ["tar", "xzf", str(cache / "ocrmypdf-17.13.0.tar.gz"), "-C", str(cache), *members], check=True
        )
    if not (debs / "x").is_dir():
        log(f"fetching {', '.join(DEBS)} with apt-get download")
        debs.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", *DEBS], cwd=debs, check=True, capture_output=True)
        for deb in debs.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(debs / "x")], check=True)
    return resources, debs / "x"


def degrade(img: Any, seed: int, angle: float) -> Any:
    """Make a clean rendering look like a flatbed scan."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    a = 25 + np.asarray(img.convert("L")).astype(np.float32) * (235 - 25) / 255.0  # grey paper, grey ink
    g = Image.fromarray(a.clip(0, 255).astype(np.uint8))
    g = g.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=235)
    a = np.asarray(g.filter(ImageFilter.GaussianBlur(radius=1.1))).astype(np.float32)
    a += rng.normal(0, 12, a.shape)  # sensor noise
    h, w = a.shape
    a += np.linspace(-10, 6, w)[None, :]  # uneven light
    for _ in range(300):  # dust
        y, x = rng.integers(0, h), rng.integers(0, w)
        a[y : y + 2, x : x + 2] = 40
    buf = io.BytesIO()
    Image.fromarray(a.clip(0, 255).astype(np.uint8)).save(buf, "JPEG", quality=55)
    buf.seek(0)
    return Image.open(buf).copy()


def _wrap(text: str, font: Any, width: int, draw: Any, cjk: bool) -> list[str]:
    tokens = re.findall(r"[A-Za-z0-9_./:#@()\-]+|\s|." if cjk else r"\S+|\s+", text)
    lines, cur = [], ""
    for t in tokens:
        if draw.textlength(cur + t, font=font) <= width or not cur.strip():
            cur += t
        else:
            lines.append(cur.rstrip())
            cur = t.lstrip()
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def _page(paras: list[tuple[str, str]], font_path: Path, cjk: bool, figure: Any = None) -> tuple[Any, str]:
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * DPI), int(11.69 * DPI)  # A4
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    px = int(11 / 72 * DPI)
    font, big = ImageFont.truetype(str(font_path), px), ImageFont.truetype(str(font_path), int(px * 1.5))
    margin, y, drawn = DPI, DPI, []
    for kind, text in paras:
        if kind == "figure" and figure is not None:
            fig = figure.copy()
            fig.thumbnail((int((width - 2 * margin) * 0.6), int(height * 0.28)))
            img.paste(fig, ((width - fig.width) // 2, y + 20))
            y += fig.height + 60
            continue
        f = big if kind == "h" else font
        for line in _wrap(text, f, width - 2 * margin, draw, cjk):
            if y + f.size > height - margin:
                break
            draw.text((margin, y), line, font=f, fill=0)
            drawn.append(line)
            y += int(f.size * 1.55)
        y += int(px * 0.6)
    return img, "\n".join(drawn) + "\n"


def _faq(path: Path, n: int) -> list[tuple[str, str]]:
    """Section 1.2 ("What is Debian GNU/Linux?") of a Debian FAQ translation, from its HTML."""
    s = path.read_text(encoding="utf-8")
    i = s.index('id="whatisdebian"')
    j = s.index("<h2", i)
    body = s[i : s.index("<h2", j + 3)]
    head = re.sub(r"<[^>]+>", "", s[s.index(">", s.index("</a>", i)) + 1 : s.index("</h2>", i)])
    out = [("h", html.unescape(head).strip())]
    cjk = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
    for p in re.findall(r"<p>(.*?)</p>", body, flags=re.S)[:n]:
        t = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", p))).strip()
        out.append(("p", re.sub(rf"(?<={cjk}) (?={cjk})", "", t)))
    return out


def build(cache: Path, out: Path) -> dict[str, str]:
    """Write the pages into ``out``; returns page name -> true text ("" for the map: words only)."""
    import pypdfium2 as pdfium

    resources, x = fetch(cache)
    out.mkdir(parents=True, exist_ok=True)
    truth: dict[str, str] = {}
    for name in REAL:
        shutil.copy(resources / name, out / name)
        stem = name.rsplit(".", 1)[0]
        truth[name] = (TRUTH / (stem + (".words" if name == "baiona.png" else ".txt"))).read_text(
            encoding="utf-8"
        )
    pdf = pdfium.PdfDocument(str(x / "usr/share/doc/r-doc-pdf/manual/R-FAQ.pdf"))
    page = pdf[6]
    truth["rfaq_scan.pdf"] = page.get_textpage().get_text_range().replace("\ufffe", "-").replace("\r\n", "\n")
    degrade(page.render(scale=DPI / 72, grayscale=True).to_pil(), 1, 0.9).save(
        out / "rfaq_scan.pdf", "PDF", resolution=DPI
    )
    c03 = pdfium.PdfDocument(str(resources / "c03-29.pdf"))[0].render(scale=DPI / 72, grayscale=True).to_pil()
    w, h = c03.size
    figure = c03.crop((int(w * 0.03), int(h * 0.12), int(w * 0.30), int(h * 0.56)))
    paras = _faq(x / "usr/share/doc/debian/FAQ/zh-cn/basic-defs.zh-cn.html", 8)
    img, truth["zh_scan.pdf"] = _page(
        [*paras[:3], ("figure", ""), *paras[3:]],
        x / "usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        True,
        figure,
    )
    degrade(img, 2, -1.2).save(out / "zh_scan.pdf", "PDF", resolution=DPI)
    paras = _faq(x / "usr/share/doc/debian/FAQ/ko/basic-defs.ko.html", 7)
    img, truth["ko_scan.tif"] = _page(paras, x / "usr/share/fonts/truetype/nanum/NanumMyeongjo.ttf", False)
    degrade(img, 3, 0.6).save(out / "ko_scan.tif", compression="tiff_lzw", dpi=(DPI, DPI))
    return truth
