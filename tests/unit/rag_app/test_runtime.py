"""Process-wide defaults the edges set: quiet, no telemetry, offline unless downloads are allowed."""

from __future__ import annotations

import os

import pytest

from rag_app import runtime
from rag_app.settings import Settings


def test_prepare_sets_quiet_defaults_but_an_explicit_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in runtime.QUIET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")
    runtime.prepare()
    assert os.environ["RAGAS_DO_NOT_TRACK"] == "true"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert os.environ["TRANSFORMERS_VERBOSITY"] == "info"


@pytest.mark.parametrize(("allow", "expected"), [(False, "1"), (True, None)])
def test_offline_unless_downloads_are_allowed(
    monkeypatch: pytest.MonkeyPatch, allow: bool, expected: str | None
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    s = Settings()
    s.models.allow_download = allow
    runtime.offline(s)
    assert os.environ.get("HF_HUB_OFFLINE") == expected
    assert os.environ.get("TRANSFORMERS_OFFLINE") == expected
