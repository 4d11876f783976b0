"""The app's tables as exports (reports.app_tables) on the demo warehouse: each
builder's figures against the warehouse's own rows (worked out here with SQL), the page's
filters honoured, and the file names and 说明 that go with them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import polars as pl
import pytest

from indicators import read_risk
from reports import app_tables
from tests.conftest import file_digest

SET = "jiangsu-14fyp-digital-gov"
MIDTERM = dt.date(2023, 6, 30)
STATUS_WORDS = {
    "achieved": "已达成",
    "on_track": "进度正常",
    "acceleration_needed": "需加速",
    "limited_progress": "进展有限",
    "deterioration": "退步",
    "not_assessable": "无法评估",
}
STATUS_RANK = {s: i for i, s in enumerate(["deterioration", "limited_progress",
                                          "acceleration_needed", "on_track", "achieved",
                                          "not_assessable"])}  # fmt: skip
FINAL_WORDS = {"achieved": "到期达成", "not_achieved": "到期未达成"}


def verdict_word(r: dict) -> str:
    """The one verdict a row must show, worked out here from the stored columns: the final
    assessment where there is one, else the tracking status."""
    return FINAL_WORDS[r["final_status"]] if r["final_status"] else STATUS_WORDS[r["status"]]


def judged_value(r: dict) -> float | None:
    """The value the verdict is about: at the deadline (target ± gap) once assessed."""
    if not r["final_status"]:
        return r["current_value"]
    return (
        r["target_value"] - r["final_gap"]
        if r["polarity"] == "lower"
        else (r["target_value"] + r["final_gap"])
    )


CITIES = [
    "320100", "320200", "320300", "320400", "320500", "320600", "320700",
    "320800", "320900", "321000", "321100", "321200", "321300",
]  # fmt: skip


@pytest.fixture(scope="module")
def newest(demo_computed) -> dt.date:
    """The newest vintage (after the plan's deadline: the final assessment applies)."""
    d = demo_computed.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    assert d > dt.date(2025, 12, 31)
    return d


def progress_rows(wh, as_of, region="320000", method=None) -> pl.DataFrame:
    """target_progress for one region and as-of, with the catalog's domain and decimals."""
    cond = "(p.method = ? OR p.target_value IS NULL)" if method else "p.is_default_method"
    return wh.query(
        f"""
        SELECT p.*, c.domain, c.decimals, c.unit, c.polarity
        FROM target_progress p JOIN catalog_indicators c USING (indicator)
        WHERE p.target_set = ? AND p.as_of = ? AND p.region_code = ? AND {cond}
        """,
        [SET, as_of, region] + ([method] if method else []),
    )


def by_indicator(table) -> dict[str, dict]:
    return {r["indicator"]: r for r in table.frame.iter_rows(named=True)}


def csv_records(table) -> list[dict]:
    text = app_tables.to_csv(table).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- /targets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("vintage", ["newest", "midterm"])
def test_app_tables001_targets_equal_target_progress_for_the_as_of(demo_computed, newest, vintage):
    as_of = newest if vintage == "newest" else MIDTERM
    table = app_tables.build(demo_computed, "targets", {"as_of": f"{as_of:%Y-%m}"})
    expected = progress_rows(demo_computed, as_of)
    got = by_indicator(table)
    assert set(got) == set(expected["indicator"].to_list())
    final = as_of > dt.date(2025, 12, 31)
    for r in expected.iter_rows(named=True):
        row = got[r["indicator"]]
        for col in ("baseline_value", "target_value"):
            assert row[col] == r[col], (r["indicator"], col)
        assert row["shown_value"] == pytest.approx(judged_value(r), abs=1e-9)
        # one verdict: the label leads the text (a miss adds its gap)
        assert row["verdict_text"].startswith(verdict_word(r)), r["indicator"]
        assert row["region"] == "全省"
        if r["final_status"] == "not_achieved":
            unit = "个百分点" if r["unit"] == "%" else r["unit"]
            assert unit in row["verdict_text"]
    # the CSV shows each value with its indicator's decimals
    value_header = "期末值（评估所据）" if final else "最新值"
    shown = {r["指标代码"]: r for r in csv_records(table)}
    for r in expected.iter_rows(named=True):
        value = judged_value(r)
        assert shown[r["indicator"]][value_header] == (
            "" if value is None else f"{value:.{r['decimals']}f}"
        )
    # the final assessment's columns only once the deadline (2025 年末) has passed
    headers = [c.label for c in table.columns]
    assert ("总结评估（2025 年末）" in headers) == final
    assert ("状态" in headers) == (not final)
    assert ("首次达标" in headers) == final
    if final:
        for r in expected.iter_rows(named=True):
            assert got[r["indicator"]]["gap"] == r["final_gap"]


def test_app_tables002_targets_list_lagging_first(demo_computed):
    table = app_tables.build(demo_computed, "targets", {"as_of": "2023-06"})
    rank_of = {STATUS_WORDS[s]: i for s, i in STATUS_RANK.items()}
    ranks = [rank_of[r["verdict_text"]] for r in table.frame.iter_rows(named=True)]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({"domain": "政务服务"}, lambda r: r["domain"] == "政务服务"),
        # after the deadline a quantified target's verdict is its final assessment, so only
        # targets without one (qualitative) keep a tracking status
        (
            {"status": "achieved,on_track"},
            lambda r: r["final_status"] is None and r["status"] in ("achieved", "on_track"),
        ),
        ({"status": "final_not_achieved"}, lambda r: r["final_status"] == "not_achieved"),
        ({"status": "not_achieved"}, lambda r: r["final_status"] == "not_achieved"),
        ({"status": "final_achieved"}, lambda r: r["final_status"] == "achieved"),
    ],
)
def test_app_tables003_targets_honour_the_page_filters(demo_computed, newest, query, keep):
    table = app_tables.build(demo_computed, "targets", query)
    expected = [r["indicator"] for r in progress_rows(demo_computed, newest).iter_rows(named=True)
                if keep(r)]  # fmt: skip
    assert expected, "the filter keeps something"
    assert sorted(table.frame["indicator"].to_list()) == sorted(expected)


