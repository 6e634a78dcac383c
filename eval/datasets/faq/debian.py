"""The two Debian 12 documentation packages the FAQ set is built from: download and checksums."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = {
    "sqlite3-doc": "3.40.1-2+deb12u2",
    "r-doc-pdf": "4.2.2.20221110-2",
}
# key -> (file inside the extracted packages, its pinned sha256)
SOURCES = {
    "sqlite": (
        "usr/share/doc/sqlite3/faq.html",
        "f521c7145ea05014a91fb8b548c6b8f94168621b72d5158b3ca14667d248a5a7",
    ),
    "rfaq": (
        "usr/share/R/doc/manual/R-FAQ.pdf",
        "de8768520d4fb90dad64c28483ffb92dca7dd9d8dc8556905b35c2e62a939255",
    ),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(dest: Path, allow_other_versions: bool) -> dict[str, str]:
    """``apt-get download`` the pinned packages and extract them into ``dest``; returns their versions."""
    versions = {}
    with tempfile.TemporaryDirectory(prefix="faq-debs-") as tmp:
        for name, version in PACKAGES.items():
            spec = name if allow_other_versions else f"{name}={version}"
            r = subprocess.run(["apt-get", "download", spec], cwd=tmp, capture_output=True, text=True)
            debs = sorted(Path(tmp).glob(f"{name}_*.deb"))
            if r.returncode or not debs:
                sys.exit(
                    f"`apt-get download {spec}` failed: {r.stderr.strip()[-400:]}\n"
                    "Run `apt-get update` once, or pass --src with the packages extracted."
                )
            got = subprocess.run(
                ["dpkg-deb", "-f", str(debs[0]), "Version"], capture_output=True, text=True, check=True
            ).stdout.strip()
            versions[name] = got
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(dest)], check=True)
    return versions


def source_files(src: Path, allow_other_versions: bool) -> dict[str, Path]:
    """The original files under ``src`` by key, their checksums checked.

    A checksum that differs from the pinned one stops the build, or with ``allow_other_versions``
    is a warning on stderr (the set built from it will differ).
    """
    files = {}
    for key, (rel, digest) in SOURCES.items():
        f = (src / rel).resolve()
        if sha256(f) != digest:
            msg = f"{rel}: sha256 {sha256(f)} differs from the pinned {digest}"
            if not allow_other_versions:
                sys.exit(msg + " (pass --allow-other-versions to build from it anyway)")
            print("warning: " + msg, file=sys.stderr)
        files[key] = f
    return files
