"""The embedder interface: one abstract method (``_encode``); batching, prefixes and the fingerprint are shared.

>>> emb = build_embedder(settings)          # doctest: +SKIP
>>> emb.embed_query("what is sqlite?")[:3]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rag_app.components.packs import find_pack
from rag_app.settings import EmbedderSettings


def fingerprint_id(fingerprint: dict[str, Any]) -> str:
    """A short stable id of a fingerprint (collection names derive from it)."""
    blob = json.dumps(fingerprint, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


class Embedder(ABC):
    """Turns text into vectors. Subclasses implement ``_encode`` for a batch of texts."""

    provider: str = ""

    def __init__(self, cfg: EmbedderSettings) -> None:
        self.cfg = cfg
        pack = find_pack(cfg.model, "embedder")
        # Spellings of one packaged model share one fingerprint.
        self.model_name = pack.aliases[0] if pack else cfg.model
        self.revision = ""
        self.dimension = 0
        self.max_tokens: int | None = None

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int:
        """Tokens as the embedder sees them (a character estimate when no tokenizer is local)."""
        return max(1, len(text) // 4)

    def token_counter(self) -> Callable[[str], list[Any]]:
        """A tokenizer callable for text splitters (a list whose length is the token count)."""
        return lambda text: [0] * self.count_tokens(text)

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        size = self.cfg.batch_size
        for start in range(0, len(texts), size):
            batch = [self.cfg.passage_prefix + t for t in texts[start : start + size]]
            out.extend(self._encode(batch).astype(np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._encode([self.cfg.query_prefix + text])[0]]

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Everything that changes the vectors: two embedders share an index only if this matches."""
        return {
            "provider": self.provider,
            "model": self.model_name,
            "revision": self.revision,
            "dimension": self.dimension,
            "normalize": self.cfg.normalize,
            "query_prefix": self.cfg.query_prefix,
            "passage_prefix": self.cfg.passage_prefix,
            **({"pooling": self.cfg.pooling} if self.provider == "flagembedding" else {}),
            **({"quantize": self.cfg.quantize} if self.cfg.quantize != "none" else {}),
        }

    @property
    def fingerprint_id(self) -> str:
        return fingerprint_id(self.fingerprint)

    @property
    def coverage(self) -> str | None:
        """``english``, ``multilingual`` or None (unknown): the languages the model was trained for."""
        from rag_app.components.embedders.coverage import coverage

        return coverage(self.model_name)
