"""The audit log records what people do in the browser: sign-ins (and failed ones), uploads and
their loads, table exports, report renders and downloads, refused requests. The entries are read
back from the server's operational store with the same code the audit page uses."""

from __future__ import annotations

import json
import os

import pytest

from datasets import accounts, store
from tests.browser.conftest import Page
from tests.conftest import SERVICE_ITEMS_CSV


@pytest.fixture
def audit_log(server_env, monkeypatch):
    """Reads the server's store (beside its warehouse), as `databrain audit` would."""
    monkeypatch.setenv("DATABRAIN_DB", server_env["DATABRAIN_DB"])
    monkeypatch.delenv("DATABRAIN_STATE_URL", raising=False)
    store.forget_engines()
    yield lambda **kw: accounts.audit_entries(**kw)
    store.forget_engines()


def test_audit001_browser_actions_are_recorded(browser, server, audit_log, tmp_path):
    before = audit_log()["id"].max() or 0

    # a failed sign-in, then a good one, through the form
    tab = Page(browser, server, 1600, 1000, user=None)
    tab.page.goto(server + "/login")
    tab.page.fill("#username", "analyst")
    tab.page.fill("#password", "not the password")
    tab.page.click("button[type=submit]")
    tab.page.wait_for_selector(".alert-danger")
    tab.page.close()

    # a table export by the analyst
    analyst = Page(browser, server, 1600, 1000, user="analyst")
    analyst.open("/targets?city=320300")
    with analyst.page.expect_download() as download:
        analyst.page.locator("button[data-fmt=xlsx]").first.click()
    exported = download.value.suggested_filename
    analyst.page.close()

    # an upload by the data administrator
    data = Page(browser, server, 1600, 1000, user="data")
    page = data.open("/data")
    good = tmp_path / "service_items_audit.csv"
    rows = SERVICE_ITEMS_CSV.replace("NJ-", "AUDIT-N").replace("SZ-", "AUDIT-S")
    good.write_text(rows.replace("SQ-", "AUDIT-Q"), encoding="utf-8")
    page.set_input_files("#data-upload input[type=file]", str(good))
    page.locator("#upload-success").wait_for(timeout=120_000)
    data.page.close()

    # a report of its own city by 苏州's user, rendered and downloaded
    sz = Page(browser, server, 1600, 1000, user="sz")
    page = sz.open("/reports?format=xlsx")
    page.click("#reports-start")
    page.wait_for_selector("#reports-download:not(.d-none)", timeout=240_000)
    with page.expect_download() as download:
        page.click("#reports-download")
    assert download.value.suggested_filename.endswith(".xlsx")
    sz.page.close()

    log = audit_log().filter(audit_log()["id"] > before)
    entries = [(r["actor"], r["action"], r["result"]) for r in log.iter_rows(named=True)]
    assert ("analyst", "login", "failed") in entries
    assert ("analyst", "login", "ok") in entries or any(
        a == "analyst" and act == "login" for a, act, _ in entries
    )
    export = log.filter((log["action"] == "export") & (log["actor"] == "analyst")).row(
        0, named=True
    )
    assert export["target"] == exported and export["region_code"] == "320300"
    upload = log.filter(log["action"] == "upload").row(0, named=True)
    ingest = log.filter(log["action"] == "ingest").row(0, named=True)
    assert upload["actor"] == ingest["actor"] == "data"
    assert upload["target"] == ingest["target"] == "service_items_audit.csv"
    assert json.loads(ingest["detail"])["files"][0]["rows"] == 4 and ingest["result"] == "ok"
    report = log.filter(log["action"] == "report").row(0, named=True)
    download_entry = log.filter(log["action"] == "download").row(0, named=True)
    assert report["actor"] == download_entry["actor"] == "sz"
    assert report["region_code"] == download_entry["region_code"] == "320500"
    assert os.environ.get("DATABRAIN_STATE_URL") is None
