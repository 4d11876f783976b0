"""领导要情 in the browser: the page says exactly the briefing's sentences with their figures,
its PDF downloads, and a city user reads its own city's whatever the URL asks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from datasets import store
from indicators.briefing import briefing
from tests.browser.conftest import Page
from tests.reports.test_reports import pdftotext

SET = "jiangsu-14fyp-digital-gov"


@pytest.fixture
def servers_store(server_env, monkeypatch):
    """The server's own store (beside its warehouse), read in this process too."""
    monkeypatch.setenv("DATABRAIN_DB", server_env["DATABRAIN_DB"])
    monkeypatch.delenv("DATABRAIN_STATE_URL", raising=False)
    store.forget_engines()
    yield
    store.forget_engines()


def _sentences(page) -> list[tuple[str, list]]:
    page.wait_for_selector(".briefing-sentence")
    return [
        (el.inner_text(), json.loads(el.get_attribute("data-figures")))
        for el in page.locator(".briefing-sentence").all()
    ]


def test_briefing_page001_says_the_briefing(
    browser, server, app_warehouse, servers_store, tmp_path
):
    expected = briefing(app_warehouse, SET, "320500")
    tab = Page(browser, server, 1600, 1000, user="analyst")
    page = tab.open("/briefing?city=320500")
    shown = _sentences(page)
    assert [t for t, _ in shown] == [s.text for sec in expected.sections for s in sec.sentences]
    assert [f for _, f in shown] == [
        [f.to_dict() for f in s.figures] for sec in expected.sections for s in sec.sentences
    ]
    assert page.locator("h1").inner_text() == expected.title
    with page.expect_download() as got:
        page.click("#briefing-pdf")
    assert got.value.suggested_filename.startswith("领导要情_苏州市_")
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(Path(got.value.path()).read_bytes())
    text = re.sub(r"\s+", "", pdftotext(pdf, layout=False))
    assert all(re.sub(r"\s+", "", t) in text for t, _ in shown)
    tab.screenshot("briefing-320500")
    assert tab.errors == [], tab.errors
    tab.page.close()


def test_briefing_page002_a_city_user_reads_its_own_city(browser, server):
    tab = Page(browser, server, 390, 844, user="sz")
    page = tab.open("/briefing?city=320100")  # another city asked for by URL
    assert "苏州市" in page.locator("h1").inner_text()
    figures = [f for _, fs in _sentences(page) for f in fs]
    assert figures and {f["region"] for f in figures} == {"320500"}
    assert "南京" not in page.locator("#briefing-body").inner_text()
    tab.screenshot("briefing-phone-sz")
    tab.page.close()
