"""The one progress protocol: jobs report Steps, whoever listens draws them."""

from __future__ import annotations

import dataclasses

import pytest

from rag_app.progress import Collect, NoProgress, Progress, Step


def test_collect_keeps_every_step_in_order() -> None:
    sink: Progress = Collect()
    steps = [Step("ingest", 0, 2), Step("ingest", 1, 2, item="a.md", status="added", units=3)]
    for s in steps:
        sink.update(s)
    assert sink.steps == steps  # type: ignore[attr-defined]


def test_no_progress_accepts_anything() -> None:
    NoProgress().update(Step("judge", 3, 0, note="unknown total"))


def test_steps_are_values() -> None:
    step = Step("answer", 1, 5, item="q1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.done = 2  # type: ignore[misc]
    assert step == Step("answer", 1, 5, item="q1")
