"""Cutting an FAQ answer into its reference (capped) and gold passage (at least N words)."""

from __future__ import annotations

from eval.datasets.faq.passages import capped, first_words, norm, sentences


def test_sentences_split_before_capitals_and_quotes() -> None:
    text = "R is a system.  It has graphics! Does it? “Yes”, they said: (see below) and e.g. more."
    assert sentences(text) == ["R is a system.", "It has graphics!", "Does it?", "“Yes”, they said:",
                               "(see below) and e.g. more."]  # fmt: skip
    assert sentences("version 4.2.2 is out. next line") == ["version 4.2.2 is out. next line"]


def test_first_words_takes_whole_units_until_enough() -> None:
    units = ["one two three", "four  five", "six seven eight nine", "ten"]
    assert first_words(units, 5) == "one two three four five"
    assert first_words(units, 6) == "one two three four five six seven eight nine"
    assert first_words(units, 100) == "one two three four five six seven eight nine ten"


def test_capped_stays_within_the_limit_but_keeps_one_unit() -> None:
    units = ["one two three", "four five", "six seven eight nine"]
    assert capped(units, 5) == "one two three four five"
    assert capped(units, 6) == "one two three four five"
    assert capped(units, 2) == "one two three"  # the first unit even when it is longer
    assert norm(" a \n b\t") == "a b"
