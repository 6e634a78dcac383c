"""Helpers for the loader tests: a file written in tmp and loaded through the registry, or its error."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.formats import load
from ingest.loaders.base import LoadedDocument
from rag_app.errors import IngestError
from tests.conftest import FIXTURES

R_FAQ_PDF = FIXTURES / "r-faq-2pages.pdf"
R_FAQ_FACT = "New features are typically introduced in r-devel"


def squash(text: str) -> str:
    return " ".join(text.split())


def noise(n: int, seed: int = 1234) -> bytes:
    return random.Random(seed).randbytes(n)


def load_file(path: Path, data: bytes) -> LoadedDocument:
    path.write_bytes(data)
    return load(path, path.read_bytes())


def assert_ingest_error(path: Path, data: bytes, *needles: str) -> IngestError:
    """Loading ``data`` as ``path`` fails with a message naming the file and every needle (any case)."""
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        load(path, path.read_bytes())
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle.lower() in message.lower(), message
    return info.value
