from __future__ import annotations

from pathlib import Path

import pytest

from eval.dataset import docs_folder_for, load_dataset, write_dataset
from rag_app.errors import DatasetError


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_jsonl_rows_defaults_and_limit(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "ds.jsonl",
        '{"id": "a", "user_input": "What is SQLite?", "reference": "A library.", "reference_contexts": ["SQLite is a library."], "source": "faq"}\n'
        "\n"
        '{"question": "Alias works?", "extra": 1}\n',
    )
    rows = load_dataset(p)
    assert [r.id for r in rows] == ["a", "row-3"]
    assert rows[0].reference_contexts == ["SQLite is a library."]
    assert rows[1].user_input == "Alias works?" and rows[1].reference is None and rows[1].meta == {"extra": 1}
    assert len(load_dataset(p, limit=1)) == 1


def test_csv_with_json_list_and_single_context(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "ds.csv",
        'id,user_input,reference,reference_contexts\n1,Q one?,R,"[""c1"", ""c2""]"\n2,Q two?,,plain passage\n',
    )
    rows = load_dataset(p)
    assert rows[0].reference_contexts == ["c1", "c2"]
    assert rows[1].reference is None and rows[1].reference_contexts == ["plain passage"]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('{"id": "x"}', "line 2"),
        ("not json", "not valid JSON"),
        ('{"user_input": "q", "reference_contexts": "one string"}', "reference_contexts"),
        ('{"user_input": 5}', "'user_input' must be text"),
        ('{"id": "a", "user_input": "dup"}', "duplicate id 'a'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_invalid_rows_name_line_and_field(tmp_path: Path, line: str, needle: str) -> None:
    p = write(tmp_path, "bad.jsonl", '{"id": "a", "user_input": "ok?"}\n' + line + "\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(p)
    msg = err.value.message
    assert f"{p}:2:" in msg
    assert needle.replace("line 2", "user_input") in msg
    assert err.value.fix


def test_missing_file_and_csv_without_question_column(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nope.jsonl")
    p = write(tmp_path, "x.csv", "id,answer\n1,2\n")
    with pytest.raises(DatasetError, match="no 'user_input' column"):
        load_dataset(p)


def test_written_rows_load_back_and_docs_beside_the_dataset(tmp_path: Path) -> None:
    rows = [
        {"id": "syn-1", "user_input": "Qué es SQLite?", "reference": "Una biblioteca.",
         "reference_contexts": ["SQLite es una biblioteca."], "synthetic": True},
    ]  # fmt: skip
    path = tmp_path / "set" / "questions.jsonl"
    write_dataset(rows, path)
    [sample] = load_dataset(path)
    assert sample.as_dict() == rows[0] and sample.synthetic
    assert docs_folder_for(path) is None
    (tmp_path / "set" / "docs").mkdir()
    assert docs_folder_for(path) == docs_folder_for(path.parent) == tmp_path / "set" / "docs"


def test_a_folder_names_its_dataset_file(tmp_path: Path) -> None:
    write(tmp_path, "notes.jsonl", '{"user_input": "other?"}\n')
    [only] = load_dataset(tmp_path)  # the one JSONL file there
    assert only.user_input == "other?"
    write(tmp_path, "more.csv", "user_input\nthird?\n")
    with pytest.raises(DatasetError, match="cannot tell which file"):
        load_dataset(tmp_path)
    write(tmp_path, "questions.jsonl", '{"user_input": "this one?"}\n')
    assert load_dataset(tmp_path)[0].user_input == "this one?"
