"""ingest.loaders.rst: titles and their levels, literal blocks verbatim, comments and markup dropped."""

from __future__ import annotations

from pathlib import Path

from tests.unit.ingest.files import load_file

RST = """\
=============
 User Guide
=============

Intro paragraph.

.. This comment must be dropped.
   Its second line too.

.. _install-target:

Installation
============

Run the installer::

    $ ./install.sh
    Not a title
    ===========
    done

After the block.

Linux
-----

Use apt.

.. note::
   Needs root access.

Usage
=====

.. code-block:: python
   :linenos:

   x = 1
   =====
   print(x)

Run it.
"""


def test_rst_heading_paths_literal_blocks_and_comments(tmp_path: Path) -> None:
    doc = load_file(tmp_path / "guide.rst", RST.encode())
    assert doc.title == "User Guide"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("User Guide", "Intro paragraph."),
        (
            "User Guide > Installation",
            "Run the installer:\n\n$ ./install.sh\nNot a title\n===========\ndone\n\nAfter the block.",
        ),
        ("User Guide > Installation > Linux", "Use apt.\n\nNeeds root access."),
        ("User Guide > Usage", "x = 1\n=====\nprint(x)\n\nRun it."),
    ]
    everything = "\n".join(s.text for s in doc.sections)
    assert "comment" not in everything and "second line" not in everything
    assert "install-target" not in everything and ":linenos:" not in everything


def test_rst_levels_follow_first_appearance_of_each_style(tmp_path: Path) -> None:
    # '-' is seen first, so it is the top level here, though '=' is the usual convention.
    text = "Top\n---\n\none\n\nInner\n=====\n\ntwo\n\nNext\n----\n\nthree\n"
    doc = load_file(tmp_path / "styles.rst", text.encode())
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Top", "one"),
        ("Top > Inner", "two"),
        ("Next", "three"),
    ]


def test_rst_short_underline_is_not_a_title(tmp_path: Path) -> None:
    text = "Intro\n\nA long line of text\n===\n\nMore.\n"
    doc = load_file(tmp_path / "short.rst", text.encode())
    assert [s.heading for s in doc.sections] == [""]
    assert "A long line of text" in doc.sections[0].text
    assert doc.title == "short"
