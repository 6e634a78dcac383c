"""sentence-transformers models (MiniLM, mpnet, BGE...), optionally int8-quantised on the CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.components.embedders.hf import HFTokenizerMixin, model_revision, st_shape
from rag_app.components.libraries import require
from rag_app.components.resolve import resolve_model
from rag_app.errors import ConfigError, ModelUnavailable
from rag_app.settings import EmbedderSettings, Settings


class SentenceTransformerEmbedder(HFTokenizerMixin, Embedder):
    """sentence-transformers. The weights load on first use: an ingest with nothing to embed
    (the daily re-run) names its collection from the folder's config files alone."""

    provider = "sentence-transformers"

    def __init__(self, cfg: EmbedderSettings, path: Path) -> None:
        super().__init__(cfg)
        if cfg.quantize == "int8" and cfg.device != "cpu":
            raise ConfigError(
                "embedder.quantize: int8 runs on the CPU only.", fix="Set embedder.device: cpu."
            )
        self.path = path
        self.revision = model_revision(path)
        self._model: Any = None
        shape = st_shape(path)
        if shape is None:
            self._load()
        else:
            self.dimension, self.max_tokens = shape

    def _load(self) -> Any:
        if self._model is None:
            model = require("sentence_transformers").SentenceTransformer(
                str(self.path), device=self.cfg.device, local_files_only=True
            )
            if self.cfg.quantize == "int8":
                import torch

                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            get_dim = (
                getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            )
            dim = int(get_dim() or 0)
            limit = int(model.max_seq_length) if model.max_seq_length else None
            if self.dimension and (dim, limit) != (self.dimension, self.max_tokens):
                raise ModelUnavailable(
                    f"{self.path}: the loaded model has {dim} dimensions and reads {limit} tokens, but its "
                    f"config files say {self.dimension} and {self.max_tokens}.",
                    fix="The model folder is inconsistent; copy it again.",
                )
            self.dimension, self.max_tokens = dim, limit
            self._model = model
        return self._model

    @property
    def model(self) -> Any:
        return self._load()

    @property
    def tokenizer(self) -> Any:
        return self.model.tokenizer

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(
                texts,
                batch_size=self.cfg.batch_size,
                normalize_embeddings=self.cfg.normalize,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        )


def build(settings: Settings) -> Embedder:
    path = resolve_model(settings.embedder.model, "embedder", settings, "embedder.model")
    return SentenceTransformerEmbedder(settings.embedder, path)
