"""What every loader returns: a document as sections of text, each with its page or heading path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    """A run of text from one place in a document: a page, a slide, or the text under one heading."""

    text: str
    page: int | None = None
    heading: str = ""  # the heading, or the path "Outer > Inner" where headings nest


@dataclass
class LoadedDocument:
    path: Path
    title: str
    sections: list[Section] = field(default_factory=list)
