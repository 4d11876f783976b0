"""经济运行 `/economy` in real headless Chromium: the KPI strip equals the warehouse as known at
the as-of date, the indicator dropdown writes the URL and redraws the charts, and ``cities``
limits the trend lines."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from indicators.engine import values_as_of

pytestmark = pytest.mark.browser
PROVINCE = "320000"
KPIS = [  # indicator, period type, unit suffix shown
    ("gdp_growth", "quarter", "%"),
    ("fixed_asset_investment_growth", "month", "%"),
    ("retail_sales_growth", "month", "%"),
    ("budget_revenue_growth", "month", "%"),
    ("cpi", "month", ""),
    ("unemployment_rate", "month", "%"),
]


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


def expected_kpis(wh, as_of: dt.date) -> dict[str, tuple[str, str]]:
    """Each KPI's latest province value (one decimal) and its change on a year before."""
    out = {}
    for code, period_type, suffix in KPIS:
        rows = values_as_of(
            wh, as_of, period_type=period_type, indicators=[code], regions=[PROVINCE]
        ).sort("period")
        last = rows.row(-1, named=True)
        year_before = str(int(last["period"][:4]) - 1) + last["period"][4:]
        before = rows.filter(pl.col("period") == year_before)["value"]
        delta = last["value"] - before[0]
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        out[code] = (f"{last['value']:.1f}{suffix}", f"{sign}{abs(delta):.1f}")
    return out


def check_kpis(page, wh, as_of):
    for code, (value, change) in expected_kpis(wh, as_of).items():
        card = page.locator(f'#economy-kpis .kpi-value[data-indicator="{code}"]')
        assert card.inner_text() == value, code
        change_text = page.locator(
            f'#economy-kpis .economy-kpi-change[data-indicator="{code}"]'
        ).inner_text()
        assert change in change_text, (code, change_text)


def test_economy101_kpi_strip_equals_the_warehouse(tab, app_warehouse):
    page = tab.open("/economy")
    assert page.inner_text("h1") == "经济运行"
    assert page.locator("#economy-kpis .kpi-card").count() == 6
    check_kpis(page, app_warehouse, newest(app_warehouse))
    # levels: 13 city bars for GDP growth, equal to the newest quarter in the warehouse
    rows = values_as_of(
        app_warehouse,
        newest(app_warehouse),
        period_type="quarter",
        indicators=["gdp_growth"],
        regions=None,
    )
    latest = rows.filter(
        (pl.col("period") == rows["period"].max()) & (pl.col("region_code") != PROVINCE)
    )
    latest = latest.filter(pl.col("region_code").str.ends_with("00"))
    bars = plotly_data(page, "economy-levels", "d[0].x")
    assert sorted(bars) == sorted(latest["value"].to_list())
    assert page.locator("#economy-table tbody tr").count() == 14  # 全省 + 13 市
    tab.screenshot("economy-desktop")
    assert tab.errors == []


def test_economy102_as_of_shows_only_what_was_known_then(tab, app_warehouse):
    page = tab.open("/economy?as_of=2023-06")
    check_kpis(page, app_warehouse, dt.date(2023, 6, 30))
    assert "2023年6月" in page.inner_text("#_pages_content")
    assert tab.errors == []


def test_economy103_indicator_dropdown_writes_the_url_and_redraws(tab, app_warehouse):
    page = tab.open("/economy")
    page.click("#economy-indicator")
    page.get_by_role("option", name="社会消费品零售总额（亿元）").click()
    page.wait_for_url(re.compile(r"indicator=retail_sales"))
    page.wait_for_function(
        "() => { const g = document.querySelector('#economy-levels .js-plotly-plot');"
        " return g && g.layout.xaxis.title.text.includes('社会消费品零售总额'); }"
    )
    # retail sales are a level: growth and shares appear, computed from the values
    rows = values_as_of(
        app_warehouse,
        newest(app_warehouse),
        period_type="month",
        indicators=["retail_sales"],
        regions=None,
    ).filter(pl.col("region_code").str.ends_with("00") & (pl.col("region_code") != PROVINCE))
    month = rows["period"].max()
    now = dict(rows.filter(pl.col("period") == month).select("region_code", "value").iter_rows())
    before_period = str(int(month[:4]) - 1) + month[4:]
    before = dict(
        rows.filter(pl.col("period") == before_period).select("region_code", "value").iter_rows()
    )
    growth = sorted(round((now[c] / before[c] - 1) * 100, 6) for c in now)
    shown = plotly_data(page, "economy-growth", "d[0].x")
    assert sorted(round(v, 6) for v in shown) == growth
    total = sum(now.values())
    shares = sorted(round(v / total * 100, 6) for v in now.values())
    assert sorted(round(v, 6) for v in plotly_data(page, "economy-shares", "d[0].x")) == shares
    trend_title = page.evaluate(
        "document.querySelector('#economy-trend .js-plotly-plot').layout.yaxis.title.text"
    )
    assert trend_title == "社会消费品零售总额（亿元）"
    # the period radio switches to years: the running year is compared like for like
    page.get_by_text("按年").click()
    page.wait_for_url(re.compile(r"period=year"))
    page.wait_for_function(
        "document.querySelector('#_pages_content').innerText.includes('期中数据与上年同期相同月份比较')"
    )
    assert tab.errors == []


def test_economy104_cities_limit_the_trend_lines(tab):
    page = tab.open("/economy?cities=320100,320500")
    names = plotly_data(page, "economy-trend", "d.map(t => t.name)")
    assert names == ["南京市", "苏州市", "全省"]
    regions = page.locator("#economy-table tbody tr")
    codes = [regions.nth(i).get_attribute("data-region") for i in range(regions.count())]
    assert codes[0] == "320000" and sorted(codes[1:]) == ["320100", "320500"]
    assert tab.errors == []
