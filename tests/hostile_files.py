"""Hostile files, generated: each one hung, exhausted or crashed a loader before the fixes (or still
exceeds a limit on purpose). Shared by the loader unit tests and the security suite."""

from __future__ import annotations

import io
import zipfile

# Control sequences a document may carry to take over a terminal: clear the screen, retitle the
# window, a hyperlink, red text, and the 8-bit CSI (U+009B) some terminals honour.
TERMINAL_ATTACK = (
    "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\x1b[31mred\x9b0m\x07"
)


def long_heading_markdown(spaces: int = 20_000) -> bytes:
    """``# a`` + spaces + ``b``: the old heading regex backtracked cubically (800 spaces: 1.7 s)."""
    return ("# a" + " " * spaces + "b\n\nBody under the long heading.\n").encode()


def nested_html(depth: int = 20_000) -> bytes:
    """``<div>x`` nested ``depth`` deep: the old loader asked every text node for its ancestors."""
    return (
        "<html><body>" + "<div>x" * depth + "</div>" * depth + "<p>The end marker.</p></body></html>"
    ).encode()


def zip_bomb(base: bytes, unpacked_mb: int, member: str = "word/media/zeros.bin") -> bytes:
    """An Office file (``base``, a real DOCX/PPTX) plus one member of zeros: ~1000:1 compression."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open(member, "w", force_zip64=True) as fh:
            chunk = bytes(1 << 24)
            for _ in range(max(1, unpacked_mb // 16)):
                fh.write(chunk)
    return out.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object n is ``objects[n-1]``, 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 2 0 R >> >> >>"


def page_tree_bomb(levels: int = 14) -> bytes:
    """A 1 KB PDF whose page tree repeats one page 2**levels times (each node: Kids [child child])."""
    objects = [
        b"<< /Type /Catalog /Pages 5 0 R >>",
        _FONT,
        _stream(b"BT /F1 12 Tf 72 720 Td (Bomb page) Tj ET"),
    ]
    objects.append(_PAGE % 5)
    for i in range(levels):
        child = 6 + i if i < levels - 1 else 4
        objects.append(b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>" % (child, child))
    return _pdf(objects)


def slow_pdf(pages: int = 3, operators: int = 300_000) -> bytes:
    """A valid PDF whose pages each hold ``operators`` text operations: pypdf takes ~6 s per 100k on
    an idle core (under its own limit of tokens per stream), so 3 pages take ~1 minute."""
    body = b"BT /F1 12 Tf 72 720 Td " + b"(slow) Tj 0 -1 Td " * operators + b"ET"
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(pages)).encode()
    objects = [
        b"<< /Type /Catalog /Pages 3 0 R >>",
        _FONT,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    objects.append(b"")  # 4: unused, keeps the numbering simple
    for i in range(pages):
        page = _PAGE.replace(b"/Contents 3 0 R", b"/Contents %d 0 R" % (6 + 2 * i)) % 3
        objects += [page, _stream(body)]
    objects[3] = b"null"
    return _pdf(objects)


def cell_bomb_csv(mb: int = 24) -> bytes:
    """Tiny cells: each 2-byte cell becomes a Python string, so memory grows ~30x the file size."""
    return b"a,b,c,d\n" + b"1,2,3,4\n" * (mb * 1024 * 1024 // 8)
