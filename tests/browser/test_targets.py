"""目标追踪 `/targets` in real headless Chromium: every target with the warehouse's figures, the
status filter writes the URL, a click opens a target's detail with its required path, the city
comes from the URL, the city × target heatmap, the mid-term replay."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from indicators.engine import values_as_of
from pages._components import fmt_value

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"
LIANYUNGANG = "320700"


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def progress_rows(wh, as_of, region="320000", method=None):
    """Stored progress rows; ``value`` and ``verdict`` are what a page must show, worked out here:
    once a final assessment exists, the value at the deadline (target ± gap) and 到期…"""
    method_filter = "p.method = ?" if method else "p.is_default_method"
    rows = wh.query(
        "SELECT p.indicator, p.status, p.final_status, p.current_value, p.target_value, "
        "c.unit, c.decimals, p.final_gap, c.polarity "
        "FROM target_progress p JOIN catalog_indicators c USING (indicator) "
        f"WHERE p.target_set = ? AND p.as_of = ? AND p.region_code = ? AND {method_filter} "
        "ORDER BY p.indicator",
        [SET, as_of, region] + ([method] if method else []),
    )
    sign = pl.when(pl.col("polarity") == "lower").then(-1.0).otherwise(1.0)
    return rows.with_columns(
        value=pl.when(pl.col("final_status").is_not_null())
        .then(pl.col("target_value") + sign * pl.col("final_gap"))
        .otherwise(pl.col("current_value")),
        verdict=pl.when(pl.col("final_status").is_not_null())
        .then(pl.lit("final_") + pl.col("final_status"))
        .otherwise(pl.col("status")),
    )


# lagging first: missed at the deadline, met at the deadline, then by status from worst
ROW_ORDER = ["final_not_achieved", "final_achieved", "deterioration", "limited_progress",
             "acceleration_needed", "on_track", "achieved", "not_assessable"]  # fmt: skip


def catalog_counts(wh):
    rows = wh.query(
        "SELECT count(*) AS n, count(target) AS quantified FROM catalog_targets "
        "WHERE target_set = ?",
        [SET],
    )
    return rows["n"][0], rows["quantified"][0]


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


def table_rows(page):
    return page.locator("#targets-table tbody tr[data-indicator]")


def test_targets001_every_target_with_the_warehouse_figures(tab, app_warehouse):
    page = tab.open("/targets")
    assert "目标追踪" in page.inner_text("h1")
    total, quantified = catalog_counts(app_warehouse)
    assert quantified == 10
    assert table_rows(page).count() == total
    assert page.locator('#targets-table tr[data-quantified="true"]').count() == quantified
    expected = progress_rows(app_warehouse, newest(app_warehouse))
    assert expected.height == total
    for r in expected.iter_rows(named=True):
        row = page.locator(f'#targets-table tr[data-indicator="{r["indicator"]}"]')
        latest = row.locator(".targets-latest [data-figure]").inner_text()
        assert latest == fmt_value(r["value"], r["unit"], r["decimals"]), r["indicator"]
        assert row.get_attribute("data-status") == r["verdict"]
        assert row.get_attribute("data-final") == (r["final_status"] or "")
    # after the deadline: the final assessment, with its counts
    assert "总结评估" in page.inner_text("#targets-phase")
    missed = expected.filter(expected["final_status"] == "not_achieved").height
    count = page.locator(
        '#targets-summary [data-count][data-status="final_not_achieved"]'
    ).get_attribute("data-count")
    assert int(count) == missed
    keys = [ROW_ORDER.index(r.get_attribute("data-status")) for r in table_rows(page).all()]
    assert keys == sorted(keys)
    # the explain trace opens on a tap: a missed target explains its final assessment
    first = table_rows(page).first
    first.locator("summary").click()
    assert "2025 年末" in first.locator(".targets-explain").inner_text()
    plotly_data(page, "targets-heatmap-graph", "d.length")
    tab.screenshot("targets-desktop")
    assert tab.errors == []


def test_targets002_status_filter_narrows_the_rows_and_writes_the_url(tab, app_warehouse):
    page = tab.open("/targets?as_of=2023-06")
    expected = progress_rows(app_warehouse, dt.date(2023, 6, 30))
    wanted = ["acceleration_needed", "on_track"]
    page.click("#targets-status")
    page.get_by_role("option", name="▲ 需加速").click()
    page.wait_for_url(re.compile(r"status=acceleration_needed"))
    assert "as_of=2023-06" in page.url
    n = expected.filter(expected["status"] == wanted[0]).height
    assert n >= 1
    page.wait_for_function(
        f"document.querySelectorAll('#targets-table tbody tr[data-indicator]').length === {n}"
    )
    assert {r.get_attribute("data-status") for r in table_rows(page).all()} == {wanted[0]}
    # a second status widens the filter again: both in the URL, rows of both
    page.click("#targets-status")
    page.get_by_role("option", name="● 进度正常").click()
    page.wait_for_url(re.compile(r"status=acceleration_needed(%2C|,)on_track"))
    n = expected.filter(expected["status"].is_in(wanted)).height
    page.wait_for_function(
        f"document.querySelectorAll('#targets-table tbody tr[data-indicator]').length === {n}"
    )
    assert {r.get_attribute("data-status") for r in table_rows(page).all()} == set(wanted)
    assert tab.errors == []


def test_targets003_clicking_a_target_opens_its_detail(tab, app_warehouse):
    page = tab.open(f"/targets?city={LIANYUNGANG}")
    page.click('#targets-table tr[data-indicator="system_cloud_rate"] a.targets-name')
    page.wait_for_url(re.compile(r"target=system_cloud_rate"))
    assert f"city={LIANYUNGANG}" in page.url
    detail = page.locator("#target-detail")
    detail.wait_for()
    assert "非涉密系统整合上云率 · 连云港市" in detail.locator("h2").inner_text()
    names = plotly_data(page, "target-detail-chart", "d.map(t => t.name)")
    assert any(n.startswith("达标所需路径") for n in names)
    assert "实际值" in names
    # the actual path is the warehouse's yearly values as known now
    as_of = newest(app_warehouse)
    years = values_as_of(
        app_warehouse,
        as_of,
        period_type="year",
        indicators=["system_cloud_rate"],
        regions=[LIANYUNGANG],
    )
    done = years.filter(years["complete"])["value"].to_list()
    shown = plotly_data(page, "target-detail-chart", "d[0].y")
    assert shown == pytest.approx(done)
    # the required path ends on the target at the target year
    path = plotly_data(
        page, "target-detail-chart", "d.find(t => t.name.startsWith('达标所需路径'))"
    )
    assert path["y"][-1] == pytest.approx(95.0)
    assert path["x"][-1].startswith("2025-12-31")
    # after the deadline the final assessment explains the verdict, and the 13 cities
    assert page.locator("#target-detail-final").get_attribute("data-final") == "not_achieved"
    assert page.locator("#target-detail-numbers tr").count() == 0
    assert page.locator("#target-detail-cities tbody tr[data-region]").count() == 13
    # before it, the method's key numbers
    page = tab.open(f"/targets?city={LIANYUNGANG}&target=system_cloud_rate&as_of=2024-12")
    page.locator("#target-detail").wait_for()
    assert page.locator("#target-detail-numbers tr").count() >= 3
    assert tab.errors == []


def test_targets004_city_from_the_url_shows_lianyungang_missing_cloud_target(tab, app_warehouse):
    page = tab.open(f"/targets?city={LIANYUNGANG}")
    assert "连云港市" in page.inner_text("h1 + p")
    assert page.locator("#targets-city").inner_text().strip().startswith("连云港市")
    expected = progress_rows(app_warehouse, newest(app_warehouse), LIANYUNGANG)
    cloud = expected.filter(expected["indicator"] == "system_cloud_rate").row(0, named=True)
    assert cloud["final_status"] == "not_achieved"  # planted: 连云港's cloud migration stalled
    row = page.locator('#targets-table tr[data-indicator="system_cloud_rate"]')
    assert row.get_attribute("data-final") == "not_achieved"
    assert "到期未达成" in row.locator(".targets-status").inner_text()
    assert row.locator(".targets-latest [data-figure]").inner_text() == fmt_value(
        cloud["value"], cloud["unit"], cloud["decimals"]
    )
    missed = expected.filter(expected["final_status"] == "not_achieved").height
    count = page.locator(
        '#targets-summary [data-count][data-status="final_not_achieved"]'
    ).get_attribute("data-count")
    assert int(count) == missed
    plotly_data(page, "targets-heatmap-graph", "d.length")  # let plotly load before leaving
    # a copied link with a target reproduces the detail, and the page leaves the URL alone
    page = tab.open(f"/targets?city={LIANYUNGANG}&target=system_cloud_rate")
    page.locator("#target-detail-final").wait_for()
    assert page.locator("#target-detail-final").get_attribute("data-final") == "not_achieved"
    plotly_data(page, "targets-heatmap-graph", "d.length")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/targets?city={LIANYUNGANG}&target=system_cloud_rate")
    assert tab.errors == []


def test_targets005_heatmap_has_every_region_and_a_click_opens_the_cell(tab, app_warehouse):
    page = tab.open("/targets")
    heatmap = page.locator("#targets-heatmap")
    assert heatmap.get_attribute("data-rows") == "14"
    ys = plotly_data(page, "targets-heatmap-graph", "d[0].y")
    assert len(ys) == 14 and ys[0] == "全省" and "连云港市" in ys
    assert len(plotly_data(page, "targets-heatmap-graph", "d[0].x")) == 10
    # every cell of 连云港's row carries its code and the target's code
    row = ys.index("连云港市")
    custom = plotly_data(page, "targets-heatmap-graph", f"d[0].customdata[{row}]")
    assert {c[0] for c in custom} == {LIANYUNGANG}
    column = [c[1] for c in custom].index("system_cloud_rate")
    text = plotly_data(page, "targets-heatmap-graph", f"d[0].text[{row}][{column}]")
    assert "未达成" in text
    page.locator("#targets-heatmap-graph").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([i, j]) => { const g = document.querySelector('#targets-heatmap-graph .js-plotly-plot');"
        " const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;"
        " const r = g.getBoundingClientRect();"
        " return [r.left + xa._offset + xa.c2p(j), r.top + ya._offset + ya.c2p(i)]; }",
        [row, column],
    )
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"target=system_cloud_rate"))
    assert f"city={LIANYUNGANG}" in page.url
    page.locator("#target-detail").wait_for()
    assert tab.errors == []


def test_targets006_mid_term_replay_and_another_method(tab, app_warehouse):
    page = tab.open("/targets?as_of=2023-06&method=linear")
    assert "中期评估" in page.inner_text("#targets-phase")
    assert "总结评估" not in page.inner_text("#targets-summary")
    assert page.locator("#targets-table .targets-final").count() == 0
    expected = progress_rows(app_warehouse, dt.date(2023, 6, 30), method="linear")
    for r in expected.iter_rows(named=True):
        row = page.locator(f'#targets-table tr[data-indicator="{r["indicator"]}"]')
        assert row.get_attribute("data-status") == r["status"], r["indicator"]
        latest = row.locator(".targets-latest [data-figure]").inner_text()
        assert latest == fmt_value(r["value"], r["unit"], r["decimals"])
        assert "线性进度法" in row.inner_text()
    assert tab.errors == []
