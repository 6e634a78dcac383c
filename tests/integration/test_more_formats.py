"""Scanned PDFs, workbooks, e-books, e-mail with attachments and long tables, as a user ingests them:
generated files, the real ``rag`` CLI, MiniLM, Milvus Lite and tesseract. Each file holds a phrase
no other file has, and a search for it finds that file (and the page, sheet or chapter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import docgen
from tests.conftest import run_rag, write_config

pytestmark = pytest.mark.integration

PHRASES = {
    "scan": "The zebra committee approved the purple lighthouse budget on Tuesday.",
    "sheet": "the walrus password is kumquat",
    "book": "A copper violin played in the attic all night long.",
    "mail": "Grace asked for the tangerine invoices before Friday.",
    "attachment": "the heron sings at midnight",
}


def long_table_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Warehouse stock", level=1)
    table = d.add_table(rows=1, cols=3)
    for cell, name in zip(
        table.rows[0].cells, ("Product code", "Shelf location", "Units in stock"), strict=True
    ):
        cell.text = name
    for i in range(120):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = f"PX-{i:04d}", f"aisle {i % 9} bay {i % 5}", str(i * 7)
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    docgen.scanned_pdf(docs / "scan.pdf", PHRASES["scan"])
    docgen.workbook(docs / "budget.xlsx", PHRASES["sheet"])
    docgen.epub(docs / "tales.epub", [("The Arrival", "A silver kettle."), ("The Storm", PHRASES["book"])])
    ods = docgen.ods(root / "stock.ods", PHRASES["attachment"]).read_bytes()
    docgen.email_file(
        docs / "invoices.eml",
        "Invoices",
        PHRASES["mail"],
        [("stock.ods", ods, "application/vnd.oasis.opendocument.spreadsheet")],
    )
    long_table_docx(docs / "stock.docx")
    cfg = write_config(root)
    proc = run_rag("--config", str(cfg), "ingest", str(docs), "--json")
    return {"root": root, "docs": docs, "cfg": cfg, "ingest": proc}


def search(indexed: dict[str, object], questions: list[str]) -> list[list[dict[str, object]]]:
    root = indexed["root"]
    assert isinstance(root, Path)
    queries = root / "q.jsonl"
    queries.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    proc = run_rag(
        "--config", str(indexed["cfg"]), "search", "--queries", str(queries), "--json", "--top-k", "3"
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line)["results"] for line in proc.stdout.splitlines()]


TABLE_QUESTION = "which aisle and bay is product PX-0113 on, units in stock"


@pytest.fixture(scope="module")
def answers(indexed: dict[str, object]) -> list[list[dict[str, object]]]:
    """One ``rag search --queries`` run (the model loads once): the phrases, then the table question."""
    return search(indexed, [*PHRASES.values(), TABLE_QUESTION])


def test_every_new_kind_of_file_ingests(indexed: dict[str, object]) -> None:
    proc = indexed["ingest"]
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failed"] == [] and report["skipped"] == []
    assert report["added"] == 6  # five files and the e-mail's attachment


def test_a_phrase_only_one_file_holds_finds_that_file(
    indexed: dict[str, object], answers: list[list[dict[str, object]]]
) -> None:
    scan, sheet, book, mail, attachment = answers[:5]
    docs = indexed["docs"]
    assert isinstance(docs, Path)
    top = {name: r[0] for name, r in zip(PHRASES, (scan, sheet, book, mail, attachment), strict=True)}
    assert (Path(top["scan"]["source"]).name, top["scan"]["page"], top["scan"]["ocr"]) == (
        "scan.pdf",
        1,
        True,
    )
    assert "purple lighthouse" in str(top["scan"]["text"])
    assert (Path(top["sheet"]["source"]).name, top["sheet"]["page"], top["sheet"]["heading"]) == (
        "budget.xlsx", 2, "Contacts"
    )  # fmt: skip
    assert top["sheet"]["ocr"] is False and "Note: the walrus password is kumquat" in str(
        top["sheet"]["text"]
    )
    assert Path(top["book"]["source"]).name == "tales.epub" and str(top["book"]["heading"]).startswith(
        "The Storm"
    )
    assert Path(top["mail"]["source"]).name == "invoices.eml"
    assert top["attachment"]["source"] == f"{(docs / 'invoices.eml').resolve()}#stock.ods"


def test_a_long_table_keeps_its_header_in_every_chunk(answers: list[list[dict[str, object]]]) -> None:
    hits = answers[5]
    table_hits = [h for h in hits if Path(str(h["source"])).name == "stock.docx"]
    assert table_hits
    for h in table_hits:
        assert str(h["text"]).splitlines()[0] == "Product code | Shelf location | Units in stock", h["text"]


def test_documents_list_and_every_table_chunk(indexed: dict[str, object]) -> None:
    from rag_app.config import load_settings
    from rag_app.pipeline import build_pipeline

    pipe = build_pipeline(load_settings(Path(str(indexed["cfg"]))))
    try:
        docs = pipe.documents()
        store, collection = pipe.components.store, pipe.components.collection.name
        table = [
            r["text"]
            for r in store.rows(collection, ["text", "source"])
            if r["source"].endswith("stock.docx")
        ]
    finally:
        pipe.close()
    names = [d["name"] for d in docs]
    mail = names.index("invoices.eml")
    assert names[mail + 1] == "invoices.eml#stock.ods" and docs[mail + 1]["parent"] == "invoices.eml"
    # Every chunk of the 120-row table (MiniLM's 200-token budget) starts with its header row.
    rows = [t for t in table if "PX-" in t]
    assert len(rows) > 5 and "PX-0119" in "".join(rows)
    assert all(t.splitlines()[0] == "Product code | Shelf location | Units in stock" for t in rows)
