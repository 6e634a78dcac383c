"""How `rag eval` draws steps: plain lines off a terminal, a bar per phase on one, nothing with --json."""

from __future__ import annotations

import pytest

from eval.progress_bars import ProgressBars, progress_bars, step_text
from rag_app.progress import NoProgress, Step


def test_step_text_joins_item_and_note() -> None:
    assert (
        step_text(Step("judge", 1, 4, item="q3", status="ok", note="faithfulness ok")) == "q3 faithfulness ok"
    )
    assert step_text(Step("answer", 1, 4, item="q3")) == "q3"
    assert step_text(Step("embedders", 0, 2, note="load + ingest")) == "load + ingest"


def test_plain_lines_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBars("eval", tty=False) as bars:
        bars.update(Step("answer", 1, 2, item="q1", status="answered"))
        bars.update(Step("judge", 2, 6, item="q1", note="context_recall failed: timeout"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == ["[answer 1/2] q1", "[judge 2/6] q1 context_recall failed: timeout"]


def test_one_bar_per_phase_on_a_terminal() -> None:
    with ProgressBars("compare", tty=True) as bars:
        bars.update(Step("search a", 1, 3, item="q1"))
        bars.update(Step("search a", 3, 3, item="q3"))
        bars.update(Step("search b", 1, 3, item="q1"))
        assert bars.bar is not None
        tasks = {t.description: (t.completed, t.total, t.fields["msg"]) for t in bars.bar.tasks}
    assert tasks == {"compare: search a": (3, 3, "q3"), "compare: search b": (1, 3, "q1")}
    assert bars.bar is None  # stopped on exit


def test_disabled_draws_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bars(False) as progress:
        assert isinstance(progress, NoProgress)
        progress.update(Step("answer", 1, 1, item="q1"))
    with progress_bars(True, "selftest") as progress:
        assert isinstance(progress, ProgressBars) and progress.label == "selftest"
    assert capsys.readouterr().err == ""
