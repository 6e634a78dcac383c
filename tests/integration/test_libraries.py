"""The real failure mode: a dependency changes under FlagEmbedding and its import breaks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_rag

pytestmark = pytest.mark.integration

# What transformers 5.24 did to FlagEmbedding 1.4.2: the module it imports is gone.
BLOCKER = """
import sys
class _Gone:
    def find_spec(self, name, path=None, target=None):
        if name == "transformers.modeling_attn_mask_utils":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, _Gone())
"""


def test_doctor_names_the_broken_library_with_its_version_and_import_error(
    make_config, tiny_reranker_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    cfg = make_config(reranker={"provider": "flagembedding", "model": str(tiny_reranker_dir)})
    env = {"PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = run_rag("--config", str(cfg), "doctor", "--json", "--no-llm", env=env)
    checks = {c["component"]: c for c in json.loads(out.stdout)}
    reranker, lib = checks["reranker"], checks["lib FlagEmbedding"]
    assert reranker["status"] == "warn"
    assert "FlagEmbedding 1.4.2 is installed but fails to import" in reranker["detail"]
    assert "modeling_attn_mask_utils" in reranker["detail"]
    assert "not available offline" not in reranker["detail"]
    assert lib["status"] == "fail" and "modeling_attn_mask_utils" in lib["detail"]
    assert out.returncode == 1  # a library the configuration uses is broken