def test_app_tables004_targets_of_a_city_by_another_method(demo_computed):
    query = {"city": "320700", "method": "linear", "as_of": "2024-12"}
    table = app_tables.build(demo_computed, "targets", query)
    expected = progress_rows(demo_computed, dt.date(2024, 12, 31), "320700", method="linear")
    got = by_indicator(table)
    assert set(got) == set(expected["indicator"].to_list())
    for r in expected.iter_rows(named=True):
        assert got[r["indicator"]]["region"] == "连云港市"
        assert got[r["indicator"]]["progress"] == r["progress"]
        assert got[r["indicator"]]["verdict_text"] == STATUS_WORDS[r["status"]]
    quantified = [r for r in got.values() if r["target_value"] is not None]
    assert {r["method_zh"] for r in quantified} == {"线性进度法（百分点）"}
    assert table.stem == "目标进度_连云港市_2024-12"


def test_app_tables005_target_cities_and_heatmap(demo_computed, newest):
    cities = app_tables.build(demo_computed, "target_cities", {"target": "system_cloud_rate"})
    expected = demo_computed.query(
        "SELECT region_code, current_value, status, final_status, final_gap, target_value, "
        "'higher' AS polarity FROM target_progress WHERE target_set = ? "
        "AND as_of = ? AND indicator = 'system_cloud_rate' AND is_default_method "
        "AND region_code != '320000'",
        [SET, newest],
    )
    got = {r["region_code"]: r for r in cities.frame.iter_rows(named=True)}
    assert sorted(got) == CITIES
    for r in expected.iter_rows(named=True):
        assert got[r["region_code"]]["shown_value"] == pytest.approx(judged_value(r), abs=1e-9)
        assert got[r["region_code"]]["verdict_text"].startswith(verdict_word(r))

    heat = app_tables.build(demo_computed, "targets_heatmap", {"as_of": "2023-06"})
    assert heat.frame["region_code"].to_list() == ["320000", *CITIES]
    numeric = demo_computed.query(
        "SELECT indicator FROM catalog_targets WHERE target_set = ? AND target IS NOT NULL", [SET]
    )["indicator"].to_list()
    assert sorted(c.name for c in heat.columns[2:]) == sorted(numeric)
    cells = demo_computed.query(
        "SELECT region_code, indicator, status FROM target_progress WHERE target_set = ? "
        "AND as_of = ? AND is_default_method",
        [SET, MIDTERM],
    )
    rows = {r["region_code"]: r for r in heat.frame.iter_rows(named=True)}
    for r in cells.filter(pl.col("indicator").is_in(numeric)).iter_rows(named=True):
        assert rows[r["region_code"]][r["indicator"]] == STATUS_WORDS[r["status"]]


