"""rag_app.cli.terminal: document text loses what a terminal would act on, and nothing else."""

from __future__ import annotations

import json

from rag_app.cli.terminal import safe, safe_json
from tests.hostile_files import TERMINAL_ATTACK


def test_control_sequences_go_whole_and_text_stays() -> None:
    assert safe("before " + TERMINAL_ATTACK + " after") == "before linkred after"
    assert safe("tab\tand\nnewline stay; CR\r, NUL\x00, DEL\x7f and BEL\x07 go") == (
        "tab\tand\nnewline stay; CR, NUL, DEL and BEL go"
    )
    assert safe("read\u202emeSFX.exe") == "readmeSFX.exe"  # a right-to-left override
    assert safe("Chinese 中文, accents é, emoji 🙂 and arabic عربي stay") == (
        "Chinese 中文, accents é, emoji 🙂 and arabic عربي stay"
    )


def test_an_unterminated_string_loses_only_its_introducer() -> None:
    assert safe("a \x1b]0;title but no end") == "a 0;title but no end"
    assert safe("split over tokens \x1b[3") == "split over tokens "


def test_json_stays_exact_but_escapes_what_a_terminal_reads() -> None:
    value = {"text": TERMINAL_ATTACK + "\u202e", "name": "é"}
    out = safe_json(value)
    assert json.loads(out) == value
    assert not any(0x7F <= ord(c) <= 0x9F or c in "\x1b\x07\u202e" for c in out)
    assert '"name": "é"' in out
