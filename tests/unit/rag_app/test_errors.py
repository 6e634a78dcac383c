"""One exception hierarchy, and one way to turn any exception into a message for the user."""

from __future__ import annotations

import pytest

from rag_app import errors
from rag_app.errors import ConfigError, JudgeFailure, LibraryUnavailable, RagError, describe


def test_message_and_fix_are_kept_apart_and_printed_together() -> None:
    exc = ConfigError("Unknown key 'x'.", fix="Remove it.")
    assert (exc.message, exc.fix) == ("Unknown key 'x'.", "Remove it.")
    assert str(exc) == "Unknown key 'x'.\nFix: Remove it."
    assert str(RagError("no fix")) == "no fix"


def test_describe_passes_a_rag_error_through() -> None:
    assert describe(ConfigError("bad", fix="fix it")) == ("bad", "fix it")


def test_describe_names_an_unexpected_error_and_says_where_to_look() -> None:
    message, fix = describe(KeyError("boom"))
    assert message.startswith("Unexpected error (KeyError)")
    assert fix is not None and "RAG_DEBUG=1" in fix


def test_every_exception_of_the_app_is_a_rag_error() -> None:
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert classes and all(issubclass(c, RagError) for c in classes)


def test_library_and_judge_errors_carry_their_details() -> None:
    lib = LibraryUnavailable(
        "FlagEmbedding 1.4.2 fails", fix="reinstall", package="FlagEmbedding", version="1.4.2"
    )
    assert (lib.package, lib.version, lib.fix) == ("FlagEmbedding", "1.4.2", "reinstall")
    judge = JudgeFailure("unparseable", "the reply was not JSON")
    assert judge.reason == "unparseable" and judge.message == "the reply was not JSON"
    with pytest.raises(RagError):
        raise judge
