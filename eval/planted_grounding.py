"""Planted faithful/contradicting answer pairs for ``supported_share`` (``rag eval selftest``).

Each pair shares one context; the faithful answer restates it, its twin contradicts it the way
small models do: a changed number, a flipped negation, a swapped name, an antonym, a claim the
context never makes. ``supported_share`` passes a pair when it scores the faithful answer strictly
higher. Written before the grounding weights were tuned, and kept with the hard cases (a swap
between two names the passage both mentions, an antonym without a negation word) that word
overlap and sentence embeddings cannot always see.
"""

from __future__ import annotations

from typing import Any

EIFFEL = "The Eiffel Tower stands in Paris, France. It was completed in 1889 and is 330 metres tall."
NILE = "The Nile is a river in north-eastern Africa. It flows north into the Mediterranean Sea."
SQLITE_FILE = (
    "SQLite is a C library that implements a small, self-contained SQL database engine. "
    "It stores a whole database in a single file."
)
WEBSITES = (
    "SQLite works great as the database engine for most low to medium traffic websites (which is to "
    "say, most websites). The amount of web traffic that SQLite can handle depends on how heavily the "
    "website uses its database."
)
R_DEVEL = "New features are typically introduced in r-devel, while r-patched is for bug fixes mostly."
BOILING = (
    "At sea level, water boils at 100 degrees Celsius. On the summit of Mount Everest, where the air "
    "pressure is lower, it boils at about 70 degrees Celsius."
)
JUPITER = "Jupiter has 95 officially recognised moons. The four largest were discovered by Galileo in 1610."
AUTOINC = "Short answer: A column declared INTEGER PRIMARY KEY will autoincrement."
THREADS = (
    "SQLite is threadsafe. Threadsafety is controlled by the SQLITE_THREADSAFE compile-time option; "
    "the default is serialized mode."
)
ROYALTIES = (
    "SQLite is in the public domain, so you may use it in commercial products without paying "
    "royalties to anyone."
)
LIMITS = "An SQLite database is limited in size to 281 terabytes (2^48 bytes)."
FOREIGN = "As of version 3.6.19, SQLite supports foreign key constraints."
R_NAME = (
    "R is named partly after the first names of the first two R authors (Robert Gentleman and Ross "
    "Ihaka), and partly as a play on the name of the Bell Labs language S."
)
WIN32 = "R 4.1.3 was the last version of R to support 32-bit Windows."
PASTA = "To cook pasta, boil salted water and add the pasta for about ten minutes."
TOMATO = "Tomatoes need six to eight hours of sun a day. Water them at the base, not on the leaves."
VACUUM = (
    "When you delete information from an SQLite database, the unused disk space is added to an "
    "internal free-list and is reused the next time you insert data. The disk space is not lost, but "
    "it is not returned to the operating system either. If you delete a lot of data and want to "
    "shrink the database file, run the VACUUM command."
)
WRITERS = (
    "Multiple processes can have the same database open at the same time. Multiple processes can be "
    "doing a SELECT at the same time. But only one process can be making changes to the database at "
    "any moment in time."
)

# (label, context, question, faithful answer, contradicting answer)
_PAIRS: list[tuple[str, str, str, str, str]] = [
    ("changed year and place", EIFFEL, "When was the Eiffel Tower completed?",
     "The Eiffel Tower was completed in 1889.", "The Eiffel Tower was completed in 1925 in Berlin."),
    ("opposite direction", NILE, "Into which sea does the Nile flow?",
     "The Nile flows north into the Mediterranean Sea.", "The Nile flows south into the Indian Ocean."),
    ("one file vs many on a server", SQLITE_FILE, "How does SQLite store a database?",
     "SQLite stores a whole database in a single file.",
     "SQLite spreads each database over many files managed by a server."),
    ("negated recommendation", WEBSITES, "When should I not use SQLite?",
     "SQLite works well for most low to medium traffic websites.",
     "You should not use SQLite for low to medium traffic websites."),
    ("two names of the passage swapped", R_DEVEL, "Where are new R features introduced?",
     "New features are introduced in r-devel.", "New features are introduced in r-patched."),
    ("invented unit and value", BOILING, "At what temperature does water boil on Mount Everest?",
     "On Mount Everest water boils at about 70 degrees Celsius.",
     "On Mount Everest water boils at 100.000 Kelvin."),
    ("wrong count", JUPITER, "How many moons does Jupiter have?",
     "Jupiter has 95 officially recognised moons.", "Jupiter has 7 moons."),
    ("negated fact", AUTOINC, "How do I create an AUTOINCREMENT field?",
     "A column declared INTEGER PRIMARY KEY will autoincrement.",
     "A column declared INTEGER PRIMARY KEY will never autoincrement."),
    ("not threadsafe", THREADS, "Is SQLite threadsafe?",
     "SQLite is threadsafe, controlled by the SQLITE_THREADSAFE compile-time option.",
     "SQLite is not threadsafe."),
    ("must pay royalties", ROYALTIES, "Can I use SQLite in my commercial product without paying royalties?",
     "You may use SQLite in commercial products without paying royalties.",
     "Commercial products must pay royalties to use SQLite."),
    ("changed size limit", LIMITS, "Are there any known size limits to SQLite databases?",
     "An SQLite database is limited to 281 terabytes.", "An SQLite database is limited to 2 gigabytes."),
    ("denied support", FOREIGN, "Does SQLite support foreign keys?",
     "SQLite supports foreign key constraints as of version 3.6.19.",
     "SQLite does not support foreign key constraints."),
    ("invented origin", R_NAME, "Why is R named R?",
     "R is named after the first names of its first two authors, Robert Gentleman and Ross Ihaka.",
     "R is named after the Rust programming language."),
    ("changed version", WIN32, "Which R version last supported 32-bit Windows?",
     "R 4.1.3 was the last version to support 32-bit Windows.",
     "R 4.2.0 was the last version to support 32-bit Windows."),
    ("invented method", PASTA, "How do I cook pasta?",
     "Boil salted water and cook the pasta for about ten minutes.",
     "Fry the pasta in cold oil for about an hour."),
    ("changed amount", TOMATO, "How much sun do tomatoes need?",
     "Tomatoes need six to eight hours of sun a day.", "Tomatoes need only two hours of sun a day."),
    ("reversed consequence", VACUUM, "I deleted a lot of data but the file did not get smaller. Is this a bug?",
     "The freed space is reused for new data; run the VACUUM command to shrink the file.",
     "Deleting data immediately returns the disk space to the operating system."),
    ("changed height", EIFFEL, "How tall is the Eiffel Tower?",
     "The Eiffel Tower is 330 metres tall.", "The Eiffel Tower is 500 metres tall."),
    ("wrong continent", NILE, "Where is the Nile?",
     "The Nile is a river in north-eastern Africa.", "The Nile is a river in South America."),
    ("antonym without a negation", WRITERS, "Can several processes write to one SQLite database at once?",
     "Only one process can be making changes to the database at any moment.",
     "Many processes can make changes to the database at the same moment."),
]  # fmt: skip


def grounding_pairs() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The pairs as (label, faithful row, contradicting row), in the selftest's row shape."""
    out = []
    for label, context, question, good, bad in _PAIRS:
        row = {"user_input": question, "retrieved_contexts": [context]}
        out.append((label, {**row, "response": good}, {**row, "response": bad}))
    return out
