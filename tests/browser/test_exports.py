"""Table exports in real headless Chromium: each table's 导出 CSV / 导出 Excel buttons download
the rows the page shows, with the warehouse's figures for the page's as-of, Chinese headers,
a UTF-8 BOM, a formatted workbook with its 说明 sheet, and a file name that says 模拟数据."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import Page
from tests.conftest import file_digest

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"
STATUS_WORDS = {
    "achieved": "已达成",
    "on_track": "进度正常",
    "acceleration_needed": "需加速",
    "limited_progress": "进展有限",
    "deterioration": "退步",
    "not_assessable": "无法评估",
}


def download(page, table: str, fmt: str):
    """Click a table's export button; (file bytes, suggested file name)."""
    button = page.locator(f'button[data-table="{table}"][data-fmt="{fmt}"]')
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes(), info.value.suggested_filename


def csv_records(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark (Excel reads Chinese)"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def about_text(book) -> str:
    return "\n".join(
        str(v) for row in book["说明"].iter_rows(values_only=True) for v in row if v is not None
    )


def progress(wh, as_of, region="320000"):
    return {
        r["indicator"]: r
        for r in wh.query(
            "SELECT p.*, c.decimals FROM target_progress p JOIN catalog_indicators c "
            "USING (indicator) WHERE p.target_set = ? AND p.as_of = ? AND p.region_code = ? "
            "AND p.is_default_method",
            [SET, as_of, region],
        ).iter_rows(named=True)
    }


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def test_exports001_targets_csv_and_excel_hold_the_pages_rows_and_figures(tab, app_warehouse):
    page = tab.open("/targets?as_of=2023-06")
    shown = page.locator("#targets-table tbody tr[data-indicator]")
    shown.first.wait_for()
    order = [shown.nth(i).get_attribute("data-indicator") for i in range(shown.count())]
    expected = progress(app_warehouse, "2023-06-30")

    data, name = download(page, "targets", "csv")
    assert name == "目标进度_2023-06_模拟数据.csv"
    rows = csv_records(data)
    assert [r["指标代码"] for r in rows] == order  # the page's rows in the page's order
    assert list(rows[0])[:4] == ["地区", "地区代码", "指标", "指标代码"]
    assert "总结评估（2025 年末）" not in rows[0]  # before the deadline: no final assessment
    for r in rows:
        want = expected[r["指标代码"]]
        d = want["decimals"]
        assert r["最新值"] == (
            "" if want["current_value"] is None else f"{want['current_value']:.{d}f}"
        )
        assert r["目标值"] == (
            "" if want["target_value"] is None else f"{want['target_value']:.{d}f}"
        )
        # one decimal: a miss never reads as 100 %
        assert r["进度"] == ("" if want["progress"] is None else f"{100 * want['progress']:.1f}%")
        assert r["状态"] == STATUS_WORDS[want["status"]]

    data, name = download(page, "targets", "xlsx")
    assert name == "目标进度_2023-06_模拟数据.xlsx"
    book = workbook(data)
    assert book.sheetnames == ["全省的规划目标", "说明"]
    sheet = book["全省的规划目标"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    latest, progress_col = header.index("最新值"), header.index("进度")
    for row in sheet.iter_rows(min_row=2, max_row=len(order) + 1):
        want = expected[row[header.index("指标代码")].value]
        # Excel keeps the full value (its number format rounds it for the eye)
        for cell, value in (
            (row[latest], want["current_value"]),
            (row[progress_col], want["progress"]),
        ):
            assert cell.value == (None if value is None else pytest.approx(value, rel=1e-12))
        if want["progress"] is not None:
            assert row[progress_col].number_format == "0.0%"
    about = about_text(book)
    assert "2023年06月30日" in about and SET in about and "模拟数据：" in about
    assert "非涉密系统整合上云率" in about  # the indicators' definitions
    assert tab.errors == []


def test_exports002_filters_and_city_of_the_page_go_into_the_file(tab, app_warehouse):
    page = tab.open("/targets?domain=政务服务&city=320700")
    shown = page.locator("#targets-table tbody tr[data-indicator]")
    shown.first.wait_for()
    order = [shown.nth(i).get_attribute("data-indicator") for i in range(shown.count())]
    data, name = download(page, "targets", "csv")
    assert name == f"目标进度_连云港市_政务服务_{newest(app_warehouse):%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    assert [r["指标代码"] for r in rows] == order
    assert {r["地区"] for r in rows} == {"连云港市"} and {r["领域"] for r in rows} == {"政务服务"}
    expected = progress(app_warehouse, newest(app_warehouse), "320700")
    for r in rows:  # after the deadline: one verdict, the final assessment where there is one
        want = expected[r["指标代码"]]
        word = {"achieved": "到期达成", "not_achieved": "到期未达成"}.get(want["final_status"])
        assert r["总结评估（2025 年末）"].startswith(word or STATUS_WORDS[want["status"]])
    # the heatmap: the province and 13 cities × the domain's quantified targets
    data, _ = download(page, "targets_heatmap", "xlsx")
    sheet = workbook(data)["13 市 × 目标 · 状态一览"]
    regions = [sheet[f"A{i}"].value for i in range(2, 16)]
    assert regions[0] == "全省" and regions[-1] == "宿迁市" and sheet["A16"].value is None
    assert sheet["A17"].value.startswith("14 个地区 × ")  # the table's note under its rows
    assert [c.value for c in sheet[1]][2:] == ["一件事通办完成率"]  # 政务服务's quantified
    assert tab.errors == []


def test_exports003_risk_warnings_and_anomalies(tab, app_warehouse):
    page = tab.open("/risk")
    data, name = download(page, "warnings", "csv")
    rows = csv_records(data)
    warnings = app_warehouse.query(
        "SELECT * FROM warnings ORDER BY severity_rank, region_code, rule_id, indicator"
    )
    assert name == f"预警清单_{warnings['as_of'].max():%Y-%m}_模拟数据.csv"
    assert [r["说明"] for r in rows] == warnings["message"].to_list()
    assert [r["地区代码"] for r in rows] == warnings["region_code"].to_list()
    assert rows[0]["级别"] == f"{warnings['severity_label'][0]}风险"

    data, name = download(page, "anomalies", "xlsx")
    assert name.startswith("异常检测_") and name.endswith("_模拟数据.xlsx")
    book = workbook(data)
    sheet = book["异常检测"]
    header = [c.value for c in sheet[1]]
    expected = app_warehouse.query(
        "SELECT period, region_code, value FROM anomalies ORDER BY period DESC, abs(score) DESC "
        "LIMIT 20"
    )
    got = [
        (r[header.index("月份")], r[header.index("地区代码")], r[header.index("实际值")])
        for r in sheet.iter_rows(min_row=2, max_row=expected.height + 1, values_only=True)
    ]
    assert [g[:2] for g in got] == [e[:2] for e in expected.iter_rows()]
    assert [g[2] for g in got] == pytest.approx(expected["value"].to_list(), rel=1e-12)
    page_rows = page.locator("#risk-anomalies tbody tr")
    assert page_rows.count() == expected.height
    assert tab.errors == []


def test_exports004_data_tables_list_every_loaded_file(tab, app_warehouse, demo_files):
    page = tab.open("/data")
    data, name = download(page, "loads", "csv")
    assert name == f"加载记录_{app_warehouse.version()}_模拟数据.csv"
    loads = app_warehouse.query("SELECT file_name, sha256, rows FROM _loads")
    rows = csv_records(data)
    assert sorted((r["文件"], r["SHA-256"], int(r["行数"])) for r in rows) == sorted(
        loads.iter_rows()
    )
    assert {file_digest(p) for p in demo_files.values()} <= {r["SHA-256"] for r in rows}

    data, _ = download(page, "datasets", "xlsx")
    book = workbook(data)
    sheet = book["已加载数据集"]
    header = [c.value for c in sheet[1]]
    counts = {
        r[header.index("数据集代码")]: r[header.index("行数")]
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    for dataset in ("hotline_tickets", "service_items", "economic_stats"):
        n = app_warehouse.query(f"SELECT count(*) AS n FROM {dataset}")["n"][0]
        assert counts[dataset] == n
    assert all(sha in about_text(book) for sha in loads["sha256"].to_list())

    data, _ = download(page, "quality", "csv")
    rows = csv_records(data)
    shown = page.locator("#data-quality-table .quality-score")
    assert [r["质量得分（0–100）"] for r in rows if r["质量得分（0–100）"]] == [
        shown.nth(i).inner_text() for i in range(shown.count())
    ]
    assert tab.errors == []


@pytest.mark.parametrize(
    ("query", "stem"),
    [
        ("indicator=gdp", "经济运行_地区生产总值"),  # a level: growth and shares too
        ("", "经济运行_地区生产总值增速"),  # the default indicator
        # a running year of monthly sums, against the same months a year earlier
        ("indicator=retail_sales&period=year&cities=320100,320500", "经济运行_社会消费品零售总额"),
    ],
)
def test_exports005_economy_table_equals_what_the_page_shows(tab, app_warehouse, query, stem):
    page = tab.open(f"/economy?{query}")
    page.locator("#economy-table tbody tr").first.wait_for()
    data, name = download(page, "economy", "csv")
    assert name == f"{stem}_{newest(app_warehouse):%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    shown = page.locator("#economy-table tbody tr")
    assert [r["地区代码"] for r in rows] == [
        shown.nth(i).get_attribute("data-region") for i in range(shown.count())
    ]
    heads = page.locator("#economy-table thead th")
    labels = [heads.nth(i).inner_text() for i in range(heads.count())]
    assert [k.split("（")[0] for k in rows[0] if k != "地区代码"] == labels
    for i, r in enumerate(rows):  # every cell as the page shows it, in the same order
        cells = shown.nth(i).locator("td")
        on_page = [
            re.sub(r"^第 (\d+)/13$", r"\1", cells.nth(j).inner_text()).replace(",", "")
            for j in range(cells.count())
        ]
        on_page = [text.rstrip("%").replace("—", "") for text in on_page]
        assert on_page == [v for k, v in r.items() if k != "地区代码"], r["地区"]
    assert tab.errors == []


def test_exports008_indicator_values_equal_what_the_page_shows(tab):
    page = tab.open("/indicators?code=system_cloud_rate")
    page.locator("#indicator-values tbody tr").first.wait_for()
    data, name = download(page, "indicator_values", "csv")
    assert name.startswith("非涉密系统整合上云率_各地区最新值_")
    rows = csv_records(data)
    cells = page.locator("#indicator-values tbody .value-cell")
    assert [r["非涉密系统整合上云率（%）"] + "%" for r in rows] == [
        cells.nth(i).inner_text() for i in range(cells.count())
    ]
    assert tab.errors == []


def test_exports006_city_page_and_the_cockpit_map(tab, app_warehouse):
    page = tab.open("/city/320700")
    shown = page.locator("#city-targets .city-target")
    shown.first.wait_for()
    data, name = download(page, "targets", "csv")
    assert name == f"目标进度_连云港市_{newest(app_warehouse):%Y-%m}_模拟数据.csv"
    assert [r["指标代码"] for r in csv_records(data)] == [  # the city's targets in plan order
        shown.nth(i).get_attribute("data-indicator") for i in range(shown.count())
    ]
    page.click("#city-all-ranks summary")
    data, name = download(page, "city_ranks", "xlsx")
    as_of = newest(app_warehouse)
    assert name == f"连云港市_13市排名_{as_of:%Y-%m}_模拟数据.xlsx"
    sheet = workbook(data)["连云港市 · 13 市排名"]
    header = [c.value for c in sheet[1]]
    got = {
        r[header.index("指标代码")]: r[header.index("13 市位次")]
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[0] is not None and r[header.index("指标代码")]
    }
    expected = dict(
        app_warehouse.query(
            "SELECT indicator, rank FROM league_table WHERE as_of = ? AND region_code = '320700'",
            [as_of],
        ).iter_rows()
    )
    assert got == expected and set(got.values()) <= set(range(1, 14))

    page = tab.open("/?layer=system_cloud_rate")
    data, name = download(page, "league", "csv")
    assert name == f"13市排名_非涉密系统整合上云率_{as_of:%Y-%m}_模拟数据.csv"
    league = app_warehouse.query(
        "SELECT region_code, rank FROM league_table WHERE as_of = ? "
        "AND indicator = 'system_cloud_rate' ORDER BY rank, region_code",
        [as_of],
    )
    assert [(r["地区代码"], int(r["位次"])) for r in csv_records(data)] == list(league.iter_rows())
    assert tab.errors == []


def test_exports007_buttons_fit_a_phone(browser, server):
    tab = Page(browser, server, 390, 844)
    for path, table in (
        ("/targets", "targets"),
        # the method comparison is a tracking reading: shown before the deadline
        ("/targets?target=system_cloud_rate&city=320700&as_of=2024-12", "target_methods"),
        ("/risk", "warnings"),
        ("/risk", "risk_scores"),
        ("/risk", "hotline_categories"),
        ("/risk", "hotline_surges"),
        ("/city/320700", "county_values"),
        ("/data", "loads"),
    ):
        page = tab.open(path)
        button = page.locator(f'button[data-table="{table}"][data-fmt="xlsx"]')
        button.wait_for()
        page.wait_for_load_state("networkidle")
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path}: page is {overflow}px wider than the phone"
    data, name = download(page, "loads", "xlsx")
    assert name.endswith("_模拟数据.xlsx") and workbook(data).sheetnames[-1] == "说明"
    assert tab.errors == []
    tab.page.close()


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


def cells(row) -> list[str]:
    tds = row.locator("td")
    return [tds.nth(j).inner_text().strip() for j in range(tds.count())]


def test_exports009_risk_heatmap_and_hotline_tables_equal_what_the_page_shows(tab, app_warehouse):
    page = tab.open("/risk?hotline=320300&category=供水供电供气")
    # the heatmap: each cell's whole-number score, cities down, domains across
    heat = plotly_data(page, "risk-heatmap", "({x: d[0].x, y: d[0].y, text: d[0].text})")
    data, name = download(page, "risk_scores", "csv")
    as_of = app_warehouse.query("SELECT max(as_of) AS d FROM risk_scores")["d"][0]
    assert name == f"风险分_13市_{as_of:%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    assert [r["城市"] for r in rows[:: len(heat["x"])]] == heat["y"]
    assert [r["领域"] for r in rows[: len(heat["x"])]] == heat["x"]
    shown = [cell for row in heat["text"] for cell in row]
    assert [r["风险分（0–100）"] or "—" for r in rows] == shown
    scores = app_warehouse.query("SELECT region_code, domain, warnings FROM risk_scores")
    counts = {(c, d): n for c, d, n in scores.iter_rows()}
    assert all(int(r["预警数"]) == counts[r["地区代码"], r["领域"]] for r in rows)

    # by category: the bar chart's categories (top down) and tickets
    bars = plotly_data(page, "risk-hotline-categories", "({y: d[0].y, text: d[0].text})")
    data, name = download(page, "hotline_categories", "xlsx")
    last = app_warehouse.query("SELECT max(month) AS m FROM hotline_monthly")["m"][0]
    assert name == f"12345热线_各类别工单量_徐州市_{last:%Y-%m}_模拟数据.xlsx"
    book = workbook(data)
    sheet = book["徐州市 · 近 12 个月各类别工单量"]
    assert [c.value for c in sheet[1]] == ["类别", "工单量（件）", "按时办结率（%）", "满意率（%）"]
    got = [(r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] is not None]
    assert (
        got
        == [(c, int(t.replace(",", ""))) for c, t in zip(bars["y"], bars["text"], strict=True)][
            ::-1
        ]
    )
    about = about_text(book)
    assert "hotline_tickets" in about and "12345 工单按时办结率" in about

    # the trend chart: the region's one category, month by month
    trend = plotly_data(
        page, "risk-hotline-trend", "({x: d[0].x, y: Array.from(d[0].y), rate: Array.from(d[1].y)})"
    )
    data, name = download(page, "hotline_monthly", "csv")
    assert name == f"12345热线_月度_徐州市_供水供电供气_{last:%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    assert [r["月份"] for r in rows] == [x[:7] for x in trend["x"]]
    assert [int(r["工单量（件）"]) for r in rows] == trend["y"]
    assert [r["按时办结率（%）"] for r in rows] == [
        "" if v is None else f"{v:.1f}" for v in trend["rate"]
    ]

    # surges: the table's rows, cell for cell
    data, name = download(page, "hotline_surges", "csv")
    assert name == f"12345热线_诉求激增_{last:%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    table = page.locator("#risk-surges tbody tr")
    assert table.count() == len(rows) == 10
    for i, r in enumerate(rows):
        year, month = r["月份"].split("-")
        assert cells(table.nth(i)) == [
            r["城市"],
            r["类别"],
            f"{year}年{int(month)}月",
            f"{int(r['当月（件）']):,}",
            r["预期（趋势与季节拟合）（件）"],
            f"{r['倍数']}×",
        ]
    assert rows[0]["地区代码"] == "320300" and rows[0]["类别"] == "供水供电供气"
    assert tab.errors == []


def test_exports010_city_county_table_of_the_chosen_layer(tab, app_warehouse):
    page = tab.open("/city/320700?layer=hotline_on_time_rate&as_of=2025-12")
    shown = page.locator("#city-county-table tbody tr")
    shown.first.wait_for()
    data, name = download(page, "county_values", "csv")
    assert name == "连云港市_各县_12345_工单按时办结率_2025-12_模拟数据.csv"
    rows = csv_records(data)
    assert [r["地区代码"] for r in rows] == [
        shown.nth(i).get_attribute("data-region") for i in range(shown.count())
    ]
    for i, r in enumerate(rows):  # county, value with its unit, rank of the city's counties
        assert cells(shown.nth(i)) == [
            r["县（市、区）"],
            r["12345 工单按时办结率（%）"] + "%",
            f"{r['本市位次']}/{len(rows)}",
        ]
    assert {r["时期"] for r in rows} == {"2025 年"}  # the year is over at 2025-12
    # another layer from the selector: the buttons follow the URL
    page.click("#city-layer")
    page.get_by_role("option", name="12345 热线工单量").click()
    page.wait_for_url(re.compile(r"layer=hotline_tickets"))
    page.wait_for_function(
        "document.querySelector('#city-county-table thead').innerText.includes('热线工单量')"
    )
    data, name = download(page, "county_values", "xlsx")
    assert name == "连云港市_各县_12345_热线工单量_2025-12_模拟数据.xlsx"
    sheet = workbook(data).worksheets[0]
    tickets = app_warehouse.query(
        """
        SELECT v.region_code, v.value FROM indicator_values v JOIN regions r USING (region_code)
        WHERE r.level = 'county' AND r.city_code = '320700' AND v.indicator = 'hotline_tickets'
          AND v.period_type = 'year' AND v.period = '2025' AND v.known_from <= DATE '2025-12-31'
        QUALIFY row_number() OVER (PARTITION BY v.region_code ORDER BY v.known_from DESC) = 1
        """
    )
    got = {r[1]: r[2] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1]}
    assert got == dict(tickets.iter_rows())
    assert tab.errors == []


def test_exports011_target_methods_of_the_open_target(tab, app_warehouse):
    # the three methods' tracking readings, compared before the deadline
    page = tab.open("/targets?target=system_cloud_rate&city=320700&method=linear&as_of=2024-12")
    shown = page.locator("#target-detail-methods tr[data-method]")
    shown.first.wait_for()
    data, name = download(page, "target_methods", "csv")
    as_of = dt.date(2024, 12, 31)
    assert name == f"目标方法对比_非涉密系统整合上云率_连云港市_{as_of:%Y-%m}_模拟数据.csv"
    rows = csv_records(data)
    assert [r["方法代码"] for r in rows] == [
        shown.nth(i).get_attribute("data-method") for i in range(shown.count())
    ]
    for i, r in enumerate(rows):
        name_cell, status, ratio, current = cells(shown.nth(i))
        assert name_cell.startswith(r["方法"].split("（")[0])
        assert ("（默认）" in name_cell) == (r["默认方法"] == "是")
        assert status.endswith(r["状态"])
        assert ratio == f"比值 {r['比值（实际 ÷ 所需）']}"
        assert (current == "当前") == (r["本页所用"] == "当前")
    assert [r["方法代码"] for r in rows if r["本页所用"]] == ["linear"]
    expected = app_warehouse.query(
        "SELECT method, progress FROM target_progress WHERE target_set = ? AND as_of = ? "
        "AND indicator = 'system_cloud_rate' AND region_code = '320700'",
        [SET, as_of],
    )
    progress = {r["方法代码"]: r["进度"] for r in rows}
    assert progress == {m: f"{100 * p:.0f}%" for m, p in expected.iter_rows()}
    assert tab.errors == []
