"""Embedders by provider name (``rag_app.registry.EMBEDDERS``); the interface is :class:`Embedder`."""

from __future__ import annotations

from rag_app.components.embedders.base import Embedder
from rag_app.registry import EMBEDDERS
from rag_app.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder (``embedder.provider``); its weights may load on first use."""
    builder = EMBEDDERS.builder(settings.embedder.provider)
    embedder: Embedder = builder(settings)
    return embedder


__all__ = ["Embedder", "build_embedder"]
