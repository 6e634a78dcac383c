"""rag_app.components.embedders.base.Embedder: batching, prefixes and the fingerprint, on a tiny subclass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rag_app.components.embedders.base import Embedder
from rag_app.settings import EmbedderSettings


class LengthEmbedder(Embedder):
    """Vector = (length of the text, number of the call); records every batch it is given."""

    provider = "test"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.dimension = 2
        self.revision = "r1"
        self.batches: list[list[str]] = []

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.batches.append(texts)
        return np.asarray([[len(t), len(self.batches)] for t in texts], dtype=np.float64)


def cfg(**values: Any) -> EmbedderSettings:
    return EmbedderSettings(**values)


def test_passages_are_encoded_in_batches_of_batch_size() -> None:
    emb = LengthEmbedder(cfg(batch_size=2))
    vectors = emb.embed_passages(["a", "bb", "ccc", "dddd", "eeeee"])
    assert emb.batches == [["a", "bb"], ["ccc", "dddd"], ["eeeee"]]
    assert vectors == [[1.0, 1.0], [2.0, 1.0], [3.0, 2.0], [4.0, 2.0], [5.0, 3.0]]
    assert all(type(x) is float for v in vectors for x in v)
    assert emb.embed_passages([]) == [] and len(emb.batches) == 3


def test_prefixes_go_before_passages_and_queries() -> None:
    emb = LengthEmbedder(cfg(query_prefix="query: ", passage_prefix="passage: "))
    emb.embed_passages(["p1", "p2"])
    assert emb.embed_query("q") == [8.0, 2.0]
    assert emb.batches == [["passage: p1", "passage: p2"], ["query: q"]]


def test_fingerprint_holds_everything_that_changes_the_vectors() -> None:
    emb = LengthEmbedder(cfg(model="all-MiniLM-L6-v2", query_prefix="q: ", normalize=False))
    assert emb.fingerprint == {
        "provider": "test",
        "model": "sentence-transformers/all-MiniLM-L6-v2",  # a pack's spellings share its first alias
        "revision": "r1",
        "dimension": 2,
        "normalize": False,
        "query_prefix": "q: ",
        "passage_prefix": "",
    }
    assert LengthEmbedder(cfg(model="/models/mine")).model_name == "/models/mine"


def test_pooling_counts_only_for_flagembedding_and_quantize_only_when_set() -> None:
    assert "pooling" not in LengthEmbedder(cfg(pooling="mean")).fingerprint
    flag = LengthEmbedder(cfg(pooling="mean"))
    flag.provider = "flagembedding"
    assert flag.fingerprint["pooling"] == "mean"
    assert "quantize" not in LengthEmbedder(cfg()).fingerprint
    assert LengthEmbedder(cfg(quantize="int8")).fingerprint["quantize"] == "int8"


def test_fingerprint_id_is_stable_and_changes_with_the_fingerprint() -> None:
    a, b = LengthEmbedder(cfg()), LengthEmbedder(cfg())
    assert a.fingerprint_id == b.fingerprint_id and len(a.fingerprint_id) == 10
    int(a.fingerprint_id, 16)  # hex
    b.revision = "r2"
    assert a.fingerprint_id != b.fingerprint_id
    assert LengthEmbedder(cfg(passage_prefix="passage: ")).fingerprint_id != a.fingerprint_id


def test_token_estimates_without_a_tokenizer() -> None:
    emb = LengthEmbedder(cfg())
    assert emb.count_tokens("x" * 40) == 10 and emb.count_tokens("") == 1
    assert len(emb.token_counter()("x" * 40)) == 10


def test_an_embedder_must_implement_encode() -> None:
    class Incomplete(Embedder):
        pass

    with pytest.raises(TypeError, match="_encode"):
        Incomplete(cfg())  # type: ignore[abstract]
