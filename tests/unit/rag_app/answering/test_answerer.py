"""rag_app.answering.answerer.Answerer with a scripted LLM over a real Milvus Lite collection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag_app.answering.answerer import Answer, Answerer
from rag_app.answering.grounding import Grounder
from rag_app.answering.refusal import refusal_message
from rag_app.collection import Collection
from rag_app.components.rerankers import RerankerStatus
from rag_app.config import load_settings
from rag_app.retrieval.relevance import RefusalPolicy
from rag_app.retrieval.retriever import Retriever
from rag_app.settings import Settings
from rag_app.store import MilvusStore
from rag_app.types import Passage, SearchResult
from tests.unit.rag_app.fakes import HashEmbedder, ScriptedLLM, index_texts

DOCS = {
    "/docs/sqlite.md": ["SQLite stores a whole database in a single ordinary file."],
    "/docs/postgres.md": ["PostgreSQL runs a server process for each database connection."],
}
HISTORY = [
    {"role": "user", "content": "What is SQLite?"},
    {"role": "assistant", "content": "An embedded database [1]."},
]
FOLLOW_UP = "Does it need a server process?"


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Retriever]]:
    folder = Path(tmp_path_factory.mktemp("answerer"))
    settings = load_settings(
        None,
        env={},
        overrides={
            "milvus": {"uri": str(folder / "milvus.db")},
            "reranker": {"provider": "none"},
            "retrieval": {"mode": "dense", "top_k": 2},
            "llm": {"context_window": 4096, "max_tokens": 64},
        },
    )
    embedder = HashEmbedder(settings.embedder)
    store = MilvusStore(settings.milvus_uri)
    collection = Collection(settings.milvus, embedder, store)
    index_texts(store, collection.name, DOCS, embedder.fingerprint)
    status = RerankerStatus(enabled=False, available=False, reason="reranker.provider is 'none'")
    yield settings, Retriever(embedder, store, collection, None, status, settings.retrieval)
    store.close()


NEVER = RefusalPolicy(None, "retrieval.refuse_below: none")


def answerer(
    parts: tuple[Settings, Retriever],
    replies: list[str],
    llm: dict[str, Any] | None = None,
    refusal: RefusalPolicy = NEVER,
    **retrieval: Any,
) -> tuple[Answerer, ScriptedLLM]:
    settings, retriever = parts
    scripted = ScriptedLLM(settings, replies)
    llm_cfg = settings.llm.model_copy(update=llm or {})
    grounder = Grounder(HashEmbedder(settings.embedder))
    cfg = settings.retrieval.model_copy(update=retrieval)
    return Answerer(lambda: scripted, retriever, grounder, refusal, llm_cfg, cfg), scripted


def user_text(messages: list[dict[str, str]]) -> str:
    return next(m["content"] for m in messages if m["role"] == "user")


def test_a_first_turn_never_asks_the_llm_to_condense(parts: Any) -> None:
    a, llm = answerer(parts, ["unused"])
    assert a.condense(FOLLOW_UP, None) == FOLLOW_UP
    assert (
        a.condense(FOLLOW_UP, [{"role": "system", "content": "x"}, {"role": "user", "content": ""}])
        == FOLLOW_UP
    )
    result, tokens = a.answer("Where is a SQLite database stored?")
    "".join(tokens)
    assert len(llm.requests) == 1  # the answer only
    assert result.condensed_from is None and "condense" not in result.timings


def test_condensing_can_be_switched_off(parts: Any) -> None:
    for off in ({"condense": False}, {"history_turns": 0}):
        a, llm = answerer(parts, ["Does SQLite need a server process?"], **off)
        assert a.condense(FOLLOW_UP, HISTORY) == FOLLOW_UP and llm.requests == []


def test_a_usable_rewrite_becomes_the_search_query(parts: Any) -> None:
    a, llm = answerer(parts, ["Does SQLite need a server process?", "No, SQLite needs no server [1]."])
    result, tokens = a.answer(FOLLOW_UP, history=HISTORY)
    assert "".join(tokens).strip() == "No, SQLite needs no server [1]."
    assert result.query == "Does SQLite need a server process?" and result.condensed_from == FOLLOW_UP
    assert "condense" in result.timings
    condense_request, answer_request = llm.requests
    assert condense_request[-1]["content"].endswith(f"Follow-up question: {FOLLOW_UP}")
    assert "User: What is SQLite?" in condense_request[-1]["content"]
    assert "Question: Does SQLite need a server process?" in user_text(answer_request)


def test_an_echoed_rewrite_falls_back_to_the_question_and_the_previous_one(parts: Any) -> None:
    a, _ = answerer(parts, [FOLLOW_UP])
    assert a.condense(FOLLOW_UP, HISTORY) == f"{FOLLOW_UP} (What is SQLite?)"
    a, _ = answerer(parts, ["SQLite is a database."])  # answered instead of rewritten: loses the terms
    assert a.condense(FOLLOW_UP, HISTORY) == f"{FOLLOW_UP} (What is SQLite?)"


def test_only_the_last_history_turns_are_sent_to_condense(parts: Any) -> None:
    old = [{"role": "user", "content": "Tell me about MongoDB"}, {"role": "assistant", "content": "A store."}]
    a, llm = answerer(parts, ["Does SQLite need a server process?"], history_turns=1)
    a.condense(FOLLOW_UP, old + HISTORY)
    sent = llm.requests[0][-1]["content"]
    assert "What is SQLite?" in sent and "MongoDB" not in sent


def test_answer_streams_tokens_and_times_them_with_numbered_passages(parts: Any) -> None:
    a, llm = answerer(parts, ["SQLite keeps it in a single file [1]."])
    result, tokens = a.answer("single ordinary file database")
    assert "first_token" not in result.timings and llm.requests == []  # nothing runs until consumed
    pieces = list(tokens)
    assert len(pieces) > 1 and "".join(pieces).strip() == "SQLite keeps it in a single file [1]."
    assert {"embed", "search", "first_token", "generate"} <= set(result.timings)
    assert result.timings["generate"] >= result.timings["first_token"]
    assert [p.source for p in result.passages] == ["/docs/sqlite.md", "/docs/postgres.md"]
    prompt = user_text(llm.requests[0])
    assert '<source id="1" file="sqlite.md">\nSQLite stores' in prompt
    assert '<source id="2" file="postgres.md">\nPostgreSQL runs' in prompt


def test_ask_returns_the_answer_with_its_citations_and_evidence(parts: Any) -> None:
    a, _ = answerer(parts, ["PostgreSQL runs a server process for each database connection [2]."])
    answer = a.ask("single ordinary file database")
    assert isinstance(answer, Answer) and answer.cited == [2] and answer.sources == [2]
    d = answer.as_dict()
    assert d["answer"].startswith("PostgreSQL") and d["condensed_query"] is None and len(d["sources"]) == 2
    assert d["refused"] is False and "grounding" in answer.search.timings
    (sentence,) = d["grounding"]["sentences"]
    assert sentence["supported"] and sentence["passage"] == 2
    assert d["sources"][1]["text"][slice(*sentence["span"])].startswith("PostgreSQL runs a server")


def test_an_uncited_supported_sentence_still_names_its_passage(parts: Any) -> None:
    a, _ = answerer(parts, ["SQLite stores a whole database in a single ordinary file. Pigs fly."])
    answer = a.ask("single ordinary file database")
    assert answer.cited == [] and answer.sources == [1]
    assert [s.supported for s in answer.grounding.sentences] == [True, False]  # type: ignore[union-attr]


def test_a_question_below_the_threshold_is_refused_without_the_llm(parts: Any) -> None:
    a, llm = answerer(parts, ["should not be asked"], refusal=RefusalPolicy(1.01, "test"))
    result, tokens = a.answer("How many moons does Jupiter have?")
    text = "".join(tokens)
    assert result.refused and text == refusal_message("How many moons does Jupiter have?")
    assert llm.requests == [] and "refuse" in result.timings and result.relevance is not None
    assert [p.source for p in result.passages] == ["/docs/sqlite.md", "/docs/postgres.md"]  # the closest
    answer = a.finish("How many moons does Jupiter have?", text, result)
    d = answer.as_dict()
    assert d["refused"] is True and d["grounding"] is None and d["cited"] == [] and len(d["sources"]) == 2


def test_a_relevant_question_passes_the_threshold(parts: Any) -> None:
    a, llm = answerer(parts, ["SQLite keeps it in a single file [1]."], refusal=RefusalPolicy(-1.0, "test"))
    result, tokens = a.answer("single ordinary file database")
    assert "".join(tokens).startswith("SQLite keeps") and not result.refused and len(llm.requests) == 1


def words(n: int, tag: str) -> str:
    return " ".join(f"{tag}{i}" for i in range(n))


def result_of(*texts: str) -> SearchResult:
    passages = [
        Passage(source=f"/d/{i}.md", page=None, chunk=0, text=t, score=1.0 - i / 10, doc_id=f"d{i}")
        for i, t in enumerate(texts)
    ]
    return SearchResult("q", "dense", passages, "c", {"applied": False})


def test_context_keeps_everything_that_fits_a_large_window(parts: Any) -> None:
    a, _ = answerer(parts, ["x"], llm={"context_window": 4096, "max_tokens": 64})
    assert [p.text for p in a.context(result_of(words(100, "a"), words(100, "b"), words(100, "c")))] == [
        words(100, "a"),
        words(100, "b"),
        words(100, "c"),
    ]


def test_context_drops_passages_beyond_a_small_window(parts: Any) -> None:
    # budget = max(256, 512 - 64 - 250) = 256 tokens; each passage costs its words + 12.
    a, _ = answerer(parts, ["x"], llm={"context_window": 512, "max_tokens": 64})
    kept = a.context(result_of(words(100, "a"), words(100, "b"), words(100, "c")))
    assert [p.source for p in kept] == ["/d/0.md", "/d/1.md"]


def test_context_trims_the_passage_that_half_fits(parts: Any) -> None:
    a, _ = answerer(parts, ["x"], llm={"context_window": 512, "max_tokens": 64})
    kept = a.context(result_of(words(150, "a"), words(150, "b")))
    assert kept[0].text == words(150, "a")
    assert kept[1].text.endswith(" ...") and kept[1].text.startswith("b0 b1")
    assert len(kept[1].text.split()) - 1 <= 256 - 162 - 12  # the room left, by the LLM's own count


def test_context_merges_neighbouring_chunks_unless_switched_off(parts: Any) -> None:
    first = Passage(source="/d/a.md", page=None, chunk=0, text="alpha beta", score=0.9, doc_id="d")
    second = Passage(source="/d/a.md", page=None, chunk=1, text="gamma delta", score=0.8, doc_id="d")
    result = SearchResult("q", "dense", [second, first], "c", {"applied": False})
    merged, _ = answerer(parts, ["x"])
    (one,) = merged.context(result)
    assert one.text == "alpha beta\ngamma delta" and one.chunks == [0, 1]
    separate, _ = answerer(parts, ["x"], merge_adjacent=False)
    assert [p.chunk for p in separate.context(result)] == [1, 0]
