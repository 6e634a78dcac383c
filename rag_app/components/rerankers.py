"""Cross-encoder rerankers by provider name, and an honest status when none can load."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from rag_app.components.libraries import require
from rag_app.components.resolve import resolve_model
from rag_app.errors import LibraryUnavailable, ModelUnavailable
from rag_app.registry import RERANKERS
from rag_app.settings import RerankerSettings, Settings


class Reranker(ABC):
    """Scores (query, passage) pairs; higher is more relevant."""

    def __init__(self, cfg: RerankerSettings) -> None:
        self.cfg = cfg

    @abstractmethod
    def score(self, query: str, passages: Sequence[str]) -> list[float]: ...


class FlagEmbeddingReranker(Reranker):
    """FlagEmbedding's FlagReranker: the BGE cross-encoders (bge-reranker-base, -v2-m3, ...)."""

    def __init__(self, cfg: RerankerSettings, path: str) -> None:
        super().__init__(cfg)
        self.model = require("FlagEmbedding").FlagReranker(
            path,
            use_fp16=cfg.device.startswith("cuda"),
            devices=cfg.device,
            batch_size=cfg.batch_size,
            max_length=cfg.max_length,
        )

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        scores = self.model.compute_score(
            [[query, p] for p in passages], batch_size=self.cfg.batch_size, max_length=self.cfg.max_length
        )
        if isinstance(scores, float | int):
            scores = [scores]
        return [float(s) for s in scores]


class CrossEncoderReranker(Reranker):
    """sentence-transformers' CrossEncoder."""

    def __init__(self, cfg: RerankerSettings, path: str) -> None:
        super().__init__(cfg)
        cross_encoder = require("sentence_transformers").CrossEncoder
        self.model = cross_encoder(path, device=cfg.device, max_length=cfg.max_length, local_files_only=True)

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        scores = self.model.predict(
            [(query, p) for p in passages], batch_size=self.cfg.batch_size, show_progress_bar=False
        )
        return [float(s) for s in scores]


@dataclass(frozen=True)
class RerankerStatus:
    """Whether reranking runs; when it does not, why and how to fix it."""

    enabled: bool
    available: bool
    model: str | None = None
    reason: str | None = None
    fix: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "available": self.available,
            "model": self.model,
            "reason": self.reason,
        }


def build_flag(settings: Settings) -> Reranker:
    path = resolve_model(settings.reranker.model, "reranker", settings, "reranker.model")
    return FlagEmbeddingReranker(settings.reranker, str(path))


def build_cross_encoder(settings: Settings) -> Reranker:
    path = resolve_model(settings.reranker.model, "reranker", settings, "reranker.model")
    return CrossEncoderReranker(settings.reranker, str(path))


def build_reranker(settings: Settings) -> tuple[Reranker | None, RerankerStatus]:
    """Build the configured reranker, or return why it is unavailable.

    Raises only when ``reranker.required`` is true (or the provider name is unknown).
    """
    provider = settings.reranker.provider
    if provider == "none":
        return None, RerankerStatus(enabled=False, available=False, reason="reranker.provider is 'none'")
    builder = RERANKERS.builder(provider)
    try:
        return builder(settings), RerankerStatus(enabled=True, available=True, model=settings.reranker.model)
    except (LibraryUnavailable, ModelUnavailable, OSError, ImportError, ValueError) as exc:
        if settings.reranker.required:
            if isinstance(exc, ModelUnavailable | LibraryUnavailable):
                raise
            raise ModelUnavailable(
                f"Reranker '{settings.reranker.model}' could not load: {exc}",
                fix="Copy a cross-encoder folder here and set reranker.model to its path.",
            ) from exc
        model = settings.reranker.model
        if isinstance(exc, LibraryUnavailable):
            return None, RerankerStatus(
                enabled=True, available=False, model=model, reason=exc.message, fix=exc.fix
            )
        if isinstance(exc, ModelUnavailable):
            reason = f"reranker '{model}' is not available offline"
        else:
            reason = f"reranker '{model}' could not load: {str(exc).splitlines()[0]}"
        return None, RerankerStatus(
            enabled=True,
            available=False,
            model=model,
            reason=reason,
            fix="Copy a cross-encoder folder (e.g. BAAI/bge-reranker-base) to this machine and set "
            "reranker.model to its path, or allow downloads (models.allow_download: true). "
            "reranker.provider: none silences this; reranker.required: true makes it an error.",
        )
