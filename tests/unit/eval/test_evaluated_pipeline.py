"""The pipeline interface eval relies on: the real Pipeline provides it, and so does the unit tests' fake."""

from __future__ import annotations

import inspect
from functools import cached_property
from pathlib import Path

import pytest

from eval.evaluated_pipeline import EvaluatedPipeline
from rag_app.pipeline import Pipeline, build_pipeline
from tests.unit.eval.fakes import FakePipeline, judge_settings

METHODS = ("search", "answer", "describe")


def test_fake_pipeline_implements_it(tmp_path: Path) -> None:
    fake = FakePipeline(judge_settings("http://127.0.0.1:9/v1", tmp_path), ["a passage"])
    assert isinstance(fake, EvaluatedPipeline)
    assert fake.components.collection.count() == 3
    assert fake.components.embedder.dimension == 16


@pytest.mark.parametrize("name", METHODS)
def test_real_pipeline_accepts_every_call_eval_makes(name: str) -> None:
    variadic = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    wanted = inspect.signature(getattr(EvaluatedPipeline, name)).parameters
    real = inspect.signature(getattr(Pipeline, name)).parameters
    for param in wanted.values():
        if param.kind in variadic:
            assert any(p.kind is param.kind for p in real.values()), (name, param.name)
            continue
        assert param.name in real, (name, param.name)
        assert (param.default is inspect.Parameter.empty) == (
            real[param.name].default is inspect.Parameter.empty
        )
    # Extra parameters of the real method are optional.
    extra = [p for p in real.values() if p.name not in wanted and p.kind not in variadic]
    assert all(p.default is not inspect.Parameter.empty for p in extra), name


def test_real_pipeline_exposes_settings_and_parts(tmp_path: Path) -> None:
    settings = judge_settings("http://127.0.0.1:9/v1", tmp_path)
    pipe = build_pipeline(settings)  # builds nothing until a part is used
    assert pipe.settings is settings
    parts = type(pipe.components)
    assert isinstance(inspect.getattr_static(parts, "embedder"), property)
    assert isinstance(inspect.getattr_static(parts, "collection"), cached_property)
    assert isinstance(inspect.getattr_static(Pipeline, "collection"), property)
    pipe.close()
