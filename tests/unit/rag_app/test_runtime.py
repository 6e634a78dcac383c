"""Process-wide defaults the edges set: quiet, no telemetry, offline unless downloads are allowed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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


def test_upload_staging_is_private_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    s = Settings()
    s.paths.data_dir = tmp_path / "data"
    folder = runtime.upload_staging(s)
    assert folder == tmp_path / "data" / "tmp" / "gradio" and os.environ["GRADIO_TEMP_DIR"] == str(folder)
    for p in (folder, folder.parent, s.data_dir):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p
    folder.chmod(0o755)
    runtime.upload_staging(s)  # a staging folder the app owns is made private again
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "mine"))  # an explicit choice wins
    assert runtime.upload_staging(s) == tmp_path / "mine"
