"""Offline-first model resolution.

Order: local path > local Hugging Face cache > installed offline pack > download (only when
``models.allow_download``) > :class:`ModelUnavailable` naming the fix.
"""

from __future__ import annotations

from pathlib import Path

from rag_app.components.packs import find_pack, locate
from rag_app.errors import ModelUnavailable
from rag_app.settings import Settings


def _local_path(name: str, settings: Settings) -> Path | None:
    for candidate in (Path(name).expanduser(), settings.resolve(name)):
        if candidate.exists():
            return candidate.resolve()
    return None


def _hub_cache(name: str) -> Path | None:
    if name.count("/") != 1:
        return None
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=name, local_files_only=True))
    except Exception:
        return None


def resolve_model(name: str, kind: str, settings: Settings, setting_key: str) -> Path:
    """Find a model folder (or file) for ``name`` without touching the network unless allowed."""
    local = _local_path(name, settings)
    if local is not None:
        return local
    cached = _hub_cache(name)
    if cached is not None:
        return cached
    pack = find_pack(name, kind)
    if pack is not None:
        return locate(pack, settings.cache_dir)
    if settings.models.allow_download and name.count("/") == 1:
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(repo_id=name))
        except Exception as exc:
            raise ModelUnavailable(
                f"Could not download model '{name}' from the Hugging Face Hub: {exc}",
                fix=f"Check the network, or copy the model folder here and set {setting_key} to its path.",
            ) from exc
    raise ModelUnavailable(
        f"Model '{name}' ({setting_key}) is not available offline: not a local path, not in the "
        "Hugging Face cache, and no offline pack provides it.",
        fix=(
            f"Copy the model folder to this machine and set {setting_key} to its path, "
            "or (with internet) set models.allow_download: true. "
            "Offline packs: `rag doctor` lists them."
        ),
    )
