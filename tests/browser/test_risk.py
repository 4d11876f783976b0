"""风险预警 `/risk` in real headless Chromium: 12345 analytics finds the planted surge; a
replay shows what was known then, in the reading chosen."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

pytestmark = pytest.mark.browser


def test_risk101_hotline_surges_lead_with_the_planted_xuzhou_surge(tab, app_warehouse):
    page = tab.open("/risk")
    assert "风险预警" in page.inner_text("h1")
    surges = page.locator("#risk-surges tbody tr")
    surges.first.wait_for()
    # the demo plants a ≈4× 供水供电供气 surge in 徐州 in July–August 2026; against the volume
    # expected for each month (trend and season) August stands out most
    first = surges.first.inner_text()
    assert "徐州市" in first and "供水供电供气" in first and "2026年8月" in first
    # its tickets equal the warehouse's (county rows rolled up to the city), and its expected
    # volume is the one the warning states for that month
    august = app_warehouse.query(
        "SELECT sum(tickets) AS n FROM hotline_monthly WHERE region_code = '320300' "
        "AND category = '供水供电供气' AND month = DATE '2026-08-01'"
    )["n"][0]
    assert f"{august:,}" in first
    evidence = json.loads(
        app_warehouse.query(
            "SELECT evidence FROM warnings WHERE rule_id = 'hotline_surge' "
            "AND region_code = '320300'"
        )["evidence"][0]
    )
    expected = dict(zip(evidence["months"], evidence["expected"], strict=True))["2026-08"]
    assert f"{expected:,.1f}" in first
    assert tab.errors == []


def test_risk102_hotline_region_and_category_go_into_the_url(tab):
    page = tab.open("/risk")
    page.click("#risk-hotline-region")
    page.get_by_placeholder("搜索").fill("徐州")
    page.get_by_role("option", name="徐州市", exact=True).click()
    page.wait_for_url(re.compile(r"hotline=320300"))
    page.wait_for_function(
        "document.querySelector('#risk-hotline').innerText.includes('徐州市 · 近 12 个月')"
    )
    again = tab.open("/risk?hotline=320300&category=供水供电供气")
    assert "徐州市 · 供水供电供气" in again.inner_text("#risk-hotline")
    assert tab.errors == []


def test_risk103_warnings_list_heatmap_and_drill_down(tab, app_warehouse):
    page = tab.open("/risk")
    surge = page.locator('#risk-warnings tr[data-warning^="hotline_surge:320300"]')
    surge.wait_for()
    assert "供水供电供气" in surge.inner_text()
    stall = page.locator('#risk-warnings tr[data-warning^="stalled_progress:320700"]')
    assert stall.count() == 1
    total = app_warehouse.query("SELECT count(*) AS n FROM warnings")["n"][0]
    assert page.locator("#risk-warnings tbody tr").count() == total
    page.wait_for_function(
        "() => { const g = document.querySelector('#risk-heatmap .js-plotly-plot');"
        " return g && g.data && g.data[0].y.length === 13; }"
    )
    surge.get_by_role("link", name="12345 热线诉求激增").click()
    drill = page.locator("#risk-drill")
    drill.wait_for()
    assert "徐州市" in drill.inner_text() and "2026-07" in drill.inner_text()
    assert tab.errors == []


def test_risk104_anomalies_of_monthly_series_are_listed(tab, app_warehouse):
    page = tab.open("/risk?city=320300")
    table = page.locator("#risk-anomalies")
    table.wait_for()
    text = table.inner_text()
    # 徐州's planted utilities surge shows as spikes in July and August 2026
    assert "2026-08" in text and "12345 供水供电供气诉求量" in text and "上升" in text
    n = app_warehouse.query("SELECT count(*) AS n FROM anomalies WHERE region_code = '320300'")[
        "n"
    ][0]
    assert page.locator("#risk-anomalies tbody tr").count() == min(n, 20)
    assert tab.errors == []


def test_risk105_drill_down_names_counties_and_outstanding_systems(tab, app_warehouse):
    page = tab.open("/risk?warning=hotline_surge:320300:hotline_utility_tickets")
    counties = page.locator("#risk-drill-counties")
    counties.wait_for()
    # the counties of 徐州 add up to the city's surge-month tickets
    city = app_warehouse.query(
        "SELECT sum(tickets) AS n FROM hotline_monthly WHERE region_code = '320300' "
        "AND category = '供水供电供气' AND month IN (DATE '2026-07-01', DATE '2026-08-01')"
    )["n"][0]
    shown = sum(
        int(t.replace(",", "").replace(" 件", ""))
        for t in counties.locator("td:nth-child(2)").all_inner_texts()
    )
    assert shown == city
    page = tab.open("/risk?warning=stalled_progress:320700:systems_on_cloud")
    items = page.locator("#risk-drill-items")
    items.wait_for()
    outstanding = app_warehouse.query(
        "SELECT count(*) AS n FROM open_items WHERE indicator = 'system_cloud_rate' "
        "AND city_code = '320700' AND reading = 'transaction' "
        "AND as_of = (SELECT max(as_of) FROM open_items)"
    )["n"][0]
    assert f"共 {outstanding} 条" in page.inner_text("#risk-drill")
    assert tab.errors == []


def test_risk106_a_2023_replay_shows_what_was_known_then_in_either_reading(tab, app_warehouse):
    page = tab.open("/risk?as_of=2023-12")
    header = page.inner_text("#_pages_content .page-title + p")
    assert "数据截至 2023年12月（按当时已入库数据）" in header
    rows = page.locator("#risk-warnings tbody tr")
    rows.first.wait_for()
    held = app_warehouse.query(
        "SELECT rule_id, region_code, first_fired FROM warning_vintages "
        "WHERE as_of = DATE '2023-12-31' AND reading = 'transaction'"
    )
    assert rows.count() == held.height > 0
    assert (held["first_fired"] <= dt.date(2023, 12, 31)).all()
    shown = page.inner_text("#risk-warnings")
    assert "未达成" not in shown and "2026" not in shown and "诉求激增" not in shown
    assert page.locator('#risk-warnings tr[data-warning^="hotline_surge:"]').count() == 0
    # the 12345 section ends with the replay's month
    assert "2022年12月–2023年12月" in page.inner_text("#risk-hotline")
    surges = page.locator("#risk-surges tbody tr")
    for i in range(surges.count()):
        assert surges.nth(i).get_attribute("data-surge").split(":")[2] <= "2023-12"
    # the other reading: picked on the page, kept in the URL, named in the header
    page.get_by_label("按现有数据回溯").check()
    page.wait_for_url(re.compile(r"reading=event"))
    page.wait_for_function(
        "document.querySelector('#_pages_content .page-title + p').innerText"
        ".includes('按现有数据回溯')"
    )
    assert "as_of=2023-12" in page.url
    event = app_warehouse.query(
        "SELECT count(*) AS n FROM warning_vintages "
        "WHERE as_of = DATE '2023-12-31' AND reading = 'event'"
    )["n"][0]
    page.locator("#risk-warnings tbody tr").first.wait_for()
    assert page.locator("#risk-warnings tbody tr").count() == event
    assert "未达成" not in page.inner_text("#risk-warnings")
    assert tab.errors == []
