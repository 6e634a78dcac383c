"""Choosing another collection (built by another embedder) switches the UI and the API to it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, ingest_paths
from tests.integration.servers import PASSWORD, USER, UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def test_switch_collection_to_another_embedder(ui_server: UIServer) -> None:
    from rag_app.pipeline import build_pipeline

    # The same MiniLM quantised to int8 has another fingerprint, so it builds its own collection.
    s = ui_server.settings.model_copy(deep=True)
    s.embedder.quantize = "int8"
    other = build_pipeline(s, store=ui_server.pipeline.components.store)
    report = ingest_paths(other, [FIXTURES / "notes.md"])
    assert report.added == 1
    name = report.collection
    service = ui_server.service
    default = service.active_collection()
    assert name != default
    assert {c["name"] for c in service.collections()} >= {name, default}
    try:
        assert service.use_collection(name) == name
        assert service.pipe.components.embedder.fingerprint == other.components.embedder.fingerprint
        with httpx.Client(base_url=ui_server.url, auth=(USER, PASSWORD), timeout=60) as http:
            data = http.get("/v1/documents").json()
            assert data["collection"] == name
            assert [d["name"] for d in data["documents"]] == ["notes.md"]
        hits = service.search("manifest typing", top_k=2, mode="dense")
        assert hits.collection == name and Path(hits.passages[0].source).name == "notes.md"
    finally:
        service.use_collection(default)
    assert service.active_collection() == default
    assert len(service.documents()) >= 3
