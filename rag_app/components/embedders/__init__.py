"""Embedders by provider name (``rag_app.registry.EMBEDDERS``); the interface is :class:`Embedder`."""

from __future__ import annotations

from rag_app.components.embedders.base import Embedder
from rag_app.registry import EMBEDDERS
from rag_app.settings import AUTO, Settings


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder (``embedder.provider``); its weights may load on first use.

    ``auto`` is resolved against an index by :class:`rag_app.embedder_choice.EmbedderChoice`; built
    here, without an index (the judge's embeddings, benchmarks), it is auto's English choice.
    """
    if settings.embedder.provider == AUTO:
        english = settings.embedder.model_copy(update={"provider": "sentence-transformers"})
        settings = settings.model_copy(update={"embedder": english})
    builder = EMBEDDERS.builder(settings.embedder.provider)
    embedder: Embedder = builder(settings)
    return embedder


__all__ = ["Embedder", "build_embedder"]
