"""rag_app.components.embedders.sentence_transformer on the real all-MiniLM-L6-v2 folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag_app.components.embedders import build_embedder, sentence_transformer
from rag_app.components.embedders.hf import model_revision
from rag_app.components.embedders.sentence_transformer import SentenceTransformerEmbedder
from rag_app.config import load_settings
from rag_app.errors import ConfigError
from rag_app.settings import EmbedderSettings


@pytest.fixture(scope="module")
def embedder(minilm_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(EmbedderSettings(model=str(minilm_dir)), minilm_dir)


def test_shape_is_known_before_the_weights_load(minilm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(module: str) -> Any:
        raise AssertionError(f"{module} imported while only the config files were needed")

    monkeypatch.setattr(sentence_transformer, "require", no_library)
    emb = SentenceTransformerEmbedder(EmbedderSettings(model=str(minilm_dir)), minilm_dir)
    assert (emb.dimension, emb.max_tokens) == (384, 256)
    assert emb.revision == model_revision(minilm_dir)
    assert emb.fingerprint["dimension"] == 384 and emb.fingerprint["provider"] == "sentence-transformers"


def test_int8_on_a_gpu_is_a_config_error(minilm_dir: Path) -> None:
    cfg = EmbedderSettings(model=str(minilm_dir), quantize="int8", device="cuda")
    with pytest.raises(ConfigError, match="int8 runs on the CPU only") as err:
        SentenceTransformerEmbedder(cfg, minilm_dir)
    assert err.value.fix == "Set embedder.device: cpu."


def test_a_real_encode_gives_normalised_384_d_vectors(embedder: SentenceTransformerEmbedder) -> None:
    passages = np.array(embedder.embed_passages(["SQLite is a file.", "R is for statistics.", "Milvus"]))
    assert passages.shape == (3, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    query = np.array(embedder.embed_query("Where does SQLite keep its data?"))
    assert query.shape == (384,) and float(np.linalg.norm(query)) == pytest.approx(1.0, abs=1e-5)
    assert int(np.argmax(passages @ query)) == 0  # plausibly ranked, not noise


def test_tokens_are_counted_by_the_models_tokenizer(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.count_tokens("hello world") == 2
    assert len(embedder.token_counter()("hello world")) == 2


def test_the_registry_builds_it_from_a_local_folder(minilm_dir: Path) -> None:
    settings = load_settings(None, env={}, overrides={"embedder": {"model": str(minilm_dir)}})
    emb = build_embedder(settings)
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.model_name == str(minilm_dir) and emb.dimension == 384