# --- /city, the cockpit map ----------------------------------------------------------------------


def test_app_tables006_city_ranks_one_row_per_indicator_ranked_among_13(demo_computed, newest):
    table = app_tables.build(demo_computed, "city_ranks", {"code": "320700"})
    expected = demo_computed.query(
        "SELECT indicator, rank, value FROM league_table WHERE as_of = ? AND region_code = ?",
        [newest, "320700"],
    )
    frame = table.frame
    assert frame.height == expected.height > 30
    assert frame["indicator"].n_unique() == frame.height
    assert frame["rank"].min() >= 1 and frame["rank"].max() <= 13
    ranks = dict(expected.select("indicator", "rank").iter_rows())
    assert dict(frame.select("indicator", "rank").iter_rows()) == ranks
    assert table.stem == f"连云港市_13市排名_{newest:%Y-%m}"
    with pytest.raises(ValueError, match="没有代码为「999999」的设区市"):
        app_tables.build(demo_computed, "city_ranks", {"code": "999999"})


def test_app_tables007_composite_and_league(demo_computed, newest):
    table = app_tables.build(demo_computed, "composite", {"layer": "数字社会"})
    expected = demo_computed.query(
        "SELECT region_code, domain, score, rank FROM composite_index WHERE as_of = ?", [newest]
    )
    assert table.frame.height == 13
    headers = {c.name: c.header for c in table.columns}
    rows = {r["region_code"]: r for r in table.frame.iter_rows(named=True)}
    for r in expected.iter_rows(named=True):
        score_col = next(k for k, h in headers.items() if h == f"{r['domain']}指数")
        rank_col = next(k for k, h in headers.items() if h == f"{r['domain']}位次")
        assert rows[r["region_code"]][score_col] == r["score"]
        assert rows[r["region_code"]][rank_col] == r["rank"]
    # sorted by the cockpit map's layer
    rank_col = next(k for k, h in headers.items() if h == "数字社会位次")
    assert table.frame[rank_col].to_list() == sorted(table.frame[rank_col].to_list())

    league = app_tables.build(demo_computed, "league", {"layer": "system_cloud_rate"})
    expected = demo_computed.query(
        "SELECT region_code, value, rank FROM league_table WHERE as_of = ? "
        "AND indicator = 'system_cloud_rate' ORDER BY rank, region_code",
        [newest],
    )
    assert (
        league.frame.select("region_code", "value", "rank")
        .sort("rank", "region_code")
        .equals(expected)
    )


# --- /indicators ---------------------------------------------------------------------------------


def known(wh, indicator: str, period_type: str, as_of: dt.date) -> pl.DataFrame:
    """Each region's and period's value as known at ``as_of`` (the newest known_from)."""
    return wh.query(
        """
        SELECT region_code, period, value, numerator, denominator FROM indicator_values
        WHERE indicator = ? AND period_type = ? AND known_from <= ?
        QUALIFY row_number() OVER (PARTITION BY region_code, period ORDER BY known_from DESC) = 1
        """,
        [indicator, period_type, as_of],
    )


def test_app_tables008_indicator_values_are_the_latest_known_with_ranks(demo_computed, newest):
    table = app_tables.build(demo_computed, "indicator_values", {"code": "system_cloud_rate"})
    rows = table.frame.to_dicts()
    assert [r["region_code"] for r in rows][0] == "320000" and len(rows) == 14
    values = known(demo_computed, "system_cloud_rate", "month", newest).filter(
        pl.col("period") == f"{newest:%Y-%m}"
    )
    expected = {r["region_code"]: r for r in values.iter_rows(named=True)}
    for r in rows:
        assert r["period"] == f"{newest.year}年{newest.month}月"
        assert r["value"] == expected[r["region_code"]]["value"]
        assert r["numerator"] == expected[r["region_code"]]["numerator"]
    city_values = [r["value"] for r in rows[1:]]
    assert city_values == sorted(city_values, reverse=True)  # higher is better: rank 1 first
    assert [r["rank"] for r in rows[1:]] == list(range(1, 14))


