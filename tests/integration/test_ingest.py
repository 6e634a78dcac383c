"""Ingestion at production quality, against a real Milvus Lite and the real MiniLM pack:
incremental sync, crash safety under kill -9, bad input, concurrency, metadata and chunk budgets."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag_app.config import load_settings
from rag_app.pipeline import Pipeline, build_pipeline
from rag_app.progress import Step
from tests.conftest import FIXTURES, RAG, ingest_paths, run_rag

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder(minilm_path: Path):  # type: ignore[no-untyped-def]
    from rag_app.components.embedders import build_embedder

    return build_embedder(load_settings(path=None, env={}))


def _pipe(cfg: Path, embedder, **env: str) -> Pipeline:  # type: ignore[no-untyped-def]
    return build_pipeline(load_settings(cfg, env=env), embedder=embedder)


def _index(pipe: Pipeline) -> dict[str, set[tuple[str, str]]]:
    """source -> {(chunk id, text)}: the whole index content, comparable across runs."""
    name = pipe.components.collection.open(create=False)  # loads it, as a fresh process must
    out: dict[str, set[tuple[str, str]]] = {}
    for row in pipe.components.store.rows(name, ["source", "text"], filter="", limit=16384):
        out.setdefault(Path(row["source"]).name, set()).add((row["id"], row["text"]))
    return out


def _corpus(folder: Path, n: int) -> Path:
    """n real documents: the fixtures plus numbered copies of the sample docs with a unique line."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = sorted((FIXTURES.parent.parent.parent / "docs" / "samples").iterdir())
    for i in range(n):
        src = samples[i % len(samples)]
        dst = folder / f"{i:03d}-{src.name}"
        if src.suffix in (".md", ".txt"):
            dst.write_text(src.read_text() + f"\n\nDocument number {i} of the crash test.\n")
        else:
            shutil.copy(src, dst)
    return folder


def test_sync_adds_updates_skips_and_removes(make_config, docs_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    pipe = _pipe(make_config(), embedder)
    first = ingest_paths(pipe, [docs_dir])
    assert (first.added, first.unchanged) == (3, 0)

    # Touch one file's mtime only: re-hashed, found unchanged, zero embedding work.
    os.utime(docs_dir / "notes.md", (time.time() + 5, time.time() + 5))
    second = ingest_paths(pipe, [docs_dir])
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 3, 0)

    (docs_dir / "new.md").write_text("# New\n\nPlatypuses are egg-laying mammals.\n")
    (docs_dir / "sqlite-whentouse-short.html").unlink()
    third = ingest_paths(pipe, [docs_dir])  # without --sync the removed file's chunks stay
    assert (third.added, third.deleted) == (1, 0)
    assert "sqlite-whentouse-short.html" in _index(pipe)

    fourth = ingest_paths(pipe, [docs_dir], sync=True)
    assert (fourth.added, fourth.deleted, fourth.unchanged) == (0, 1, 3)
    assert set(_index(pipe)) == {"notes.md", "r-faq-2pages.pdf", "new.md"}


