"""What the Hugging Face based embedders share: tokenizer counting and a local model folder's identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def model_revision(path: Path) -> str:
    """A cheap identity of a local model folder: its config plus weight file names and sizes."""
    digest = hashlib.sha256()
    for name in ("config.json", "sentence_bert_config.json", "modules.json"):
        f = path / name
        if f.is_file():
            digest.update(f.read_bytes())
    for f in sorted(path.glob("*")):
        if f.suffix in (".safetensors", ".bin", ".pt", ".onnx") and f.is_file():
            digest.update(f"{f.name}:{f.stat().st_size}".encode())
    return digest.hexdigest()[:16]


class HFTokenizerMixin:
    tokenizer: Any

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def token_counter(self) -> Callable[[str], list[Any]]:
        """A counter with its own tokenizer copy: the ingest reader thread chunks while the encoder
        tokenizes, and one fast (Rust) tokenizer must not be used by two threads at once."""
        import copy

        tok = copy.deepcopy(self.tokenizer)
        return lambda text: tok.encode(text, add_special_tokens=False)


def st_shape(path: Path) -> tuple[int, int | None] | None:
    """(dimension, max tokens) read from a sentence-transformers folder without loading weights."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        dim = None
        for module in modules:
            kind, sub = str(module.get("type", "")), path / str(module.get("path", ""))
            if kind.endswith(".Pooling"):
                dim = int(json.loads((sub / "config.json").read_text())["word_embedding_dimension"])
            elif kind.endswith(".Dense"):
                dim = int(json.loads((sub / "config.json").read_text())["out_features"])
            elif not kind.endswith((".Transformer", ".Normalize")):
                return None  # an unusual pipeline: load the model to know
        st_cfg = path / "sentence_bert_config.json"
        limit = json.loads(st_cfg.read_text()).get("max_seq_length") if st_cfg.is_file() else None
        return (dim, int(limit) if limit else None) if dim else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
