"""Batch forecasts use only what was known at their vintage."""

from __future__ import annotations

import datetime as dt

import polars as pl

from indicators.catalog import default_catalog
from indicators.engine import values_as_of
from models.batch import jobs_for, run_job


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
    # 连云港's migration stalled in mid-2023 (planted): meeting 95 % is very unlikely
    assert model["probability"] is not None and model["probability"] < 0.05
