"""Debian's Chromium (headless, Playwright) drives the real UI: login, chat with sources, upload,
answer from the upload, delete, search, status; then, with an LLM that answers on cue, sentence
evidence (a highlighted span, a "not found in the sources" marker), a refusal, and an answer whose
injected images are never fetched. Screenshots (1280x800) go to test-artifacts/ui/."""

from __future__ import annotations

import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.integration.servers import (
    ARTIFACTS,
    EVIDENCE_REPLY,
    IMAGE_REPLY,
    PASSWORD,
    USER,
    ScriptedUI,
    UIServer,
)

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


def login(page: Any, url: str) -> None:
    page.goto(url + "/")
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea", timeout=60_000)


def new_chat(page: Any) -> None:
    page.locator("#new-chat").click()
    page.wait_for_function("document.querySelectorAll('#chatbot .rag-sources').length == 0")


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
    # the answer is checked sentence by sentence: each one is linked to evidence or marked
    assert page.locator(".rag-answer .rag-sent").count() >= 1
    assert (
        page.locator(".rag-evidence-note")
        .last.inner_text()
        .endswith(("found in the sources", "marked sentences are not"))
    )
    answer_text = chat.inner_text()
    assert "r-devel" in answer_text.lower() or "[1]" in answer_text or "[2]" in answer_text
    shot(page, "03-chat-answer")
    page.locator("#copy-answer").click()  # copies the answer alone, not the sources
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "rag-source" not in copied and "<details" not in copied
    # the raw answer of the rendered one (the page shows each sentence's [n] after it)
    last_word = re.sub(r"\[\d+\]", " ", copied).split()[-1].strip("*_`.,;:")
    assert last_word in answer_text
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
    # two names that differ only in characters a file name should not have: both must survive
    colon, question = tmp_path / "tide:table.md", tmp_path / "tide?table.md"
    colon.write_text("# Tide table\n\nHigh water at Kettle Bay is at 06:10.\n")
    question.write_text("# Tide table\n\nHigh water at Gull Point is at 07:40.\n")
    files = [str(upload), str(broken), str(colon), str(question)]
    page.locator("#upload input[type=file]").set_input_files(files)
    page.wait_for_function(
        "document.querySelector('#ingest-progress')?.innerText.includes('Done')", timeout=120_000
    )
    docs = page.locator("#documents")
    docs.get_by_text(UPLOAD_NAME).first.wait_for()
    results = page.locator("#upload-results").inner_text()
    assert "added" in results and re.search(r"broken\.pdf\s+failed: .*PDF", results), results
    assert "3 added" in page.locator("#ingest-progress").inner_text()
    assert results.count("stored as tide_table-") == 2, results  # the renaming is said, not silent
    assert "broken.pdf" not in docs.inner_text()
    assert (ui_server.upload_dir / UPLOAD_NAME).is_file()
    tides = sorted(ui_server.upload_dir.glob("tide_table-*.md"))
    assert {p.read_text() for p in tides} == {colon.read_text(), question.read_text()}
    # Gradio staged the files under the data dir (0700), and each staged copy is gone once stored
    staging = ui_server.settings.data_dir / "tmp" / "gradio"
    assert stat.S_IMODE(staging.stat().st_mode) == 0o700
    uploaded = {UPLOAD_NAME, "broken.pdf", "tidetable.md", "tide:table.md", "tide?table.md"}
    assert [p for p in staging.rglob("*") if p.is_file() and p.name in uploaded] == []
    shot(page, "05-uploaded")

    # 4. ... and answerable, asked as a follow-up: the standalone query is shown above the answer
    page.get_by_role("tab", name="Chat").click()
    sources = ask(page, "Who was the last keeper of the Varnholm lighthouse?")
    assert UPLOAD_NAME in sources.locator("details.rag-source").first.inner_text()
    assert "Follow-up searched as:" in chat.inner_text()
    shot(page, "06-answer-from-upload")
    page.locator("#new-chat").click()  # new chat: the conversation is gone
    page.wait_for_function("document.querySelectorAll('#chatbot .rag-sources').length == 0")

    # 5. delete it: asked first; cancel keeps it; confirmed, the index entry goes and the file stays
    page.get_by_role("tab", name="Documents").click()
    page.locator("#doc-pick input").click()
    page.get_by_role("option", name=re.compile(re.escape(UPLOAD_NAME))).click()
    page.locator("#delete").click()
    question = page.locator("#delete-question")
    question.get_by_text("from the index").wait_for()
    assert UPLOAD_NAME in question.inner_text() and "stays" in question.inner_text()
    assert not page.locator("#delete-file input").is_checked()
    shot(page, "07-delete-confirm")
    page.locator("#delete-cancel").click()
    page.wait_for_function("document.querySelector('#delete-msg')?.innerText.includes('Nothing deleted')")
    assert UPLOAD_NAME in docs.inner_text()
    page.locator("#delete").click()
    page.locator("#delete-confirm-yes").click()
    page.wait_for_function(
        "document.querySelector('#delete-msg')?.innerText.includes('Deleted')", timeout=60_000
    )
    assert "its file is kept" in page.locator("#delete-msg").inner_text()
    page.wait_for_function(f"!document.querySelector('#documents').innerText.includes({UPLOAD_NAME!r})")
    assert (ui_server.upload_dir / UPLOAD_NAME).is_file()  # the upload may be the only copy
    shot(page, "08-deleted")

    # 6. retrieval-only search with scores
    page.get_by_role("tab", name="Search").click()
    page.locator("#s-query textarea").fill("low to medium traffic websites")
    page.locator("#s-go").click()
    page.wait_for_selector("#s-results details.rag-source")
    results = page.locator("#s-results").inner_text()
    assert "sqlite-whentouse-short.html" in results and "score" in results
    shot(page, "09-search")

    # 7. status: collection, components with the reranker fix, masked config
    page.get_by_role("tab", name="Status").click()
    comps = page.locator("#components")
    comps.get_by_role("cell", name="Reranker", exact=True).wait_for()
    assert "unavailable" in comps.inner_text()
    shot(page, "10-status")
    page.locator("#doctor").click()  # the same checks as `rag doctor`, with their fixes
    page.locator("#checks").get_by_text("embedder", exact=True).wait_for(timeout=120_000)
    checks = page.locator("#checks").inner_text()
    assert "reranker" in checks and "llm" in checks.lower()
    page.locator("#checks").scroll_into_view_if_needed()
    shot(page, "11-doctor")


