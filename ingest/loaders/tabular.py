"""CSV and TSV: each data row as "Header: value; ..." lines, at most 50 rows per section."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import DEFAULT_OPTIONS, LoadedDocument, LoadOptions, Section
from ingest.loaders.text import decode_text
from rag_app.errors import IngestError

ROWS_PER_SECTION = 50
_DELIMITERS = ",;\t|"


def row_line(header: list[str], values: list[str]) -> str:
    """One data row as "Header: value; ..." (empty cells left out): each row carries its header."""
    pairs = []
    for n, value in enumerate(values, start=1):
        if value:
            pairs.append(f"{header[n - 1] if n <= len(header) else f'column {n}'}: {value}")
    return "; ".join(pairs)


def load_csv(path: Path, data: bytes, options: LoadOptions = DEFAULT_OPTIONS) -> LoadedDocument:
    """Each data row becomes "Header: value; ..." on one line; sections hold at most 50 rows."""
    import csv
    import io

    text = decode_text(data, path)
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab
    delimiter = "\t"
    if path.suffix.lower() != ".tsv":
        sample = text[:65536]
        if len(text) > len(sample) and "\n" in sample:
            sample = sample[: sample.rindex("\n")]  # no cut-off last row
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
            delimiter = dialect.delimiter
        except csv.Error:
            # The sniffer wants the same count on (nearly) every line, so ragged rows defeat it:
            # fall back to the delimiter the header line uses most, else a comma.
            dialect = csv.excel
            header_line = next((ln for ln in sample.splitlines() if ln.strip()), "")
            best = max(_DELIMITERS, key=header_line.count)
            delimiter = best if header_line.count(best) else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect, delimiter=delimiter)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise IngestError(f"{path}: malformed CSV ({exc})") from exc
    if not rows:
        raise IngestError(f"{path}: no rows found")
    header = [" ".join(name.split()) or f"column {n}" for n, name in enumerate(rows[0], start=1)]
    lines = [row_line(header, [" ".join(v.split()) for v in row]) for row in rows[1:]]
    if not lines:
        raise IngestError(f"{path}: no data rows, only a header")
    sections = [
        Section("\n".join(lines[start : start + ROWS_PER_SECTION]))
        for start in range(0, len(lines), ROWS_PER_SECTION)
    ]
    return LoadedDocument(path, path.stem, sections)
