"""The ingest benchmark's corpus (Debian's nodejs-doc API docs by default, fetched once), the files
it uses, their flat copy, and the temp ``config.yaml`` every ingest of it runs with."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from common import REPO, log

from rag_app.errors import RagError

DEFAULT_CACHE = REPO / "benchmarks" / ".cache" / "nodejs-doc"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def fetch_nodejs_doc(dest: Path) -> dict[str, Any]:
    """Debian's nodejs-doc API docs as plain *.md files in ``dest`` (downloaded once, then reused)."""
    marker = dest / ".source.json"
    if marker.is_file() and any(dest.glob("*.md")):
        return dict(json.loads(marker.read_text()))
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        raise RagError("apt-get/dpkg-deb not found: pass --corpus DIR (a folder of Markdown files).")
    log("fetching Debian nodejs-doc (apt-get download) ...")
    with tempfile.TemporaryDirectory(prefix="nodejs-doc-") as tmp:
        r = subprocess.run(["apt-get", "download", "nodejs-doc"], cwd=tmp, capture_output=True, text=True)
        debs = sorted(Path(tmp).glob("nodejs-doc_*.deb"))
        if r.returncode or not debs:
            raise RagError(
                f"`apt-get download nodejs-doc` failed: {r.stderr.strip()[-400:]}",
                fix="run `apt-get update` once (as root), or pass --corpus DIR.",
            )
        deb = debs[0]
        version = subprocess.run(
            ["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        extracted = Path(tmp) / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
        staging = dest.with_name(dest.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        # Debian gzips most of the docs: keep only Markdown, *.md.gz decompressed to *.md.
        for f in sorted(extracted.rglob("*")):
            if not f.is_file():
                continue
            if f.name.endswith(".md"):
                name, data = f.name, f.read_bytes()
            elif f.name.endswith(".md.gz"):
                name, data = f.name[:-3], gzip.decompress(f.read_bytes())
            else:
                continue
            out = staging / name
            if out.exists():
                out = staging / f"{f.parent.name}__{name}"
            out.write_bytes(data)
        info = {"source": "debian nodejs-doc", "package": deb.name, "version": version}
        (staging / ".source.json").write_text(json.dumps(info))
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
    return info


def select_files(src: Path, max_files: int | None) -> list[Path]:
    """The non-empty *.md files under ``src`` (hidden folders skipped); with ``max_files``, the N smallest."""
    files = sorted(
        p
        for p in src.rglob("*.md")
        if p.is_file()
        and p.stat().st_size > 0
        and not any(s.startswith(".") for s in p.relative_to(src).parts)
    )
    if not files:
        raise RagError(f"No non-empty *.md files under {src}.")
    if max_files:  # smoke runs: the N smallest files, so they stay quick
        files = sorted(sorted(files, key=lambda p: (p.stat().st_size, str(p)))[:max_files])
    return files


def copy_flat(files: list[Path], src: Path, dest: Path) -> None:
    """Copy into one flat folder: SimpleDirectoryReader (not recursive by default) and `rag ingest`
    (recursive) then read exactly the same files."""
    dest.mkdir(parents=True)
    for f in files:
        out = dest / "__".join(f.relative_to(src).parts)
        n = 1
        while out.exists():
            out = out.with_name(f"{out.stem}_{n}.md")
            n += 1
        shutil.copyfile(f, out)


def write_config(folder: Path) -> Path:
    """A config.yaml like tests/conftest.py's: index and data under ``folder``, reranker off."""
    import yaml

    cfg = {
        "embedder": {"provider": "sentence-transformers", "model": MODEL, "device": "cpu"},
        "milvus": {"uri": str(folder / "milvus.db")},
        "paths": {"data_dir": str(folder / "data"), "cache_dir": str(Path.home() / ".cache" / "rag-app")},
        "reranker": {"provider": "none"},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path
