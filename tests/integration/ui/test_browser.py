"""Debian's Chromium (headless, Playwright) drives the real UI: login, chat with sources, upload,
answer from the upload, delete, search, status. Screenshots (1280x800) go to test-artifacts/ui/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.integration.ui.conftest import ARTIFACTS, PASSWORD, USER, UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UPLOAD_NAME = "harbour-notes.md"
UPLOAD_TEXT = (
    "# Harbour notes\n\n"
    "The Varnholm lighthouse was automated in 1987. Its last keeper was Edda Sturlusdottir, "
    "who kept the light burning for thirty-one years.\n"
)


@pytest.fixture(scope="module")
def page(ui_server: UIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh, empty user-data-dir
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
            permissions=["clipboard-read", "clipboard-write"],
        )
        ctx.set_default_timeout(30_000)
        pg = ctx.new_page()
        try:
            yield pg
        finally:
            ctx.close()


def shot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=str(path))
    return path


def ask(page: Any, question: str) -> Any:
    """Send a question; return the locator of the last sources block once the answer is complete."""
    before = page.locator(".rag-sources").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(f"document.querySelectorAll('.rag-sources').length > {before}", timeout=240_000)
    sources = page.locator(".rag-sources").last
    sources.locator("details.rag-source").first.wait_for(state="visible")
    return sources


def test_chat_upload_delete_in_the_browser(page: Any, ui_server: UIServer, tmp_path: Path) -> None:
    # 1. the login page guards everything
    page.goto(ui_server.url + "/")
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    shot(page, "01-login")
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea", timeout=60_000)
    # the default reranker is not installable offline: a banner says so, with the fix
    banner = page.locator(".rag-banner-warn")
    assert "Reranking unavailable" in banner.inner_text()
    assert "Fix:" in banner.inner_text()
    shot(page, "02-chat-empty")

    # 2. a question about an ingested document: streamed answer, then its sources
    sources = ask(page, "In R, where are new features typically introduced?")
    chat = page.locator("#chatbot")
    assert "r-faq-2pages.pdf" in sources.inner_text()
    assert re.search(r"score -?\d", sources.inner_text())
    answer_text = chat.inner_text()
    assert "r-devel" in answer_text.lower() or "[1]" in answer_text or "[2]" in answer_text
    shot(page, "03-chat-answer")
    page.locator("#copy-answer").click()  # copies the answer alone, not the sources
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "rag-source" not in copied and "<details" not in copied
    assert copied.split()[-1].strip("*_`") in answer_text  # raw Markdown of the rendered answer
    first = sources.locator("details.rag-source").first
    first.locator("summary").click()
    assert first.locator(".rag-passage").is_visible()
    shot(page, "04-source-expanded")

    # 3. upload a file: progress, then listed
    page.get_by_role("tab", name="Documents").click()
    upload = tmp_path / UPLOAD_NAME
    upload.write_text(UPLOAD_TEXT)
    broken = tmp_path / "broken.pdf"  # a truncated PDF: reported in the list, the other file goes in
    pdf = (FIXTURES / "r-faq-2pages.pdf").read_bytes()
    broken.write_bytes(pdf[: len(pdf) // 3])
    page.locator("#upload input[type=file]").set_input_files([str(upload), str(broken)])
    page.wait_for_function(
        "document.querySelector('#ingest-progress')?.innerText.includes('Done')", timeout=120_000
    )
    docs = page.locator("#documents")
    docs.get_by_text(UPLOAD_NAME).first.wait_for()
    results = page.locator("#upload-results").inner_text()
    assert "added" in results and re.search(r"broken\.pdf\s+failed: .*PDF", results), results
    assert "1 added" in page.locator("#ingest-progress").inner_text()
    assert "broken.pdf" not in docs.inner_text()
    assert (ui_server.upload_dir / UPLOAD_NAME).is_file()
    shot(page, "05-uploaded")

    # 4. ... and answerable, asked as a follow-up: the standalone query is shown above the answer
    page.get_by_role("tab", name="Chat").click()
    sources = ask(page, "Who was the last keeper of the Varnholm lighthouse?")
    assert UPLOAD_NAME in sources.locator("details.rag-source").first.inner_text()
    assert "Follow-up searched as:" in chat.inner_text()
    shot(page, "06-answer-from-upload")
    page.locator("#new-chat").click()  # new chat: the conversation is gone
    page.wait_for_function("document.querySelectorAll('#chatbot .rag-sources').length == 0")

    # 5. delete it
    page.get_by_role("tab", name="Documents").click()
    page.locator("#doc-pick input").click()
    page.get_by_role("option", name=re.compile(re.escape(UPLOAD_NAME))).click()
    page.locator("#delete").click()
    page.wait_for_function(
        "document.querySelector('#delete-msg')?.innerText.includes('Deleted')", timeout=60_000
    )
    assert UPLOAD_NAME not in docs.inner_text()
    assert not (ui_server.upload_dir / UPLOAD_NAME).exists()
    shot(page, "07-deleted")

    # 6. retrieval-only search with scores
    page.get_by_role("tab", name="Search").click()
    page.locator("#s-query textarea").fill("low to medium traffic websites")
    page.locator("#s-go").click()
    page.wait_for_selector("#s-results details.rag-source")
    results = page.locator("#s-results").inner_text()
    assert "sqlite-whentouse-short.html" in results and "score" in results
    shot(page, "08-search")

    # 7. status: collection, components with the reranker fix, masked config
    page.get_by_role("tab", name="Status").click()
    comps = page.locator("#components")
    comps.get_by_role("cell", name="Reranker", exact=True).wait_for()
    assert "unavailable" in comps.inner_text()
    shot(page, "09-status")
    page.locator("#doctor").click()  # the same checks as `rag doctor`, with their fixes
    page.locator("#checks").get_by_text("embedder", exact=True).wait_for(timeout=120_000)
    checks = page.locator("#checks").inner_text()
    assert "reranker" in checks and "llm" in checks.lower()
    page.locator("#checks").scroll_into_view_if_needed()
    shot(page, "10-doctor")


SCANNED_NAME = "scanned-memo.pdf"
SCANNED_TEXT = "The quarry board moved the marmot census to the eleventh of March."


def test_watched_upload_folder_and_ocr_badge_in_the_browser(
    page: Any, ui_server: UIServer, tmp_path: Path
) -> None:
    from tests import docgen

    page.goto(ui_server.url + "/")
    if page.get_by_label("username").count():
        page.get_by_label("username").fill(USER)
        page.get_by_label("password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea", timeout=60_000)
    try:
        # 1. watch the upload folder; a scanner drops a PDF into it by itself
        page.get_by_role("tab", name="Documents").click()
        page.locator("#watch input[type=checkbox]").check()
        page.wait_for_function(
            "document.querySelector('#watch-status')?.innerText.startsWith('Watching /')",
            timeout=120_000,
        )
        scan = docgen.scanned_pdf(tmp_path / SCANNED_NAME, SCANNED_TEXT)
        shutil.copy(scan, ui_server.upload_dir / SCANNED_NAME)
        page.locator("#documents").get_by_text(SCANNED_NAME).first.wait_for(timeout=120_000)
        assert "1 added" in page.locator("#watch-status").inner_text()
        shot(page, "11-watched-upload-folder")
        # 2. its passage is marked as read by OCR
        page.get_by_role("tab", name="Search").click()
        page.locator("#s-query textarea").fill("marmot census quarry board")
        page.locator("#s-go").click()
        first = page.locator("#s-results details.rag-source").first
        first.wait_for()
        assert SCANNED_NAME in first.inner_text() and first.locator(".rag-ocr").inner_text() == "OCR"
        shot(page, "12-ocr-source")
        # 3. the toggle stops it
        page.get_by_role("tab", name="Documents").click()
        page.locator("#watch input[type=checkbox]").uncheck()
        page.wait_for_function(
            "document.querySelector('#watch-status')?.innerText.includes('Not watching')", timeout=30_000
        )
        assert not ui_server.service.watching()
    finally:
        ui_server.service.set_watch(False)
        for doc in ui_server.service.documents():
            if doc["name"] == SCANNED_NAME:
                ui_server.service.delete(doc["doc_id"])  # the file too: the session's server stays as it was
