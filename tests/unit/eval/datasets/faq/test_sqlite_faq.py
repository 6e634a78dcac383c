"""The SQLite FAQ page: questions out of the indexed page, one row per question with its answer."""

from __future__ import annotations

from pathlib import Path

from eval.datasets.faq.sqlite_faq import SQLITE_DOC, build_sqlite, plain

ANSWER = (
    "SQLite uses dynamic typing. You can store any value in any column, regardless of the declared "
    "type. The declared type is only a hint, and SQLite converts values when it can do so without "
    "losing information. Strings that look like numbers are stored as numbers in numeric columns."
)
PAGE = f"""<html><body><h1>FAQ</h1>
<ol class=nounderline><li><a href="#q1">What datatypes does SQLite support?</a></li>
<li><a href="#q2">Can several processes use one database?</a></li></ol>
<ol>
<a name="q1"></a>
<p><b>(1) What datatypes does SQLite support?</b></p>
<blockquote><p>{ANSWER}</p></blockquote>
<a name="q2"></a>
<p><b>(2) Can several processes use one database &amp; file?</b></p>
<blockquote><p>Yes. Several processes can read it at once.</p></blockquote>
</ol>
<p>Footer.</p></body></html>
"""


def test_plain_text_of_a_fragment() -> None:
    assert plain("<b>Use  &lt;b&gt;</b>\n<i>here</i>") == "Use <b> here"


def test_rows_and_the_page_without_questions(tmp_path: Path) -> None:
    src = tmp_path / "faq.html"
    src.write_text(PAGE, encoding="utf-8")
    rows = build_sqlite(src, tmp_path)
    assert [r["id"] for r in rows] == ["sqlite-q1", "sqlite-q2"]
    first, second = rows
    assert first["user_input"] == "What datatypes does SQLite support?"
    assert second["user_input"] == "Can several processes use one database & file?"
    assert first["source"] == SQLITE_DOC
    assert first["reference_contexts"] == [ANSWER]  # whole lines until at least 50 words
    assert first["reference"] == ANSWER
    assert second["reference"] == "Yes. Several processes can read it at once."
    out = (tmp_path / SQLITE_DOC).read_text(encoding="utf-8")
    assert '<a name="q1"></a>' in out and ANSWER in out and "Footer." in out
    assert "What datatypes" not in out and "Can several processes" not in out
