"""Batch forecasts use only what was known at their vintage."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from indicators.catalog import default_catalog
from indicators.engine import values_as_of
from models.batch import forecast_all, jobs_for, question_probability, run_job, trailing_year


def test_batch001_a_vintage_sees_only_data_known_then(demo_computed):
    as_of = dt.date(2023, 6, 30)
    with demo_computed.writer() as staging:
        jobs = jobs_for(staging.con, default_catalog(), [as_of], regions=["320700"])
        staging.discard()
    assert jobs, "no series"
    for job in jobs:
        assert max(job.periods) <= "2023-06", job.indicator
        known = (
            values_as_of(
                demo_computed,
                as_of,
                period_type="month",
                indicators=[job.indicator],
                regions=["320700"],
            )
            .filter(pl.col("value").is_not_null())
            .sort("period")
        )
        assert list(job.periods) == known["period"].to_list()
        assert list(job.values) == known["value"].to_list()


def test_batch002_a_job_forecasts_to_the_deadline_with_a_probability(demo_computed):
    with demo_computed.writer() as staging:
        jobs = jobs_for(
            staging.con,
            default_catalog(),
            [dt.date(2023, 12, 31)],
            indicators=["system_cloud_rate"],
            regions=["320700"],
        )
        staging.discard()
    rows, model = run_job(jobs[0])
    # from 2023-12 to the 2025-12 deadline: 24 monthly steps
    assert [r["period"] for r in rows][:2] == ["2024-01", "2024-02"]
    assert rows[23]["period"] == "2025-12"
    assert all(0 <= r["lo95"] <= r["hi95"] <= 100 for r in rows)
    # 连云港's migration stalled in mid-2023 (planted): from 72 % with six months of stall,
    # meeting 95 % in two years is very unlikely (the calibrated fan keeps some chance that the
    # climb resumes, so "very unlikely" is below 10 %, not 0)
    assert model["probability"] is not None and model["probability"] < 0.10
    # and no date is expected by the deadline
    assert model["expected_period"] is None or model["expected_period"] > "2025-12"


def test_batch003_expected_period_never_contradicts_the_probability(demo_computed):
    with demo_computed.writer() as staging:
        report = forecast_all(
            staging.con,
            default_catalog(),
            vintages=[dt.date(2023, 12, 31)],
            workers=1,
            regions=["320000", "320700", "321300"],
            indicators=["one_thing_completion_rate", "system_cloud_rate", "typical_scenarios"],
            track_record=False,
        )
        models = staging.con.sql("SELECT * FROM forecast_models").pl()
        staging.discard()
    assert report.series == 9 and models.height == 9
    for row in models.iter_rows(named=True):
        assert row["probability"] is not None, row["indicator"]
        if row["probability"] < 0.5:
            # "expected by the deadline" only when meeting it then is at least as likely as not
            assert row["expected_period"] is None or row["expected_period"] > "2025-12", row
        elif row["expected_period"] is not None:
            assert row["expected_period"] <= "2025-12", row


def test_batch004_the_track_record_is_written_with_the_forecasts(demo_computed):
    with demo_computed.writer() as staging:
        report = forecast_all(
            staging.con,
            default_catalog(),
            vintages=[dt.date(2023, 12, 31)],
            workers=1,
            regions=["320000"],
            indicators=["mobile_enforcement_coverage"],
        )
        table = staging.con.sql("SELECT * FROM forecast_track_record").pl()
        staging.discard()
    summary = table.filter(pl.col("kind") == "summary").row(0, named=True)
    # nine half-yearly origins (2021-06 … 2025-06), one question each
    assert summary["n"] == report.track_record_questions == 9
    assert summary["source"] == "target_series"
    bins = table.filter(pl.col("kind") == "reliability")
    assert bins["n"].sum() == 9
    assert json.loads(summary["detail"])["origins"][0] == "2021-06-30"


def test_batch005_trailing_year_is_the_mean_of_the_last_twelve_months():
    periods = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01"]
    values = [float(m) for m in range(1, 14)]
    out = trailing_year(periods, values)
    # fewer than six months known: no yearly value yet
    assert out[:5] == (None,) * 5
    assert out[5] == (1 + 2 + 3 + 4 + 5 + 6) / 6
    # December: the calendar year's twelve months; January 2025 drops January 2024
    assert out[11] == sum(range(1, 13)) / 12
    assert out[12] == sum(range(2, 14)) / 12
    # a missing month is left out of its windows, not counted as zero
    gap = trailing_year(periods[:6] + periods[7:12], values[:6] + values[7:12])
    assert gap[-1] == (sum(range(1, 13)) - 7) / 11


def test_batch006_a_flow_is_asked_about_its_yearly_value(demo_computed):
    with demo_computed.writer() as staging:
        jobs = jobs_for(
            staging.con,
            default_catalog(),
            [dt.date(2024, 12, 31)],
            indicators=["data_sharing_rate", "one_thing_completion_rate"],
            regions=["320100"],
        )
        staging.discard()
    by_code = {j.indicator: j for j in jobs}
    # a stock's question is its deadline month: no yearly series
    assert by_code["one_thing_completion_rate"].year_values is None
    flow = by_code["data_sharing_rate"]
    assert flow.year_values == trailing_year(flow.periods, flow.values)
    rows, model = run_job(flow)
    # the fan is the monthly series'; the probability is that of the yearly question
    assert rows[0]["period"] == "2025-01"
    assert model["probability"] == question_probability(flow, 12)


def _with_example_plan():
    from pathlib import Path

    from indicators.catalog import load_catalog

    return load_catalog(extra_targets_dir=Path("datasets/demo/plans").resolve())


def test_batch010_each_plan_is_forecast_to_its_own_deadline(demo_computed):
    from indicators.planning import Distribution

    catalog = _with_example_plan()
    newest = dt.date(2026, 11, 22)
    with demo_computed.writer() as staging:
        forecast_all(
            staging.con,
            catalog,
            vintages=[newest],
            workers=1,
            regions=["320000", "320700"],
            indicators=["system_cloud_rate"],
            track_record=False,
        )
        rows = staging.con.sql("SELECT * FROM forecasts").pl()
        models = staging.con.sql("SELECT * FROM forecast_models").pl()
        first = rows.filter(pl.col("target_set") == "jiangsu-14fyp-digital-gov").sort(
            "region_code", "step"
        )
        # forecasting one plan again leaves the other plan's forecasts as they were
        forecast_all(
            staging.con,
            catalog,
            vintages=[newest],
            workers=1,
            regions=["320000"],
            indicators=["system_cloud_rate"],
            track_record=False,
            target_sets=["jiangsu-15fyp-draft"],
        )
        again = staging.con.sql("SELECT * FROM forecasts").pl()
        staging.discard()
    ends = rows.group_by("target_set").agg(pl.col("period").max())
    # the example plan runs to 2030; the finished plan is forecast to the planning horizon
    assert dict(ends.iter_rows()) == {
        "jiangsu-15fyp-draft": "2030-12",
        "jiangsu-14fyp-digital-gov": "2030-12",
    }
    assert (
        again.filter(pl.col("target_set") == "jiangsu-14fyp-digital-gov")
        .sort("region_code", "step")
        .equals(first)
    )
    assert set(again.filter(pl.col("target_set") == "jiangsu-15fyp-draft")["region_code"]) == {
        "320000"
    }
    # a running plan's probability and the stored year-end distribution tell the same story
    draft = models.filter(pl.col("target_set") == "jiangsu-15fyp-draft")
    assert draft.height == 2
    for row in draft.iter_rows(named=True):
        stored = json.loads(row["year_end_quantiles"])
        dist = Distribution(tuple(stored["levels"]), tuple(stored["periods"]["2030-12"]), newest)
        assert dist.probability(row["target_value"]) == pytest.approx(row["probability"], abs=0.02)
        assert sorted(stored["periods"]) == [f"{y}-12" for y in range(2026, 2031)]
    finished = models.filter(pl.col("target_set") == "jiangsu-14fyp-digital-gov")
    assert finished["probability"].is_null().all()  # its deadline has passed
    assert all("2030-12" in json.loads(t)["periods"] for t in finished["year_end_quantiles"])
