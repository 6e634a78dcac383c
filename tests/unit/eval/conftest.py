"""Unit fixtures for eval/: a fake judge server on loopback, Ragas kept offline (no telemetry)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag_app.registry import EMBEDDERS
from tests.unit.eval.fake_judge import FakeJudge


@pytest.fixture(autouse=True)
def _ragas_offline(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGAS_DO_NOT_TRACK", "true")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


@pytest.fixture
def fake_judge() -> Iterator[FakeJudge]:
    judge = FakeJudge()
    yield judge
    judge.close()


@pytest.fixture
def fake_embedders() -> Iterator[None]:
    """``embedder.provider: fake`` (hash vectors, tests/unit/rag_app/fakes.py), registered like a real one."""
    EMBEDDERS.register("fake", "tests.unit.rag_app.fakes:build_embedder")
    try:
        yield
    finally:
        EMBEDDERS.unregister("fake")
