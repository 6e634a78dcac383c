"""The ``rag`` command as a user runs it: real subprocesses, real models, real Milvus Lite."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, R_FAQ_FACT, RAG, norm, run_rag

pytestmark = pytest.mark.integration

RESULT_KEYS = {"source", "page", "chunk", "text", "score", "rerank_score"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, llm_server: str) -> dict[str, object]:
    """A folder of mixed documents with one corrupt PDF, ingested once through the CLI."""
    from tests.conftest import write_config

    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    pdf = (docs / "r-faq-2pages.pdf").read_bytes()
    (docs / "corrupt.pdf").write_bytes(pdf[:2000])
    cfg = write_config(
        root,
        reranker={"provider": "flagembedding", "model": "BAAI/bge-reranker-base"},
        llm={"provider": "openai", "base_url": llm_server, "model": "qwen"},
    )
    proc = run_rag("--config", str(cfg), "ingest", str(docs), "--json")
    return {"root": root, "docs": docs, "cfg": cfg, "ingest": proc}


def test_ingest_json_reports_the_corrupt_file_and_exit_code_2(indexed: dict) -> None:  # type: ignore[type-arg]
    proc = indexed["ingest"]
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert {"added", "updated", "unchanged", "deleted", "failed", "chunks", "seconds"} <= set(report)
    assert report["added"] == 3 and report["chunks"] > 0
    assert [Path(f["path"]).name for f in report["failed"]] == ["corrupt.pdf"]
    assert "PDF" in report["failed"][0]["error"]
    assert "Traceback" not in proc.stderr

    again = run_rag("--config", str(indexed["cfg"]), "ingest", str(indexed["docs"] / "notes.md"), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == 1 and json.loads(again.stdout)["chunks"] == 0


def test_search_json_shape_and_single_reranker_warning(indexed: dict) -> None:  # type: ignore[type-arg]
    proc = run_rag(
        "--config", str(indexed["cfg"]), "search", "Where are new features of R introduced?", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["query"] == "Where are new features of R introduced?" and out["mode"] == "hybrid"
    assert out["results"] and all(set(r) >= RESULT_KEYS for r in out["results"])
    top = out["results"][0]
    assert top["source"].endswith("r-faq-2pages.pdf") and top["page"] == 2
    assert out["reranker"]["applied"] is False and "bge-reranker-base" in out["reranker"]["skipped_reason"]
    assert proc.stderr.count("reranking skipped") == 1


def test_search_queries_file_prints_one_json_per_line(indexed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"question": "When was SQLite started?"}\n\nWhat is R?\n')
    proc = run_rag(
        "--config", str(indexed["cfg"]), "search", "--queries", str(queries), "--json", "--mode", "dense"
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["When was SQLite started?", "What is R?"]
    assert all(line["mode"] == "dense" and line["results"] for line in lines)


def test_ask_streams_an_answer_with_cited_sources(indexed: dict) -> None:  # type: ignore[type-arg]
    question = "In R, where are new features typically introduced?"
    proc = run_rag("--config", str(indexed["cfg"]), "ask", question, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["question"] == question and out["answer"].strip() and out["refused"] is False
    assert all(set(s) >= RESULT_KEYS for s in out["sources"])
    sentences = out["grounding"]["sentences"]
    assert sentences and all(s["text"] in out["answer"] for s in sentences)
    pointed = set(out["cited"]) | {s["passage"] for s in sentences if s["passage"]}
    assert pointed, out
    cited_text = norm(" ".join(out["sources"][n - 1]["text"] for n in pointed))
    assert R_FAQ_FACT in cited_text or "r-devel" in cited_text

    plain = run_rag("--config", str(indexed["cfg"]), "ask", question)
    assert plain.returncode == 0, plain.stderr
    assert "r-faq-2pages.pdf, page 2" in plain.stdout
    assert "Evidence: " in plain.stdout and "sentences found in the sources" in plain.stdout


def test_an_off_topic_question_is_refused_without_an_llm(indexed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    # An LLM endpoint that does not exist: asking it would fail the command.
    env = {"RAG_LLM__BASE_URL": "http://127.0.0.1:9/v1"}
    question = "How many moons does Jupiter have?"
    proc = run_rag("--config", str(indexed["cfg"]), "ask", question, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["refused"] is True and out["grounding"] is None and out["cited"] == []
    assert out["answer"].startswith("I could not find this in your documents")
    assert out["sources"] and out["relevance"] < 0.3  # the closest passages, and how close they were
    plain = run_rag("--config", str(indexed["cfg"]), "ask", question, env=env)
    assert plain.returncode == 0 and "Closest passages:" in plain.stdout
    off = run_rag("--config", str(indexed["cfg"]), "ask", question, "--json",
                  env={**env, "RAG_RETRIEVAL__REFUSE_BELOW": "none"})  # fmt: skip
    assert off.returncode == 1 and "Cannot reach the LLM endpoint" in off.stderr  # now it is asked


def test_collections_list_and_doctor(indexed: dict) -> None:  # type: ignore[type-arg]
    proc = run_rag("--config", str(indexed["cfg"]), "collections", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    (col,) = json.loads(proc.stdout)
    assert col["dimension"] == 384 and col["documents"] == 3 and col["chunks"] > 0
    assert "all-MiniLM-L6-v2" in col["embedder"]

    doctor = run_rag("--config", str(indexed["cfg"]), "doctor", "--json")
    assert doctor.returncode == 0, doctor.stderr + doctor.stdout
    checks = {c["component"]: c for c in json.loads(doctor.stdout)}
    assert checks["embedder"]["status"] == "ok" and "384-d" in checks["embedder"]["detail"]
    assert checks["collection"]["status"] == "ok"
    assert checks["llm"]["status"] == "ok"
    assert checks["reranker"]["status"] == "warn" and "reranker.model" in checks["reranker"]["fix"]


def test_doctor_names_the_fix_for_a_down_llm(indexed: dict) -> None:  # type: ignore[type-arg]
    env = {"RAG_LLM__BASE_URL": f"http://127.0.0.1:{_free_port()}/v1"}
    proc = run_rag("--config", str(indexed["cfg"]), "doctor", env=env)
    assert proc.returncode == 1
    line = next(ln for ln in proc.stdout.splitlines() if "llm" in ln and "FAIL" in ln)
    assert "Cannot reach" in line
    assert "llm.base_url" in proc.stdout


def test_down_llm_endpoint_is_a_message_not_a_traceback(indexed: dict) -> None:  # type: ignore[type-arg]
    env = {"RAG_LLM__BASE_URL": f"http://127.0.0.1:{_free_port()}/v1"}
    proc = run_rag("--config", str(indexed["cfg"]), "ask", "What is R?", env=env)
    assert proc.returncode == 1
    assert "Cannot reach the LLM endpoint" in proc.stderr and "Fix:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_embedder_swap_via_cli(indexed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    cfg_text = Path(indexed["cfg"]).read_text()
    cfg = tmp_path / "config.yaml"
    # Same index folder, one line changed: the embedder model.
    # Named, as the README's "Swapping the embedder" says (auto would take the pinned collection's own).
    cfg.write_text(
        cfg_text
        + "embedder:\n  provider: sentence-transformers\n  model: sentence-transformers/all-mpnet-base-v2\n"
    )
    proc = run_rag("--config", str(cfg), "ingest", str(indexed["docs"]), "--json")
    assert proc.returncode == 2  # the corrupt PDF, again
    assert json.loads(proc.stdout)["added"] == 3
    listing = json.loads(run_rag("--config", str(cfg), "collections", "list", "--json").stdout)
    assert sorted(c["dimension"] for c in listing) == [384, 768]
    old = next(c["name"] for c in listing if c["dimension"] == 384)

    found = run_rag("--config", str(cfg), "search", "simultaneous readers", "--json", "--no-rerank")
    assert found.returncode == 0 and "768" not in found.stderr
    assert json.loads(found.stdout)["collection"] != old

    mismatch = run_rag("--config", str(cfg), "search", "readers", env={"RAG_MILVUS__COLLECTION": old})
    assert mismatch.returncode == 1
    assert "CollectionMismatch" in mismatch.stderr and "Fix:" in mismatch.stderr
    assert "Traceback" not in mismatch.stderr and not mismatch.stdout.strip()


def test_local_llm_provider_from_the_cli_cleans_up(indexed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    cfg = tmp_path / "config.yaml"
    text = Path(indexed["cfg"]).read_text().replace("provider: openai", "provider: local")
    cfg.write_text(text)
    env = {"RAG_LLM__MODEL": "smollm2-135m", "RAG_PATHS__DATA_DIR": str(tmp_path / "data")}
    proc = run_rag("--config", str(cfg), "ask", "When was SQLite started?", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answer"].strip()
    # It started its own server on loopback and stopped it on exit.
    log = (tmp_path / "data" / "logs" / "llm-server.log").read_text()
    assert "listening on http://127.0.0.1:" in log
    assert not (tmp_path / "data" / "llm-server.json").exists()
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in ps and "SmolLM2" not in ps


def test_config_errors_and_masked_secrets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("embedder:\n  modle: all-mpnet-base-v2\n")
    proc = run_rag("--config", str(bad), "config")
    assert proc.returncode == 1
    assert "embedder.modle" in proc.stderr and str(bad) in proc.stderr and "Traceback" not in proc.stderr

    wrong_type = run_rag("config", env={"RAG_RETRIEVAL__TOP_K": "many"}, cwd=tmp_path)
    assert wrong_type.returncode == 1 and "retrieval.top_k" in wrong_type.stderr

    secret = "sk-test-0123456789abcdef"
    shown = run_rag("config", env={"OPENAI_API_KEY": secret, "RAG_LLM__MODEL": "gpt-4o-mini"}, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert secret not in shown.stdout and secret[-6:] not in shown.stdout
    assert "OPENAI_API_KEY: '**** (set)'" in shown.stdout and "gpt-4o-mini" in shown.stdout


def test_unreadable_file_is_reported_while_the_rest_ingests(
    tmp_path: Path, make_config, docs_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    secret = docs_dir / "secret.txt"
    secret.write_text("classified")
    secret.chmod(0)
    cmd = [RAG, "--config", str(make_config()), "ingest", str(docs_dir), "--json"]
    if os.geteuid() == 0:
        # Root reads any file; drop the capabilities that let it, so the file really is unreadable.
        if not shutil.which("setpriv"):
            pytest.skip("needs setpriv (util-linux) to drop root's file-read override")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == 3
    assert report["failed"] == [{"path": str(secret), "error": "permission denied"}]


def test_second_process_on_a_locked_milvus_lite_gets_the_fix(make_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    cfg = make_config()
    db = tmp_path / "milvus.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from pymilvus import MilvusClient; import sys; MilvusClient({str(db)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = run_rag("--config", str(cfg), "collections", "list")
    finally:
        holder.communicate("", timeout=60)
    assert proc.returncode == 1
    assert "in use by another process" in proc.stderr and "rag milvus serve" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_terminal_chat_answers_then_quits(indexed: dict) -> None:  # type: ignore[type-arg]
    proc = run_rag(
        "--config", str(indexed["cfg"]), "chat",
        input="What does SQLite support an unlimited number of?\n/quit\n",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Chatting with 3 documents" in proc.stdout
    answer = proc.stdout.split("Assistant:", 1)[1]
    assert "readers" in answer.lower()
    assert "whentouse" in answer  # the source is listed under the answer
