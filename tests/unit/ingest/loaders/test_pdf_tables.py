"""ingest.loaders.pdf_tables: aligned columns in layout text become rows; prose stays prose."""

from __future__ import annotations

from pathlib import Path

from ingest.chunker import Chunker
from ingest.formats import load
from ingest.loaders.pdf_tables import rebuild
from tests import docgen

TABLE = """Inventory
   Product    Weight    Location
   Bolt       3 kg      Hall A
   Nut        12 kg
   Washer     1 kg      Hall C

After the table."""


def test_aligned_columns_become_rows_and_a_missing_cell_stays_in_its_column() -> None:
    assert rebuild(TABLE) == (
        "Inventory\n\nProduct | Weight | Location\nBolt | 3 kg | Hall A\nNut | 12 kg | \n"
        "Washer | 1 kg | Hall C\n\nAfter the table."
    )


def test_prose_justified_text_and_two_column_pages_are_not_tables() -> None:
    justified = "This  line has  a wide gap.\nAnother  line,  gaps  elsewhere  here.\nA third  one."
    assert rebuild(justified) is None
    columns = "\n".join(
        f"{'Left column prose that runs long enough to be a sentence ' + str(i):<62}  Right column prose that is long too"
        for i in range(5)
    )
    assert rebuild(columns) is None
    assert rebuild("Name    Size\nalpha   1 kg") is None  # two lines are not a table


def test_a_pdf_table_repeats_its_header_in_every_chunk(tmp_path: Path) -> None:
    rows = [("Product", "Weight", "Location")] + [
        (f"Item {i}", f"{i * 3} kg", f"Hall {i % 4}") for i in range(1, 31)
    ]
    path = docgen.table_pdf(tmp_path / "stock.pdf", rows)
    doc = load(path, path.read_bytes())
    lines = doc.sections[0].text.splitlines()
    assert "Product | Weight | Location" in lines and "Item 30 | 90 kg | Hall 2" in lines
    chunks = Chunker(40, 8, str.split).split(doc)
    assert len(chunks) > 3 and all(
        c.text.splitlines()[0] == "Product | Weight | Location" for c in chunks[1:]
    )
