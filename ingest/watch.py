"""Watched folders: sync once, then again whenever files change (filesystem events, ``watchfiles``).

- Debounced: changes are gathered until the folders have been quiet for ``settle`` seconds (at
  most ``10 × settle`` while changes keep coming), then one sync runs; a file saved five times in
  a second is embedded once.
- Each sync is the indexer's own incremental run with deletions (hash-based: unchanged files cost
  a ``stat``; a renamed file keeps its vectors, see :mod:`ingest.moves`).
- A folder that disappears (an unmounted drive), or comes back empty after it held files (the
  empty mount point), is *unavailable*: nothing under it is deleted or re-read until it is back;
  then it is synced again, and only files really gone are deleted.
- ``stop`` (set by Ctrl+C through :class:`rag_app.process.Shutdown`, or by the UI) ends it
  between syncs, or a running sync after its current batch.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ingest.report import IngestReport

Sync = Callable[[list[Path]], IngestReport]


def _has_files(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(not e.name.startswith(".") for e in entries)
    except OSError:
        return False


class FolderWatch:
    """Keeps ``roots`` in sync through ``sync(roots)`` until ``stop`` is set.

    ``on_report`` hears each sync's report; ``on_state`` each change of state, in words
    ("watching ...", "waiting for ... to come back"). Changes under ``ignore`` (the app's data
    folder, if it lies inside a watched one) trigger nothing.
    """

    def __init__(
        self,
        roots: list[Path],
        sync: Sync,
        stop: threading.Event,
        settle: float = 1.0,
        on_report: Callable[[IngestReport], None] | None = None,
        on_state: Callable[[str], None] | None = None,
        ignore: list[Path] | None = None,
    ) -> None:
        self.roots = [Path(r).expanduser().absolute() for r in roots]
        # Changes there are the app's own writes (the index, logs), never a reason to sync.
        self._ignore = [Path(p).resolve() for p in ignore or []]
        self._sync = sync
        self._stop = stop
        self._settle = settle
        self._on_report = on_report or (lambda report: None)
        self._on_state = on_state or (lambda text: None)
        self._had_files: dict[Path, bool] = {}
        self.state = ""
        self.syncs = 0

    def _say(self, text: str) -> None:
        if text != self.state:
            self.state = text
            self._on_state(text)

    def available(self, root: Path) -> bool:
        """Whether ``root`` is there: it exists, and a folder that held files still holds some."""
        if root.is_dir():
            return _has_files(root) or not self._had_files.get(root, False)
        return root.is_file()

    def _relevant(self, path: Path) -> bool:
        if path.name.startswith((".", "~$")):  # hidden, editors' swap files, Office lock files
            return False
        return not any(path == d or d in path.parents for d in self._ignore)

    def run(self) -> None:
        """Sync, watch, and again after a folder comes back, until ``stop`` is set."""
        while not self._stop.is_set():
            missing = [r for r in self.roots if not self.available(r)]
            if missing:
                self._say(
                    f"waiting for {', '.join(map(str, missing))} to come back (nothing is deleted meanwhile)"
                )
                self._stop.wait(min(self._settle, 1.0))
                continue
            self._watch()

    def _run_sync(self) -> None:
        report = self._sync(self.roots)
        self.syncs += 1
        for root in self.roots:
            self._had_files[root] = root.is_file() or _has_files(root)
        self._on_report(report)

    def _watch(self) -> None:
        """Sync once the watcher runs (so nothing changed during the sync is missed), then after each
        quiet spell; return when a folder goes away (or on stop)."""
        from watchfiles import watch

        settle_ms = max(50, int(self._settle * 1000))
        pending_since: float | None = time.monotonic()  # the first sync: as soon as events are watched
        for changes in watch(
            *self.roots,
            step=50,
            rust_timeout=settle_ms,  # an empty yield means: no change for settle seconds
            yield_on_timeout=True,
            stop_event=self._stop,
            raise_interrupt=False,
            ignore_permission_denied=True,
        ):
            if self._stop.is_set():
                return
            if not all(self.available(r) for r in self.roots):
                return  # unmounted, renamed away, emptied: wait for it in run()
            relevant = [p for _, p in changes if self._relevant(Path(p))]
            if relevant and pending_since is None:
                pending_since = time.monotonic()
            quiet = not changes
            overdue = pending_since is not None and time.monotonic() - pending_since > 10 * self._settle
            if pending_since is not None and (quiet or overdue):
                pending_since = None
                self._run_sync()
                self._say(f"watching {', '.join(map(str, self.roots))}")
