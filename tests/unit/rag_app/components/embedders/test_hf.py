"""rag_app.components.embedders.hf: a model folder's identity, its shape from config files, token counts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rag_app.components.embedders.hf import HFTokenizerMixin, model_revision, st_shape


def folder(tmp_path: Path, weights: int = 10) -> Path:
    path = tmp_path / "model"
    path.mkdir()
    (path / "config.json").write_text('{"hidden_size": 8}')
    (path / "model.safetensors").write_bytes(b"\0" * weights)
    (path / "README.md").write_text("ignored")
    return path


def test_model_revision_is_stable_and_follows_config_and_weights(tmp_path: Path) -> None:
    path = folder(tmp_path)
    rev = model_revision(path)
    assert rev == model_revision(path) and len(rev) == 16
    (path / "README.md").write_text("edited")
    assert model_revision(path) == rev  # not part of the model
    (path / "config.json").write_text('{"hidden_size": 16}')
    changed = model_revision(path)
    assert changed != rev
    (path / "model.safetensors").write_bytes(b"\0" * 11)
    assert model_revision(path) != changed


def test_st_shape_reads_the_minilm_folder(minilm_dir: Path) -> None:
    assert st_shape(minilm_dir) == (384, 256)


def sentence_transformers_folder(tmp_path: Path, minilm_dir: Path, modules: list[dict[str, Any]]) -> Path:
    path = tmp_path / "st"
    shutil.copytree(minilm_dir / "1_Pooling", path / "1_Pooling")
    (path / "modules.json").write_text(json.dumps(modules))
    return path


def test_st_shape_takes_a_dense_layer_as_the_output_size(tmp_path: Path, minilm_dir: Path) -> None:
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    path = sentence_transformers_folder(tmp_path, minilm_dir, modules)
    (path / "2_Dense").mkdir()
    (path / "2_Dense" / "config.json").write_text('{"in_features": 384, "out_features": 128}')
    assert st_shape(path) == (128, None)  # no sentence_bert_config.json: limit unknown


def test_st_shape_is_none_when_only_loading_the_model_can_tell(tmp_path: Path, minilm_dir: Path) -> None:
    assert st_shape(tmp_path) is None  # no modules.json
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "", "type": "my_package.CustomLayer"},
    ]
    assert st_shape(sentence_transformers_folder(tmp_path, minilm_dir, modules)) is None
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "modules.json").write_text("not json")
    assert st_shape(tmp_path / "bad") is None


class Counter(HFTokenizerMixin):
    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer


def test_tokens_are_counted_without_special_tokens(minilm_tokenizer: Any) -> None:
    counter = Counter(minilm_tokenizer)
    assert counter.count_tokens("hello world") == 2
    ids = counter.token_counter()("hello world")
    assert ids == minilm_tokenizer.encode("hello world", add_special_tokens=False) and len(ids) == 2
