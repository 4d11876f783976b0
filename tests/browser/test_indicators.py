"""指标库 `/indicators` in real headless Chromium: the whole catalog, search, a detail with its
formula and plan clause, values equal to the warehouse, regions in the URL and the chart, CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from indicators.engine import values_as_of
from pages._components import fmt_value
from tests.browser.conftest import Page

pytestmark = pytest.mark.browser
CODE = "system_cloud_rate"


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def chart_traces(page) -> list[str]:
    """Names of the chart's traces once it is drawn."""
    selector = "#indicator-chart .js-plotly-plot"
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{selector}'); return g && g.data; }}"
    )
    return page.evaluate(f"document.querySelector('{selector}').data.map(t => t.name)")


def listed(page) -> list[str]:
    rows = page.locator("#indicators-list tr[data-indicator]")
    return [rows.nth(i).get_attribute("data-indicator") for i in range(rows.count())]


def test_indicators001_lists_every_catalog_indicator(tab, app_warehouse):
    page = tab.open("/indicators")
    assert "指标库" in page.inner_text("h1")
    catalog = app_warehouse.query("SELECT indicator, domain FROM catalog_indicators")
    declared = sum(
        len(yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"])
        for path in Path("indicators/catalog").glob("*.yaml")
    )
    assert catalog.height == declared
    assert sorted(listed(page)) == sorted(catalog["indicator"].to_list())
    assert f"显示 {declared} / {declared} 项指标" in page.inner_text("#indicators-count")
    # every domain, kind and a province value or a dash
    row = page.locator(f'#indicators-list tr[data-indicator="{CODE}"]')
    assert "非涉密系统整合上云率" in row.inner_text()
    assert "目标" in row.inner_text() and "基础支撑" in row.inner_text()
    assert page.locator("#indicators-overview").is_visible()
    # opening the page does not rewrite its URL (the newest as-of is the default)
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/indicators")
    tab.screenshot("indicators-desktop")
    assert tab.errors == []


def test_indicators002_search_narrows_to_the_cloud_indicators(tab, app_warehouse):
    page = tab.open("/indicators")
    page.fill("#indicators-search", "上云")
    page.press("#indicators-search", "Enter")
    page.wait_for_url(re.compile(r"q=%E4%B8%8A%E4%BA%91"))
    page.wait_for_function(
        "document.querySelector('#indicators-count').innerText.includes('显示 3')"
    )
    expected = app_warehouse.query(
        "SELECT indicator FROM catalog_indicators WHERE name_zh LIKE '%上云%' "
        "OR description LIKE '%上云%' OR name_en ILIKE '%上云%'"
    )["indicator"].to_list()
    assert sorted(listed(page)) == sorted(expected)
    assert sorted(expected) == ["system_cloud_rate", "systems_not_on_cloud", "systems_on_cloud"]
    assert tab.errors == []


def test_indicators003_clicking_an_indicator_opens_its_formula_and_clause(tab, app_warehouse):
    page = tab.open("/indicators?q=上云")
    page.click(f'#indicators-list tr[data-indicator="{CODE}"] a')
    page.wait_for_url(re.compile(rf"code={CODE}"))
    detail = page.locator(f'#indicator-detail[data-indicator="{CODE}"]')
    detail.wait_for()
    text = detail.inner_text()
    row = app_warehouse.query(
        "SELECT name_zh, name_en, clause, responsible_units FROM catalog_indicators "
        "WHERE indicator = ?",
        [CODE],
    ).row(0, named=True)
    assert row["name_zh"] in text and row["name_en"] in text
    formula = page.inner_text("#indicator-formula")
    assert "分子：截至时点 上云日期 不晚于时点" in formula
    assert "分母：建成日期 不晚于时点" in formula
    assert "筛选：是否涉密 = 否" in formula and "×100" in formula
    # the data columns, for analysts tracing the data, are in the folded method note
    note = detail.locator("details.method-note").text_content()
    assert CODE in note
    assert "分子：截至时点 上云日期（cloud_date） 不晚于时点" in note
    assert row["clause"] in text
    assert row["responsible_units"] in text
    assert "政务信息系统" in page.inner_text('[data-field="数据来源"]')
    # the target of the plan that uses it
    target = page.locator('#indicator-targets [data-target-set="jiangsu-14fyp-digital-gov"]')
    assert "2025 年目标 95.0%" in target.inner_text()
    # after the 2025 deadline the plan's final assessment is the one verdict shown
    final = app_warehouse.query(
        "SELECT final_status, final_explain FROM target_progress WHERE indicator = ? "
        "AND region_code = '320000' AND is_default_method "
        "AND as_of = (SELECT max(as_of) FROM target_progress)",
        [CODE],
    ).row(0, named=True)
    assessed = target.locator(".target-final")
    assert final["final_explain"] in assessed.inner_text()
    badges = target.locator(".status-badge")
    assert badges.count() == 1
    assert badges.get_attribute("data-status") == f"final_{final['final_status']}"
    # the search stays, the selected row is marked
    assert "q=" in page.url
    assert "table-active" in page.locator(
        f'#indicators-list tr[data-indicator="{CODE}"]'
    ).get_attribute("class")
    assert tab.errors == []


def test_indicators004_values_table_equals_the_warehouse(tab, app_warehouse):
    page = tab.open(f"/indicators?code={CODE}")
    as_of = newest(app_warehouse)
    decimals = app_warehouse.query(
        "SELECT decimals FROM catalog_indicators WHERE indicator = ?", [CODE]
    )["decimals"][0]
    frame = values_as_of(app_warehouse, as_of, period_type="month", indicators=[CODE], regions=None)
    period = frame.filter(frame["region_code"] == "320000")["period"].max()
    at = dict(frame.filter(frame["period"] == period).select("region_code", "value").iter_rows())
    table = page.locator("#indicator-values")
    for region in ("320000", "320100", "320700"):
        cell = table.locator(f'tr[data-region="{region}"] .value-cell')
        assert cell.inner_text() == fmt_value(at[region], "%", decimals), region
    # 13 cities ranked 1..13 (higher is better), the province first without a rank
    rows = table.locator("tbody tr")
    assert rows.count() == 14
    assert rows.first.get_attribute("data-region") == "320000"
    best = max((v, c) for c, v in at.items() if c != "320000" and c[-2:] == "00")[1]
    assert rows.nth(1).get_attribute("data-region") == best
    header = page.inner_text("#_pages_content")
    assert f"{int(period[:4])}年{int(period[5:])}月" in header
    assert tab.errors == []


def test_indicators005_choosing_regions_updates_the_url_and_the_chart(tab):
    page = tab.open(f"/indicators?code={CODE}&regions=320000,320100")
    assert chart_traces(page) == ["江苏省", "南京市"]
    page.click("#indicators-regions")
    page.get_by_role("option", name="苏州市", exact=True).click()
    page.wait_for_url(re.compile(r"regions=320000,320100,320500"))
    page.wait_for_function(
        "() => { const g = document.querySelector('#indicator-chart .js-plotly-plot');"
        " return g && g.data && g.data.length === 3; }"
    )
    assert chart_traces(page) == ["江苏省", "南京市", "苏州市"]
    # the period type goes to the URL and the chart's title says it
    page.get_by_text("年", exact=True).click()
    page.wait_for_url(re.compile(r"period=year"))
    page.wait_for_function(
        "() => { const g = document.querySelector('#indicator-chart .js-plotly-plot');"
        " return g && g.layout.title.text.includes('按年'); }"
    )
    assert "regions=320000,320100,320500" in page.url
    assert tab.errors == []


def test_indicators006_period_range_and_counties(tab, app_warehouse):
    # hotline tickets have county values: a county can be charted; the range limits the periods
    page = tab.open(
        "/indicators?code=hotline_tickets&regions=320100,320102&period=year&from=2022&to=2024"
    )
    assert chart_traces(page) == ["南京市", "玄武区"]
    xs = page.evaluate(
        "document.querySelector('#indicator-chart .js-plotly-plot').data[1].x.map(String)"
    )
    assert [x[:4] for x in xs] == ["2022", "2023", "2024"]
    ys = page.evaluate("document.querySelector('#indicator-chart .js-plotly-plot').data[1].y")
    frame = values_as_of(
        app_warehouse,
        newest(app_warehouse),
        period_type="year",
        indicators=["hotline_tickets"],
        regions=["320102"],
    ).sort("period")
    expected = dict(frame.select("period", "value").iter_rows())
    assert ys == [expected["2022"], expected["2023"], expected["2024"]]
    assert tab.errors == []


def test_indicators007_download_csv(tab):
    """The chart's values (its regions, yearly) download as CSV from the 走势 card."""
    page = tab.open(f"/indicators?code={CODE}&regions=320000,320100&period=year")
    with page.expect_download() as info:
        page.click('button[data-table="indicator_series"][data-fmt="csv"]')
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("地区代码,地区,时期,起始日,截止日,非涉密系统整合上云率（%）")
    assert {line.split(",")[0] for line in lines[1:]} == {"320000", "320100"}
    assert {line.split(",")[2] for line in lines[1:]} >= {"2021", "2024"}  # yearly periods
    assert info.value.suggested_filename.startswith("非涉密系统整合上云率_走势年度_")
    assert tab.errors == []


def test_indicators008_phone_width_has_no_horizontal_overflow(browser, server):
    tab = Page(browser, server, 390, 844)
    for path in ("/indicators", f"/indicators?code={CODE}"):
        page = tab.open(path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path}: page is {overflow}px wider than the phone"
    # with an indicator chosen, its detail comes first on a phone
    detail_top = page.locator("#indicator-detail").bounding_box()["y"]
    # (the list's own box: the table inside it scrolls to the chosen indicator)
    list_top = page.locator(".indicators-scroll").bounding_box()["y"]
    assert detail_top < list_top
    tab.screenshot("indicators-phone")
    assert tab.errors == []
    tab.page.close()
