"""``rag config``, ``rag collections``, ``rag doctor`` from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result


def test_config_masks_secrets(
    rag: Callable[..., Result], config_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    out = rag("--config", str(config_file()), "config", "--json").output
    assert "sk-very-secret" not in out
    assert json.loads(out)["secrets (from environment)"]["OPENAI_API_KEY"] == "**** (set)"


def test_collections_list_and_drop(rag: Callable[..., Result], indexed_config: Path) -> None:
    (info,) = json.loads(rag("--config", str(indexed_config), "collections", "list", "--json").output)
    assert info["documents"] == 2 and info["embedder"] == "fake:hash" and info["dimension"] == 16
    assert (
        "Dropped" in rag("--config", str(indexed_config), "collections", "drop", info["name"], "--yes").output
    )
    assert json.loads(rag("--config", str(indexed_config), "collections", "list", "--json").output) == []


def test_doctor_json_and_exit_code(rag: Callable[..., Result], indexed_config: Path) -> None:
    result = rag("--config", str(indexed_config), "doctor", "--json", "--no-llm")
    checks = {c["component"]: c["status"] for c in json.loads(result.output)}
    assert checks["embedder"] == "ok" and checks["collection"] == "ok"
    assert result.exit_code == (1 if "fail" in checks.values() else 0)
