"""FlagEmbedding's FlagModel: the BGE family (cls pooling) or mean-pooled models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.components.embedders.hf import HFTokenizerMixin, model_revision
from rag_app.components.libraries import require
from rag_app.components.resolve import resolve_model
from rag_app.settings import EmbedderSettings, Settings


class FlagEmbedder(HFTokenizerMixin, Embedder):
    """FlagEmbedding's FlagModel: the BGE family (cls pooling) or mean-pooled models."""

    provider = "flagembedding"

    def __init__(self, cfg: EmbedderSettings, path: Path) -> None:
        super().__init__(cfg)
        self.model = require("FlagEmbedding").FlagModel(
            str(path),
            pooling_method=cfg.pooling,
            normalize_embeddings=cfg.normalize,
            use_fp16=cfg.device.startswith("cuda"),
            devices=cfg.device,
            batch_size=cfg.batch_size,
        )
        self.tokenizer = self.model.tokenizer
        st_cfg = path / "sentence_bert_config.json"
        limit = json.loads(st_cfg.read_text()).get("max_seq_length") if st_cfg.is_file() else None
        self.max_tokens = int(limit or min(int(self.tokenizer.model_max_length), 512))
        self.model.passage_max_length = self.max_tokens
        self.dimension = int(self._encode(["dimension probe"]).shape[1])
        self.revision = model_revision(path)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(texts, batch_size=self.cfg.batch_size, max_length=self.max_tokens)
        )


def build(settings: Settings) -> Embedder:
    path = resolve_model(settings.embedder.model, "embedder", settings, "embedder.model")
    return FlagEmbedder(settings.embedder, path)
