"""rag_app.store.lite_format: an index written by the other Milvus Lite generation is refused, untouched."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag_app.errors import StoreError
from rag_app.store import MilvusStore
from rag_app.store.lite_format import SQLITE_MAGIC, check_lite_path, engine_major, locked_elsewhere

# Another program holding the file with plain pymilvus (retrying: on a loaded machine Milvus Lite's
# engine may start later than pymilvus waits).
HOLDER = """
import sys, time
from pymilvus import MilvusClient
for _ in range(120):
    try:
        client = MilvusClient(sys.argv[1])
        break
    except Exception:
        time.sleep(0.5)
print("open", flush=True)
time.sleep(60)
"""


def milvus_lite_3_folder(db: Path) -> None:
    """What Milvus Lite 3.x leaves at a .db path: a folder with its own layout."""
    (db / "collections" / "rag_x").mkdir(parents=True)
    (db / "LOCK").write_text("")


def test_the_installed_engine_is_milvus_lite_2() -> None:
    assert engine_major() == 2  # pyproject pins milvus-lite 2.5.1 (benchmarks/README.md says why)


def test_a_milvus_lite_3_folder_is_refused_with_the_way_out_and_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    milvus_lite_3_folder(db)
    before = sorted(p.relative_to(db) for p in db.rglob("*"))
    with pytest.raises(StoreError, match="folder written by Milvus Lite 3") as err:
        MilvusStore(str(db))
    assert err.value.fix and f"mv {db} {db}.milvus-lite-3" in err.value.fix and "rag ingest" in err.value.fix
    assert sorted(p.relative_to(db) for p in db.rglob("*")) == before and db.is_dir()


def test_a_milvus_lite_2_file_is_refused_by_milvus_lite_3(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    MilvusStore(str(db)).close()  # a real Milvus Lite 2.5 index file
    assert db.read_bytes()[: len(SQLITE_MAGIC)] == SQLITE_MAGIC
    check_lite_path(db, major=2)  # fine for the engine that wrote it
    with pytest.raises(StoreError, match=r"written by Milvus Lite 2\.5") as err:
        check_lite_path(db, major=3)
    assert err.value.fix and "make install" in err.value.fix


def test_an_unrelated_file_and_a_bad_name_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    other.write_text("my notes")
    with pytest.raises(StoreError, match="is not a Milvus Lite index"):
        MilvusStore(str(other))
    assert other.read_text() == "my notes"
    with pytest.raises(StoreError, match="cannot use the file name") as err:
        check_lite_path(tmp_path / ("x" * 40 + ".db"), major=2)
    assert err.value.fix and "./data/milvus.db" in err.value.fix
    check_lite_path(tmp_path / "new.db", major=2)  # nothing there yet: fine


def test_a_lock_held_by_another_process_is_seen_without_touching_it(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    assert not locked_elsewhere(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        lock = tmp_path / ".milvus.db.lock"
        assert locked_elsewhere(db) and locked_elsewhere(db)  # asking twice changes nothing
        assert lock.exists()  # (Milvus Lite's own failed open would delete it)
    finally:
        holder.kill()
        holder.wait()
    # The lock is the engine's, a child of the holder that exits with it a moment later.
    deadline = time.monotonic() + 30
    while locked_elsewhere(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not locked_elsewhere(db)
