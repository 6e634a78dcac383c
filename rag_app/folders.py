"""The app's own folders (``data/``: the index, uploads, logs, state) are readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o700


def private_folder(path: Path, *, tighten: bool = False) -> Path:
    """Create ``path`` and any missing parents with mode 0700 and return it.

    A folder that already exists keeps its mode (it may be the user's own choice), unless
    ``tighten``: then it is set to 0700 too (for folders only this app uses, e.g. upload staging).
    """
    path = Path(path)
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE)
        except FileExistsError:  # created meanwhile by another process
            continue
        os.chmod(folder, PRIVATE)  # mkdir's mode is filtered by the umask
    if tighten and path.is_dir() and (path.stat().st_mode & 0o777) != PRIVATE:
        os.chmod(path, PRIVATE)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)  # raises the right error (a file in the way...)
    return path
