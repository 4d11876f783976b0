"""The synthetic demo data: deterministic, labelled, valid, anchored to the plan, with its anomalies.

Expected numbers here come from the plan text (苏政办发〔2021〕61号) or from the generator's
documented design, never from running the generator.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pyarrow.parquet as pq
import pytest

from datasets.schema import load_schemas
from indicators.catalog import default_catalog
from indicators.compute import Statistic
from tests.conftest import file_digest


def test_demo001_same_seed_gives_identical_files_and_another_seed_differs(tmp_path, demo_files):
    from datasets.demo.generator import generate

    again = generate(tmp_path / "again", scale=1)
    assert set(again) == set(demo_files)
    for name, path in demo_files.items():
        assert file_digest(again[name]) == file_digest(path), name

    other = generate(tmp_path / "other", scale=1, seed=7)
    differing = [n for n in demo_files if file_digest(other[n]) != file_digest(demo_files[n])]
    assert "hotline_tickets" in differing and "service_items" in differing


def test_demo002_one_file_per_schema_dataset_every_row_marked_synthetic(demo_files):
    assert set(demo_files) == set(load_schemas())
    for name, path in demo_files.items():
        table = pq.read_table(path)
        assert table.num_rows > 0, name
        flags = pl.from_arrow(table.column("is_synthetic"))
        assert flags.all() and flags.null_count() == 0, f"{name}: rows not marked synthetic"


def test_demo003_every_file_passes_validation_into_the_warehouse(demo_files, demo_warehouse):
    loads = demo_warehouse.query("SELECT dataset, rows FROM _loads").rows()
    loaded = dict(loads)
    for name, path in demo_files.items():
        assert loaded[name] == pq.read_metadata(path).num_rows, name
    unmarked = sum(
        demo_warehouse.query(f'SELECT count(*) AS n FROM "{n}" WHERE NOT is_synthetic')["n"][0]
        for n in demo_files
    )
    assert unmarked == 0


def test_demo004_volumes_are_large_enough_to_exercise_the_engine(demo_warehouse):
    tickets = demo_warehouse.query("SELECT count(*) AS n FROM hotline_tickets")["n"][0]
    assert tickets >= 100_000
    cities = demo_warehouse.query(
        "SELECT count(DISTINCT region_code) AS n FROM service_items WHERE region_code <> '320000'"
    )["n"][0]
    assert cities == 13


def test_demo005_nothing_happens_after_the_end_date(demo_warehouse):
    end = date(2026, 10, 31)
    checks = {
        "service_items": "achieved_date",
        "info_systems": "cloud_date",
        "private_networks": "integrated_date",
        "gov_apps": "onboarded_date",
        "enforcement_bodies": "mobile_enabled_date",
        "data_sharing_requests": "resolved_date",
        "scenarios": "recognised_date",
    }
    for table, column in checks.items():
        latest = demo_warehouse.query(f'SELECT max("{column}") AS d FROM "{table}"')["d"][0]
        assert latest <= end, f"{table}.{column} = {latest}"
    latest_ticket = demo_warehouse.query("SELECT max(created_at) AS t FROM hotline_tickets")["t"][0]
    assert latest_ticket.date() <= end


@pytest.mark.parametrize(
    ("indicator", "plan_value"),
    [
        # 一(一) 发展基础: "电子政务外网……接入点 3.2 万个", "实名注册用户 8000 万",
        # "社会保障卡持卡人数 8800 万", "电子社保卡 3400 万".
        ("extranet_access_points", 32_000),
        ("portal_real_name_users", 8_000),
        ("social_security_cards", 8_800),
        ("e_social_security_cards", 3_400),
    ],
)
def test_demo006_2020_baselines_are_the_plan_figures(demo_warehouse, indicator, plan_value):
    value = demo_warehouse.query(
        "SELECT value FROM governance_stats WHERE indicator = ? AND year = 2020"
        " AND region_code = '320000'",
        [indicator],
    )["value"]
    assert value.to_list() == [plan_value]


def test_demo007_province_gdp_2020_is_the_published_total(demo_warehouse):
    # 2020 年江苏省地区生产总值 102719 亿元 (江苏省统计公报).
    gdp = demo_warehouse.query(
        "SELECT value FROM economic_stats WHERE indicator = 'gdp' AND year = 2020"
        " AND region_code = '320000'"
    )["value"]
    assert gdp.to_list() == [pytest.approx(102_719)]


def _completion(wh, list_type: str, on: date) -> pl.DataFrame:
    """Share of listed items achieved by ``on``, per region (the test's own arithmetic)."""
    return wh.query(
        """
        SELECT region_code,
               avg(CASE WHEN achieved_date <= ? THEN 1.0 ELSE 0.0 END) AS rate
        FROM service_items
        WHERE list_type = ? AND listed_date <= ?
        GROUP BY region_code
        """,
        [on, list_type, on],
    )


def test_demo008_yijianshi_paths_lead_and_lag_as_designed(demo_warehouse):
    end_2025 = _completion(demo_warehouse, "一件事", date(2025, 12, 31))
    rates = dict(end_2025.rows())
    # Leaders pass the 80% target, 宿迁 and 连云港 stay clearly short of it.
    for leader in ("320100", "320500"):
        assert rates[leader] >= 0.80, (leader, rates[leader])
    for laggard in ("321300", "320700"):
        assert rates[laggard] < 0.78, (laggard, rates[laggard])
    # Progress is real: nearly nothing achieved before the plan started.
    start = dict(_completion(demo_warehouse, "一件事", date(2021, 1, 1)).rows())
    assert all(start.get(code, 0.0) < rates[code] for code in rates)


def test_demo009_lianyungang_cloud_migration_stalls_after_mid_2023(demo_warehouse):
    after = demo_warehouse.query(
        "SELECT count(*) AS n FROM info_systems WHERE region_code LIKE '3207%'"
        " AND cloud_date > DATE '2023-06-30'"
    )["n"][0]
    assert after == 0
    elsewhere = demo_warehouse.query(
        "SELECT count(*) AS n FROM info_systems WHERE region_code LIKE '3205%'"
        " AND cloud_date > DATE '2023-06-30'"
    )["n"][0]
    assert elsewhere > 0


def _monthly(wh, city_prefix: str, category: str) -> dict[tuple[int, int], int]:
    frame = wh.query(
        """
        SELECT year(created_at) AS y, month(created_at) AS m, count(*) AS n
        FROM hotline_tickets
        WHERE region_code LIKE ? AND category = ?
        GROUP BY ALL
        """,
        [city_prefix + "%", category],
    )
    return {(y, m): n for y, m, n in frame.rows()}


def test_demo010_xuzhou_utilities_hotline_surge_in_summer_2026(demo_warehouse):
    counts = _monthly(demo_warehouse, "3203", "供水供电供气")
    before = sum(counts.get((2026, m), 0) for m in range(1, 7)) / 6
    for month in (7, 8):
        assert counts[(2026, month)] > 2.5 * before, (month, counts[(2026, month)], before)
    # The same category in another large city does not surge.
    nanjing = _monthly(demo_warehouse, "3201", "供水供电供气")
    nj_before = sum(nanjing.get((2026, m), 0) for m in range(1, 7)) / 6
    assert nanjing[(2026, 7)] < 2.0 * nj_before


def test_demo011_yancheng_environment_surge_in_june_2024(demo_warehouse):
    counts = _monthly(demo_warehouse, "3209", "生态环境")
    around = [counts.get((2024, m), 0) for m in (3, 4, 5, 9, 10, 11)]
    assert counts[(2024, 6)] > 1.8 * (sum(around) / len(around))


def _statistics():
    """(indicator, statistic, denominator statistic, over_time, over_regions, unit) of every
    indicator computed from the long statistics tables."""
    return [
        (
            i.code,
            i.compute.indicator,
            i.compute.denominator,
            i.compute.over_time,
            i.compute.over_regions,
            i.unit,
        )
        for i in default_catalog().indicators.values()
        if isinstance(i.compute, Statistic)
    ]


def test_demo012_every_statistic_the_catalog_reads_has_rows_where_it_is_read(demo_warehouse):
    rows = demo_warehouse.query(
        "SELECT indicator, region_code FROM governance_stats UNION ALL "
        "SELECT indicator, region_code FROM economic_stats"
    )
    regions = {}
    for code, region in rows.unique().rows():
        regions.setdefault(code, set()).add(region)
    cities = set(
        demo_warehouse.query("SELECT region_code FROM regions WHERE level = 'city'")[
            "region_code"
        ].to_list()
    )
    for code, stat, denominator, _, over_regions, _ in _statistics():
        for series in filter(None, (stat, denominator)):
            # read as reported: the province's own rows; summed or averaged: every city's
            needed = {"320000"} if over_regions == "reported" else cities
            assert needed <= regions.get(series, set()), (code, series)


def test_demo013_chapter_statistics_are_within_bounds_and_running_totals_never_fall(
    demo_warehouse,
):
    stats = demo_warehouse.query(
        "SELECT indicator, region_code, year, coalesce(month, 12) AS month, value, unit"
        " FROM governance_stats"
    )
    assert stats["value"].min() >= 0
    percent = stats.filter(pl.col("unit") == "%")
    assert percent["value"].max() <= 100
    key = ["region_code", "year", "month"]
    for code, stat, denominator, over_time, _, unit in _statistics():
        series = stats.filter(pl.col("indicator") == stat)
        if series.is_empty():
            continue  # an economic statistic
        if denominator:
            den = stats.filter(pl.col("indicator") == denominator).select(*key, den="value")
            joined = series.join(den, on=key, how="full", coalesce=True)
            assert joined["value"].null_count() == 0 and joined["den"].null_count() == 0, code
            assert (joined["value"] <= joined["den"]).all(), code
        elif over_time == "last" and unit != "%":
            # a running total (a stock read at the period end) does not fall
            steps = series.sort("region_code", "year", "month").with_columns(
                step=pl.col("value").diff().over("region_code")
            )
            assert steps["step"].drop_nulls().min() >= 0, code


def _province_year(wh, code: str, year: int) -> float:
    """The province's value for a year, the test's own arithmetic: numerator over denominator
    summed over the cities' months, the reported December value, or the cities' mean."""
    c = default_catalog()[code].compute
    if c.denominator:
        sums = wh.query(
            "SELECT sum(value) FILTER (WHERE indicator = ?) / sum(value) FILTER (WHERE indicator = ?)"
            " AS v FROM governance_stats WHERE year = ? AND region_code <> '320000'",
            [c.indicator, c.denominator, year],
        )
        return sums["v"][0]
    if c.over_regions == "reported":
        where = "region_code = '320000' AND month = 12"
    else:
        where = "region_code <> '320000'"
    return wh.query(
        f"SELECT avg(value) AS v FROM governance_stats WHERE indicator = ? AND year = ? AND {where}",
        [c.indicator, year],
    )["v"][0]


@pytest.mark.parametrize(
    "code",
    [
        # the plan's chapters 四–六 and 八(三): what each asks to improve over 2021–2025
        "gov_service_online_rate",
        "business_startup_online_rate",
        "business_startup_days",
        "policy_no_application_rate",
        "cowork_integration_rate",
        "supervision_on_time_rate",
        "e_medical_voucher_rate",
        "data_objection_on_time_rate",
        "network_ipv6_rate",
        "cloud_disaster_recovery_rate",
        "security_level_protection_rate",
        "security_crypto_assessment_rate",
        "security_incident_on_time_rate",
        "security_check_rectification_rate",
    ],
)
def test_demo014_chapter_rates_improve_over_the_plan_period(demo_warehouse, code):
    first, last = (
        _province_year(demo_warehouse, code, 2021),
        _province_year(demo_warehouse, code, 2025),
    )
    if default_catalog()[code].polarity == "lower":
        assert last < first, (code, first, last)
    else:
        assert last > first, (code, first, last)
