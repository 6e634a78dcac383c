"""The pinned sources: checksums stop a build from other files unless other versions are allowed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from eval.datasets.faq import debian


def fake_sources(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    files = {
        "sqlite": tmp / "usr/share/doc/sqlite3/faq.html",
        "rfaq": tmp / "usr/share/R/doc/manual/R-FAQ.pdf",
    }
    pinned = {}
    for key, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.encode())
        pinned[key] = (str(path.relative_to(tmp)), hashlib.sha256(key.encode()).hexdigest())
    monkeypatch.setattr(debian, "SOURCES", pinned)
    return files


def test_matching_checksums(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = fake_sources(tmp_path, monkeypatch)
    assert debian.source_files(tmp_path, allow_other_versions=False) == files
    assert debian.sha256(files["sqlite"]) == hashlib.sha256(b"sqlite").hexdigest()


def test_other_files_stop_the_build_or_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = fake_sources(tmp_path, monkeypatch)
    files["rfaq"].write_bytes(b"another version")
    with pytest.raises(SystemExit, match=r"R-FAQ\.pdf: sha256 \w+ differs from the pinned"):
        debian.source_files(tmp_path, allow_other_versions=False)
    assert debian.source_files(tmp_path, allow_other_versions=True) == files
    assert "warning: usr/share/R/doc/manual/R-FAQ.pdf: sha256" in capsys.readouterr().err


def test_the_pinned_packages_are_the_readme_ones() -> None:
    readme = (Path(debian.__file__).parent / "README.md").read_text(encoding="utf-8")
    for name, version in debian.PACKAGES.items():
        assert f"`{name}` {version}" in readme
    for rel, digest in debian.SOURCES.values():
        assert digest in readme and rel.rsplit("/", 1)[-1] in readme