def test_evidence_refusal_and_no_remote_images_in_the_browser(
    page: Any, scripted_ui: ScriptedUI, tmp_path: Path
) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    login(page, scripted_ui.url)
    scripted_ui.endpoint.replies = [EVIDENCE_REPLY, IMAGE_REPLY]

    # 1. a supported sentence and an invented one
    sources = ask(page, "In R, where are new features typically introduced?")
    answer = page.locator(".rag-answer").last
    unsupported = answer.locator(".rag-unsupported")
    assert unsupported.count() == 1 and "Jupiter has 7 moons" in unsupported.inner_text()
    marker = unsupported.locator(".rag-nf")
    assert marker.is_visible() and marker.inner_text() == "not found in the sources"
    supported = answer.locator(".rag-supported")
    assert supported.count() == 1 and "r-devel" in supported.inner_text()
    supported.click()  # opens the source card at the span that supports the sentence
    mark = sources.locator("details[open] mark.rag-mark").first
    mark.wait_for(state="visible")
    assert "New features are typically introduced in r-devel" in " ".join(mark.inner_text().split())
    highlight = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert highlight not in ("rgba(0, 0, 0, 0)", "transparent")
    shot(page, "12-evidence")

    # 2. a question the documents cannot answer (a new chat: a follow-up would be condensed first)
    new_chat(page)
    ask(page, "How many moons does Jupiter have?")
    refused = page.locator(".rag-refused").last
    assert "could not find this in your documents" in refused.inner_text()
    assert "Closest passages" in page.locator(".rag-sources").last.inner_text()
    shot(page, "13-refused")

    # 3. an answer that carries Markdown and HTML images: shown as text, never fetched
    new_chat(page)
    ask(page, "Where are new features of R introduced? Show a chart.")
    assert "![chart](http://127.0.0.1:9/leak.png)" in page.locator(".rag-answer").last.inner_text()
    assert page.locator("#chatbot img[src*='127.0.0.1:9']").count() == 0
    page.wait_for_timeout(500)
    assert not [u for u in fetched if "127.0.0.1:9/" in u], fetched
