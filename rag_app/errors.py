"""One exception hierarchy. Every message carries the next step for the user.

Errors become user messages only at the CLI/UI edge; set ``RAG_DEBUG=1`` to see tracebacks.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: ``message`` says what happened, ``fix`` what to do about it."""

    exit_code = 1

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\nFix: {self.fix}" if self.fix else self.message


class ConfigError(RagError):
    """config.yaml or an environment override is invalid."""


class ModelUnavailable(RagError):
    """A model cannot be found locally and downloading is not allowed or failed."""


class LibraryUnavailable(RagError):
    """A library a provider needs is not installed, or is installed but fails to import."""

    def __init__(
        self, message: str, fix: str | None = None, package: str = "", version: str | None = None
    ) -> None:
        super().__init__(message, fix)
        self.package = package
        self.version = version


class EndpointUnavailable(RagError):
    """An HTTP endpoint (LLM, embeddings, Milvus server) cannot be reached or timed out."""


class CollectionMismatch(RagError):
    """A collection was built by a different embedder than the one configured."""


class CollectionNotFound(RagError):
    """No collection exists yet for the configured embedder."""


class StoreError(RagError):
    """Milvus refused an operation (locked database, server error)."""


class IngestError(RagError):
    """A single document could not be ingested (reported, the run goes on)."""


class LLMServerError(RagError):
    """The local llama.cpp server could not be started."""


class UploadRejected(RagError):
    """A file refused before ingest (type, size, name); the message is shown to the user."""


class RequestRejected(RagError):
    """A UI or API request refused as sent (over a limit, an impossible choice); nothing was changed."""


class FileInUse(RequestRejected):
    """A file the user asked to delete is still indexed elsewhere (another embedder's collection)."""


class DatasetError(RagError):
    """The evaluation dataset is missing, unreadable or has an invalid row."""


class JudgeFailure(RagError):
    """One judge call failed; ``reason`` is a short category for the report."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def describe(exc: BaseException) -> tuple[str, str | None]:
    """(message, fix) for the user. Only a :class:`RagError` has a message meant for users; anything
    else is named by its type so the edge can say it is unexpected and log the traceback."""
    if isinstance(exc, RagError):
        return exc.message, exc.fix
    return (
        f"Unexpected error ({type(exc).__name__}): {exc}",
        "See the log for details; RAG_DEBUG=1 shows the traceback.",
    )
