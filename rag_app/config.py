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
from pydantic import BaseModel, ValidationError

from rag_app.endpoints import mask_url
from rag_app.errors import ConfigError
from rag_app.settings import Settings

ENV_PREFIX = "RAG_"
SECRET_ENV_DEFAULTS = ("OPENAI_API_KEY",)


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


# Settings that hold URLs, which may carry credentials (https://user:pass@host, ?token=...).
URL_KEYS = (("llm", "base_url"), ("embedder", "base_url"), ("judge", "base_url"), ("milvus", "uri"))


def masked_dump(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The effective config as plain data, with a view of secrets that never shows them.

    Secrets named by ``*_env`` keys appear only as set / not set; credentials embedded in URLs
    (``llm.base_url``, ``milvus.uri``...) are masked.
    """
    env = os.environ if env is None else env
    data = settings.model_dump(mode="json")
    for section, key in URL_KEYS:
        data[section][key] = mask_url(data[section][key])
    secrets: dict[str, str] = {}
    for var in {
        settings.llm.api_key_env,
        settings.embedder.api_key_env,
        settings.judge.api_key_env,
        settings.milvus.token_env,
        "RAG_UI_USERNAME",
        "RAG_UI_PASSWORD",
        "RAG_UI_API_TOKEN",
        *SECRET_ENV_DEFAULTS,
    }:
        value = env.get(var)
        secrets[var] = "**** (set)" if value else "(not set)"
    data["secrets (from environment)"] = secrets
    data["_source"] = settings.source
    return data
