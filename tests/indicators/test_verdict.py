"""One verdict per target: which reading is the verdict, the value it is about, and the words."""

from __future__ import annotations

import polars as pl
import pytest

from indicators.text import value_time_label
from indicators.verdict import (
    gap_text,
    progress_words,
    verdict_counts,
    verdict_of,
    with_verdict,
)


@pytest.mark.parametrize(
    ("status", "final_status", "expected"),
    [
        ("achieved", "not_achieved", "final_not_achieved"),  # reached since, missed at deadline
        ("deterioration", "achieved", "final_achieved"),  # slid since, met at the deadline
        ("on_track", None, "on_track"),  # before the deadline
        (None, None, "not_assessable"),
    ],
)
def test_verdict001_the_final_assessment_wins_once_there_is_one(status, final_status, expected):
    assert verdict_of(status, final_status) == expected


def _row(**kw):
    base = {
        "indicator": "x",
        "region_code": "320000",
        "status": "achieved",
        "final_status": None,
        "final_gap": None,
        "first_reached": None,
        "target_value": 95.0,
        "target_year": 2025.0,
        "current_value": 96.9,
        "current_year": 2025.0 + 10 / 12,  # the end of October 2026
        "baseline_value": 44.9,
        "progress": 1.04,
        "unit": "%",
        "decimals": 1,
        "polarity": "higher",
        "compute_type": "stock_share",
    }
    return base | kw


def test_verdict002_after_the_deadline_the_value_at_the_deadline_and_what_followed():
    row = with_verdict(pl.DataFrame([_row(final_status="not_achieved", final_gap=-0.2)])).row(
        0, named=True
    )
    assert row["verdict"] == "final_not_achieved"
    assert row["verdict_label"] == "到期未达成"
    assert row["shown_value"] == pytest.approx(94.8)  # 95 − 0.2
    assert row["shown_year"] == 2025.0
    assert row["verdict_text"] == "到期未达成，差 0.2 个百分点"
    assert row["since_text"] == "此后：2026年10月末为 96.9%"


def test_verdict003_lower_is_better_reads_the_gap_the_other_way():
    row = with_verdict(
        pl.DataFrame(
            [
                _row(
                    polarity="lower",
                    target_value=30.0,
                    final_status="achieved",
                    final_gap=2.5,
                    first_reached=2024.0,
                    unit="μg/m3",
                )
            ]
        )  # fmt: skip
    ).row(0, named=True)
    assert row["shown_value"] == pytest.approx(27.5)  # 30 − 2.5
    assert row["verdict_text"] == "到期达成（2024 年首次达到）"


def test_verdict004_before_the_deadline_the_latest_value_and_no_since():
    row = with_verdict(pl.DataFrame([_row(status="on_track", current_year=2024.5)])).row(
        0, named=True
    )
    assert (row["verdict"], row["shown_value"], row["since_text"]) == ("on_track", 96.9, None)


@pytest.mark.parametrize(
    ("gap", "unit", "decimals", "expected"),
    [
        (-0.2, "%", 1, "0.2 个百分点"),
        (-0.04, "%", 1, "0.04 个百分点"),  # one decimal would say 0.0
        (-0.004, "%", 1, "0.004 个百分点"),
        (-3.0, "个", 0, "3 个"),
        (-12.5, "", 1, "12.5"),
    ],
)
def test_verdict005_a_missed_target_never_shows_a_zero_gap(gap, unit, decimals, expected):
    assert gap_text(gap, unit, decimals) == expected


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(0.996, "99.6%"), (0.9996, "99.96%"), (1.0, "100%"), (1.04, "104%"), (0.5, "50%"),
     (None, "—")],
)  # fmt: skip
def test_verdict006_progress_never_rounds_a_miss_up_to_100(progress, expected):
    assert progress_words(progress) == expected


def test_verdict007_counts_say_what_they_count():
    rows = [
        {"target_value": 80.0, "status": "achieved", "final_status": "achieved"},
        {"target_value": 80.0, "status": "achieved", "final_status": "not_achieved"},
        {"target_value": 95.0, "status": "on_track", "final_status": "not_achieved"},
        {"target_value": None, "status": "on_track", "final_status": None},
    ]
    assert verdict_counts(rows) == [
        ("量化目标", 3, [("final_not_achieved", 2), ("final_achieved", 1)]),
        ("定性目标（按趋势）", 1, [("on_track", 1)]),
    ]


@pytest.mark.parametrize(
    ("t", "compute_type", "expected"),
    [
        (2025.0, "flow_share", "2025 年"),
        (2025.0 + 10 / 12, "flow_share", "2026年1–10月"),  # a year to date: summed
        (2025.0 + 10 / 12, "stock_share", "2026年10月末"),  # a level at a date
        (2025.0 + 1 / 12, "flow_count", "2026年1月"),
        # a running month: the year to date says where it stops
        (2025.0 + (304 + 22) / 365, "flow_share", "2026年1–11月（截至 22 日）"),
    ],
)
def test_verdict008_a_running_year_says_which_period_it_covers(t, compute_type, expected):
    assert value_time_label(t, compute_type) == expected


def test_verdict009_counts_keep_their_whole_numbers():
    row = with_verdict(
        pl.DataFrame(
            [
                _row(
                    unit="个",
                    decimals=0,
                    target_value=100.0,
                    final_status="not_achieved",
                    final_gap=-5.0,
                    current_value=108.0,
                )
            ]  # fmt: skip
        )
    ).row(0, named=True)
    assert row["verdict_text"] == "到期未达成，差 5 个"
    assert row["since_text"] == "此后：2026年10月末为 108 个"


def test_verdict010_lists_sort_by_the_progress_of_the_judged_value():
    # missed at the deadline (94.8 of 95 from 44.9) though past the target since (96.9)
    row = with_verdict(pl.DataFrame([_row(final_status="not_achieved", final_gap=-0.2)])).row(
        0, named=True
    )
    assert row["judged_progress"] == pytest.approx((94.8 - 44.9) / (95 - 44.9))
    assert row["judged_progress"] < 1 < row["progress"]
