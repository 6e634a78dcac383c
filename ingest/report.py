"""What an ingest run did: counts, failures with their reasons, warnings, and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0  # renamed or moved files: their rows follow them, nothing embedded again
    deleted: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    collection: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "moved": self.moved,
            "deleted": self.deleted,
            "failed": self.failed,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 2),
            "skipped": self.skipped,
            "warnings": self.warnings,
            "collection": self.collection,
        }

    @property
    def exit_code(self) -> int:
        return 2 if self.failed else 0

    def fail(self, path: Path | str, reason: str) -> None:
        self.failed.append({"path": str(path), "error": reason})
