"""ingest.loader_worker: the frame protocol and the replies a loader's outcome becomes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from ingest.loader_worker import READY, read_frame, write_frame
from tests.conftest import REPO


def test_frames_round_trip_and_end_cleanly() -> None:
    buf = io.BytesIO()
    write_frame(buf, b"hello")
    write_frame(buf, b"")
    buf.seek(0)
    assert (read_frame(buf), read_frame(buf), read_frame(buf)) == (b"hello", b"", None)


def test_a_truncated_frame_is_the_end() -> None:
    buf = io.BytesIO()
    write_frame(buf, b"hello")
    assert read_frame(io.BytesIO(buf.getvalue()[:-1])) is None


def _exchange(*requests: tuple[str, bytes]) -> list[dict[str, object]]:
    stdin = io.BytesIO()
    for name, data in requests:
        write_frame(stdin, json.dumps({"path": name}).encode())
        write_frame(stdin, data)
    proc = subprocess.run(
        [sys.executable, "-m", "ingest.loader_worker", "--memory-mb", "512", "--alarm", "30"],
        input=stdin.getvalue(), capture_output=True, cwd=REPO, timeout=60, check=True,
    )  # fmt: skip
    out = io.BytesIO(proc.stdout)
    assert read_frame(out) == READY
    replies = []
    while (frame := read_frame(out)) is not None:
        replies.append(json.loads(frame))
    return replies


def test_replies_are_json_documents_or_reasons() -> None:
    ok, empty, binary = _exchange(
        ("/d/a.md", b"# Head\n\nText \x1b[31m kept as data\n"),
        ("/d/e.txt", b" "),
        ("/d/b.txt", bytes(range(256)) * 8),
    )
    assert ok == {
        "title": "Head",
        "sections": [["Text \x1b[31m kept as data", None, "Head", False]],
        "warnings": [],
        "attachments": [],
    }
    assert empty == {"error": "/d/e.txt: empty file", "kind": "ingest", "fix": None}
    assert binary["kind"] == "ingest" and "binary data" in str(binary["error"])
