"""rag_app.language: scripts, languages and the language mix of text."""

from __future__ import annotations

import pytest

from rag_app.language import LanguageMix, identify, measure, name, script_of, script_of_query

ZH = (
    "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称，软件包由 dpkg 和 apt 管理。"
)
KO = "데비안은 전 세계의 자원봉사자들이 함께 만들고 관리하는 자유 운영체제입니다. 패키지는 dpkg와 apt로 관리합니다."
JA = "Debian は世界中のボランティアが開発している自由なオペレーティングシステムです。"
EN = "SQLite is an embedded database engine that reads and writes ordinary disk files directly."
FR = "Debian est un système d'exploitation libre, développé par des bénévoles du monde entier."


@pytest.mark.parametrize(
    ("ch", "script"),
    [("데", "hangul"), ("ア", "kana"), ("の", "kana"), ("是", "han"), ("a", "latin"), ("é", "latin"),
     ("Я", "cyrillic"), ("λ", "greek"), ("1", None), ("。", None), (" ", None)],
)  # fmt: skip
def test_script_of_a_character(ch: str, script: str | None) -> None:
    assert script_of(ch) == script


def test_script_of_a_question() -> None:
    assert script_of_query("데비안이란 무엇인가요?") == "hangul"
    assert script_of_query("什么是 Debian?") == "han"
    assert script_of_query("デビアンとは何ですか") == "kana"
    assert script_of_query("Debian とは何ですか") == "kana"  # kanji with kana: Japanese
    assert script_of_query("What is dpkg?") == "latin"
    assert script_of_query("42 ?") is None


def test_cjk_languages_come_from_scripts_and_carry_their_latin_names() -> None:
    for text, lang in ((ZH, "zh"), (KO, "ko"), (JA, "ja")):
        mix = measure([text], identify_alphabets=False)
        assert mix.dominant == lang and mix.share(lang) == 1.0  # "dpkg", "Debian" count as that language


def test_alphabetic_languages_are_identified_or_undetermined() -> None:
    assert identify(EN)[0] == "en"
    assert identify(FR)[0] == "fr"
    assert identify("dpkg -i")[0] == "und"  # too short to tell
    mix = measure([EN, FR])
    assert set(mix.letters) == {"en", "fr"}
    assert measure([EN], identify_alphabets=False).dominant == "und"


def test_shares_weigh_a_sentence_and_its_translation_about_equally() -> None:
    zh = "数据库存储在一个普通的磁盘文件中。"
    en = "The database is stored in one ordinary disk file."
    mix = measure([zh, en])
    assert 0.35 < mix.share("zh") < 0.65


def test_mix_description_shares_and_sum() -> None:
    mix = measure([ZH * 3]) + measure([EN])
    assert mix.dominant == "zh" and mix.share("zh") > 0.6
    assert mix.describe().startswith(f"{mix.share('zh'):.0%} Chinese, ")
    assert mix.identified_share("en") == pytest.approx(mix.share("en"))
    data = mix.as_dict()
    assert data["letters"] == mix.total and next(iter(data["shares"])) == "zh"
    assert LanguageMix().describe() == "no text" and LanguageMix().dominant is None
    assert name("ko") == "Korean" and name("xx") == "xx"


def test_undetermined_text_is_left_out_of_identified_shares() -> None:
    mix = LanguageMix()
    mix.letters.update({"en": 30, "und": 70})
    assert mix.share("en") == 0.3 and mix.identified_share("en") == 1.0
    assert mix.dominant == "en"
