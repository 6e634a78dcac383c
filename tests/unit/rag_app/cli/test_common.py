"""The CLI's one error-to-message conversion, and settings shared by every command."""

from __future__ import annotations

import click
import pytest

from rag_app.cli.common import Ctx, report_error, settings_of
from rag_app.errors import CollectionNotFound, ConfigError


def test_a_rag_error_is_a_message_with_its_fix_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = report_error(CollectionNotFound("No collection 'x' yet.", fix="rag ingest PATH"))
    err = capsys.readouterr().err
    assert err == "Error (CollectionNotFound): No collection 'x' yet.\nFix: rag ingest PATH\n"
    assert code == 1


def test_an_unexpected_error_is_named_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_error(ZeroDivisionError("division by zero")) == 1
    err = capsys.readouterr().err
    assert "Unexpected error (ZeroDivisionError)" in err and "Traceback" not in err


def test_rag_debug_re_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_DEBUG", "1")
    with pytest.raises(ConfigError):
        report_error(ConfigError("bad"))


def test_settings_are_loaded_once_per_invocation(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.yaml"
    cfg.write_text("retrieval:\n  top_k: 7\n")
    ctx = Ctx(str(cfg))
    assert ctx.settings is ctx.settings and ctx.settings.retrieval.top_k == 7
    with click.Context(click.Command("x"), obj=ctx) as c:
        assert settings_of(c) is ctx.settings
