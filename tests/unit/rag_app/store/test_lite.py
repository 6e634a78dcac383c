"""rag_app.store.lite: several stores on one Milvus Lite folder, and the owner record other processes read."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.errors import StoreError
from rag_app.process import ProcessRecord, write_private
from rag_app.store import MilvusStore, rows_for
from rag_app.store.lite import owner_of, owner_path
from tests.unit.rag_app.fakes import DIM, hash_vector, index_texts

FP = {"provider": "fake", "model": "hash", "dimension": DIM, "normalize": True}
META = {
    "doc_id": "d", "source": "/b.md", "title": "b.md", "page": -1, "heading": "", "chunk": 0,
    "content_hash": "h", "mtime": 0, "size": 11, "n_chunks": 1, "ingested_at": 1,
}  # fmt: skip


@pytest.fixture
def other_process() -> Iterator[ProcessRecord]:
    """A live process of this user that is not this one."""
    proc = subprocess.Popen(["sleep", "60"])
    try:
        yield ProcessRecord.of(proc.pid)
    finally:
        proc.kill()
        proc.wait()


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


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()  # reaped: the pid no longer names a process
    return proc.pid


def write_owner(db: Path, record: ProcessRecord, **extra: Any) -> None:
    write_private(owner_path(db), json.dumps({**record.as_dict(), "command": "rag chat", **extra}))


def test_owner_path_sits_beside_the_folder(tmp_path: Path) -> None:
    assert owner_path(tmp_path / "milvus.db") == tmp_path / "milvus.db.owner.json"


def test_closing_one_store_keeps_another_on_the_same_folder_usable(tmp_path: Path) -> None:
    db = str(tmp_path / "milvus.db")
    first, second = MilvusStore(db), MilvusStore(db)
    index_texts(first, "c", {"/a.md": ["one chunk"]}, FP)
    first.close()
    assert second.names() == ["c"] and second.count("c") == 1
    second.upsert("c", rows_for(["later chunk"], [hash_vector("later chunk")], [{**META, "id": "later"}]))
    assert second.count("c") == 2
    second.close()
    # The folder is released: a fresh store opens it again with everything kept.
    third = MilvusStore(db)
    assert third.names() == ["c"] and third.count("c") == 2
    third.close()


def test_a_sharing_store_publishes_a_local_socket_until_the_last_store_closes(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    sharing = MilvusStore(str(db), share=True)
    record = json.loads(owner_path(db).read_text())
    assert record["pid"] == os.getpid() and record["started"] == ProcessRecord.current().started
    assert record["uri"].startswith("unix:")  # Milvus Lite 2.5's server: a unix socket, no network port
    sock = Path(record["uri"].removeprefix("unix:"))
    assert sock.is_socket() and not sock.stat().st_mode & stat.S_IWOTH  # other users cannot connect
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(sock))  # it answers
    assert owner_of(db) is None  # this process's own record is not "another owner"

    plain = MilvusStore(str(db))
    sharing.close()
    assert owner_path(db).is_file()  # the folder is still in use here
    assert plain.names() == []
    plain.close()
    assert not owner_path(db).exists()


def test_owner_of_ignores_missing_garbled_and_dead_records(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    assert owner_of(db) is None
    owner_path(db).write_text("not json")
    assert owner_of(db) is None
    owner_path(db).write_text(json.dumps({"uri": "http://127.0.0.1:1"}))  # no pid
    assert owner_of(db) is None
    write_owner(db, ProcessRecord(dead_pid()), uri="http://127.0.0.1:1")
    assert owner_of(db) is None and owner_of(db, require_uri=False) is None


def test_owner_of_a_live_process_needs_a_reachable_uri_to_share(
    tmp_path: Path, other_process: ProcessRecord
) -> None:
    db = tmp_path / "milvus.db"
    write_owner(db, other_process)
    assert owner_of(db) is None
    assert owner_of(db, require_uri=False) == {**other_process.as_dict(), "command": "rag chat"}

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    write_owner(db, other_process, uri=f"http://127.0.0.1:{port}")  # nobody listens there
    assert owner_of(db) is None
    assert owner_of(db, require_uri=False) is not None

    # The start time is part of the identity: a reused pid is not the owner.
    write_owner(db, ProcessRecord(other_process.pid, (other_process.started or 0) + 1))
    assert owner_of(db, require_uri=False) is None


def test_a_store_connects_to_the_owner_that_shares_its_folder(
    tmp_path: Path, other_process: ProcessRecord
) -> None:
    # The "owner" is this process's sharing server, recorded under another live pid.
    serving = MilvusStore(str(tmp_path / "served.db"), share=True)
    index_texts(serving, "c", {"/a.md": ["shared chunk"]}, FP)
    uri = json.loads(owner_path(tmp_path / "served.db").read_text())["uri"]
    db = tmp_path / "milvus.db"
    write_owner(db, other_process, uri=uri)

    client = MilvusStore(str(db))
    assert client.shared_from is not None and client.shared_from["uri"] == uri
    assert client.names() == ["c"] and client.count("c") == 1
    assert not db.exists()  # the folder itself was never opened here
    client.close()
    assert serving.names() == ["c"]  # closing a client leaves the owner's server alone
    serving.close()


def test_a_folder_locked_by_another_process_is_a_store_error_naming_the_holder(tmp_path: Path) -> None:
    db = tmp_path / "milvus.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError) as err:
            MilvusStore(str(db))
        assert err.value.message.startswith(f"The index {db} is in use by another process")
        assert err.value.fix is not None and "`rag milvus serve`" in err.value.fix
        # A holder that recorded itself (without sharing) is named.
        write_owner(db, ProcessRecord.of(holder.pid), command="rag ingest")
        with pytest.raises(StoreError, match=rf"in use by `rag ingest` \(pid {holder.pid}\)"):
            MilvusStore(str(db))
    finally:
        holder.kill()
        holder.wait()


def test_the_folders_socket_and_record_are_this_users_only(tmp_path: Path) -> None:
    from pymilvus import MilvusClient

    db = tmp_path / "milvus.db"
    store = MilvusStore(str(db), share=True)
    index_texts(store, "c", {"/a.md": ["private chunk"]}, FP)
    assert oct(owner_path(db).stat().st_mode & 0o777) == "0o600"
    record = json.loads(owner_path(db).read_text())
    assert str(record["uri"]).startswith("unix:")
    sock = Path(str(record["uri"]).removeprefix("unix:"))
    # Connecting to a unix socket needs write permission on it: no one but this user has any.
    assert sock.stat().st_uid == os.getuid() and sock.stat().st_mode & 0o077 == 0
    allowed = MilvusClient(uri=record["uri"])
    assert allowed.list_collections() == ["c"]
    allowed.close()
    store.close()


def test_a_record_others_could_read_is_not_trusted(tmp_path: Path, other_process: ProcessRecord) -> None:
    serving = MilvusStore(str(tmp_path / "served.db"), share=True)
    published = json.loads(owner_path(tmp_path / "served.db").read_text())
    db = tmp_path / "milvus.db"
    write_owner(db, other_process, uri=published["uri"])
    assert owner_of(db) is not None
    owner_path(db).chmod(0o644)
    assert owner_of(db) is None and owner_of(db, require_uri=False) is None
    serving.close()