def test_app_tables009_indicator_series_keeps_the_chart_regions_and_range(demo_computed, newest):
    query = {"code": "system_cloud_rate", "regions": "320000,320100", "period": "year",
             "from": "2021", "to": "2024"}  # fmt: skip
    table = app_tables.build(demo_computed, "indicator_series", query)
    expected = known(demo_computed, "system_cloud_rate", "year", newest).filter(
        pl.col("region_code").is_in(["320000", "320100"])
        & pl.col("period").is_between(pl.lit("2021"), pl.lit("2024"))
    )
    got = table.frame.select("region_code", "period", "value")
    assert got.equals(
        expected.select("region_code", "period", "value").sort("region_code", "period")
    )


# --- /risk ---------------------------------------------------------------------------------------


def test_app_tables010_warnings_and_anomalies(demo_computed):
    if "warnings" not in demo_computed.table_names():
        pytest.skip("no risk tables in this warehouse")
    all_ = app_tables.build(demo_computed, "warnings", {})
    count = demo_computed.query("SELECT count(*) AS n FROM warnings")["n"][0]
    assert all_.frame.height == count > 0
    assert all_.frame["severity_zh"][0] == "高风险"
    one = app_tables.build(demo_computed, "warnings", {"city": "320700"})
    n = demo_computed.query("SELECT count(*) AS n FROM warnings WHERE region_code = '320700'")
    assert one.frame.height == n["n"][0] > 0
    assert set(one.frame["region"].to_list()) == {"连云港市"}
    anomalies = app_tables.build(demo_computed, "anomalies", {})
    assert anomalies.frame.height <= 20
    if "anomalies" in demo_computed.table_names():
        newest = demo_computed.query("SELECT max(period) AS p FROM anomalies")["p"][0]
        assert anomalies.frame["period"][0] == newest


# --- /economy ------------------------------------------------------------------------------------


def test_app_tables011_economy_levels_growth_and_shares(demo_computed, newest):
    table = app_tables.build(demo_computed, "economy", {"indicator": "gdp", "to": "2024"})
    headers = [c.header for c in table.columns]
    assert headers[:5] == ["地区", "地区代码", "位次", "同比", "占 13 市"]
    values = known(demo_computed, "gdp", "year", newest)
    periods = sorted(p for p in set(values["period"].to_list()) if p <= "2024")
    assert headers[5:] == [f"{p}年" for p in reversed(periods[-6:])]
    assert headers[5] == "2024年"
    now = dict(values.filter(pl.col("period") == "2024").select("region_code", "value").iter_rows())
    before = dict(
        values.filter(pl.col("period") == "2023").select("region_code", "value").iter_rows()
    )
    total = sum(now[c] for c in CITIES)
    rows = table.frame.to_dicts()
    assert rows[0]["region_code"] == "320000" and rows[0]["rank"] is None
    by_code = {r["region_code"]: r for r in rows}
    for code in CITIES:
        r = by_code[code]
        col_2024 = table.columns[5].name
        assert r[col_2024] == now[code]
        assert r["growth"] == pytest.approx((now[code] / before[code] - 1) * 100)
        assert r["share"] == pytest.approx(now[code] / total * 100)
        assert r["rank"] == 1 + sum(1 for c in CITIES if now[c] > now[code])
    assert [r["rank"] for r in rows[1:]] == sorted(r["rank"] for r in rows[1:])


# --- /data and the files -------------------------------------------------------------------------


