"""``rag ui``: contributed to the ``rag`` CLI, it hands the settings, host and port to ``ui.server.launch``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rag_app.cli import cli
from rag_app.settings import Settings
from tests.unit.ui.conftest import write_settings


def test_rag_ui_launches_with_host_and_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_settings(tmp_path)
    seen: list[tuple[Settings, str | None, int | None]] = []

    def launch(settings: Settings, host: str | None = None, port: int | None = None) -> None:
        seen.append((settings, host, port))

    monkeypatch.setattr("ui.server.launch", launch)
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "config.yaml"), "ui", "--host", "0.0.0.0", "--port", "8123"]
    )
    assert result.exit_code == 0, result.output
    ((settings, host, port),) = seen
    assert settings.source == str(tmp_path / "config.yaml") and (host, port) == ("0.0.0.0", 8123)
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.yaml"), "ui"])
    assert result.exit_code == 0 and seen[-1][1:] == (None, None)


def test_rag_ui_help() -> None:
    result = CliRunner().invoke(cli, ["ui", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output and "browser UI" in result.output
