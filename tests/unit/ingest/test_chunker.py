"""ingest.chunker: the token budget and the sentence-aware Chunker with the real MiniLM tokenizer."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from ingest.chunker import Chunker, effective_chunk_size
from ingest.loaders.base import LoadedDocument, Section


def squash(text: str) -> str:
    return " ".join(text.split())


# --- effective_chunk_size ------------------------------------------------------------------------


def test_requested_over_limit_is_capped_with_warning() -> None:
    size, warning = effective_chunk_size(300, 256)
    assert size == 254  # [CLS] and [SEP] count against the limit
    assert warning is not None
    assert "chunking.chunk_size" in warning
    assert "300" in warning and "256" in warning and "254" in warning


def test_prefix_tokens_reduce_the_cap() -> None:
    size, warning = effective_chunk_size(512, 512, prefix_tokens=10)
    assert size == 500
    assert warning is not None


def test_requested_under_limit_unchanged() -> None:
    assert effective_chunk_size(200, 256) == (200, None)
    assert effective_chunk_size(254, 256) == (254, None)


def test_no_limit_known() -> None:
    assert effective_chunk_size(5000, None) == (5000, None)


def test_cap_never_below_sixteen() -> None:
    size, warning = effective_chunk_size(100, 10, prefix_tokens=5)
    assert size == 16
    assert warning is not None


# --- Chunker -----------------------------------------------------------------------------------

WORDS = [
    "river",
    "delta",
    "sediment",
    "harbour",
    "lighthouse",
    "tariff",
    "ledger",
    "parliament",
    "orchestra",
    "violin",
    "glacier",
    "photosynthesis",
    "enzyme",
    "catalyst",
    "turbine",
    "alloy",
    "semiconductor",
    "archive",
    "manuscript",
    "vineyard",
    "cartography",
    "meridian",
    "equinox",
    "hydraulic",
    "aqueduct",
    "mosaic",
    "basilica",
    "chronicle",
    "treaty",
]


def make_sentences(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 28))]
        out.append(f"Fact {i} says the {' '.join(words)} matters.")
    return out


@pytest.fixture(scope="module")
def count_tokens(minilm_tokenizer):
    return lambda text: len(minilm_tokenizer.encode(text, add_special_tokens=False))


@pytest.fixture(scope="module")
def chunker(minilm_tokenizer) -> Chunker:
    return Chunker(64, 12, tokenizer=lambda t: minilm_tokenizer.encode(t, add_special_tokens=False))


@pytest.fixture(scope="module")
def two_section_doc() -> tuple[LoadedDocument, list[str], list[str]]:
    first = make_sentences(60, seed=1)
    second = [s.replace("Fact", "Note") for s in make_sentences(25, seed=2)]
    paragraphs = [
        "\n".join(first[i : i + 5]) if i % 2 else " ".join(first[i : i + 5]) for i in range(0, 60, 5)
    ]
    doc = LoadedDocument(
        Path("manual.pdf"),
        "Manual",
        [
            Section("\n\n".join(paragraphs), page=3, heading="Setup > Network"),
            Section(" ".join(second), page=4, heading="Appendix"),
        ],
    )
    return doc, first, second


def test_chunks_fit_the_token_budget(chunker: Chunker, two_section_doc, count_tokens) -> None:
    doc, _, _ = two_section_doc
    chunks = chunker.split(doc)
    sizes = [count_tokens(c.text) for c in chunks]
    assert len(chunks) > 10
    assert max(sizes) <= 64, sizes
    # and they are not trivially tiny: the budget is actually used
    assert sum(sizes) / len(sizes) > 32


def test_chunk_indexes_are_sequential(chunker: Chunker, two_section_doc) -> None:
    doc, _, _ = two_section_doc
    chunks = chunker.split(doc)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_page_and_heading_come_from_the_section(chunker: Chunker, two_section_doc) -> None:
    doc, _, _ = two_section_doc
    chunks = chunker.split(doc)
    first_chunks = [c for c in chunks if c.page == 3]
    second_chunks = [c for c in chunks if c.page == 4]
    assert len(first_chunks) + len(second_chunks) == len(chunks)
    assert first_chunks and second_chunks
    assert all(c.heading == "Setup > Network" for c in first_chunks)
    assert all(c.heading == "Appendix" for c in second_chunks)
    # sections stay in order and never mix
    assert chunks.index(second_chunks[0]) == len(first_chunks)
    assert not any("Note " in c.text for c in first_chunks)
    assert not any("Fact " in c.text for c in second_chunks)


def test_no_text_is_lost(chunker: Chunker, two_section_doc) -> None:
    doc, first, second = two_section_doc
    chunks = chunker.split(doc)
    by_page = {3: " || ".join(squash(c.text) for c in chunks if c.page == 3)}
    by_page[4] = " || ".join(squash(c.text) for c in chunks if c.page == 4)
    for sentence in first:
        assert squash(sentence) in by_page[3], sentence
    for sentence in second:
        assert squash(sentence) in by_page[4], sentence


def test_overlap_is_bounded(chunker: Chunker, two_section_doc) -> None:
    doc, first, _ = two_section_doc
    chunks = [c for c in chunker.split(doc) if c.page == 3]
    # each sentence appears whole in at most two chunks (its own and the overlap of the next)
    for sentence in first:
        assert sum(squash(sentence) in squash(c.text) for c in chunks) <= 2


def test_overlong_sentence_is_split_within_budget(minilm_tokenizer, count_tokens) -> None:
    chunker = Chunker(32, 100, tokenizer=lambda t: minilm_tokenizer.encode(t, add_special_tokens=False))
    words = [f"{WORDS[i % len(WORDS)]}{i}" for i in range(150)]
    doc = LoadedDocument(Path("x.txt"), "x", [Section(" ".join(words))])
    chunks = chunker.split(doc)
    assert len(chunks) > 3
    assert all(count_tokens(c.text) <= 32 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    for word in words:
        assert re.search(rf"\b{word}\b", joined), word


def test_short_section_is_one_chunk_and_blank_sections_vanish(chunker: Chunker) -> None:
    doc = LoadedDocument(
        Path("x.md"),
        "x",
        [Section("   \n\n  ", page=None, heading="Empty"), Section("  One short line.  ", heading="H")],
    )
    chunks = chunker.split(doc)
    assert [(c.text, c.heading, c.page, c.index) for c in chunks] == [("One short line.", "H", None, 0)]


def test_a_very_long_heading_path_never_pushes_a_chunk_over_the_budget(minilm_tokenizer) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path as _P

    from ingest.loaders.base import Section

    def tok_fn(text: str) -> list[int]:
        return list(minilm_tokenizer.encode(text, add_special_tokens=False))

    heading = " > ".join(f"fs.promises.createReadStream(path[, options]) variant {i}" for i in range(12))
    body = " ".join(f"Sentence {i} explains one option of the stream." for i in range(80))
    chunker = Chunker(120, 10, tok_fn)
    chunks = chunker.split(LoadedDocument(_P("x.md"), "x", [Section(body, heading=heading)]))
    assert len(chunks) > 3
    for c in chunks:
        assert len(tok_fn(c.embed_text)) <= 120
        assert c.heading == heading  # the stored heading path stays whole
        assert c.embed_text.split("\n", 1)[0].endswith("variant 11")  # innermost headings kept


@pytest.mark.parametrize(
    "body",
    [
        "x\n" * 2000 + "The end marker.",  # many lines, one space: was one 2,000-token chunk
        "word\nword " * 800,
    ],
)
def test_lines_without_sentences_are_cut_within_budget(minilm_tokenizer, count_tokens, body: str) -> None:  # type: ignore[no-untyped-def]
    chunker = Chunker(64, 12, tokenizer=lambda t: minilm_tokenizer.encode(t, add_special_tokens=False))
    chunks = chunker.split(LoadedDocument(Path("x.html"), "x", [Section(body)]))
    assert len(chunks) > 10 and all(count_tokens(c.text) <= 64 for c in chunks)
    assert squash(body).split()[-3:] == squash(" ".join(c.text for c in chunks)).split()[-3:]


@pytest.mark.timeout(120)  # a hang guard: packing character by character took minutes
def test_a_long_run_without_spaces_is_cut_in_few_tokenizer_calls(minilm_tokenizer, count_tokens) -> None:  # type: ignore[no-untyped-def]
    import base64

    calls: list[int] = []

    def tokenize(text: str) -> list[int]:
        calls.append(len(text))
        return list(minilm_tokenizer.encode(text, add_special_tokens=False))

    blob = base64.b64encode(random.Random(7).randbytes(30_000)).decode()  # 40 KB, no spaces
    chunks = Chunker(64, 12, tokenize).split(LoadedDocument(Path("x.txt"), "x", [Section(blob)]))
    assert all(count_tokens(c.text) <= 64 for c in chunks)
    assert "".join(c.text for c in chunks).count(blob[-50:]) == 1
    assert len(calls) < 12 * len(chunks)  # a few calls per chunk, not one per character


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("markdown", [False, True])
def test_a_long_table_repeats_its_header_row_in_every_chunk(markdown: bool) -> None:
    header = "| Product | Weight | Location |" if markdown else "Product | Weight | Location"
    rows = [
        f"| Item {i} | {i} kg | Hall {i % 3} |" if markdown else f"Item {i} | {i} kg | Hall {i % 3}"
        for i in range(40)
    ]
    table = "\n".join([header, *(["| --- | --- | --- |"] if markdown else []), *rows])
    text = f"Stock on hand.\n\n{table}\n\nCounted on Monday."
    chunks = Chunker(40, 8, words).split(LoadedDocument(Path("s.md"), "s", [Section(text, heading="Stock")]))
    with_rows = [c for c in chunks if "Item" in c.text]
    assert len(with_rows) > 3
    for c in with_rows:
        assert header in c.text.splitlines(), c.text
        assert len(c.embed_text.split()) <= 40
    assert all(f"Item {i} " in " ".join(c.text for c in chunks) for i in range(40))
    assert [c.text.splitlines()[0] for c in with_rows[1:]] == [header] * (len(with_rows) - 1)
    csv_like = "\n".join(f"Name: n{i}; Size: {i}" for i in range(40))  # rows that name their columns
    plain = Chunker(30, 5, words).split(LoadedDocument(Path("t.csv"), "t", [Section(csv_like)]))
    assert not any(c.text.startswith("Name: n0;") for c in plain[1:])
