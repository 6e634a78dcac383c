"""Zip containers (DOCX, PPTX): refuse a zip bomb before any library unpacks it.

Office files are zips that python-docx and python-pptx read whole into memory. The sizes a zip's
directory declares bound what Python's ``zipfile`` will ever unpack (it stops at the declared
size and fails the CRC check beyond it), so checking them up front is enough: a small file that
unpacks to gigabytes is refused in microseconds instead of exhausting memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from rag_app.errors import IngestError

MAX_UNPACKED_MB = 1024  # all parts together, unpacked
MAX_PARTS = 10_000
MAX_RATIO = 100  # unpacked / packed, for parts over RATIO_FROM_MB
RATIO_FROM_MB = 16


def check_zip(path: Path, data: bytes, kind: str) -> None:
    """Raise :class:`IngestError` when the zip in ``data`` is corrupt or unpacks to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise IngestError(f"{path}: corrupt {kind} (not a valid zip: {exc})") from exc
    if len(parts) > MAX_PARTS:
        raise IngestError(f"{path}: the {kind} holds {len(parts):,} parts (at most {MAX_PARTS:,} are read)")
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED_MB * 1024 * 1024:
        raise IngestError(
            f"{path}: the {kind} unpacks to {total / 1048576:,.0f} MB, over the {MAX_UNPACKED_MB} MB "
            "limit (a zip bomb?)"
        )
    for part in parts:
        if part.file_size > RATIO_FROM_MB * 1048576 and part.file_size > MAX_RATIO * max(
            part.compress_size, 1
        ):
            raise IngestError(
                f"{path}: the {kind} part {part.filename} unpacks to {part.file_size / 1048576:,.0f} MB "
                f"from {part.compress_size / 1048576:,.1f} MB (over {MAX_RATIO}:1: a zip bomb?)"
            )