def test_app_tables012_data_tables_list_every_loaded_file(demo_computed, demo_files):
    loads = app_tables.build(demo_computed, "loads", {})
    digests = {file_digest(p) for p in demo_files.values()}
    assert set(loads.frame["sha256"].to_list()) == digests
    datasets = app_tables.build(demo_computed, "datasets", {})
    assert datasets.frame.height == len(demo_files)  # one row per generated dataset
    rows = demo_computed.query("SELECT count(*) AS n FROM hotline_tickets")["n"][0]
    assert datasets.frame.filter(pl.col("dataset") == "hotline_tickets")["rows"][0] == rows
    quality = app_tables.build(demo_computed, "quality", {})
    assert quality.frame.height == len(demo_files)
    assert quality.frame["score"].is_between(0, 100).all()
    info = app_tables.about(demo_computed, quality)
    assert set(info.sources["sha256"].to_list()) == digests
    assert info.synthetic


def test_app_tables013_export_names_files_and_writes_the_about_sheet(demo_computed):
    data, name = app_tables.export(demo_computed, "targets", {"as_of": "2025-12"}, "xlsx")
    assert name == "目标进度_2025-12_模拟数据.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["全省的规划目标", "说明"]
    about = "\n".join(
        str(v) for row in book["说明"].iter_rows(values_only=True) for v in row if v is not None
    )
    assert "2025年12月31日" in about and "jiangsu-14fyp-digital-gov" in about
    assert "非涉密系统整合上云率" in about and "模拟数据：" in about
    data, name = app_tables.export(demo_computed, "loads", {}, "csv")
    assert data.startswith(b"\xef\xbb\xbf") and name.endswith("_模拟数据.csv")
    with pytest.raises(KeyError, match="没有名为 'nope' 的表"):
        app_tables.build(demo_computed, "nope", {})
    with pytest.raises(ValueError, match="导出格式应为 csv 或 xlsx"):
        app_tables.export(demo_computed, "targets", {}, "pdf")


# --- /risk heatmap and 12345 hotline, /city counties, /targets methods ---------------------------

DOMAIN_ORDER = ["政务服务", "社会治理", "政务运行", "数字社会", "数字生态", "基础支撑", "经济运行",
                "风险"]  # fmt: skip


def test_app_tables014_risk_scores_are_the_heatmaps_cells(demo_computed):
    if "risk_scores" not in demo_computed.table_names():
        pytest.skip("no risk tables in this warehouse")
    table = app_tables.build(demo_computed, "risk_scores", {"city": "320700"})  # city: no filter
    scores = demo_computed.query("SELECT region_code, domain, score, warnings FROM risk_scores")
    domains = [d for d in DOMAIN_ORDER if d in set(scores["domain"].to_list())]
    # cities in code order, each with the heatmap's domains in the catalog's order
    assert [(r["region_code"], r["domain"]) for r in table.frame.iter_rows(named=True)] == [
        (c, d) for c in CITIES for d in domains
    ]
    expected = {(r, d): (s, n) for r, d, s, n in scores.iter_rows()}
    for r in table.frame.iter_rows(named=True):
        assert (r["score"], r["warnings"]) == expected[r["region_code"], r["domain"]]
    # the CSV shows whole numbers, as the heatmap's cells do
    shown = csv_records(table)
    assert [r["风险分（0–100）"] for r in shown] == [f"{s:.0f}" for s in table.frame["score"]]
    nanjing = next(r for r in shown if r["地区代码"] == "320100" and r["领域"] == "数字生态")
    assert nanjing["城市"] == "南京市"
    # the 说明 lists the indicators of the cities' warnings behind the scores
    behind = demo_computed.query(
        "SELECT DISTINCT w.indicator FROM warnings w JOIN catalog_indicators USING (indicator) "
        "WHERE w.region_code != '320000'"
    )["indicator"].to_list()
    assert sorted(table.indicators) == sorted(behind)
    assert table.stem.startswith("风险分_13市_")


