"""rag_app.retrieval.language_check: a question against the collection's and the embedder's languages."""

from __future__ import annotations

from rag_app.language import measure
from rag_app.retrieval.language_check import query_warnings

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
E5 = "intfloat/multilingual-e5-small"
ZH = measure(["Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。" * 10], identify_alphabets=False)
KO = measure(
    ["데비안은 전 세계의 자원봉사자들이 만드는 자유 운영체제입니다. " * 10], identify_alphabets=False
)
JA = measure(
    ["Debian は世界中のボランティアが開発している自由なオペレーティングシステムです。" * 10],
    identify_alphabets=False,
)
EN = measure(
    ["SQLite is an embedded database engine that reads and writes ordinary files. " * 10],
    identify_alphabets=False,
)


def test_same_language_no_warning() -> None:
    assert query_warnings("Debian 如何管理软件包？", E5, ZH) == []
    assert query_warnings("데비안은 무엇인가요?", E5, KO) == []
    assert query_warnings("How does SQLite store data?", MINILM, EN) == []
    assert query_warnings("東京大学", E5, JA) == []  # kanji only: may well be Japanese
    assert query_warnings("1234", MINILM, EN) == []


def test_another_language_than_the_collection_warns_with_both_named() -> None:
    [w] = query_warnings("데비안은 무엇인가요?", E5, ZH)
    assert w.startswith("This question is written in Korean, but 100% of this collection's text is Chinese")
    [w] = query_warnings("How are packages installed on Debian systems?", E5, ZH)
    assert "written in English" in w and "Ask in Chinese" in w
    [w] = query_warnings(
        "什么是 Debian？",
        E5,
        EN,
        identified=lambda: measure(
            ["SQLite is an embedded database engine that reads and writes ordinary files."]
        ),
    )
    assert "text is English" in w


def test_a_question_the_embedder_does_not_cover_warns_too() -> None:
    warnings = query_warnings("什么是 SQLite？", MINILM, EN)
    assert len(warnings) == 2 and "trained on English only" in warnings[0]
