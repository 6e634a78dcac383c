"""A whole comparison on Milvus Lite with two hash embedders: figures, choice and report files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from eval.compare.run import run_compare
from rag_app.config import load_settings
from rag_app.errors import RagError
from rag_app.progress import Collect
from rag_app.settings import Settings

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
GOLD = "An SQLite database is a single ordinary disk file that can be located anywhere in the directory hierarchy."


def settings(tmp: Path) -> Settings:
    return load_settings(
        None,
        env={},
        overrides={
            "embedder": {"provider": "fake", "model": "hash"},
            "reranker": {"provider": "none"},
            "milvus": {"uri": str(tmp / "milvus.db")},
            "eval": {"out_dir": str(tmp / "results"), "bootstrap": 200},
            "paths": {"data_dir": str(tmp / "data")},
        },
    )


def workspace(tmp: Path) -> Path:
    (tmp / "set" / "docs").mkdir(parents=True)
    shutil.copy(FIXTURES / "docs" / "notes.md", tmp / "set" / "docs" / "notes.md")
    ds = tmp / "set" / "questions.jsonl"
    rows = [
        {"id": "q1", "user_input": "How is an SQLite database stored on disk?", "reference_contexts": [GOLD]},
        {"id": "q2", "user_input": "Who wrote it?"},
    ]
    ds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return ds


def test_compare_two_embedders(tmp_path: Path, fake_embedders: None) -> None:
    ds = workspace(tmp_path)
    steps = Collect()
    result = run_compare(settings(tmp_path), ds, ["fake:hash", "fake:hash-b"], run_name="cmp", progress=steps)
    a, b = result["embedders"]
    assert (a["label"], b["label"]) == ("fake:hash", "fake:hash-b")
    assert a["collection"] != b["collection"] and a["dimension"] == 16
    for r in (a, b):
        assert r["chunks"] > 0 and r["ingest"]["added"] == 1 and not r["index_reused"]
        assert r["index_bytes"] and r["index_bytes"] > 0
        assert r["query_ms"]["n"] == 2 and r["retrieval"]["ndcg@10"]["n"] == 1
    assert result["questions"] == 2 and result["questions_with_references"] == 1
    assert result["best"]["quality"] in ("fake:hash", "fake:hash-b")
    phases = [s.phase for s in steps.steps]
    assert phases[0] == "embedders" and phases[-1] == "embedders"
    assert "ingest fake:hash" in phases and "search fake:hash-b" in phases
    out = tmp_path / "results" / "cmp"
    assert json.loads((out / "compare.json").read_text())["embedders"][0]["label"] == "fake:hash"
    assert "**Best for quality:**" in (out / "compare.md").read_text()
    assert (out / "compare.png").is_file()

    again = run_compare(settings(tmp_path), ds, ["fake:hash"], run_name="cmp2")
    assert again["embedders"][0]["index_reused"] is True and again["embedders"][0]["ingest_seconds"] is None


def test_documents_are_required(tmp_path: Path, fake_embedders: None) -> None:
    ds = tmp_path / "questions.jsonl"
    ds.write_text('{"user_input": "q?"}\n')
    with pytest.raises(RagError, match="no docs/ folder") as err:
        run_compare(settings(tmp_path), ds, ["sentence-transformers/all-MiniLM-L6-v2"])
    assert "--docs" in (err.value.fix or "")


def test_the_comparison_never_touches_the_users_collections(tmp_path: Path, fake_embedders: None) -> None:
    """Issue 12: `compare --rebuild` dropped the user's collection of the same embedder, and `compare`
    ingested the evaluation documents into it. The bench has its own index now."""
    from rag_app.pipeline import Components
    from tests.unit.rag_app.fakes import index_texts

    ds = workspace(tmp_path)
    s = settings(tmp_path)
    user = Components(s.model_copy(update={"embedder": s.embedder.model_copy(update={"model": "hash"})}))
    name = user.collection.name
    index_texts(
        user.store, name, {"/home/me/private.md": ["my own words", "more of them"]}, user.embedder.fingerprint
    )
    before = user.store.documents(name)
    user.close()

    for rebuild in (False, True):
        result = run_compare(s, ds, ["fake:hash", "fake:hash-b"], rebuild=rebuild, run_name=f"r{rebuild}")
        assert result["embedders"][0]["collection"].startswith("rag_eval_")
        assert result["index"]["uri"] == str(tmp_path / "data" / "eval-index" / "milvus.db")

    user = Components(s.model_copy(update={"embedder": s.embedder.model_copy(update={"model": "hash"})}))
    try:
        assert user.store.names() == [name]  # nothing else created in the user's index
        after = user.store.documents(name)
        assert sorted(after) == sorted(before) and user.store.count(name) == 2
    finally:
        user.close()


def test_several_modes_give_one_row_each_with_per_question_scores(
    tmp_path: Path, fake_embedders: None
) -> None:
    ds = workspace(tmp_path)
    result = run_compare(settings(tmp_path), ds, ["fake:hash"], mode=["dense", "hybrid"], run_name="modes")
    dense, hybrid = result["embedders"]
    assert (dense["label"], hybrid["label"]) == ("fake:hash · dense", "fake:hash · hybrid")
    assert dense["collection"] == hybrid["collection"] and dense["ingest"] == hybrid["ingest"]
    assert dense["per_question"]["ids"] == ["q1"] and len(hybrid["per_question"]["ndcg@10"]) == 1
    assert result["mode"] == "dense,hybrid" and result["best"]["recommended"] in (
        dense["label"],
        hybrid["label"],
    )
    assert "retrieval:\n  mode: " in result["best"]["config"]
