"""ingest.report: the summary of a run, its JSON shape and the exit code of ``rag ingest``."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.report import IngestReport


def test_exit_code_is_two_when_a_file_failed_else_zero() -> None:
    report = IngestReport(added=3, unchanged=1)
    report.skipped.append({"path": "/d/x.bin", "reason": "unsupported type .bin"})
    report.warnings.append("chunk size capped")
    assert report.exit_code == 0  # skipped files and warnings are not failures
    report.fail(Path("/d/bad.pdf"), "encrypted PDF")
    assert report.exit_code == 2
    assert report.failed == [{"path": "/d/bad.pdf", "error": "encrypted PDF"}]


def test_as_dict_has_the_documented_json_shape() -> None:
    report = IngestReport(added=2, updated=1, unchanged=4, deleted=1, chunks=17, seconds=1.23456)
    report.collection = "rag_minilm_abc"
    report.fail("/d/x.txt", "empty file")
    d = report.as_dict()
    assert list(d) == [
        "added", "updated", "unchanged", "moved", "deleted", "failed", "chunks", "seconds",
        "skipped", "warnings", "collection",
    ]  # fmt: skip
    assert d["added"] == 2 and d["updated"] == 1 and d["unchanged"] == 4 and d["deleted"] == 1
    assert d["failed"] == [{"path": "/d/x.txt", "error": "empty file"}]
    assert d["chunks"] == 17
    assert d["seconds"] == 1.23
    assert d["skipped"] == [] and d["warnings"] == []
    assert d["collection"] == "rag_minilm_abc"
    assert json.loads(json.dumps(d)) == d  # plain JSON


def test_reports_do_not_share_lists() -> None:
    a, b = IngestReport(), IngestReport()
    a.fail("/x", "boom")
    a.warnings.append("w")
    assert b.failed == [] and b.warnings == [] and b.skipped == []
