"""Uploaded files: type and size checks, safe names, stored under ``data_dir/ui.upload_dir``.

Files land in one flat folder, so ``rag ingest data/uploads`` (or a re-ingest from the UI) finds
them again. A name is reduced to its last path component and a conservative character set; it can
never point outside the upload folder. Two different names never share a stored file: a name that
had to be changed gets a short tag derived from the original (``a:b.pdf`` → ``a_b-1f3a…pdf``,
``a?b.pdf`` → ``a_b-9c0d…pdf``). The same name again is a new version of that file: it replaces
the earlier upload atomically and says so; the same content again changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rag_app.errors import ConfigError, UploadRejected
from rag_app.folders import private_folder
from rag_app.settings import Settings

_UNSAFE = re.compile(r"[^\w.\- ()+,]+", re.UNICODE)


@dataclass
class Stored:
    name: str  # the name the user gave
    path: Path  # where it was stored
    replaced: bool = False  # an earlier upload with different content had this name
    unchanged: bool = False  # the same content was already stored under this name

    @property
    def renamed(self) -> bool:
        """True when the stored name differs from the user's (unsafe characters, a tag)."""
        return self.path.name != _last_component(self.name)

    def note(self) -> str:
        """What happened to the file, for the user (empty when it was simply stored)."""
        notes = []
        if self.renamed:
            notes.append(f"stored as {self.path.name}")
        if self.replaced:
            notes.append("replaced the earlier upload with this name")
        if self.unchanged:
            notes.append("same content as the earlier upload")
        return "; ".join(notes)


def _last_component(name: str) -> str:
    return unicodedata.normalize("NFC", re.split(r"[\\/]", name or "")[-1])


def upload_dir(settings: Settings) -> Path:
    """The upload folder (created readable by this user only)."""
    folder = Path(settings.ui.upload_dir)
    if not folder.is_absolute():
        folder = settings.data_dir / folder
    return private_folder(folder.resolve())


def safe_name(name: str) -> str:
    """The last component of ``name`` with only safe characters; never empty, never a dot-file."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base).replace("\x00", "")
    base = _UNSAFE.sub("_", base).strip(" .")
    base = re.sub(r"_+", "_", base)
    if not base or base in (".", ".."):
        base = "upload"
    if len(base) > 150:
        stem, ext = os.path.splitext(base)
        base = stem[: 150 - len(ext)] + ext
    return base


def stored_name(name: str) -> str:
    """The file name an upload called ``name`` is stored under.

    :func:`safe_name` of it; when that had to change the name, a tag from the original name is
    added, so two different names (``a:b.pdf``, ``a?b.pdf``) never land on the same file.
    """
    clean = safe_name(name)
    original = _last_component(name)
    if clean == original:
        return clean
    tag = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem, ext = os.path.splitext(clean)
    return f"{stem[: 150 - len(ext) - 9]}-{tag}{ext}"


def allowed_types(settings: Settings) -> list[str]:
    """Extensions uploads accept: ``ui.allowed_types``, else every type ingest reads.

    A configured type that ingest cannot read is a configuration error naming the key.
    """
    from ingest.formats import extensions

    readable = extensions()
    if settings.ui.allowed_types is None:
        return readable
    allowed = [e.lower() if e.startswith(".") else "." + e.lower() for e in settings.ui.allowed_types]
    unknown = [e for e in allowed if e not in readable]
    if unknown:
        raise ConfigError(
            f"ui.allowed_types lists {', '.join(unknown)}, which ingest cannot read.",
            fix=f"Use only types ingest reads: {', '.join(readable)} (or remove the key to accept them all).",
        )
    return allowed


def check_type(name: str, settings: Settings) -> str:
    ext = Path(name).suffix.lower()
    allowed = allowed_types(settings)
    if ext not in allowed:
        raise UploadRejected(f"type {ext or '(none)'} not allowed (allowed: {', '.join(allowed)})")
    return ext


def max_bytes(settings: Settings) -> int:
    return int(settings.ui.max_upload_mb * 1024 * 1024)


def inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def store_stream(src: BinaryIO, name: str, settings: Settings) -> Stored:
    """Copy ``src`` into the upload folder under :func:`stored_name` of ``name``; checks type and size.

    Nothing is written when the stored file already has exactly this content.
    """
    clean = stored_name(name)
    check_type(clean, settings)
    limit = max_bytes(settings)
    folder = upload_dir(settings)
    target = folder / clean
    if not inside(target, folder) or target.is_symlink():
        raise UploadRejected("unsafe file name")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=folder)
    size = 0
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                size += len(block)
                if size > limit:
                    raise UploadRejected(f"larger than the {settings.ui.max_upload_mb:g} MB limit")
                digest.update(block)
                out.write(block)
        if size == 0:
            raise UploadRejected("empty file")
        existed = target.is_file()
        if existed and target.stat().st_size == size and _sha256(target) == digest.hexdigest():
            Path(tmp).unlink()  # idempotent: the file (and its modification time) stay as they were
            return Stored(name, target, unchanged=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Stored(name, target, replaced=existed)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def store_file(path: str | Path, name: str | None, settings: Settings) -> Stored:
    """Store a file Gradio saved in its temp folder (``name``: the user's original name)."""
    src = Path(path)
    display = name or src.name
    if src.stat().st_size > max_bytes(settings):
        raise UploadRejected(f"larger than the {settings.ui.max_upload_mb:g} MB limit")
    with src.open("rb") as fh:
        return store_stream(fh, display, settings)


def resolve_server_path(raw: str, settings: Settings) -> Path:
    """A path given to the ingest API: relative to the upload folder; must stay inside data_dir."""
    folder = upload_dir(settings)
    p = Path(raw)
    p = (p if p.is_absolute() else folder / p).resolve()
    data = settings.data_dir.resolve()
    if not inside(p, data):
        raise UploadRejected(f"{raw}: only paths inside the data directory ({data}) can be ingested")
    if not p.exists():
        raise UploadRejected(f"{raw}: not found")
    return p


def is_upload(source: str, settings: Settings) -> bool:
    """True when ``source`` is a file in the upload folder (not a link to elsewhere)."""
    p = Path(source)
    return p.is_file() and not p.is_symlink() and inside(p, upload_dir(settings))


def remove_upload(source: str, settings: Settings) -> bool:
    """Delete an uploaded file (only inside the upload folder); True when something was removed."""
    if is_upload(source, settings):
        Path(source).unlink()
        return True
    return False
