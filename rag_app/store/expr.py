"""Milvus boolean expressions built safely from user or document values."""

from __future__ import annotations


def quote(value: str) -> str:
    """``value`` as a Milvus string literal: backslashes and double quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
