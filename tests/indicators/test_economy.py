"""The economy's domain helpers (indicators.economy): periods, priors, growth, shares and ranks."""

from __future__ import annotations

import polars as pl
import pytest

from indicators.economy import (
    city_shares,
    coarse_period,
    comparable_prior,
    economy_period_text,
    prior_period,
    rank_regions,
    yoy_growth,
)


@pytest.mark.parametrize(
    ("period", "expected"),
    [("2023-06", "2022-06"), ("2023Q2", "2022Q2"), ("2023", "2022"), ("2021-01", "2020-01")],
)
def test_economy001_prior_period_is_the_same_period_a_year_earlier(period, expected):
    assert prior_period(period) == expected


@pytest.mark.parametrize(
    ("period", "period_type", "expected"),
    [
        ("2023-05", "quarter", "2023Q2"),
        ("2023-03", "quarter", "2023Q1"),
        ("2023-10", "quarter", "2023Q4"),
        ("2023-10", "year", "2023"),
        ("2023Q3", "year", "2023"),
        ("2023Q3", "quarter", "2023Q3"),
        ("2023-10", "month", "2023-10"),
    ],
)
def test_economy002_coarse_period(period, period_type, expected):
    assert coarse_period(period, period_type) == expected


def test_economy003_yoy_growth_divides_by_the_same_period_a_year_before():
    values = pl.DataFrame(
        {
            "region_code": ["A", "A", "B", "B", "C"],
            "period": ["2022", "2023", "2022", "2023", "2023"],
            "value": [200.0, 230.0, 0.0, 50.0, 80.0],
        }
    )
    out = yoy_growth(values).sort("region_code", "period")
    rows = {(r["region_code"], r["period"]): r for r in out.iter_rows(named=True)}
    # A: 230 / 200 − 1 = 0.15 → 15 %
    assert rows[("A", "2023")]["prior"] == 200.0
    assert rows[("A", "2023")]["growth"] == pytest.approx(15.0)
    # nothing a year before 2022, a zero base for B, no 2022 row for C
    assert rows[("A", "2022")]["growth"] is None
    assert rows[("B", "2023")]["growth"] is None
    assert rows[("C", "2023")]["prior"] is None
    assert rows[("C", "2023")]["growth"] is None


def test_economy004_yoy_growth_months_and_an_override_for_a_running_period():
    values = pl.DataFrame(
        {
            "region_code": ["A", "A", "A"],
            "period": ["2022-03", "2023-03", "2023"],
            "value": [40.0, 50.0, 120.0],
        }
    )
    override = pl.DataFrame({"region_code": ["A"], "period": ["2023"], "prior": [100.0]})
    out = yoy_growth(values, override)
    growth = dict(out.select("period", "growth").iter_rows())
    assert growth["2023-03"] == pytest.approx(25.0)  # 50 / 40 − 1
    assert growth["2023"] == pytest.approx(20.0)  # 120 / 100 − 1 (same months a year earlier)


def test_economy005_comparable_prior_sums_the_same_months_a_year_earlier():
    native = pl.DataFrame(
        {
            "region_code": ["X"] * 5 + ["Y"] * 3,
            "period": [
                "2022-01",
                "2022-02",
                "2022-03",
                "2023-01",
                "2023-02",
                "2022-01",
                "2023-01",
                "2023-02",
            ],
            "value": [10.0, 20.0, 30.0, 12.0, 22.0, 5.0, 6.0, 7.0],
        }
    )
    out = comparable_prior(native, "2023", "year", "sum")
    # X runs Jan–Feb 2023, so its base is Jan–Feb 2022: 10 + 20 = 30 (March is left out).
    # Y lacks February 2022: its base would stop short of February, so it has none.
    assert out.to_dicts() == [
        {"region_code": "X", "period": "2023", "prior": 30.0, "through": "2023-02"}
    ]
    quarter = comparable_prior(native, "2023Q1", "quarter", "sum")
    assert quarter["prior"].to_list() == [30.0]


def test_economy006_comparable_prior_takes_the_last_year_to_date_value():
    native = pl.DataFrame(
        {
            "region_code": ["X"] * 5,
            "period": ["2022-01", "2022-02", "2022-03", "2023-01", "2023-02"],
            "value": [10.0, 30.0, 60.0, 12.0, 33.0],  # year-to-date totals
        }
    )
    out = comparable_prior(native, "2023", "year", "last")
    assert out["prior"].to_list() == [30.0]  # Jan–Feb 2022, not the March total 60
    # growth of the running year: 33 / 30 − 1 = 10 %
    values = pl.DataFrame({"region_code": ["X"], "period": ["2023"], "value": [33.0]})
    assert yoy_growth(values, out)["growth"][0] == pytest.approx(10.0)


def test_economy007_shares_of_the_thirteen_cities_sum_leave_the_province_out():
    values = pl.DataFrame(
        {"region_code": ["320000", "320100", "320200"], "value": [40.0, 30.0, 10.0]}
    )
    out = city_shares(values, ["320100", "320200"])
    # 30 / (30 + 10) = 75 %, 10 / 40 = 25 %
    assert dict(out.select("region_code", "share").iter_rows()) == {
        "320100": pytest.approx(75.0),
        "320200": pytest.approx(25.0),
    }
    zero = city_shares(pl.DataFrame({"region_code": ["320100"], "value": [0.0]}), ["320100"])
    assert zero["share"].to_list() == [None]


def test_economy008_rank_values_by_polarity_with_ties():
    values = pl.DataFrame({"region_code": list("abcd"), "value": [5.0, 7.0, 7.0, 3.0]})
    higher = dict(rank_regions(values, "higher").select("region_code", "rank").iter_rows())
    assert higher == {"a": 3, "b": 1, "c": 1, "d": 4}
    lower = dict(rank_regions(values, "lower").select("region_code", "rank").iter_rows())
    assert lower == {"a": 2, "b": 3, "c": 3, "d": 1}


@pytest.mark.parametrize(
    ("period", "ytd", "through", "expected"),
    [
        ("2026-10", True, None, "2026年1–10月"),
        ("2026-01", True, None, "2026年1月"),
        ("2026-10", False, None, "2026年10月"),
        ("2026Q3", True, None, "2026年前三季度"),
        ("2026Q3", False, None, "2026年三季度"),
        ("2025", False, None, "2025年"),
        ("2026", False, "2026-10", "2026年1–10月"),
        ("2026", True, "2026Q3", "2026年前三季度"),
        ("2026Q4", False, "2026-10", "2026年四季度（截至10月）"),
        ("2026Q4", True, "2026-11", "2026年1–11月"),
    ],
)
def test_economy009_period_text(period, ytd, through, expected):
    assert economy_period_text(period, ytd=ytd, through=through) == expected
