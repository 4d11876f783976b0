"""Track-record scores worked out by hand on tiny examples."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from models import track_record as tr


def test_trackrecord001_brier_score_base_rate_and_skill():
    p = [0.9, 0.2, 0.6, 0.4]
    o = [1, 0, 0, 1]
    s = tr.brier_summary(p, o)
    # (0.1² + 0.2² + 0.6² + 0.6²) / 4 = (0.01 + 0.04 + 0.36 + 0.36) / 4 = 0.1925
    assert s["brier"] == pytest.approx(0.1925)
    # base rate ½: always answering ½ scores ½ · ½ = 0.25; skill 1 − 0.1925 / 0.25 = 0.23
    assert s["base_rate"] == 0.5 and s["brier_base"] == pytest.approx(0.25)
    assert s["skill"] == pytest.approx(0.23)
    assert s["n"] == 4


def test_trackrecord002_no_variation_in_outcomes_has_no_skill_score():
    s = tr.brier_summary([0.9, 0.8], [1, 1])
    assert s["brier_base"] == 0 and s["skill"] is None
    assert tr.brier_summary([], [])["n"] == 0


def test_trackrecord003_reliability_table_by_hand():
    p = [0.05, 0.08, 0.15, 0.55, 0.58, 0.95, 1.0]
    o = [0, 1, 0, 1, 1, 1, 0]
    table = tr.reliability_table(p, o)
    # empty bins are left out; 1.0 falls in the last bin [0.9, 1.0]
    assert [(r["bin_lo"], r["n"]) for r in table] == [(0.0, 2), (0.1, 1), (0.5, 2), (0.9, 2)]
    first, second, middle, last = table
    assert first["mean_predicted"] == pytest.approx(0.065) and first["observed"] == 0.5
    assert second["mean_predicted"] == pytest.approx(0.15) and second["observed"] == 0.0
    assert middle["mean_predicted"] == pytest.approx(0.565) and middle["observed"] == 1.0
    assert last["mean_predicted"] == pytest.approx(0.975) and last["observed"] == 0.5


def test_trackrecord004_reliability_is_judged_on_bins_with_enough_cases():
    table = [
        {"n": 25, "mean_predicted": 0.30, "observed": 0.38},  # 8 points off: fine
        {"n": 5, "mean_predicted": 0.70, "observed": 0.20},  # far off, but only 5 cases
    ]
    assert tr.reliability_ok(table)
    table.append({"n": 40, "mean_predicted": 0.90, "observed": 0.78})  # 12 points off
    assert not tr.reliability_ok(table)


def test_trackrecord005_annual_series_keep_the_longest_run_of_consecutive_years():
    frame = pl.DataFrame(
        {
            "region_code": ["320100"] * 7,
            "year": ["1990", "1992", "1993", "1994", "1995", "1997", "2025"],
            "indicator": ["gdp"] * 7,
            "value": ["1", "2", "3", "4", "5", "6", "9"],
        }
    )
    (series,) = tr.annual_series(frame, ["gdp"])
    assert series.years == (1992, 1993, 1994, 1995)
    assert series.values == (2.0, 3.0, 4.0, 5.0)


def test_trackrecord006_demo_origins_every_six_months():
    origins = tr.default_origins()
    assert origins[0] == dt.date(2021, 6, 30) and origins[-1] == dt.date(2025, 6, 30)
    assert len(origins) == 9 and dt.date(2023, 12, 31) in origins


def test_trackrecord007_rows_for_the_warehouse_table_are_json_friendly():
    questions = pl.DataFrame(
        {
            "origin": [dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2024, 12, 31)],
            "probability": [0.2, 0.7, 0.9],
            "outcome": [0, 1, 1],
        }
    )
    rows = tr.track_record_rows(questions, source="target_series")
    summary = rows[0]
    assert summary["kind"] == "summary" and summary["n"] == 3
    # Brier (0.04 + 0.09 + 0.01) / 3; base rate ⅔ → ⅔ · ⅓ = 2/9
    assert summary["brier"] == pytest.approx(0.14 / 3)
    assert summary["skill"] == pytest.approx(1 - (0.14 / 3) / (2 / 9))
    assert json.loads(summary["detail"]) == {"origins": ["2024-06-30", "2024-12-31"]}
    assert [r["kind"] for r in rows[1:]] == ["reliability"] * 3
    json.dumps(rows)  # plain scalars only
    table = pl.DataFrame(rows, schema=tr.TRACK_RECORD_SCHEMA)
    assert table.height == 4
