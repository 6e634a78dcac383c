"""Text from documents, made safe to print on a terminal.

Documents (and the answers an LLM writes from them) may carry terminal control sequences: clear
the screen, rewrite the window title, plant a hyperlink, hide text, move the cursor over earlier
output. :func:`safe` removes them, every other control character (tab and newline stay) and the
bidirectional overrides that can make a file name read backwards. :func:`safe_json` keeps JSON
exact (JSON escapes C0 controls itself; C1 controls and bidi overrides are escaped too).

>>> safe("\\x1b[2J\\x1b]0;pwned\\x07report\\x9b31m.md")
'report.md'
"""

from __future__ import annotations

import json
import re

# ESC or its 8-bit form, then: CSI parameters + final byte; a terminated OSC/DCS/SOS/PM/APC string
# (up to BEL or ST); or one more byte (two-character sequences). Removed whole, so a title or link
# does not print; an unterminated string loses only its introducer (the rest is plain text).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """``text`` without terminal control sequences, control characters (but tab and newline) and
    bidi overrides."""
    return _CONTROLS.sub("", _SEQUENCE.sub("", text))


def safe_json(value: object, indent: int | None = None) -> str:
    """``json.dumps(value, ensure_ascii=False)`` with DEL, C1 controls and bidi overrides escaped
    as ``\\uXXXX``: the same data for a JSON reader, nothing a terminal acts on."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
