"""Fakes that implement the real interfaces and register like real providers (``provider: fake``).

- :class:`HashEmbedder`: bag-of-words vectors from word hashes (16-d, normalised), no model.
- :class:`ScriptedLLM`: a :class:`~rag_app.components.llm.ChatLLM` whose replies come from a script;
  it records the messages it was sent.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from rag_app.components.embedders.base import Embedder
from rag_app.components.llm import ChatLLM, Message
from rag_app.settings import EmbedderSettings, Settings
from rag_app.store import MilvusStore, rows_for

DIM = 16


def hash_vector(text: str) -> list[float]:
    vec = np.zeros(DIM, dtype=np.float32)
    for word in text.lower().split():
        vec[int(hashlib.md5(word.strip(".,?!").encode()).hexdigest(), 16) % DIM] += 1.0
    norm = float(np.linalg.norm(vec)) or 1.0
    return (vec / norm).tolist()


class HashEmbedder(Embedder):
    provider = "fake"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.dimension = DIM
        self.max_tokens = 64
        self.revision = "hash-1"

    def count_tokens(self, text: str) -> int:
        return max(1, len(text.split()))

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray([hash_vector(t) for t in texts], dtype=np.float32)


def build_embedder(settings: Settings) -> Embedder:
    return HashEmbedder(settings.embedder)


class ScriptedLLM(ChatLLM):
    """Answers from ``replies`` in order (then repeats the last); records every request."""

    def __init__(self, settings: Settings, replies: list[str] | None = None) -> None:
        super().__init__(settings.llm, "http://127.0.0.1:9/v1", "scripted")
        self.replies = list(replies or ["SQLite stores a database in a single file [1]."])
        self.requests: list[list[Message]] = []
        self.closed = False

    def stream(self, messages: list[Message], **kwargs: Any) -> Iterator[str]:
        self.requests.append(messages)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        for word in reply.split(" "):
            time.sleep(0)
            yield word + " "

    def complete(self, messages: list[Message], **kwargs: Any) -> str:
        return "".join(self.stream(messages, **kwargs)).strip()

    def count_tokens(self, text: str) -> int:
        return max(1, len(text.split()))

    def ping(self) -> list[str]:
        return ["scripted"]

    def close(self) -> None:
        self.closed = True


def build_llm(settings: Settings) -> ChatLLM:
    return ScriptedLLM(settings)


def index_texts(
    store: MilvusStore, name: str, docs: dict[str, list[str]], fingerprint: dict[str, Any]
) -> None:
    """Write ``{source: [chunk texts]}`` straight into collection ``name`` (created if missing)."""
    store.open(name, fingerprint, create=True)
    for d, (source, chunks) in enumerate(docs.items()):
        meta = [
            {
                "id": f"{d}-{i}",
                "doc_id": f"doc{d}",
                "source": source,
                "title": source.rsplit("/", 1)[-1],
                "page": -1,
                "heading": "",
                "chunk": i,
                "content_hash": f"h{d}",
                "mtime": 0,
                "size": sum(len(c) for c in chunks),
                "n_chunks": len(chunks),
                "ingested_at": 1000 + d,
            }
            for i in range(len(chunks))
        ]
        store.upsert(name, rows_for(chunks, [hash_vector(c) for c in chunks], meta))
