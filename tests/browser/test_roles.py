"""Each role signed in through the form sees exactly what it may: the cockpit and city pages,
exports, reports, upload and the audit page."""

from __future__ import annotations

import polars as pl
import pytest

from datasets.regions import region_name
from indicators.catalog import default_catalog
from tests.browser.conftest import Page, password_of

TARGET_SET = "jiangsu-14fyp-digital-gov"


def _open(browser, server, user: str, path: str, width=1600, height=1000) -> Page:
    tab = Page(browser, server, width, height, user=user)
    tab.open(path)
    tab.page.wait_for_load_state("networkidle")
    return tab


def _export_buttons(tab: Page) -> int:
    return tab.page.locator("button[data-fmt]").count()


def test_roles001_signed_in_user_and_role_are_shown_and_sign_out_works(browser, server):
    tab = Page(browser, server, 1600, 1000, user=None)  # a session of its own: it signs out
    tab.page.goto(server + "/")
    tab.page.wait_for_url("**/login?next=/")
    tab.page.fill("#username", "sz")
    tab.page.fill("#password", password_of("sz"))
    tab.page.click("button[type=submit]")
    tab.page.wait_for_selector("#user-name")
    assert tab.page.inner_text("#user-name") == "sz（市用户 · 苏州市）"
    tab.page.click("#logout")
    tab.page.wait_for_url("**/login")
    tab.page.goto(server + "/targets")
    assert "/login" in tab.page.url  # the session ended on the server
    tab.page.close()


def test_roles002_province_leader_reads_everything_and_exports_nothing(browser, server):
    tab = _open(browser, server, "leader", "/targets")
    # the region dropdown draws its value once its script has run (from the browser's cache,
    # that can be after the network is idle)
    tab.page.locator("text=江苏省（全省）").first.wait_for(timeout=30_000)
    assert _export_buttons(tab) == 0
    tab.page.goto(server + "/reports")
    tab.page.wait_for_selector("#reports-start")
    assert tab.page.is_disabled("#reports-start")
    tab.page.goto(server + "/data")
    tab.page.wait_for_selector("#data-upload-denied")
    assert tab.page.locator("#data-upload").count() == 0
    tab.page.goto(server + "/audit")
    tab.page.wait_for_selector("#audit-denied")
    assert tab.errors == [], tab.errors
    tab.page.close()


def test_roles003_province_analyst_exports(browser, server):
    tab = _open(browser, server, "analyst", "/targets")
    assert _export_buttons(tab) > 0
    with tab.page.expect_download() as download:
        tab.page.locator("button[data-fmt=csv]").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    tab.page.close()


def test_roles004_city_user_sees_its_own_city(browser, server):
    tab = _open(browser, server, "sz", "/")
    heading = tab.page.inner_text("h1")
    assert "苏州市" in heading, heading  # the cockpit opens on its own city
    city_link = tab.page.locator("#navbar a.nav-link", has_text="城市")
    city_link.wait_for()
    tab.page.wait_for_function(
        "[...document.querySelectorAll('#navbar a.nav-link')]"
        ".some(a => a.getAttribute('href') === '/city/320500')"
    )  # the nav's 城市 opens its own city
    tab.page.goto(server + "/city/320100")
    tab.page.wait_for_selector("#city-not-in-scope")
    assert "南京市" in tab.page.inner_text("#city-not-in-scope")
    tab.page.goto(server + "/reports")
    tab.page.wait_for_selector("#reports-region")
    tab.page.click("#reports-region")
    schedules = tab.page.locator("#subs-schedule option").all_inner_texts()  # not regions
    options = [o for o in tab.page.get_by_role("option").all_inner_texts() if o not in schedules]
    assert options == ["苏州市"], options
    tab.page.goto(server + "/city/320500")
    tab.page.wait_for_selector("#_pages_content h1")
    tab.page.wait_for_load_state("networkidle")
    assert _export_buttons(tab) > 0  # its own city's tables may be exported
    assert tab.errors == [], tab.errors
    tab.page.close()


def test_roles005_department_user_sees_only_its_targets(browser, server):
    unit = "省大数据管理中心"
    catalog = default_catalog()
    ts = catalog.target_sets[TARGET_SET]
    mine = {catalog[t.indicator].name_zh for t in ts.targets if unit in t.responsible_units}
    mine |= {i.name_zh for i in catalog.indicators.values() if unit in i.responsible_units}
    others = {catalog[t.indicator].name_zh for t in ts.targets} - mine
    assert mine and others
    tab = _open(browser, server, "gov", "/targets")
    text = tab.page.inner_text("#_pages_content")
    assert any(name in text for name in mine)
    assert not [name for name in others if name in text]
    tab.page.close()


def test_roles006_data_admin_uploads_and_system_admin_reads_the_audit(browser, server):
    tab = _open(browser, server, "data", "/data")
    assert tab.page.locator("#data-upload").count() == 1
    tab.page.goto(server + "/audit")
    tab.page.wait_for_selector("#audit-denied")
    tab.page.close()
    admin = _open(browser, server, "admin", "/audit")
    admin.page.wait_for_selector("#audit-table table")
    rows = admin.page.locator("#audit-table tbody tr")
    assert rows.count() > 0
    admin.page.select_option("#audit-action", "login")
    admin.page.wait_for_function(
        "[...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')]"
        ".every(td => td.innerText === '登录')"
    )
    with admin.page.expect_download() as download:
        admin.page.click("#audit-export")
    body = download.value.path().read_text(encoding="utf-8-sig")
    frame = pl.read_csv(body.encode())
    assert set(frame["action"]) == {"login"} and frame.height >= 1
    assert admin.errors == [], admin.errors
    admin.page.close()


@pytest.mark.parametrize("user", ["leader", "sz", "gov", "data"])
def test_roles007_the_user_menu_names_the_role(browser, server, user):
    tab = _open(browser, server, user, "/data")
    shown = tab.page.inner_text("#user-name")
    assert shown.startswith(user + "（")
    if user == "sz":
        assert region_name("320500") in shown
    assert tab.page.locator("a[href='/audit']").count() == 0
    tab.page.close()
