"""Batch forecasts of every target series, stored in the warehouse (``databrain forecast``).

For each numeric target of each target set, each region (province + 13 cities) and each
forecast vintage, the indicator's monthly series *as known at that vintage* (so a forecast as of
2023-06 never sees later data) is handed to :class:`models.forecast.Forecaster` with the
indicator's bounds (rates stay in [0, 100]) and nature (running counts never decrease). Fits
run in parallel processes.

Tables written (replaced on every run):

``forecasts``        target_set, indicator, region_code, as_of, step, period ('2024-06'), mean,
                     lo80, hi80, lo95, hi95 (each plan's series run to its own deadline)
``forecast_models``  indicator, region_code, as_of, target_set, model, model_label, params
                     (JSON), mase, naive_mase, beats_naive, note, n_obs, target_value,
                     target_period, probability (of meeting the target at the deadline),
                     expected_period (the first month from which the probability of meeting
                     the target is at least ½ through the forecast horizon, so never at or
                     before the deadline when the probability at the deadline is below ½;
                     NULL if there is none)
``forecast_track_record``  how good these probabilities have been (see
                     :mod:`models.track_record`)

Each series is forecast, and its model chosen and calibrated, at the horizon asked for: the
months to the target's deadline (at least ``MIN_HORIZON``).

The probability answers the question the final assessment asks. For a stock (a completion rate,
a running count) that is the value of the deadline month. For a flow (a share of the requests
of a period, e.g. 公共数据按需共享率) the target is read on the *yearly* value, so the probability
and the expected period come from a second forecast of the trailing twelve-month value — the
mean of the last twelve monthly values, which in the deadline's December is the deadline year's
value (up to the months' weights) — not from the single month, which for a share of a few
requests is close to a coin toss. The fan in ``forecasts`` stays the monthly one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass

import polars as pl

from indicators.catalog import Catalog, default_catalog
from indicators.derived import write_table
from models.forecast import MODEL_LABELS
from models.jobs import (  # noqa: F401 — the batch's series and fits, re-exported
    Job,
    _month_index,
    _period_of,
    fit_job,
    fit_question,
    job_steps,
    jobs_for,
    parallel_map,
    question_probability,
    trailing_year,
    with_count_priors,
)
from models.track_record import materialise_track_record


def run_job(job: Job) -> tuple[list[dict], dict]:
    """Fit one series; return (forecast rows, model row). Pure: safe in a worker process."""
    last = _month_index(job.periods[-1])
    steps = job_steps(job)
    fc = fit_job(job)
    frame = fc.forecast(steps, n=1000)
    rows = [
        {
            "target_set": job.target_set,
            "indicator": job.indicator,
            "region_code": job.region_code,
            "as_of": job.as_of,
            "step": int(step),
            "period": _period_of(last + int(step)),
            "mean": float(mean),
            "lo80": float(lo80),
            "hi80": float(hi80),
            "lo95": float(lo95),
            "hi95": float(hi95),
        }
        for step, mean, lo95, lo80, hi80, hi95 in frame.select(
            "step", "mean", "lo95", "lo80", "hi80", "hi95"
        ).iter_rows()
    ]
    probability = expected = None
    deadline_step = _month_index(job.deadline) - last
    question = None
    if job.target_value is not None and deadline_step >= 1:
        question = fit_question(job) if job.year_values is not None else fc
        probability = question.probability(
            job.target_value, deadline_step, polarity=job.polarity, n=2000
        )
        first = question.expected_step(job.target_value, steps, polarity=job.polarity, n=2000)
        expected = None if first is None else _period_of(last + first)
    model = {
        "indicator": job.indicator,
        "region_code": job.region_code,
        "as_of": job.as_of,
        "target_set": job.target_set,
        "model": fc.model,
        "model_label": MODEL_LABELS.get(fc.model, fc.model),
        "params": json.dumps(fc.params, ensure_ascii=False, default=str),
        "mase": fc.mase,
        "naive_mase": fc.backtest.get("naive"),
        "beats_naive": fc.beats_naive,
        "note": fc.note,
        "n_obs": fc.n_obs,
        "target_value": job.target_value,
        "target_period": job.deadline,
        "probability": probability,
        "expected_period": expected,
        "year_end_quantiles": None,
    }
    if job.horizon is not None:
        if question is None:
            question = fit_question(job) if job.year_values is not None else fc
        model["year_end_quantiles"] = _year_end_quantiles(question, last, steps)
    return rows, model


# the quantile levels stored at each year end, for a probability of any proposed target
PLAN_LEVELS = (0.01, 0.025, *(round(0.05 * i, 2) for i in range(1, 20)), 0.975, 0.99)


def _year_end_quantiles(question, last: int, steps: int) -> str:
    """JSON {"levels": [...], "periods": {"2030-12": [quantiles], ...}}: the distribution of the
    value the final assessment reads (a flow's yearly value) at each December ahead."""
    q = question.quantiles(steps, PLAN_LEVELS)
    periods = {}
    for step in range(1, steps + 1):
        period = _period_of(last + step)
        if period.endswith("-12"):
            periods[period] = [round(float(v), 6) for v in q[:, step - 1]]
    return json.dumps({"levels": list(PLAN_LEVELS), "periods": periods})


FORECAST_SCHEMA = {
    "target_set": pl.String,
    "indicator": pl.String,
    "region_code": pl.String,
    "as_of": pl.Date,
    "step": pl.Int64,
    "period": pl.String,
    "mean": pl.Float64,
    "lo80": pl.Float64,
    "hi80": pl.Float64,
    "lo95": pl.Float64,
    "hi95": pl.Float64,
}
MODEL_SCHEMA = {
    "indicator": pl.String,
    "region_code": pl.String,
    "as_of": pl.Date,
    "target_set": pl.String,
    "model": pl.String,
    "model_label": pl.String,
    "params": pl.String,
    "mase": pl.Float64,
    "naive_mase": pl.Float64,
    "beats_naive": pl.Boolean,
    "note": pl.String,
    "n_obs": pl.Int64,
    "target_value": pl.Float64,
    "target_period": pl.String,
    "probability": pl.Float64,
    "expected_period": pl.String,
    "year_end_quantiles": pl.String,
}


def _kept(con, table: str, replaced: list[str], fresh: pl.DataFrame) -> pl.DataFrame:
    """The stored rows of the plans not in ``replaced``, then ``fresh``."""
    tables = {r[0] for r in con.sql("SHOW TABLES").fetchall()}
    if table not in tables:
        return fresh
    old = con.sql(f"SELECT * FROM {table}").pl()
    if "target_set" not in old.columns or set(old.columns) != set(fresh.columns):
        return fresh
    old = old.filter(~pl.col("target_set").is_in(replaced)).select(fresh.columns)
    return pl.concat([old.cast(fresh.schema), fresh])


def default_vintages(con, catalog: Catalog) -> list[dt.date]:
    """The newest vintage, and each target set's mid-term year end (the evaluation replay)."""
    newest = con.sql("SELECT max(as_of) FROM target_progress").fetchall()[0][0]
    out = {newest}
    for ts in catalog.target_sets.values():
        if ts.midterm_year:
            out.add(dt.date(ts.midterm_year, 12, 31))
    return sorted(d for d in out if d is not None and d <= newest)


@dataclass(frozen=True)
class BatchReport:
    series: int
    seconds: float
    workers: int
    track_record_questions: int = 0
    track_record_skill: float | None = None


def forecast_all(
    con,
    catalog: Catalog | None = None,
    *,
    vintages: list[dt.date] | None = None,
    workers: int | None = None,
    indicators: list[str] | None = None,
    regions: list[str] | None = None,
    track_record: bool = True,
    target_sets: list[str] | None = None,
) -> BatchReport:
    """Forecast every target series for the vintages and (re)write the forecast tables
    (``indicators``/``regions`` restrict the batch, e.g. for tests); then, unless
    ``track_record`` is false, replay the forecaster from past origins and (re)write
    ``forecast_track_record`` (see :mod:`models.track_record`).

    ``target_sets`` forecasts only those plans (a plan just saved) and keeps the other plans'
    stored forecasts as they were."""
    catalog = catalog or default_catalog()
    vintages = vintages or default_vintages(con, catalog)
    jobs = jobs_for(
        con, catalog, vintages, indicators=indicators, regions=regions, target_sets=target_sets
    )
    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    started = time.perf_counter()
    results = parallel_map(run_job, jobs, workers)
    forecasts = pl.DataFrame(
        [row for rows, _ in results for row in rows],
        schema=FORECAST_SCHEMA,
    )
    models = pl.DataFrame(
        [model for _, model in results], schema=MODEL_SCHEMA, infer_schema_length=None
    )
    if target_sets is not None:
        forecasts = _kept(con, "forecasts", target_sets, forecasts)
        models = _kept(con, "forecast_models", target_sets, models)
    write_table(con, "forecasts", forecasts)
    write_table(con, "forecast_models", models)
    questions, skill = 0, None
    if track_record:
        table = materialise_track_record(
            con, catalog, workers=workers, indicators=indicators, regions=regions
        )
        summary = table.filter(pl.col("kind") == "summary")
        if summary.height:
            questions, skill = int(summary["n"][0]), summary["skill"][0]
    seconds = time.perf_counter() - started
    return BatchReport(
        series=len(jobs),
        seconds=seconds,
        workers=workers,
        track_record_questions=questions,
        track_record_skill=skill,
    )
