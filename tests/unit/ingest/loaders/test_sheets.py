"""ingest.loaders.sheets: rows with their header, merged cells filled, titles kept, values formatted."""

from __future__ import annotations

import datetime as dt

from ingest.loaders.sheets import Merge, Row, cell_text, sheet_sections


def lines(rows: list[Row]) -> list[str]:
    return [ln for s in sheet_sections("S", 1, rows) for ln in s.text.splitlines()]


def test_each_row_carries_its_header_and_blank_cells_are_left_out() -> None:
    rows = [
        Row(1, ["Name", "Age", "City"]),
        Row(2, ["Ada", "36", ""]),
        Row(3, []),
        Row(4, ["Alan", "", "London"]),
    ]
    assert lines(rows) == ["Name: Ada; Age: 36", "Name: Alan; City: London"]


def test_a_title_above_the_table_and_a_merged_two_row_header() -> None:
    rows = [
        Row(1, ["Quarterly budget"], [Merge(1, 1, 1, 3)]),  # a title merged across the table
        Row(2, ["Region", "Spend", ""], [Merge(2, 1, 3, 1), Merge(2, 2, 2, 3)]),
        Row(3, ["", "Q1", "Q2"]),
        Row(4, ["North", "10", "20"], [Merge(4, 1, 5, 1)]),  # a merged data cell fills both rows
        Row(5, ["", "30", "40"]),
    ]
    sections = list(sheet_sections("Budget", 2, rows))
    assert [(s.page, s.heading) for s in sections] == [(2, "Budget")]
    assert sections[0].text.splitlines() == [
        "Quarterly budget",
        "Region: North; Spend / Q1: 10; Spend / Q2: 20",
        "Region: North; Spend / Q1: 30; Spend / Q2: 40",
    ]


def test_long_sheets_are_cut_into_sections_of_50_rows_and_a_header_alone_is_kept() -> None:
    rows = [Row(1, ["id", "value"])] + [Row(n, [str(n), "x"]) for n in range(2, 123)]
    sections = list(sheet_sections("Big", 1, rows))
    assert [len(s.text.splitlines()) for s in sections] == [50, 50, 21]
    assert all(s.text.startswith("id: ") for s in sections)
    assert [s.text for s in sheet_sections("H", 1, [Row(1, ["only", "a header"])])] == ["only | a header"]
    one_column = [Row(n, [f"name {n}"]) for n in range(1, 61)]
    assert sum(len(s.text.splitlines()) for s in sheet_sections("L", 1, one_column)) == 60


def test_cell_text() -> None:
    assert [cell_text(v) for v in (None, True, 3.0, 2.5, 1e20, 7, "  a \n b ")] == [
        "", "TRUE", "3", "2.5", "1e+20", "7", "a b"
    ]  # fmt: skip
    assert cell_text(dt.datetime(2026, 12, 1)) == "2026-12-01"
    assert cell_text(dt.datetime(2026, 12, 1, 9, 30)) == "2026-12-01 09:30:00"
    assert cell_text(dt.date(2026, 1, 2)) == "2026-01-02"
