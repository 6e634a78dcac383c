"""Provider libraries import, and a broken one is named as broken (version + import error), not as missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.components import libraries
from rag_app.components.libraries import LIBRARIES, Library, require
from rag_app.config import load_settings
from rag_app.errors import LibraryUnavailable


@pytest.mark.parametrize("module", sorted(LIBRARIES))
def test_every_provider_library_imports(module: str) -> None:
    # An upstream release that breaks one of these (transformers 5.24 vs FlagEmbedding 1.4.2) fails here.
    assert require(module).__name__ == module


def test_installed_but_broken_names_package_version_and_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rag_broken_lib.py").write_text("from json import modeling_attn_mask_utils\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(LIBRARIES, "rag_broken_lib", Library("rag_broken_lib", "pytest", "test provider"))
    with pytest.raises(LibraryUnavailable) as err:
        require("rag_broken_lib")
    msg = err.value.message
    assert f"pytest {pytest.__version__} is installed but fails to import" in msg
    assert "modeling_attn_mask_utils" in msg
    assert "lock" in (err.value.fix or "")


def test_not_installed_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        LIBRARIES, "rag_no_such_lib", Library("rag_no_such_lib", "rag-no-such-lib", "nothing", "eval")
    )
    with pytest.raises(LibraryUnavailable) as err:
        require("rag_no_such_lib")
    assert "rag-no-such-lib is not installed" in err.value.message
    assert '".[eval]"' in (err.value.fix or "")


def test_reranker_status_reports_the_broken_library_not_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag_app.components import rerankers

    def broken(module: str) -> None:
        raise LibraryUnavailable(
            "FlagEmbedding 1.4.2 is installed but fails to import (ModuleNotFoundError: ...)", fix="reinstall"
        )

    monkeypatch.setattr(rerankers, "require", broken)
    settings = load_settings(env={}, overrides={"reranker": {"model": str(tmp_path)}})
    reranker, status = rerankers.build_reranker(settings)
    assert reranker is None and not status.available
    assert status.reason is not None and "installed but fails to import" in status.reason
    assert "not available offline" not in status.reason
    assert status.fix == "reinstall"


def test_library_checks_fail_for_a_used_library_and_warn_for_an_unused_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rag_app import doctor

    def check(module: str) -> libraries.LibraryStatus:
        return libraries.LibraryStatus(
            LIBRARIES[module], "1.0", "broken" if module in ("FlagEmbedding", "ragas") else None
        )

    monkeypatch.setattr(doctor, "check_library", check)
    settings = load_settings(env={}, overrides={"reranker": {"provider": "flagembedding"}})
    by_name = {c.component: c for c in doctor.library_checks(settings)}
    assert by_name["lib FlagEmbedding"].status == "fail"
    assert by_name["lib ragas"].status == "warn"  # not used by answering; eval names it when it runs
    assert by_name["lib gradio"].status == "ok"
