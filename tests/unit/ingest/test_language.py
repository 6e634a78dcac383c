"""ingest.language: the CJK share of text, and the BM25 analyzer chosen from the first files."""

from __future__ import annotations

from pathlib import Path

from ingest.language import cjk_share, detect_analyzer

CHINESE = "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称。\n" * 3
ENGLISH = "SQLite is an embedded database engine. It reads and writes ordinary disk files.\n" * 3


def test_cjk_share() -> None:
    assert cjk_share("Debian 是一个自由的操作系统") > 0.5
    assert cjk_share("SQLite is an embedded database 数据库") < 0.2
    assert cjk_share("1234 !!") == 0.0


def test_chinese_files_choose_jieba_and_english_ones_standard(tmp_path: Path) -> None:
    zh = tmp_path / "debian.md"
    zh.write_text(f"# 简介\n\n{CHINESE}", encoding="utf-8")
    en = tmp_path / "sqlite.txt"
    en.write_text(ENGLISH, encoding="utf-8")
    assert detect_analyzer([zh]) == "jieba"
    assert detect_analyzer([en]) == "standard"


def test_only_readable_supported_files_in_the_sample_count(tmp_path: Path) -> None:
    en = tmp_path / "sqlite.txt"
    en.write_text(ENGLISH, encoding="utf-8")
    zh_unsupported = tmp_path / "debian.xyz"
    zh_unsupported.write_text(CHINESE, encoding="utf-8")
    zh_unreadable = tmp_path / "broken.pdf"
    zh_unreadable.write_text(CHINESE, encoding="utf-8")  # not a PDF: the loader fails, detection goes on
    zh = tmp_path / "debian.txt"
    zh.write_text(CHINESE, encoding="utf-8")
    assert detect_analyzer([zh_unsupported, zh_unreadable, en]) == "standard"
    # The sample is the first ``sample`` supported files: a Chinese file after it is not read.
    assert detect_analyzer([en, zh], sample=1) == "standard"
    assert detect_analyzer([zh, en], sample=1) == "jieba"


def test_nothing_readable_means_standard(tmp_path: Path) -> None:
    assert detect_analyzer([]) == "standard"
    assert detect_analyzer([tmp_path / "missing.txt"]) == "standard"
