"""rag_app.components.embedders.flag_model.FlagEmbedder on the real all-MiniLM-L6-v2 folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag_app.components.embedders import build_embedder
from rag_app.components.embedders.flag_model import FlagEmbedder
from rag_app.components.embedders.hf import model_revision
from rag_app.components.embedders.sentence_transformer import SentenceTransformerEmbedder
from rag_app.config import load_settings
from rag_app.settings import EmbedderSettings

TEXTS = ["SQLite uses no configuration files.", "R is a system for statistical computation."]


@pytest.fixture(scope="module")
def flag(minilm_dir: Path) -> FlagEmbedder:
    settings = load_settings(
        None,
        env={},
        overrides={"embedder": {"provider": "flagembedding", "model": str(minilm_dir), "pooling": "mean"}},
    )
    emb = build_embedder(settings)
    assert isinstance(emb, FlagEmbedder)
    return emb


def test_mean_pooled_minilm_is_384_d_and_reads_256_tokens(flag: FlagEmbedder, minilm_dir: Path) -> None:
    assert flag.dimension == 384 and flag.max_tokens == 256
    assert flag.revision == model_revision(minilm_dir)
    assert flag.fingerprint["pooling"] == "mean" and flag.fingerprint["provider"] == "flagembedding"
    assert flag.count_tokens("hello world") == 2  # the model's own tokenizer


def test_vectors_match_sentence_transformers(flag: FlagEmbedder, minilm_dir: Path) -> None:
    st = SentenceTransformerEmbedder(EmbedderSettings(model=str(minilm_dir)), minilm_dir)
    a, b = np.array(flag.embed_passages(TEXTS)), np.array(st.embed_passages(TEXTS))
    assert a.shape == (2, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cosines.min() > 0.99
    q = np.array(flag.embed_query(TEXTS[0]))
    assert float(q @ np.array(st.embed_query(TEXTS[0]))) > 0.99
