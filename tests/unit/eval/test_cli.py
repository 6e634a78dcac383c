"""`rag eval` errors look like every rag error: `Error (Class): message` and `Fix:`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_rag


def test_bad_dataset_error_names_line_and_field(tmp_path: Path) -> None:
    ds = tmp_path / "bad.jsonl"
    ds.write_text('{"id": "a", "user_input": "ok?"}\n{"id": "b", "reference": "no question"}\n')
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"milvus: {{uri: {tmp_path / 'milvus.db'}}}\nreranker: {{provider: none}}\n")
    proc = run_rag("--config", str(cfg), "eval", str(ds), "--no-ragas", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert f"Error (DatasetError): {ds}:2: field 'user_input' is missing or empty." in proc.stderr
    assert "Fix:" in proc.stderr
    help_proc = run_rag("eval", "--help", timeout=60)
    assert "compare" in help_proc.stdout and "selftest" in help_proc.stdout and "generate" in help_proc.stdout
