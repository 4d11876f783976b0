"""Indicator values on hand-made data: every expected number is worked out here by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.engine import values_as_of
from tests.indicators.conftest import FILES, values_only, write_files

D = dt.date


def value(wh, indicator, region, period, as_of, period_type="year"):
    frame = values_as_of(
        wh, as_of, period_type=period_type, indicators=[indicator], regions=[region]
    )
    rows = frame.filter(frame["period"] == period)
    return None if rows.is_empty() else rows["value"][0]


@pytest.mark.parametrize(
    ("region", "as_of", "expected"),
    [
        # 南京 listed by 2022-12: NJ-1, NJ-2, XW-1 (county rolls up); achieved: NJ-1 → 1/3
        ("320100", D(2022, 12, 31), 100 * 1 / 3),
        # by 2023-03-31 XW-1 is achieved as well → 2/3
        ("320100", D(2023, 3, 31), 100 * 2 / 3),
        # 2021-12: NJ-1, NJ-2 listed, none achieved → 0
        ("320100", D(2021, 12, 31), 0.0),
        # province 2022-12: listed NJ-1, NJ-2, XW-1, SZ-1, SH-1; achieved NJ-1, SZ-1, SH-1 → 3/5
        ("320000", D(2022, 12, 31), 100 * 3 / 5),
        # 苏州 2022-01 listed SZ-1 but achieved only in Feb → 0; the 一类事 item never counts
        ("320500", D(2022, 1, 31), 0.0),
        ("320500", D(2022, 2, 28), 100.0),
        # 玄武区 itself (county level)
        ("320102", D(2023, 3, 31), 100.0),
    ],
)
def test_engine001_one_thing_completion_rate_stock_share(small_warehouse, region, as_of, expected):
    got = value(small_warehouse, "one_thing_completion_rate", region, str(as_of.year), as_of)
    assert got == pytest.approx(expected)


def test_engine002_monthly_and_quarterly_values_are_read_at_the_period_end(small_warehouse):
    wh = small_warehouse
    now = D(2023, 6, 30)
    # 2022-06 (month): NJ-1 achieved 2022-06-30 counts in June → 1 of 3 listed in 南京
    assert value(wh, "one_thing_completion_rate", "320100", "2022-06", now, "month") == (
        pytest.approx(100 / 3)
    )
    # 2022Q1: at 2022-03-31 nothing of 南京 achieved yet
    assert value(wh, "one_thing_completion_rate", "320100", "2022Q1", now, "quarter") == 0.0


@pytest.mark.parametrize(
    ("as_of", "cloud_rate", "not_on_cloud"),
    [
        (D(2020, 12, 31), 0 / 3 * 100, 3),  # S1, S2, S3 in use; none on the cloud
        (D(2021, 12, 31), 1 / 3 * 100, 2),  # S1 migrated 2021-06
        (D(2022, 6, 30), 1 / 2 * 100, 1),  # S2 retired 2022-03: S1 and S3 in use
        (D(2022, 12, 31), 2 / 2 * 100, 0),  # S3 migrated 2022-09
        (D(2023, 6, 30), 1 / 1 * 100, 0),  # S3 retired 2023-02: only S1
    ],
)
def test_engine003_cloud_rate_excludes_classified_and_retired_systems(
    small_warehouse, as_of, cloud_rate, not_on_cloud
):
    period = str(as_of.year)
    assert value(small_warehouse, "system_cloud_rate", "320100", period, as_of) == (
        pytest.approx(cloud_rate)
    )
    assert value(small_warehouse, "systems_not_on_cloud", "320100", period, as_of) == not_on_cloud


def test_engine004_hotline_flow_values_follow_when_outcomes_became_known(small_warehouse):
    wh = small_warehouse
    # January 2023 tickets T1, T2, T3 (玄武区 → 南京 → 江苏).
    # As of 2023-01-31 only T1 is closed (on time): 1/3.
    assert value(wh, "hotline_on_time_rate", "320100", "2023-01", D(2023, 1, 31), "month") == (
        pytest.approx(100 / 3)
    )
    # As of 2023-02-28 T3 closed on time too, T2 closed late: 2/3.
    for region in ("320102", "320100", "320000"):
        got = value(wh, "hotline_on_time_rate", region, "2023-01", D(2023, 2, 28), "month")
        assert got == pytest.approx(200 / 3), region
    # Volumes: 3 in January, 1 in February, 4 in 2023 so far.
    assert value(wh, "hotline_tickets", "320100", "2023-01", D(2023, 2, 28), "month") == 3
    assert value(wh, "hotline_tickets", "320000", "2023", D(2023, 2, 28)) == 4
    # Satisfaction by month closed: January T1 满意 → 100%; February T2 不满意, T3 基本满意 → 50%.
    assert (
        value(wh, "hotline_satisfaction_rate", "320100", "2023-01", D(2023, 6, 30), "month")
        == 100.0
    )
    assert (
        value(wh, "hotline_satisfaction_rate", "320100", "2023-02", D(2023, 6, 30), "month") == 50.0
    )
    assert value(wh, "hotline_dissatisfaction_rate", "320000", "2023", D(2023, 6, 30)) == (
        pytest.approx(100 / 3)
    )


def test_engine005_statistics_roll_up_with_publication_lag(small_warehouse):
    wh = small_warehouse
    # PM2.5 (lag 10 days): January's value is known at the end of February, February's in March.
    assert value(wh, "pm25", "320100", "2023", D(2023, 1, 31)) is None
    assert value(wh, "pm25", "320100", "2023", D(2023, 2, 28)) == 40.0
    assert value(wh, "pm25", "320100", "2023", D(2023, 3, 31)) == pytest.approx((40 + 50) / 2)
    # the province is the mean of the cities: January (40 + 30) / 2, February (50 + 20) / 2
    assert value(wh, "pm25", "320000", "2023-01", D(2023, 3, 31), "month") == 35.0
    assert value(wh, "pm25", "320000", "2023", D(2023, 3, 31)) == 35.0
    # grid resolution: sum resolved / sum reported; province (90 + 240) / (100 + 300)
    assert value(wh, "grid_event_resolution_rate", "320500", "2023", D(2023, 6, 30)) == 80.0
    assert value(wh, "grid_event_resolution_rate", "320000", "2023", D(2023, 6, 30)) == (
        pytest.approx(100 * 330 / 400)
    )
    # GDP 2021 (annual, lag 60 days): 2021-12-31 + 60 days = 2022-03-01, so it is known from
    # the end of March 2022
    assert value(wh, "gdp", "320000", "2021", D(2022, 2, 28)) is None
    assert value(wh, "gdp", "320000", "2021", D(2022, 3, 31)) == 116364
    # budget revenue is year-to-date: the year value is the latest month known (June 5800;
    # lag 15 days → known at the end of July)
    assert value(wh, "budget_revenue", "320000", "2023", D(2023, 6, 30)) == 2800
    assert value(wh, "budget_revenue", "320000", "2023", D(2023, 7, 31)) == 5800


def test_engine006_running_periods_are_flagged_incomplete(small_warehouse):
    frame = values_as_of(
        small_warehouse, D(2023, 2, 28), indicators=["hotline_tickets"], regions=["320000"]
    )
    row = frame.filter(frame["period"] == "2023")
    assert row["complete"].to_list() == [False]
    full = values_as_of(
        small_warehouse, D(2023, 6, 30), indicators=["system_cloud_rate"], regions=["320100"]
    )
    assert full.filter(full["period"] == "2022")["complete"].to_list() == [True]


def test_engine007_later_data_never_changes_an_as_of_result(tmp_path):
    """Load the base files, read everything as of 2023-01-31; add rows dated later (new items,
    tickets, closures, statistics); the as-of-2023-01-31 values are identical."""
    from datasets.ingest import ingest
    from datasets.warehouse import Warehouse

    wh = Warehouse(tmp_path / "wh" / "asof.duckdb")
    ingest(write_files(tmp_path / "a"), warehouse=wh, fresh=True, after_load=values_only)
    as_of = D(2023, 1, 31)
    readings = ("transaction", "event")
    before = {
        (kind, reading): values_as_of(wh, as_of, period_type=kind, reading=reading).sort(
            "indicator", "region_code", "period"
        )
        for kind in ("month", "quarter", "year")
        for reading in readings
    }
    later = {
        "service_items_later.csv": FILES["service_items.csv"].rstrip()
        + "\nNJ-3,新增一件事,一件事,320100,南京市政务办,2023-05-01,2023-06-01\n",
        "hotline_later.csv": FILES["hotline_tickets.csv"]
        .replace("2023-02-11 09:00:00,,", "2023-02-11 09:00:00,2023-03-01 10:00:00,满意")
        .rstrip()
        + "\nT5,320102,教育,2023-04-01 09:00:00,2023-04-11 09:00:00,2023-04-02 09:00:00,满意\n",
        "governance_later.csv": FILES["governance_stats.csv"].rstrip()
        + "\n320100,2023,3,pm25_monthly_mean,45,μg/m3,测试\n",
    }
    ingest(write_files(tmp_path / "b", later), warehouse=wh, after_load=values_only)
    assert wh.query("SELECT count(*) AS n FROM hotline_tickets")["n"][0] == 5
    for (kind, reading), frame in before.items():
        after = values_as_of(wh, as_of, period_type=kind, reading=reading).sort(
            "indicator", "region_code", "period"
        )
        assert after.equals(frame), (kind, reading)
    # …while the present does change: read back with today's data, 2023 has T1–T5 by mid-year.
    # What the warehouse held at 2023-06 is still T1–T4 (T4 in the version loaded first, T5 only
    # arrived with the second load).
    mid = D(2023, 6, 30)
    year = {"indicators": ["hotline_tickets"], "regions": ["320000"]}
    event = values_as_of(wh, mid, reading="event", **year)
    held = values_as_of(wh, mid, **year)
    assert event.filter(event["period"] == "2023")["value"].to_list() == [5]
    assert held.filter(held["period"] == "2023")["value"].to_list() == [4]


@pytest.mark.parametrize(
    ("indicator", "region", "as_of", "expected"),
    [
        # 入驻率 南京: launched by 2021-12: A1, A2, A3; onboarded A1 → 1/3
        ("sufuban_onboarding_rate", "320100", D(2021, 12, 31), 100 * 1 / 3),
        # 2022-12: A1..A4 launched; A1, A2, A4 onboarded → 3/4
        ("sufuban_onboarding_rate", "320100", D(2022, 12, 31), 100 * 3 / 4),
        # 专网整合率: classified N3 never counts; N1 integrated 2021-09 → 1/2
        ("private_network_integration_rate", "320100", D(2021, 12, 31), 50.0),
        ("private_network_integration_rate", "320100", D(2020, 12, 31), 0.0),
        # 掌上执法 (county bodies roll up to 南京): 2022-12 E1 enabled of E1, E2, E3 → 1/3
        ("mobile_enforcement_coverage", "320100", D(2022, 12, 31), 100 * 1 / 3),
        # 2023-12: E2 enabled too → 2/3; 秦淮区 alone: E2 of E2, E3 → 1/2
        ("mobile_enforcement_coverage", "320100", D(2023, 12, 31), 100 * 2 / 3),
        ("mobile_enforcement_coverage", "320104", D(2023, 12, 31), 50.0),
        # scenarios are counted cumulatively; a city without any has 0
        ("typical_scenarios", "320000", D(2021, 12, 31), 1.0),
        ("typical_scenarios", "320000", D(2022, 12, 31), 2.0),
        ("typical_scenarios", "321300", D(2022, 12, 31), 0.0),
        ("regional_samples", "320500", D(2022, 12, 31), 1.0),
    ],
)
def test_engine008_registry_indicators_by_hand(small_warehouse, indicator, region, as_of, expected):
    got = value(small_warehouse, indicator, region, str(as_of.year), as_of)
    assert got == pytest.approx(expected)


def test_engine009_sharing_rate_counts_requests_when_resolved(small_warehouse):
    wh = small_warehouse
    # 2023 as of 2023-12-31: resolved R1 (met), R2 (rejected); R3 pending, R4 not yet resolved
    assert value(wh, "data_sharing_rate", "320500", "2023", D(2023, 12, 31)) == 50.0
    assert value(wh, "data_sharing_rejection_rate", "320500", "2023", D(2023, 12, 31)) == 50.0
    # as of 2024-01-31 R4 (requested in 2023) is resolved and met: 2 of 3
    assert value(wh, "data_sharing_rate", "320500", "2023", D(2024, 1, 31)) == (
        pytest.approx(100 * 2 / 3)
    )
    assert value(wh, "data_sharing_requests", "320500", "2023", D(2024, 1, 31)) == 4


def test_engine010_evaluation_table_rates_and_sums(small_warehouse):
    wh = small_warehouse
    # lag 10 days: January's rows are known at the end of February
    assert value(wh, "service_positive_rate", "320100", "2023", D(2023, 1, 31)) is None
    # 南京 Jan + Feb as of March: (95 + 45 + 196) / (100 + 50 + 200)
    assert value(wh, "service_positive_rate", "320100", "2023", D(2023, 3, 31)) == (
        pytest.approx(100 * 336 / 350)
    )
    # province January: (95 + 45 + 294) / (100 + 50 + 300)
    assert value(wh, "service_positive_rate", "320000", "2023-01", D(2023, 3, 31), "month") == (
        pytest.approx(100 * 434 / 450)
    )
    # rectified negatives 南京: (5 + 3 + 4) / (5 + 5 + 4)
    assert value(wh, "negative_rectification_rate", "320100", "2023", D(2023, 3, 31)) == (
        pytest.approx(100 * 12 / 14)
    )
    assert value(wh, "service_evaluations_count", "320000", "2023", D(2023, 3, 31)) == 650


def test_engine011_hotline_monthly_rolls_counties_up(small_warehouse):
    from indicators.engine import materialise

    with small_warehouse.writer() as staging:
        materialise(staging.con, today=D(2026, 11, 22))
    rows = small_warehouse.query(
        "SELECT region_code, month, category, tickets, closed, closed_on_time, rated, satisfied "
        "FROM hotline_monthly WHERE month = DATE '2023-01-01' ORDER BY region_code, category"
    )
    # January 2023: T1, T2 城乡建设 (T2 late, 不满意), T3 交通出行 (on time, 基本满意), all 玄武区
    expected = {
        "城乡建设": (2, 2, 1, 2, 1),
        "交通出行": (1, 1, 1, 1, 1),
    }
    for region in ("320102", "320100", "320000"):
        got = {r[2]: r[3:] for r in rows.rows() if r[0] == region}
        assert got == expected, region
