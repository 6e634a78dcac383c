"""Shared fixtures: real models and a real llama.cpp server, loaded once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Offline and quiet, before any model library is imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["TRANSFORMERS_VERBOSITY"] = "error"
os.environ.pop("RAG_CONFIG", None)
for _name in list(os.environ):
    if _name.startswith("RAG_") and "__" in _name:
        os.environ.pop(_name)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "docs"
RAG = str(Path(sys.executable).with_name("rag"))
# The fact a test asks about, verbatim from page 2 of the R FAQ excerpt (whitespace normalised).
R_FAQ_FACT = "New features are typically introduced in r-devel, while r-patched is for bug fixes mostly."


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    from rag_app.components.packs import find_pack, locate

    pack = find_pack("sentence-transformers/all-MiniLM-L6-v2")
    assert pack is not None
    return locate(pack, Path.home() / ".cache" / "rag-app")


@pytest.fixture(scope="session")
def smollm_gguf() -> Path:
    from rag_app.components.packs import find_pack, locate

    pack = find_pack("smollm2-135m", "llm")
    assert pack is not None
    return locate(pack, Path.home() / ".cache" / "rag-app")


@pytest.fixture(scope="session")
def qwen_gguf() -> Path:
    """The default answering model (Qwen2.5-Coder-0.5B pack), assembled and sha256-checked."""
    from rag_app.components.packs import find_pack, locate

    pack = find_pack("qwen2.5-coder-0.5b", "llm")
    assert pack is not None
    return locate(pack, Path.home() / ".cache" / "rag-app")


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory, qwen_gguf: Path) -> Iterator[str]:
    """A real llama.cpp server with the default model for the whole session; yields its /v1 URL.

    The server accepts only its per-run key. Tests reach it as an OpenAI-compatible endpoint
    (``llm.provider: openai``, default ``api_key_env: OPENAI_API_KEY``), so the key is exported as
    ``OPENAI_API_KEY`` for this test process and the ``rag`` commands it starts.
    """
    from rag_app.llm_server import LocalLLMServer

    server = LocalLLMServer(qwen_gguf, tmp_path_factory.mktemp("llm"), n_ctx=4096, threads=2)
    base = server.ensure()
    assert server.api_key
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = server.api_key
    yield f"{base}/v1"
    server.close()
    if previous is None:
        os.environ.pop("OPENAI_API_KEY", None)
    else:
        os.environ["OPENAI_API_KEY"] = previous


@pytest.fixture(scope="session")
def tiny_reranker_dir(tmp_path_factory: pytest.TempPathFactory, minilm_path: Path) -> Path:
    """A randomly initialised BERT cross-encoder with MiniLM's tokenizer: plumbing, never quality."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    out = tmp_path_factory.mktemp("tiny-reranker")
    tok = AutoTokenizer.from_pretrained(str(minilm_path))
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        num_labels=1,
        max_position_embeddings=512,
    )
    BertForSequenceClassification(cfg).save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


def write_config(folder: Path, **sections: dict[str, Any]) -> Path:
    """A config.yaml for tests: index under ``folder``, reranker off, SmolLM2 unless overridden."""
    import yaml

    base: dict[str, dict[str, Any]] = {
        "milvus": {"uri": str(folder / "milvus.db")},
        "paths": {"data_dir": str(folder / "data"), "cache_dir": str(Path.home() / ".cache" / "rag-app")},
        "reranker": {"provider": "none"},
        "llm": {"provider": "local", "model": "smollm2-135m", "max_tokens": 96, "timeout": 60},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    def factory(**sections: dict[str, Any]) -> Path:
        return write_config(tmp_path, **sections)

    return factory


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A copy of the fixture documents in a folder the test may change."""
    out = tmp_path / "docs"
    shutil.copytree(FIXTURES, out, ignore=shutil.ignore_patterns("LICENSES.md"))
    return out


def run_rag(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, **kw: Any
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([RAG, *args], capture_output=True, text=True, timeout=timeout, env=full_env, **kw)


def ingest_paths(pipe: Any, paths: list[Any], **kwargs: Any) -> Any:
    """Ingest with an indexer wired on the pipeline's own components (as the CLI and UI do)."""
    from ingest.indexer import build_indexer

    return build_indexer(pipe.components).ingest(paths, **kwargs)
