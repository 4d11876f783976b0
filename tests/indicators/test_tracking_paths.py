"""Tracking helpers the target pages draw with: the required path, decimal years, the value at the deadline, the sort order and time labels."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.read_targets import sort_rows
from indicators.text import time_label
from indicators.tracking import decimal_year_to_date, required_path, value_at_deadline


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (2025.0, dt.date(2025, 12, 31)),  # a whole year is that year's end
        (2020.0, dt.date(2020, 12, 31)),
        (2025 + 304 / 365, dt.date(2026, 10, 31)),  # 31 Oct 2026 is day 304 of 365
        (2025 + 327 / 365, dt.date(2026, 11, 23)),
        (2022 + 181 / 365, dt.date(2023, 6, 30)),
        (2023 + 60 / 366, dt.date(2024, 2, 29)),  # leap year
        (2020.5, dt.date(2021, 6, 30)),  # month-end time Y - 1 + m/12
        (2023 + 3 / 12, dt.date(2024, 3, 31)),
    ],
)
def test_decimal_year_to_date(t, expected):
    assert decimal_year_to_date(t) == expected


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (2020.0, "2020 年"),
        (2025 + 304 / 365, "2026年10月"),
        (2025 + 327 / 365, "2026年11月23日"),
        (None, "—"),
    ],
)
def test_time_label(t, expected):
    assert time_label(t) == expected


def _row(indicator, status, progress=None, final_status=None):
    return {
        "indicator": indicator,
        "status": status,
        "progress": progress,
        "final_status": final_status,
    }


def test_required_path_linear_is_the_straight_line():
    # 50 → 80 over five years: 6 a year
    path = required_path("linear", 50.0, 2020.0, 80.0, 2025.0)
    assert [t for t, _ in path] == [2020.0, 2021.0, 2022.0, 2023.0, 2024.0, 2025.0]
    assert [y for _, y in path] == pytest.approx([50, 56, 62, 68, 74, 80])


@pytest.mark.parametrize("method", ["ratio", "projection"])
def test_required_path_compound_grows_at_the_required_rate(method):
    # 100 → 121 in two years needs 10 % a year: 100, 110, 121
    path = required_path(method, 100.0, 2020.0, 121.0, 2022.0)
    assert path == [
        (2020.0, pytest.approx(100.0)),
        (2021.0, pytest.approx(110.0)),
        (2022.0, pytest.approx(121.0)),
    ]


def test_required_path_compound_downwards():
    # lower is better: 200 → 50 in two years is −50 % a year: 200, 100, 50
    path = required_path("ratio", 200.0, 2023.0, 50.0, 2025.0)
    assert [y for _, y in path] == pytest.approx([200, 100, 50])


def test_required_path_from_a_mid_year_baseline():
    # baseline at the end of June 2022 (2021.5): 10 → 80 in 3.5 years is 20 a year
    path = required_path("linear", 10.0, 2021.5, 80.0, 2025.0)
    assert [t for t, _ in path] == [2021.5, 2022.0, 2023.0, 2024.0, 2025.0]
    assert [y for _, y in path] == pytest.approx([10, 20, 40, 60, 80])


def test_required_path_to_a_zero_target_uses_a_small_positive_goal():
    path = required_path("ratio", 1.0, 2024.0, 0.0, 2025.0)
    assert path[-1] == (2025.0, pytest.approx(0.001))


@pytest.mark.parametrize(
    ("method", "y0", "t0", "target", "big_t"),
    [
        ("ratio", 0.0, 2020.0, 90.0, 2025.0),  # compound growth from 0 is undefined
        ("projection", 0.0, 2020.0, 90.0, 2025.0),
        ("ratio", -5.0, 2020.0, 10.0, 2025.0),  # opposite signs
        ("linear", 50.0, 2020.0, None, 2025.0),  # qualitative target
        ("linear", 50.0, 2025.0, 80.0, 2025.0),  # target year not after the baseline
        ("linear", None, 2020.0, 80.0, 2025.0),
    ],
)
def test_required_path_none_when_undefined(method, y0, t0, target, big_t):
    assert required_path(method, y0, t0, target, big_t) is None


def test_required_path_linear_from_zero_is_defined():
    path = required_path("linear", 0.0, 2020.0, 90.0, 2025.0)
    assert path[1] == (2021.0, pytest.approx(18.0))


def test_sort_rows_lagging_first_then_least_progress_then_plan_order():
    rows = [
        _row("a", "achieved", 1.2),
        _row("b", "on_track", 0.7),
        _row("c", "deterioration", 0.1),
        _row("d", "acceleration_needed", 0.5),
        _row("e", "acceleration_needed", 0.3),
        _row("f", "not_assessable"),
        _row("g", "on_track", 0.7),
    ]
    order = {k: i for i, k in enumerate("abcdefg")}
    assert [r["indicator"] for r in sort_rows(rows, final=False, order=order)] == list("cedbgaf")


def test_sort_rows_after_the_deadline_puts_missed_targets_first():
    rows = [
        _row("a", "on_track", 0.9, "achieved"),
        _row("b", "achieved", 1.1, "not_achieved"),
        _row("c", "limited_progress", 0.3, "not_achieved"),
        _row("d", "on_track", None, None),  # qualitative: no final assessment
    ]
    order = {k: i for i, k in enumerate("abcd")}
    assert [r["indicator"] for r in sort_rows(rows, final=True, order=order)] == list("cbad")
    # the row's final assessment decides its place (one verdict), whatever the caller's flag
    assert [r["indicator"] for r in sort_rows(rows, final=False, order=order)] == list("cbad")


@pytest.mark.parametrize(
    ("target", "gap", "polarity", "expected"),
    [(95.0, -28.8, "higher", 66.2), (10.0, 2.0, "lower", 8.0), (None, 1.0, "higher", None)],
)
def test_value_at_deadline(target, gap, polarity, expected):
    assert value_at_deadline(target, gap, polarity) == (
        None if expected is None else pytest.approx(expected)
    )