def test_app_tables015_hotline_categories_monthly_and_surges(demo_computed):
    last = demo_computed.query("SELECT max(month) AS m FROM hotline_monthly")["m"][0]
    first = dt.date(last.year - 1, last.month, 1)  # the page's window: a year back, inclusive
    table = app_tables.build(demo_computed, "hotline_categories", {"hotline": "320300"})
    sums = demo_computed.query(
        "SELECT category, CAST(sum(tickets) AS BIGINT) AS t, "
        "CAST(sum(closed_on_time) AS BIGINT) AS o, CAST(sum(satisfied) AS BIGINT) AS s, "
        "CAST(sum(rated) AS BIGINT) AS r FROM hotline_monthly WHERE region_code = '320300' "
        "AND month >= ? AND month <= ? GROUP BY 1",
        [first, last],
    )
    got = {r["category"]: r for r in table.frame.iter_rows(named=True)}
    assert set(got) == set(sums["category"].to_list())
    for cat, t, o, s, r in sums.iter_rows():
        assert got[cat]["tickets"] == t
        assert got[cat]["on_time_rate"] == pytest.approx(100 * o / t)
        assert got[cat]["satisfaction_rate"] == pytest.approx(100 * s / r)
    tickets = table.frame["tickets"].to_list()
    assert tickets == sorted(tickets, reverse=True)
    assert table.title == "徐州市 · 近 12 个月各类别工单量"
    assert table.stem == f"12345热线_各类别工单量_徐州市_{last:%Y-%m}"
    with pytest.raises(ValueError, match="没有代码为「999999」的地区"):
        app_tables.build(demo_computed, "hotline_categories", {"hotline": "999999"})
    province = app_tables.build(demo_computed, "hotline_categories", {})
    total = demo_computed.query(
        "SELECT CAST(sum(tickets) AS BIGINT) AS t FROM hotline_monthly "
        "WHERE region_code = '320000' AND month BETWEEN ? AND ?",
        [first, last],
    )["t"][0]
    assert sum(province.frame["tickets"].to_list()) == total

    query = {"hotline": "320300", "category": "供水供电供气"}
    monthly = app_tables.build(demo_computed, "hotline_monthly", query)
    months = demo_computed.query(
        "SELECT month, tickets FROM hotline_monthly WHERE region_code = '320300' "
        "AND category = '供水供电供气' ORDER BY month"
    )
    assert monthly.frame.select("month", "tickets").rows() == months.rows()
    shown = {r["月份"]: int(r["工单量（件）"]) for r in csv_records(monthly)}
    assert shown == {f"{m:%Y-%m}": t for m, t in months.iter_rows()}
    every = app_tables.build(demo_computed, "hotline_monthly", {"hotline": "320300"})
    all_months = demo_computed.query(
        "SELECT month, CAST(sum(tickets) AS BIGINT) AS t FROM hotline_monthly "
        "WHERE region_code = '320300' GROUP BY 1 ORDER BY 1"
    )
    assert every.frame.select("month", "tickets").rows() == all_months.rows()

    # surges: the page's ten, each month's tickets against the one expected volume the warning
    # and the anomaly list also show; the strongest first
    surges = app_tables.build(demo_computed, "hotline_surges", {})
    assert surges.frame.height == 10
    page = read_risk.hotline_surges(demo_computed).head(10)
    keys = ("region_code", "category", "month", "tickets", "expected")
    assert surges.frame.select(keys).rows() == page.select(keys).rows()
    ratios = surges.frame["ratio"].to_list()
    assert ratios == sorted(ratios, reverse=True)
    for r in surges.frame.iter_rows(named=True):
        assert r["ratio"] == pytest.approx(r["tickets"] / r["expected"])
    headers = [c.label for c in surges.columns]
    assert any(h.startswith("预期（趋势与季节拟合）") for h in headers)
    assert not any("前 12 月均值" in h for h in headers)
    # a replay exports what the page shows then: nothing after its as-of
    early = app_tables.build(demo_computed, "hotline_surges", {"as_of": "2023-12"})
    assert early.frame.height and max(early.frame["month"].to_list()) <= dt.date(2023, 12, 31)
    first_row = csv_records(surges)[0]  # the demo's planted surge in 徐州 peaks in August
    assert (first_row["城市"], first_row["类别"], first_row["月份"]) == (
        "徐州市",
        "供水供电供气",
        "2026-08",
    )


