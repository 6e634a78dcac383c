"""E-mail (``.eml``, RFC 822/MIME): the subject as title, the headers and the body as text, and the
attachments handed back to be ingested as documents of their own.

The body is the plain-text part, or the HTML part read by the HTML loader when there is no plain
one. Attachments (including attached e-mails) come back as :class:`Attachment` with a safe name;
the indexer ingests those of supported types, each as its own document whose source is
``mail.eml#name`` (see :mod:`ingest.indexer`). Inline images of an HTML body (logos, signatures)
are not attachments.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage, Message
from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, Attachment, LoadedDocument, LoadOptions, Section
from ingest.loaders.html import load_html
from rag_app.errors import IngestError

_UNSAFE = re.compile(r"[^\w.\- ()+,@]+", re.UNICODE)
_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def attachment_name(raw: str | None, index: int, extension: str = "") -> str:
    """A file name for an attachment: its last path component, safe characters only, never empty."""
    base = re.split(r"[\\/]", raw or "")[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")[:150]
    return base or f"attachment-{index}{extension}"


def _body(msg: EmailMessage, path: Path, options: LoadOptions) -> list[Section]:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return []
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # an unknown charset: read it as UTF-8
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    if part.get_content_subtype() == "html":
        return load_html(path, str(content).encode("utf-8"), options).sections
    return [Section(str(content))]


def _attachments(msg: EmailMessage) -> list[Attachment]:
    out: list[Attachment] = []
    names: set[str] = set()
    for index, part in enumerate(msg.iter_attachments(), start=1):
        if part.get_content_disposition() == "inline" and part.get("Content-ID"):
            continue  # an image the HTML body shows (logo, signature), not a document
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            message = inner[0] if isinstance(inner, list) and inner else None
            if not isinstance(message, Message):
                continue
            data = message.as_bytes()
            name = attachment_name(part.get_filename() or str(message.get("Subject") or ""), index)
            if not name.lower().endswith(".eml"):
                name += ".eml"
        else:
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                continue
            data = payload
            name = attachment_name(part.get_filename(), index)
        stem, dot, ext = name.rpartition(".")
        unique, n = name, 2
        while unique in names:  # two attachments with one name stay two documents
            unique = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
            n += 1
        names.add(unique)
        out.append(Attachment(unique, data))
    return out


def load_email(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """Headers (From, To, Cc, Date, Subject, the attachment names) as the first section, then the body."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if not isinstance(msg, EmailMessage) or not msg.keys():
            raise IngestError(f"{path}: not an e-mail (no headers)")
        headers = [f"{h}: {' '.join(str(msg[h]).split())}" for h in _HEADERS if msg[h]]
        attachments = _attachments(msg)
        body = _body(msg, path, options)
    except IngestError:
        raise
    except Exception as exc:  # the email package raises many kinds on broken MIME
        raise IngestError(f"{path}: cannot parse the e-mail ({type(exc).__name__}: {exc})") from exc
    if attachments:
        headers.append("Attachments: " + ", ".join(a.name for a in attachments))
    subject = " ".join(str(msg["Subject"] or "").split())
    sections = [Section("\n".join(headers), heading=subject), *body]
    for s in body:
        s.heading = " > ".join(h for h in (subject, s.heading) if h)
    return LoadedDocument(path, subject or path.stem, sections, attachments=attachments)
