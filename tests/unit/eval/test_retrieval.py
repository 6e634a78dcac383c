"""eval/retrieval.py: text matching across chunk boundaries and the metrics built on it."""

from __future__ import annotations

import math

import pytest

from eval.retrieval import judge, matches, overlap, question_scores, score, shingles, tokens

REF_A = (
    "SQLite uses dynamic typing. Content can be stored as INTEGER, REAL, TEXT, BLOB, or as NULL, "
    "and the declared type of a column is only a hint."
)
REF_B = (
    "Multiple processes can have the same database open at the same time, and several can read at "
    "once, but only one process can be making changes to the database at any moment in time."
)
REF_C = (
    "R is a system for statistical computation and graphics. It consists of a language plus a "
    "run-time environment with graphics, a debugger and access to certain system functions."
)
NOISE = "Boil the pasta in salted water for ten minutes, then drain it and add the tomato sauce."


def test_tokens_lowercase_words_and_cjk_characters() -> None:
    assert tokens("Hello, World! INTEGER-key 42") == ["hello", "world", "integer", "key", "42"]
    assert tokens("数据库") == ["数", "据", "库"]


def test_shingles_short_text_is_one_shingle() -> None:
    assert shingles("a b") == {("a", "b")}
    assert shingles("") == set()
    assert len(shingles("one two three four")) == 2


def test_chunk_inside_long_reference_matches() -> None:
    chunk = "but only one process can be making changes to the database at any moment in time."
    assert matches(chunk, REF_B)


def test_short_reference_inside_long_chunk_matches() -> None:
    chunk = f"{NOISE} {REF_A} {NOISE}"
    assert matches(chunk, REF_A)


def test_chunk_straddling_reference_boundary() -> None:
    words = REF_C.split()
    half = " ".join(words[len(words) // 2 :])
    assert matches(f"{half} {NOISE}", REF_C)
    # a chunk sharing only a few words of a long reference does not match
    assert not matches(f"{' '.join(words[-4:])} {NOISE} {NOISE}", REF_C)


def test_whitespace_and_case_do_not_matter() -> None:
    assert overlap(REF_A.upper().replace(" ", "\n  "), REF_A) == pytest.approx(1.0)


def test_unrelated_text_does_not_match() -> None:
    assert overlap(NOISE, REF_A) == 0.0
    assert not matches("", REF_A)


def test_judge_returns_first_matching_reference() -> None:
    assert judge([NOISE, REF_B, REF_A + " " + REF_B], [REF_A, REF_B]) == [-1, 1, 0]


def test_question_scores_ranks() -> None:
    s = question_scores([NOISE, NOISE, REF_A, NOISE, NOISE, REF_B], [REF_A, REF_B], ks=(1, 5, 10))
    assert s["recall@1"] == 0.0
    assert s["recall@5"] == 0.5
    assert s["recall@10"] == 1.0
    assert s["mrr@10"] == pytest.approx(1 / 3)
    ideal = 1 + 1 / math.log2(3)
    assert s["ndcg@10"] == pytest.approx((1 / math.log2(4) + 1 / math.log2(7)) / ideal)


def test_second_chunk_of_same_reference_gains_nothing() -> None:
    first, second = REF_B[: len(REF_B) // 2 + 10], REF_B[len(REF_B) // 2 - 10 :]
    s = question_scores([first, second], [REF_B])
    assert s["ndcg@10"] == pytest.approx(1.0)
    assert s["recall@1"] == 1.0


def test_mrr_ignores_hits_below_rank_10() -> None:
    s = question_scores([NOISE] * 10 + [REF_A], [REF_A], ks=(10,))
    assert s["mrr@10"] == 0.0 and s["recall@10"] == 0.0 and s["ndcg@10"] == 0.0


def test_perfect_and_empty_retrieval() -> None:
    assert question_scores([REF_A], [REF_A]) == {
        "recall@1": 1.0,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr@10": 1.0,
        "ndcg@10": 1.0,
    }
    assert all(v == 0.0 for v in question_scores([], [REF_A]).values())


def test_score_is_mean_over_questions_with_references() -> None:
    out = score([[REF_A], [NOISE], [REF_C]], [[REF_A], [REF_B], []], ks=(1,))
    assert out["recall@1"] == 0.5 and out["mrr@10"] == 0.5
    assert score([[REF_A]], [[]]) == {}
    with pytest.raises(ValueError):
        score([[REF_A]], [[REF_A], [REF_B]])
