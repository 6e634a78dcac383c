"""Test documents generated on the spot: a scanned page, workbooks, an e-book, an e-mail.

Each builder writes a real file of its format (the way an office program or a scanner would) with
text the caller chooses, so a test can search for a phrase that only that file contains.
"""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image


def text_image(text: str, width: int = 1700, size: int = 40, dpi: int = 200) -> Image:
    """A white page with ``text`` in black, wrapped, like a clean 200-dpi scan."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)  # Pillow's bundled scalable font: no system fonts needed
    lines = [ln for para in text.split("\n") for ln in (textwrap.wrap(para, 60) or [""])]
    height = max(400, 160 + len(lines) * int(size * 1.6))
    img = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 100 + i * int(size * 1.6)), line, fill=0, font=font)
    img.info["dpi"] = (dpi, dpi)
    return img


def scanned_pdf(path: Path, text: str, rotate: int = 0) -> Path:
    """A one-page PDF that is only an image of ``text`` (no text layer), like a scanner makes."""
    img = text_image(text)
    if rotate:
        img = img.rotate(rotate, expand=True)
    img.save(path, "PDF", resolution=200.0)
    return path


def mixed_pdf(path: Path, text_pdf: Path, scanned_text: str) -> Path:
    """``text_pdf``'s pages (with a text layer) followed by one scanned page of ``scanned_text``."""
    from pypdf import PdfWriter

    scan = io.BytesIO()
    text_image(scanned_text).save(scan, "PDF", resolution=200.0)
    writer = PdfWriter()
    writer.append(str(text_pdf))
    writer.append(io.BytesIO(scan.getvalue()))
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def workbook(path: Path, phrase: str) -> Path:
    """An XLSX with two sheets: "Budget" (a merged two-row header, a formula with its cached value)
    and "Contacts" (``phrase`` in a cell)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Quarterly budget 2026"])  # a title row above the table
    ws.append(["Region", "Spend", None])
    ws.append([None, "Q1", "Q2"])
    ws.merge_cells("A2:A3")  # "Region" spans the two header rows
    ws.merge_cells("B2:C2")  # "Spend" spans Q1 and Q2
    ws.append(["North", 1200, 1300])
    ws.append(["South", 800, 950])
    ws.append(["Total", "=SUM(B4:B5)", "=SUM(C4:C5)"])
    contacts = wb.create_sheet("Contacts")
    contacts.append(["Name", "Role", "Note"])
    contacts.append(["Ada Lovelace", "analyst", phrase])
    contacts.append(["Alan Turing", "engineer", "on leave"])
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl writes formulas without results; Excel saves the last result next to each formula.
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                xml = re.sub(
                    r"(<c r=\"B6\"[^>]*>)<f>(.*?)</f>(<v>\s*</v>|<v/>)?", r"\1<f>\2</f><v>2000</v>", xml
                )
                xml = re.sub(
                    r"(<c r=\"C6\"[^>]*>)<f>(.*?)</f>(<v>\s*</v>|<v/>)?", r"\1<f>\2</f><v>2250</v>", xml
                )
                data = xml.encode()
            zout.writestr(item, data)
    return path


def ods(path: Path, phrase: str) -> Path:
    """An ODS with two sheets; the second has ``phrase``; a merged header and a cached formula value."""
    t, o, x = "table", "office", "text"
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<{t}:table {t}:name="Stock">
 <{t}:table-row><{t}:table-cell {t}:number-columns-spanned="2" {o}:value-type="string"><{x}:p>Item</{x}:p></{t}:table-cell><{t}:covered-table-cell/><{t}:table-cell {o}:value-type="string"><{x}:p>Count</{x}:p></{t}:table-cell></{t}:table-row>
 <{t}:table-row><{t}:table-cell {o}:value-type="string"><{x}:p>bolts</{x}:p></{t}:table-cell><{t}:table-cell {o}:value-type="string"><{x}:p>M6</{x}:p></{t}:table-cell><{t}:table-cell {o}:value-type="float" {o}:value="40"><{x}:p>40</{x}:p></{t}:table-cell></{t}:table-row>
 <{t}:table-row><{t}:table-cell {o}:value-type="string"><{x}:p>total</{x}:p></{t}:table-cell><{t}:table-cell/><{t}:table-cell {t}:formula="of:=SUM([.C2])" {o}:value-type="float" {o}:value="40"><{x}:p>40</{x}:p></{t}:table-cell></{t}:table-row>
 <{t}:table-row {t}:number-rows-repeated="1048570"><{t}:table-cell {t}:number-columns-repeated="1024"/></{t}:table-row>
</{t}:table>
<{t}:table {t}:name="Notes">
 <{t}:table-row><{t}:table-cell {o}:value-type="string"><{x}:p>Topic</{x}:p></{t}:table-cell><{t}:table-cell {o}:value-type="string"><{x}:p>Detail</{x}:p></{t}:table-cell></{t}:table-row>
 <{t}:table-row><{t}:table-cell {o}:value-type="string"><{x}:p>secret</{x}:p></{t}:table-cell><{t}:table-cell {o}:value-type="string"><{x}:p>{phrase}</{x}:p></{t}:table-cell></{t}:table-row>
</{t}:table>
</office:spreadsheet></office:body></office:document-content>"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    return path


def epub(path: Path, chapters: list[tuple[str, str]], title: str = "A Test Book") -> Path:
    """An EPUB 3 with one XHTML file per (chapter title, paragraph text) and a nav table of contents."""
    items = "".join(
        f'<item id="c{i}" href="text/ch{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    nav_links = "".join(f'<li><a href="text/ch{i}.xhtml">{t}</a></li>' for i, (t, _) in enumerate(chapters))
    opf = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">test</dc:identifier>
<dc:title>{title}</dc:title><dc:language>en</dc:language></metadata>
<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>{items}</manifest>
<spine>{spine}</spine></package>"""
    nav = f"""<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head>
<body><nav epub:type="toc"><ol>{nav_links}</ol></nav></body></html>"""
    container = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", container)
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/nav.xhtml", nav)
        for i, (name, body) in enumerate(chapters):
            z.writestr(
                f"OEBPS/text/ch{i}.xhtml",
                f'<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{name}</title></head><body><h1>{name}</h1><h2>Part one</h2><p>{body}</p></body></html>",
            )
    return path


def email_file(
    path: Path, subject: str, body: str, attachments: list[tuple[str, bytes, str]] | None = None
) -> Path:
    """An .eml with a plain-text body and (name, bytes, MIME type) attachments."""
    msg = EmailMessage()
    msg["From"] = "Grace Hopper <grace@example.org>"
    msg["To"] = "team@example.org"
    msg["Date"] = "Mon, 01 Dec 2026 09:30:00 +0000"
    msg["Subject"] = subject
    msg.set_content(body)
    for name, data, mime in attachments or []:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(msg.as_bytes())
    return path


def text_pdf(stream: bytes) -> bytes:
    """A one-page PDF whose content stream is ``stream`` (text operators, Helvetica as /F1),
    written by hand: no PDF library writes text."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def table_pdf(path: Path, rows: list[tuple[str, ...]], col_width: int = 150) -> Path:
    """A PDF with a text layer holding ``rows`` as a table (one text object per cell, in columns),
    written by hand like a report generator would: no PDF library writes text."""
    ops = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            ops.append(f"BT /F1 10 Tf {50 + c * col_width} {760 - r * 14} Td ({cell}) Tj ET")
    path.write_bytes(text_pdf("\n".join(ops).encode()))
    return path
