"""The JSONL cache: rows survive a restart, a line cut short is skipped, no path means memory only."""

from __future__ import annotations

import json
from pathlib import Path

from eval.cache import JsonlCache


def test_rows_are_reloaded_so_work_resumes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.jsonl"
    first = JsonlCache(path)
    first.put("a", {"value": 1})
    first.put("b", {"value": "é"})
    first.put("a", {"value": 2})  # a later row for the same key wins
    again = JsonlCache(path)
    assert again.get("a") == {"key": "a", "value": 2}
    assert again.get("b") == {"key": "b", "value": "é"}
    assert again.get("c") is None
    assert "é" in path.read_text(encoding="utf-8")  # readable, not escaped


def test_interrupted_write_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    path.write_text(
        json.dumps({"key": "ok", "value": 1}) + "\n" + '{"key": "cut", "val' + "\n" + '["no key"]\n',
        encoding="utf-8",
    )
    cache = JsonlCache(path)
    assert cache.get("ok") == {"key": "ok", "value": 1}
    assert cache.get("cut") is None
    cache.put("cut", {"value": 3})  # redone, appended after the broken line
    assert JsonlCache(path).get("cut") == {"key": "cut", "value": 3}


def test_without_a_path_nothing_is_written(tmp_path: Path) -> None:
    cache = JsonlCache(None)
    cache.put("a", {"value": 1})
    assert cache.get("a") == {"key": "a", "value": 1}
    assert list(tmp_path.iterdir()) == []
