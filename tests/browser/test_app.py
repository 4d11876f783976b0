"""The app in real headless Chromium: pages render Chinese content, the 模拟数据 banner shows,
uploads are validated, and the browser console stays clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datasets.warehouse import Warehouse
from tests.browser.conftest import ARTIFACTS, Page
from tests.conftest import SERVICE_ITEMS_CSV

pytestmark = pytest.mark.browser


def test_browser002_data_page_lists_datasets(tab, app_warehouse, demo_files):
    page = tab.open("/data")
    assert "数据管理" in page.inner_text("h1")
    assert "模拟数据" in page.inner_text("#synthetic-banner")
    tickets = app_warehouse.query("SELECT count(*) AS n FROM hotline_tickets")["n"][0]
    cell = page.locator('#data-status-table td[data-dataset="hotline_tickets"]')
    assert cell.inner_text() == f"{tickets:,}"
    assert page.locator("#data-loads-table tbody tr").count() == len(demo_files)  # one load each
    tab.screenshot("data-desktop")
    assert tab.errors == []


def test_browser003_bad_upload_shows_error_and_changes_nothing(tab, app_warehouse, tmp_path):
    version = app_warehouse.version()
    bad = tmp_path / "坏文件.csv"
    lines = SERVICE_ITEMS_CSV.splitlines()
    bad.write_text(
        "\n".join([lines[0], lines[1].replace("320100", "999999")]) + "\n", encoding="utf-8"
    )
    page = tab.open("/data")
    page.set_input_files("#data-upload input[type=file]", str(bad))
    error = page.locator("#upload-error")
    error.wait_for(timeout=30_000)
    text = error.inner_text()
    assert "文件「坏文件.csv」未通过校验" in text
    assert "第 2 行 「region_code」（行政区划代码）：未知的行政区划代码「999999」" in text
    assert Warehouse(app_warehouse.path).version() == version
    tab.screenshot("data-upload-error")
    assert tab.errors == []


def test_browser004_good_upload_appears(tab, app_warehouse, tmp_path):
    good = tmp_path / "新清单.csv"
    good.write_text(
        SERVICE_ITEMS_CSV.replace("NJ-", "BROWSER-")
        .replace("SZ-", "BROWSER-S")
        .replace("SQ-", "BROWSER-Q"),
        encoding="utf-8",
    )
    before = app_warehouse.query("SELECT count(*) AS n FROM service_items")["n"][0]
    page = tab.open("/data")
    page.set_input_files("#data-upload input[type=file]", str(good))
    page.locator("#upload-success").wait_for(timeout=60_000)
    assert "新清单.csv → service_items：4 行（新增 4，替换 0）" in page.inner_text(
        "#upload-success"
    )
    assert page.locator("#data-loads-table tbody tr").first.inner_text().count("新清单.csv") == 1
    cell = page.locator('#data-status-table td[data-dataset="service_items"]')
    assert cell.inner_text() == f"{before + 4:,}"
    assert (
        Warehouse(app_warehouse.path).query("SELECT count(*) AS n FROM service_items")["n"][0]
        == before + 4
    )
    assert tab.errors == []


@pytest.mark.parametrize(("width", "height", "label"), [(390, 844, "phone")])
def test_browser005_phone_width_has_no_horizontal_overflow(browser, server, width, height, label):
    from tests.browser.conftest import Page

    tab = Page(browser, server, width, height)
    for path in (
        "/",
        "/targets",
        "/city/320700",
        "/economy",
        "/indicators",
        "/risk",
        "/reports",
        "/data",
    ):
        page = tab.open(path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path}: page is {overflow}px wider than the phone"
        tab.screenshot(f"{re.sub(r'[^a-z]', '', path) or 'home'}-{label}")
    assert tab.errors == []
    tab.page.close()


def test_browser006_navigation_highlights_the_page_and_folds_on_phones(browser, server):
    from tests.browser.conftest import Page

    desk = Page(browser, server)
    page = desk.open("/city/320700")
    active = page.locator("#navbar a.nav-link.active")
    active.first.wait_for()
    assert active.all_inner_texts() == ["城市"]
    desk.page.close()
    phone = Page(browser, server, 390, 844)
    page = phone.open("/")
    assert not page.get_by_role("link", name="目标追踪").is_visible()
    page.click("#navbar-toggle")
    page.get_by_role("link", name="目标追踪").click()
    page.wait_for_url("**/targets")
    page.wait_for_function("document.querySelector('h1').innerText.includes('目标追踪')")
    assert phone.errors == [] and desk.errors == []
    phone.page.close()


def test_app_served_by_a_production_wsgi_server(server):
    """`databrain serve` answers through gunicorn (pre-forked worker processes), not Werkzeug's
    development server, which Dash and Flask say not to use in production; its answers name
    no server software."""
    import urllib.request

    with urllib.request.urlopen(server + "/login", timeout=30) as r:
        assert "gunicorn" not in r.headers.get("Server", "").lower()
    port = server.rsplit(":", 1)[1]
    serving = []  # the arbiter and the workers it forked carry the same command line
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"serve\0--port\0{port}\0" in cmdline.read_text(errors="replace"):
                serving.append(cmdline.parent.name)
        except OSError:
            continue  # a process that ended meanwhile
    assert len(serving) >= 2, serving
    log = (ARTIFACTS / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "development server" not in log.lower()


def test_app_every_page_runs_under_its_content_security_policy(browser, server):
    """The policy forbids inline scripts (but Dash's own, by hash) and eval; every page renders
    under it with a clean console, as administrator and as a city user."""
    import urllib.request

    with urllib.request.urlopen(server + "/login", timeout=30) as r:
        policy = r.headers["Content-Security-Policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    paths = [
        "/",
        "/?screen=big",
        "/targets?target=system_cloud_rate",
        "/city/320500",
        "/economy",
        "/indicators?code=one_thing_completion_rate",
        "/risk",
        "/reports",
        "/data",
        "/audit",
        "/tasks",
        "/tasks/new?warning=final_not_achieved:320500:data_sharing_rate",
        "/inbox",
        "/briefing",
        "/plan-tasks",
    ]
    for user in ("admin", "sz"):
        tab = Page(browser, server, 1600, 1000, user=user, enforce_csp=True)
        for path in paths:
            tab.open(path)
            tab.page.wait_for_load_state("networkidle")
        assert tab.errors == [], (user, tab.errors)
        tab.page.close()
