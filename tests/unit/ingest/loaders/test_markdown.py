"""ingest.loaders.markdown: sections at headings with heading paths; fenced code stays body text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile_files import long_heading_markdown
from tests.unit.ingest.files import load_file

MARKDOWN = """\
# Install

Get the package first.

## Linux

Use the package manager.

```bash
# this is a shell comment, not a heading
apt install thing
```

## macOS

Use brew.

# Usage

Run it.
"""


def test_markdown_heading_paths(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "guide.md", MARKDOWN.encode())
    assert doc.title == "Install"
    by_heading = {s.heading: s.text for s in doc.sections}
    assert list(by_heading) == ["Install", "Install > Linux", "Install > macOS", "Usage"]
    assert by_heading["Install"] == "Get the package first."
    linux = by_heading["Install > Linux"]
    assert "Use the package manager." in linux
    # the fenced '# ...' line stays body text of the Linux section
    assert "# this is a shell comment, not a heading" in linux
    assert "apt install thing" in linux
    assert by_heading["Install > macOS"] == "Use brew."
    assert by_heading["Usage"] == "Run it."


def test_markdown_tilde_fence_and_closing_hashes(tmp_path: Path) -> None:
    text = "## Title ##\n\nbody\n\n~~~\n# fenced\n~~~\n\nmore\n"
    doc = load_file(tmp_path / "t.markdown", text.encode())
    assert [s.heading for s in doc.sections] == ["Title"]
    assert "# fenced" in doc.sections[0].text
    assert "more" in doc.sections[0].text


def test_markdown_without_headings_uses_file_stem(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "plain.md", b"just text\nand more\n")
    assert doc.title == "plain"
    assert [(s.heading, s.text) for s in doc.sections] == [("", "just text\nand more")]


def test_markdown_sibling_after_skipped_level(tmp_path: Path) -> None:
    text = "# A\n\n### B\n\nbee\n\n### C\n\nsee\n"
    doc = load_file(tmp_path / "skip.md", text.encode())
    assert [s.heading for s in doc.sections] == ["A > B", "A > C"]


def test_markdown_fenced_code_is_verbatim(tmp_path: Path) -> None:
    code = "```python\n# not a heading\ndef f():\n    ## nor this\n\n\n    return 1  # trailing   \n```"
    text = f"# Code\n\nBefore.\n\n{code}\n\nAfter.\n"
    doc = load_file(tmp_path / "code.md", text.encode())
    assert [s.heading for s in doc.sections] == ["Code"]
    assert doc.sections[0].text == f"Before.\n\n{code}\n\nAfter."


def test_heading_rules() -> None:
    from ingest.loaders.markdown import heading

    assert heading("## Install ##") == (2, "Install")
    assert heading("# C#") == (1, "C#")  # a closing run counts only after a space
    assert heading("#\tTabbed") == (1, "Tabbed")
    assert heading("#NoSpace") is None
    assert heading("####### seven") is None
    assert heading("# ") is None
    assert heading(" # indented") is None


@pytest.mark.timeout(30)  # a hang guard: the old regex needed hours for this line
def test_a_long_line_of_spaces_is_read_in_linear_time(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "hostile.md", long_heading_markdown(20_000))
    assert doc.sections[0].heading.startswith("a ") and doc.sections[0].heading.endswith(" b")
    assert doc.sections[0].text == "Body under the long heading."
