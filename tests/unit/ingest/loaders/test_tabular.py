"""ingest.loaders.tabular: CSV/TSV rows as 'Header: value' lines, delimiters sniffed, 50 rows a section."""

from __future__ import annotations

from pathlib import Path

from tests.unit.ingest.files import assert_ingest_error, load_file

CLIENTS_CSV = (
    "Nom;Ville;Remarque\r\n"
    "Zoé;Besançon;Très bon café près de la gare\r\n"
    "Hélène;Orléans;Crème brûlée préférée, à côté du château\r\n"
    "Jérôme;Besançon;\r\n"
    "Anaïs;Nîmes;Élève très appliquée;hors colonne\r\n"
)


CLIENTS_ROWS = [
    "Nom: Zoé; Ville: Besançon; Remarque: Très bon café près de la gare",
    "Nom: Hélène; Ville: Orléans; Remarque: Crème brûlée préférée, à côté du château",
    "Nom: Jérôme; Ville: Besançon",  # the empty value is skipped
    "Nom: Anaïs; Ville: Nîmes; Remarque: Élève très appliquée; column 4: hors colonne",
]


def test_csv_semicolon_accents_ragged_row(tmp_path: Path) -> None:
    # The ragged last row defeats csv.Sniffer; the header line still says ';'.
    doc = load_file(tmp_path / "clients.csv", CLIENTS_CSV.encode("utf-8"))
    assert doc.title == "clients"
    assert [(s.heading, s.page) for s in doc.sections] == [("", None)]
    assert doc.sections[0].text.splitlines() == CLIENTS_ROWS


def test_csv_semicolon_sniffed_with_consistent_rows(tmp_path: Path) -> None:
    text = "a;b;c\n1;x, y;3\n4;5;6\n"
    doc = load_file(tmp_path / "semi.csv", text.encode())
    assert doc.sections[0].text == "a: 1; b: x, y; c: 3\na: 4; b: 5; c: 6"


def test_csv_cp1252_semicolon_with_header_names(tmp_path: Path) -> None:
    # charset_normalizer alone scores cp1250 equal here and would give 'Trčs' for 'Très'.
    doc = load_file(tmp_path / "clients.csv", CLIENTS_CSV.encode("cp1252"))
    assert doc.title == "clients"
    assert doc.sections[0].text.splitlines() == CLIENTS_ROWS


def test_tsv_uses_tabs(tmp_path: Path) -> None:
    # Every line has two commas and one tab: a sniffer would take the comma; .tsv means tab.
    text = "Name, full\tPlace, country\nLovelace, Ada\tLondon, UK\nTuring, Alan\tWilmslow, UK\n"
    doc = load_file(tmp_path / "people.tsv", text.encode())
    assert doc.sections[0].text == (
        "Name, full: Lovelace, Ada; Place, country: London, UK\n"
        "Name, full: Turing, Alan; Place, country: Wilmslow, UK"
    )


def test_csv_header_only(tmp_path: Path) -> None:
    assert_ingest_error(tmp_path / "empty.csv", b"id,name,email\n", "no data rows")


def test_csv_120_rows_make_three_sections(tmp_path: Path) -> None:
    text = "id,word\n" + "".join(f"{n},word{n}\n" for n in range(1, 121))
    doc = load_file(tmp_path / "many.csv", text.encode())
    assert [len(s.text.splitlines()) for s in doc.sections] == [50, 50, 20]
    assert all(s.heading == "" and s.page is None for s in doc.sections)
    assert doc.sections[0].text.splitlines()[0] == "id: 1; word: word1"
    assert doc.sections[1].text.splitlines()[0] == "id: 51; word: word51"
    assert doc.sections[2].text.splitlines()[-1] == "id: 120; word: word120"