def county_known(wh, indicator: str, as_of: dt.date, city: str) -> dict[str, float]:
    """A city's counties' newest yearly value of ``indicator`` as known at ``as_of``."""
    rows = wh.query(
        """
        SELECT v.region_code, v.period, v.value FROM indicator_values v
        JOIN regions r USING (region_code)
        WHERE r.level = 'county' AND r.city_code = ? AND v.indicator = ?
          AND v.period_type = 'year' AND v.known_from <= ?
        QUALIFY row_number() OVER (PARTITION BY v.region_code, v.period
                                   ORDER BY v.known_from DESC) = 1
        """,
        [city, indicator, as_of],
    )
    newest = rows["period"].max()
    return dict(rows.filter(pl.col("period") == newest).select("region_code", "value").iter_rows())


@pytest.mark.parametrize(
    ("layer", "indicator", "higher_first"),
    [
        ("hotline_on_time_rate", "hotline_on_time_rate", True),
        (None, "hotline_tickets", True),  # no layer: the first with data (neutral: largest first)
        ("nope", "hotline_tickets", True),
    ],
)
def test_app_tables016_county_values_of_the_map_layer(
    demo_computed, newest, layer, indicator, higher_first
):
    query = {"code": "320700", **({"layer": layer} if layer else {})}
    table = app_tables.build(demo_computed, "county_values", query)
    expected = county_known(demo_computed, indicator, newest, "320700")
    assert len(expected) == 6
    got = table.frame.select("region_code", "value", "rank").rows()
    assert {c: v for c, v, _ in got} == expected
    values = [v for _, v, _ in got]
    assert values == sorted(values, reverse=higher_first)
    for _, v, rank in got:
        assert rank == 1 + sum(1 for w in expected.values() if w > v)
    assert table.indicators == (indicator,)
    assert set(table.frame["county"].to_list()) == {"连云区", "海州区", "赣榆区", "东海县",
                                                   "灌云县", "灌南县"}  # fmt: skip
    decimals = demo_computed.query(
        "SELECT decimals FROM catalog_indicators WHERE indicator = ?", [indicator]
    )["decimals"][0]
    for record, (_, v, _) in zip(csv_records(table), got, strict=True):
        assert list(record.values())[2] == f"{v:.{decimals}f}"
    as_of = dt.date(2024, 6, 30)  # a past as-of: the values then known, its year still running
    past = app_tables.build(demo_computed, "county_values", {**query, "as_of": "2024-06"})
    assert dict(past.frame.select("region_code", "value").iter_rows()) == county_known(
        demo_computed, indicator, as_of, "320700"
    )
    assert set(past.frame["period_zh"].to_list()) == {"2024 年（年内累计，截至 2024年6月）"}


def test_app_tables017_target_methods_of_the_open_target(demo_computed, newest):
    query = {"target": "system_cloud_rate", "city": "320700"}
    table = app_tables.build(demo_computed, "target_methods", query)
    expected = demo_computed.query(
        "SELECT method, is_default_method, status, ratio, progress FROM target_progress "
        "WHERE target_set = ? AND as_of = ? AND indicator = 'system_cloud_rate' "
        "AND region_code = '320700'",
        [SET, newest],
    )
    assert expected.height == 3
    rows = table.frame.to_dicts()
    default = expected.filter(pl.col("is_default_method"))["method"][0]
    assert rows[0]["method"] == default  # the default method first
    assert sorted(r["method"] for r in rows) == sorted(expected["method"].to_list())
    by_method = {r["method"]: r for r in expected.iter_rows(named=True)}
    for r in rows:
        want = by_method[r["method"]]
        assert r["status_zh"] == STATUS_WORDS[want["status"]]
        assert (r["ratio"], r["progress"]) == (want["ratio"], want["progress"])
        assert r["current_zh"] == ("当前" if r["method"] == default else None)
    assert [r["比值（实际 ÷ 所需）"] for r in csv_records(table)] == [
        f"{r['ratio']:.2f}" for r in rows
    ]
    assert table.title == "非涉密系统整合上云率 · 连云港市 · 三种方法对比"
    linear = app_tables.build(demo_computed, "target_methods", {**query, "method": "linear"})
    assert [r["method"] for r in linear.frame.to_dicts() if r["current_zh"]] == ["linear"]
    with pytest.raises(ValueError, match="需要指定目标"):
        app_tables.build(demo_computed, "target_methods", {"city": "320700"})
