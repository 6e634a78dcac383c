"""Sentence-aware chunking inside a token budget measured by the embedder's own tokenizer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.loaders import LoadedDocument


@dataclass
class Chunk:
    text: str
    page: int | None
    heading: str
    index: int


def effective_chunk_size(
    requested: int, embedder_limit: int | None, prefix_tokens: int = 0
) -> tuple[int, str | None]:
    """The budget actually used, and a warning when the config asked for more than the embedder reads."""
    if embedder_limit is None:
        return requested, None
    # [CLS]/[SEP] and the passage prefix also count against the encoder's limit.
    limit = max(16, embedder_limit - 2 - prefix_tokens)
    if requested > limit:
        return limit, (
            f"chunking.chunk_size {requested} exceeds what the embedder reads ({embedder_limit} tokens); "
            f"using {limit} so no chunk is silently truncated."
        )
    return requested, None


class Chunker:
    def __init__(self, chunk_size: int, chunk_overlap: int, tokenizer: Callable[[str], list[Any]]) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        overlap = min(chunk_overlap, chunk_size // 2)
        self.splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=overlap, tokenizer=tokenizer)

    def split(self, doc: LoadedDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in doc.sections:
            for piece in self.splitter.split_text(section.text):
                piece = piece.strip()
                if piece:
                    chunks.append(Chunk(piece, section.page, section.heading, len(chunks)))
        return chunks
