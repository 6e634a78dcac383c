"""Evaluation datasets: JSONL (one object per line), CSV or TSV, validated with line numbers.

A row::

    {"id": "q1", "user_input": "What is SQLite?", "reference": "A small SQL engine.",
     "reference_contexts": ["SQLite is a C-language library..."], "source": "faq.html"}

``user_input`` is required; ``id`` defaults to ``row-<line>``; ``reference`` (the expected
answer) and ``reference_contexts`` (gold passages, text) are optional but the metrics that need
them are skipped for rows without them. ``question`` is accepted as an alias of ``user_input``.
``response`` (Ragas' field): an answer to score as given instead of generating one (planted
answers). ``answerable: false`` marks a question the documents cannot answer (refusal rates).
In CSV, ``reference_contexts`` is a JSON list or one passage; extra columns are kept as metadata.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_app.errors import DatasetError

KNOWN = {
    "id", "user_input", "question", "reference", "reference_contexts", "source", "synthetic", "response",
    "answerable",
}  # fmt: skip


@dataclass
class Sample:
    id: str
    user_input: str
    reference: str | None = None
    reference_contexts: list[str] = field(default_factory=list)
    source: str | None = None
    synthetic: bool = False
    response: str | None = None  # an answer to score as given (no generation)
    answerable: bool = True  # False: the documents cannot answer it (it should be refused)
    meta: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "user_input": self.user_input}
        if self.reference is not None:
            out["reference"] = self.reference
        if self.reference_contexts:
            out["reference_contexts"] = self.reference_contexts
        if self.source:
            out["source"] = self.source
        if self.synthetic:
            out["synthetic"] = True
        if self.response is not None:
            out["response"] = self.response
        if not self.answerable:
            out["answerable"] = False
        out.update(self.meta)
        return out


def _fail(path: Path, line: int, msg: str) -> DatasetError:
    return DatasetError(
        f"{path}:{line}: {msg}",
        fix="Each row needs 'user_input' (text); optional 'id', 'reference' (text) and "
        "'reference_contexts' (list of text). See docs/EVAL.md.",
    )


def parse_row(raw: object, path: Path, line: int, csv_mode: bool = False) -> Sample:
    """One decoded row -> a :class:`Sample`; a :class:`DatasetError` names the line and the field."""
    if not isinstance(raw, dict):
        raise _fail(path, line, f"expected a JSON object, got {type(raw).__name__}.")
    question = raw.get("user_input", raw.get("question"))
    if question is None or (isinstance(question, str) and not question.strip()):
        raise _fail(path, line, "field 'user_input' is missing or empty.")
    if not isinstance(question, str):
        raise _fail(path, line, f"field 'user_input' must be text, got {type(question).__name__}.")
    rid = raw.get("id")
    if rid is None or rid == "":
        rid = f"row-{line}"
    if not isinstance(rid, str | int):
        raise _fail(path, line, f"field 'id' must be text or a number, got {type(rid).__name__}.")
    reference = raw.get("reference")
    if reference == "" and csv_mode:
        reference = None
    if reference is not None and not isinstance(reference, str):
        raise _fail(path, line, f"field 'reference' must be text, got {type(reference).__name__}.")
    contexts = raw.get("reference_contexts")
    if csv_mode and isinstance(contexts, str):
        text = contexts.strip()
        if not text:
            contexts = None
        elif text.startswith("["):
            try:
                contexts = json.loads(text)
            except ValueError as exc:
                raise _fail(path, line, f"field 'reference_contexts' is not a JSON list ({exc}).") from exc
        else:
            contexts = [text]
    if contexts is None:
        contexts = []
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        raise _fail(path, line, "field 'reference_contexts' must be a list of text passages.")
    synthetic = _flag(raw.get("synthetic", False))
    answerable = _flag(raw.get("answerable", True))
    response = raw.get("response")
    if response == "" and csv_mode:
        response = None
    if response is not None and not isinstance(response, str):
        raise _fail(path, line, f"field 'response' must be text, got {type(response).__name__}.")
    meta = {k: v for k, v in raw.items() if k not in KNOWN}
    source = raw.get("source")
    return Sample(
        id=str(rid),
        user_input=question.strip(),
        reference=reference,
        reference_contexts=[c for c in contexts if c.strip()],
        source=str(source) if source else None,
        synthetic=bool(synthetic),
        response=response,
        answerable=bool(answerable),
        meta=meta,
        line=line,
    )


def _flag(value: object) -> bool:
    """A boolean field: JSON true/false, or CSV text (1/true/yes)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def load_dataset(path: str | Path, limit: int | None = None) -> list[Sample]:
    """Read and validate a dataset; raises :class:`DatasetError` naming the line and the field."""
    path = Path(path)
    if path.is_dir():
        for name in ("dataset.jsonl", "questions.jsonl", "qa.jsonl"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            found = sorted(p.name for p in path.glob("*.jsonl")) + sorted(p.name for p in path.glob("*.csv"))
            if len(found) != 1:
                raise DatasetError(
                    f"{path} is a folder; cannot tell which file is the dataset (found: {found or 'none'}).",
                    fix="Pass the .jsonl or .csv file itself.",
                )
            path = path / found[0]
    if not path.is_file():
        raise DatasetError(f"Dataset {path} does not exist.", fix="Check the path (a .jsonl or .csv file).")
    samples: list[Sample] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"Cannot read {path}: {exc}", fix="Save the dataset as UTF-8 text.") from exc
    if path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if not reader.fieldnames or not ({"user_input", "question"} & set(reader.fieldnames)):
            raise DatasetError(
                f"{path}:1: the header has no 'user_input' column (columns: {reader.fieldnames}).",
                fix="Name the question column user_input.",
            )
        for i, row in enumerate(reader, start=2):
            samples.append(parse_row(dict(row), path, i, csv_mode=True))
    else:
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                raw = json.loads(line)
            except ValueError as exc:
                raise _fail(path, i, f"not valid JSON ({exc}).") from exc
            samples.append(parse_row(raw, path, i))
    if not samples:
        raise DatasetError(f"{path} has no rows.", fix="Add one JSON object per line.")
    seen: dict[str, int] = {}
    for s in samples:
        if s.id in seen:
            raise _fail(path, s.line, f"duplicate id {s.id!r} (first on line {seen[s.id]}).")
        seen[s.id] = s.line
    return samples[:limit] if limit else samples


def docs_folder_for(dataset: str | Path) -> Path | None:
    """The documents a dataset was written for: a ``docs/`` folder beside it, if any."""
    path = Path(dataset)
    folder = path if path.is_dir() else path.parent
    docs = folder / "docs"
    return docs if docs.is_dir() else None


def write_dataset(samples: list[dict[str, Any]], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in samples:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
