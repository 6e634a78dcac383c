"""An append-only JSONL cache: rows keyed by a hash, reloaded on the next run so work resumes."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any


class JsonlCache:
    """``key -> row`` kept in memory and appended to ``path`` (``None``: in memory only).

    A line cut short by an interrupted write is skipped on load; the work it stood for is redone.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                    self.data[row["key"]] = row
                except (ValueError, KeyError, TypeError):
                    continue

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def put(self, key: str, row: dict[str, Any]) -> None:
        row = {"key": key, **row}
        with self.lock:
            self.data[key] = row
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
