"""What every loader returns (a document as sections of text, each with its page or heading path),
and the options a loader is called with (OCR, page progress)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

OcrMode = Literal["auto", "always", "never"]


@dataclass
class Section:
    """A run of text from one place in a document: a page, a slide, or the text under one heading."""

    text: str
    page: int | None = None
    heading: str = ""  # the heading, or the path "Outer > Inner" where headings nest
    ocr: bool = False  # the text was read from an image by OCR (shown as such in the sources)


@dataclass
class Attachment:
    """A file carried inside another (an e-mail's attachment): ingested as its own document."""

    name: str  # its file name inside the container (sanitised: one path component)
    data: bytes


@dataclass
class LoadedDocument:
    path: Path
    title: str
    sections: list[Section] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read anyway, but the user should know (skipped pages)


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may need besides the bytes: the OCR settings (``ingest.ocr*``) and an
    optional callback that hears about OCR progress, ``on_ocr_page(pages_done, pages_to_ocr)``.

    Loaders that OCR nothing ignore it; every loader accepts it so the registry calls them alike.
    """

    ocr: OcrMode = "auto"
    ocr_languages: str = "auto"  # "auto": tesseract's script detection per page; or "eng+deu"...
    ocr_dpi: int = 300
    ocr_workers: int = 0  # tesseract processes at once; 0: one per core
    on_ocr_page: Callable[[int, int], None] | None = None


DEFAULT_OPTIONS = LoadOptions()
