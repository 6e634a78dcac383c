"""Never lose the user's data through the UI's server (issue 12).

Uploads whose names clean up alike keep both files; the same content again changes nothing;
deleting a document removes its index entry and keeps the file (which may be the only copy);
removing the file is asked for separately and refused while another collection still indexes it.
(The browser test covers the same in the UI: both tide files, and delete's confirmation.)
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import ingest_paths
from tests.integration.security.conftest import OpenServer
from tests.integration.servers import UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _upload(http: httpx.Client, name: str, body: bytes) -> dict:
    r = http.post("/v1/ingest", files={"files": (name, body, "text/markdown")})
    assert r.status_code == 200, r.text
    return r.json()


def test_uploads_whose_names_clean_up_alike_keep_both_files(open_server: OpenServer) -> None:
    first_text = b"# Ferry times\n\nThe Varnholm ferry leaves at 08:15.\n"
    second_text = b"# Ferry times\n\nThe Skerholm ferry leaves at 09:40.\n"
    with httpx.Client(base_url=open_server.url, timeout=120, headers=open_server.auth) as http:
        first = _upload(http, "ferry:times.md", first_text)
        second = _upload(http, "ferry?times.md", second_text)
        paths = [Path(first["stored"][0]), Path(second["stored"][0])]
        assert paths[0] != paths[1], "a:b.md and a?b.md must not land on the same file"
        assert paths[0].read_bytes() == first_text and paths[1].read_bytes() == second_text
        assert first["report"]["added"] == 1 and second["report"]["added"] == 1
        assert first["uploads"][0]["note"] == f"stored as {paths[0].name}"
        # the same file again: the same stored file, nothing re-embedded
        again = _upload(http, "ferry:times.md", first_text)
        assert again["stored"] == first["stored"] and again["report"]["unchanged"] == 1
        assert "same content" in again["uploads"][0]["note"]
        listed = {d["source"] for d in http.get("/v1/documents").json()["documents"]}
        assert {str(p) for p in paths} <= listed


def test_delete_keeps_the_file_and_removing_it_waits_for_other_collections(
    open_server: OpenServer, ui_server: UIServer
) -> None:
    from rag_app.pipeline import build_pipeline

    text = b"# Only copy\n\nThe harbour master's log of 1911 is kept in the tower.\n"
    with httpx.Client(base_url=open_server.url, timeout=120, headers=open_server.auth) as http:
        stored = Path(_upload(http, "only-copy.md", text)["stored"][0])

        def doc_id() -> str | None:
            docs = http.get("/v1/documents").json()["documents"]
            return next((d["doc_id"] for d in docs if d["source"] == str(stored)), None)

        first = doc_id()
        assert first
        r = http.delete(f"/v1/documents/{first}")  # the default: the index entry only
        assert r.status_code == 200 and r.json()["deleted"]["file_removed"] is False
        assert stored.read_bytes() == text and doc_id() is None

        # indexed again here, and by another collection of the same Milvus
        assert http.post("/v1/ingest", json={"paths": [stored.name]}).json()["report"]["added"] == 1
        s = open_server.settings.model_copy(deep=True)
        s.milvus.collection = "rag_security_other"
        parts = ui_server.pipeline.components
        other = build_pipeline(s, embedder=parts.embedder, store=parts.store)
        try:
            assert ingest_paths(other, [stored]).added == 1
            r = http.delete(f"/v1/documents/{doc_id()}", params={"remove_file": "true"})
            assert r.status_code == 409, r.text
            error = r.json()["error"]
            assert "still indexed by rag_security_other" in error["message"] and error["fix"]
            assert stored.read_bytes() == text and doc_id() is not None  # nothing was deleted
            other.delete_document(str(doc_id()))
            r = http.delete(f"/v1/documents/{doc_id()}", params={"remove_file": "true"})
            assert r.status_code == 200 and r.json()["deleted"]["file_removed"] is True
            assert not stored.exists() and doc_id() is None
        finally:
            parts.store.drop("rag_security_other")
