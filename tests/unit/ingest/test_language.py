"""ingest.language: the language of a sample of files, and the BM25 tokenizer chosen from it."""

from __future__ import annotations

from pathlib import Path

from ingest.language import analyzer_for, sample_files
from rag_app.language import LanguageMix

CHINESE = "Debian 是一个自由的操作系统，由全球志愿者共同开发和维护。它以稳定和安全著称。\n" * 3
KOREAN = (
    "데비안은 전 세계의 자원봉사자들이 함께 만들고 관리하는 자유 운영체제입니다. 안정성으로 유명합니다.\n" * 3
)
ENGLISH = "SQLite is an embedded database engine. It reads and writes ordinary disk files directly.\n" * 3


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_chinese_files_choose_jieba_korean_and_english_ones_standard(tmp_path: Path) -> None:
    zh = sample_files([write(tmp_path, "debian.md", f"# 简介\n\n{CHINESE}")])
    ko = sample_files([write(tmp_path, "debian-ko.txt", KOREAN)])
    en = sample_files([write(tmp_path, "sqlite.txt", ENGLISH)])
    assert (zh.dominant, ko.dominant, en.dominant) == ("zh", "ko", "en")
    assert analyzer_for(zh) == "jieba"
    assert analyzer_for(ko) == "standard"  # measured: benchmarks/bm25_tokenizers.py
    assert analyzer_for(en) == "standard"


def test_only_readable_supported_files_count(tmp_path: Path) -> None:
    en = write(tmp_path, "sqlite.txt", ENGLISH)
    unsupported = write(tmp_path, "debian.xyz", CHINESE)
    unreadable = write(tmp_path, "broken.pdf", CHINESE)  # not a PDF: the loader fails, measuring goes on
    mix = sample_files([unsupported, unreadable, en, tmp_path / "missing.txt"])
    assert mix.dominant == "en" and mix.share("zh") == 0


def test_the_sample_is_spread_over_the_files(tmp_path: Path) -> None:
    files = [write(tmp_path, f"en{i}.txt", ENGLISH) for i in range(6)]
    files += [write(tmp_path, f"zh{i}.txt", CHINESE) for i in range(6)]
    # Two files out of twelve, evenly spaced: one English, one Chinese (not the first two).
    mix = sample_files(files, sample=2)
    assert mix.share("zh") > 0.2 and mix.share("en") > 0.2


def test_nothing_readable_is_an_empty_mix_and_standard(tmp_path: Path) -> None:
    mix = sample_files([tmp_path / "missing.txt"])
    assert mix.total == 0 and mix.dominant is None
    assert analyzer_for(mix) == analyzer_for(LanguageMix()) == "standard"
