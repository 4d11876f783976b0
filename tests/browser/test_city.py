"""城市 `/city/<code>` in real headless Chromium: targets, ranks, strengths and gaps and the
county map equal the warehouse; the city selector moves to another city's URL; an unknown code
gets a friendly message."""

from __future__ import annotations

import re

import polars as pl
import pytest

from datasets.regions import region_table
from indicators.engine import values_as_of
from pages._components import fmt_value

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"
CITY = "320700"  # 连云港: its cloud migration stalled (planted in the demo data)


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def plotly_data(page, graph_id: str, expression: str):
    """Evaluate ``expression`` over a graph's plotly traces (``d``) once they are drawn."""
    selector = f"#{graph_id} .js-plotly-plot"
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{selector}');"
        " return g && g.data && g.data.length > 0; }"
    )
    return page.evaluate(
        f"() => {{ const d = document.querySelector('{selector}').data; return {expression}; }}"
    )


def test_city101_lianyungang_targets_ranks_strengths_gaps_and_counties(tab, app_warehouse):
    page = tab.open(f"/city/{CITY}")
    assert "连云港" in page.inner_text("#city-title")
    as_of = newest(app_warehouse)

    # targets: values, statuses and the final assessment (总结评估) as in target_progress
    progress = app_warehouse.query(
        "SELECT p.indicator, p.current_value, p.status, p.final_status, c.unit, c.decimals, "
        "p.target_value, p.final_gap "
        "FROM target_progress p JOIN catalog_indicators c USING (indicator) "
        "WHERE p.target_set = ? AND p.as_of = ? AND p.region_code = ? AND p.is_default_method",
        [SET, as_of, CITY],
    )
    rows = page.locator("#city-targets .city-target")
    assert rows.count() == progress.height
    for code, value, status, final, unit, decimals, target, gap in progress.iter_rows():
        row = page.locator(f'#city-targets .city-target[data-indicator="{code}"]')
        # one verdict: the final assessment once there is one; the value it is about is the
        # value at the deadline (target + gap: every target here is higher-is-better)
        assert row.get_attribute("data-status") == (f"final_{final}" if final else status), code
        shown = target + gap if final else value
        current = row.locator(".city-target-current").inner_text()
        assert current == fmt_value(shown, unit, decimals)
        assert row.locator(".city-target-final").get_attribute("data-final") == (final or "")
    cloud = progress.filter(pl.col("indicator") == "system_cloud_rate").row(0, named=True)
    assert cloud["final_status"] == "not_achieved"
    cell = page.locator('#city-targets [data-indicator="system_cloud_rate"] .city-target-final')
    assert "到期未达成" in cell.inner_text()

    # ranks per domain and overall, as in composite_index
    composite = app_warehouse.query(
        "SELECT domain, rank FROM composite_index WHERE as_of = ? AND region_code = ?",
        [as_of, CITY],
    )
    for domain, rank in composite.iter_rows():
        row = page.locator(f'#city-ranks tr[data-domain="{domain}"] td[data-rank]')
        assert row.get_attribute("data-rank") == str(rank), domain
        assert row.inner_text() == f"第 {rank}/13"
    overall = composite.filter(pl.col("domain") == "综合")["rank"][0]
    assert f"综合指数 13 市第 {overall}/13" in page.inner_text("#_pages_content")

    # strengths (rank ≤ 3) and weaknesses (rank ≥ 11) from league_table
    league = app_warehouse.query(
        "SELECT indicator, rank FROM league_table WHERE as_of = ? AND region_code = ?",
        [as_of, CITY],
    )
    strong = sorted(league.filter(pl.col("rank") <= 3)["indicator"].to_list())
    weak = sorted(league.filter(pl.col("rank") >= 11)["indicator"].to_list())
    shown_strong = page.locator("#city-strengths [data-rank]")
    assert (
        sorted(
            shown_strong.nth(i).get_attribute("data-indicator") for i in range(shown_strong.count())
        )
        == strong
    )
    shown_weak = page.locator("#city-gaps [data-rank]")
    assert (
        sorted(shown_weak.nth(i).get_attribute("data-indicator") for i in range(shown_weak.count()))
        == weak
    )
    lag = page.locator('#city-gaps li.city-lagging[data-indicator="system_cloud_rate"]')
    assert lag.get_attribute("data-final") == "not_achieved"
    # the value at the end of 2025 (target + gap, higher is better) and the gap itself
    at_deadline = cloud["target_value"] + cloud["final_gap"]
    assert f"2025 年末 {fmt_value(at_deadline, '%', 1)}" in lag.inner_text()
    assert f"差 {-cloud['final_gap']:.1f} 个百分点" in lag.inner_text()

    # the county map: a choropleth of 连云港's own counties, values as in indicator_values
    counties = region_table().filter((pl.col("level") == "county") & (pl.col("city_code") == CITY))
    codes = sorted(counties["region_code"].to_list())
    assert plotly_data(page, "city-county-graph", "d[0].type") == "choroplethmap"
    assert sorted(plotly_data(page, "city-county-graph", "d[0].locations")) == codes
    tickets = values_as_of(
        app_warehouse, as_of, period_type="year", indicators=["hotline_tickets"], regions=codes
    )
    latest = tickets.filter(pl.col("period") == tickets["period"].max())
    for code, value in latest.select("region_code", "value").iter_rows():
        cell = page.locator(f'#city-county-table tr[data-region="{code}"] td').nth(1)
        assert cell.inner_text() == fmt_value(value, "件", 0)
    tab.screenshot("city-320700-desktop")
    assert tab.errors == []


def test_city102_selector_moves_to_another_city_and_keeps_the_query(tab):
    page = tab.open(f"/city/{CITY}?as_of=2024-06")
    assert "实施监测（2024年6月）" in page.inner_text("#_pages_content")
    page.click("#city-select")
    page.get_by_role("option", name="苏州市").click()
    page.wait_for_url(re.compile(r"/city/320500\?as_of=2024-06$"))
    page.wait_for_function("document.querySelector('#city-title').innerText.includes('苏州')")
    assert page.locator("#city-select").inner_text().strip().startswith("苏州市")
    # the county layer selector writes the URL too
    page.click("#city-layer")
    page.get_by_role("option", name="掌上执法覆盖率").click()
    page.wait_for_url(re.compile(r"layer=mobile_enforcement_coverage"))
    page.wait_for_function(
        "document.querySelector('#city-county-map').innerText.includes('掌上执法覆盖率')"
    )
    assert "/city/320500" in page.url
    # before the deadline there is no final assessment column
    assert page.locator("#city-targets .city-target-final").count() == 0
    assert tab.errors == []


def test_city103_unknown_code_gets_a_friendly_message(tab):
    page = tab.open("/city/999999")
    message = page.locator("#city-unknown")
    message.wait_for()
    assert "没有找到代码为「999999」的设区市" in message.inner_text()
    links = message.locator("a")
    assert links.count() == 13
    assert links.first.get_attribute("href") == "/city/320100"
    assert tab.errors == []


def test_city104_phone_layout_has_no_horizontal_overflow(browser, server):
    from tests.browser.conftest import Page

    tab = Page(browser, server, width=390, height=844)
    page = tab.open(f"/city/{CITY}")
    page.locator("#city-county-graph .js-plotly-plot").wait_for()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    tab.screenshot("city-320700-phone")
    assert tab.errors == []
    tab.page.close()