def test_metadata_fields_are_typed_and_filled(make_config, docs_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    pipe = _pipe(make_config(), embedder)
    ingest_paths(pipe, [docs_dir])
    rows = pipe.components.store.rows(
        pipe.collection,
        filter='page == 2 and source like "%r-faq-2pages.pdf"',
        fields=["title", "page", "heading", "chunk", "content_hash", "mtime", "size", "n_chunks"],
        limit=100,
    )
    assert rows and all(r["page"] == 2 for r in rows)
    pdf = docs_dir / "r-faq-2pages.pdf"
    assert rows[0]["mtime"] == int(pdf.stat().st_mtime) and rows[0]["size"] == pdf.stat().st_size
    assert len(rows[0]["content_hash"]) == 64
    md = pipe.components.store.rows(
        pipe.collection, ["heading", "title"], filter='source like "%notes.md"', limit=100
    )
    assert any(" > " in r["heading"] or r["heading"] for r in md) and md[0]["title"]


def test_chunks_never_exceed_what_the_embedder_reads(make_config, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "long"
    docs.mkdir()
    body = " ".join(f"Sentence number {i} talks about indexing documents carefully." for i in range(300))
    (docs / "long.md").write_text(
        f"# A very long heading path element\n\n## And a second level heading\n\n{body}\n"
    )
    cfg = make_config(chunking={"chunk_size": 1000})  # more than MiniLM's 256: capped, with a warning
    pipe = _pipe(cfg, embedder)
    report = ingest_paths(pipe, [docs])
    assert any("chunking.chunk_size 1000" in w for w in report.warnings)
    rows = pipe.components.store.rows(pipe.collection, ["text", "heading"], filter="", limit=1000)
    assert len(rows) > 5
    for r in rows:
        embedded = f"{r['heading']}\n{r['text']}" if r["heading"] else r["text"]
        assert embedder.count_tokens(embedded) + 2 <= 256


def test_cjk_text_splits_on_its_own_punctuation(make_config, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "zh"
    docs.mkdir()
    text = "SQLite是一个C语言库，它实现了一个小型、快速、自包含的SQL数据库引擎。它是世界上使用最广泛的数据库引擎！它内置于所有手机中；大多数计算机也有它。"
    (docs / "zh.txt").write_text(text * 12, encoding="utf-8")
    pipe = _pipe(make_config(chunking={"chunk_size": 64, "chunk_overlap": 0}), embedder)
    ingest_paths(pipe, [docs])
    rows = pipe.components.store.rows(pipe.collection, ["text"], filter="", limit=1000)
    assert len(rows) > 3
    assert all(r["text"][-1] in "。！；？" for r in rows), [r["text"][-5:] for r in rows]


def test_bad_inputs_are_reported_and_nothing_is_lost(
    make_config, docs_dir: Path, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(ingest={"max_file_mb": 0.05})
    pipe = _pipe(cfg, embedder)
    assert ingest_paths(pipe, [docs_dir]).added == 3
    before = _index(pipe)

    bad = tmp_path / "bad"
    bad.mkdir()
    pdf = (FIXTURES / "r-faq-2pages.pdf").read_bytes()
    (bad / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(FIXTURES / "r-faq-2pages.pdf").pages:
        writer.add_page(page)
    writer.encrypt("secret-password")
    with (bad / "encrypted.pdf").open("wb") as fh:
        writer.write(fh)
    (bad / "zero.txt").write_bytes(b"")
    (bad / "binary.md").write_bytes(os.urandom(2048).replace(b"\n", b"\x00"))
    (bad / "huge.txt").write_text("big " * 20000)  # 80 KB > 0.05 MB
    (bad / "latin1.txt").write_bytes(
        "Le café est prêt à côté de la crème brûlée, déjà servie.".encode("cp1252")
    )
    (bad / "loop.md").symlink_to(bad / "loop.md")  # a symlink to itself
    (bad / "sub").mkdir()
    (bad / "sub" / "up").symlink_to(bad, target_is_directory=True)  # a directory loop
    (bad / "0trigger.xyz").write_text("unsupported type, seen first")
    victim = bad / "zz-victim.md"
    victim.write_text("# Soon gone\n\nThis file is deleted while the ingest runs.\n")

    class DeleteDuringRun:
        def update(self, step: Step) -> None:
            if Path(step.item).name == "0trigger.xyz" and step.status:
                victim.unlink()

    report = ingest_paths(pipe, [bad, tmp_path / "does-not-exist"], progress=DeleteDuringRun())
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert "corrupt or truncated PDF" in failed["truncated.pdf"]
    assert "encrypted" in failed["encrypted.pdf"]
    assert "empty" in failed["zero.txt"]
    assert "binary" in failed["binary.md"]
    assert "max_file_mb" in failed["huge.txt"]
    assert "symlink loop" in failed["loop.md"]
    assert failed["zz-victim.md"] == "file disappeared while ingesting"
    assert failed["does-not-exist"] == "path does not exist"
    assert any("symlink loop" in s["reason"] for s in report.skipped)  # the directory loop, walked once
    assert [Path(s["path"]).name for s in report.skipped if "unsupported" in s["reason"]] == ["0trigger.xyz"]
    assert report.added == 1 and report.exit_code == 2  # only latin1.txt is good
    after = _index(pipe)
    assert {k: v for k, v in after.items() if k in before} == before
    assert any("café est prêt" in t for _, t in after["latin1.txt"])


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 240) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if needle in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"process exited before printing {needle!r}")
    raise AssertionError(f"no {needle!r} within {timeout} s")


def test_ingest_while_chat_serves_the_same_index(
    make_config, docs_dir: Path, llm_server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config(llm={"provider": "openai", "base_url": llm_server, "model": "qwen"})
    assert run_rag("--config", str(cfg), "ingest", str(docs_dir / "notes.md")).returncode == 0
    chat = subprocess.Popen(
        [RAG, "--config", str(cfg), "chat"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_line(chat, "Starting the LLM")
        new = tmp_path / "new"
        new.mkdir()
        (new / "axolotl.md").write_text(
            "# Axolotls\n\nThe axolotl is a salamander that lives in Lake Xochimilco.\n"
        )
        # A second process ingests into the index the chat holds open.
        proc = run_rag("--config", str(cfg), "ingest", str(new), "--json")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["added"] == 1
        search = run_rag(
            "--config", str(cfg), "search", "Where does the axolotl live?", "--json", "--no-rerank"
        )
        assert search.returncode == 0, search.stderr
        assert "Xochimilco" in json.loads(search.stdout)["results"][0]["text"]
        out, _ = chat.communicate("Where does the axolotl live?\n/quit\n", timeout=300)
        assert "axolotl.md" in out  # the chat sees the document the other process added
    finally:
        if chat.poll() is None:
            chat.kill()
    # With the chat gone, commands open the folder themselves again.
    assert run_rag("--config", str(cfg), "collections", "list").returncode == 0


def test_progress_bar_on_a_terminal(make_config, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    if not shutil.which("script"):
        pytest.skip("needs util-linux script for a pseudo-terminal")
    cmd = f"{RAG} --config {make_config()} ingest {docs_dir}"
    proc = subprocess.run(
        ["script", "-qec", cmd, "/dev/null"],
        stdin=subprocess.DEVNULL,  # with no standard input at all (as under CI) `script` prints nothing
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "160"},
    )
    assert proc.returncode == 0, proc.stdout
    assert "chunks/s" in proc.stdout and "3/3" in proc.stdout
    assert "Ingested into" in proc.stdout


def test_unchanged_rerun_loads_no_model_weights(make_config, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    first = build_pipeline(load_settings(cfg, env={}))
    name = ingest_paths(first, [docs_dir]).collection
    first.close()

    again = build_pipeline(load_settings(cfg, env={}))
    report = ingest_paths(again, [docs_dir])
    assert (report.unchanged, report.chunks, report.collection) == (3, 0, name)
    assert again.components.embedder._model is None  # type: ignore[attr-defined]  # named from its config files alone
    # Loading it later agrees with what the config files said (it raises otherwise).
    assert len(again.components.embedder.embed_query("check")) == again.components.embedder.dimension == 384
    assert again.components.embedder.max_tokens == 256
    again.close()


def test_milvus_serve_lets_two_commands_share_the_index(make_config, docs_dir: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = make_config()
    host = subprocess.Popen(
        [RAG, "--config", str(cfg), "milvus", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert host.stdout is not None and "Serving" in host.stdout.readline()
        ingest = run_rag("--config", str(cfg), "ingest", str(docs_dir), "--json")
        assert ingest.returncode == 0, ingest.stderr
        listing = run_rag("--config", str(cfg), "collections", "list", "--json")
        assert listing.returncode == 0 and json.loads(listing.stdout)[0]["documents"] == 3
    finally:
        host.send_signal(signal.SIGINT)
        host.wait(timeout=60)
    assert not list(cfg.parent.glob("*.owner.json"))  # the host cleaned up after itself


def test_a_long_running_client_of_a_shared_index_logs_nothing(make_config) -> None:  # type: ignore[no-untyped-def]
    """gRPC keepalive: pymilvus pings every 10 s; a server that rejects that answers GOAWAY
    (too_many_pings), which gRPC prints on the client's stderr. Here a client idles past several pings."""
    cfg = make_config()
    host = subprocess.Popen(
        [RAG, "--config", str(cfg), "milvus", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    client_code = (
        "import sys, time\n"
        "from rag_app.config import load_settings\n"
        "from rag_app.store import open_store\n"
        "store = open_store(load_settings(sys.argv[1], env={}))\n"
        "assert store.shared_from, 'not connected through the owner'\n"
        "store.names(); time.sleep(35); print(store.names(), flush=True); store.close()\n"
    )
    try:
        assert host.stdout is not None and "Serving" in host.stdout.readline()
        client = subprocess.run(
            [sys.executable, "-c", client_code, str(cfg)], capture_output=True, text=True, timeout=120
        )
        assert client.returncode == 0 and client.stdout.strip() == "[]", client.stderr
        assert client.stderr == ""  # no GOAWAY / too_many_pings, no gRPC or pkg_resources lines
    finally:
        host.send_signal(signal.SIGINT)
        _, host_err = host.communicate(timeout=60)
    assert "GOAWAY" not in host_err and "too_many_pings" not in host_err, host_err
