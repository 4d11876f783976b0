"""Batch forecasts of every target series, stored in the warehouse (``databrain forecast``).

For each numeric target of each target set, each region (province + 13 cities) and each
forecast vintage, the indicator's monthly series *as known at that vintage* (so a forecast as of
2023-06 never sees later data) is handed to :class:`models.forecast.Forecaster` with the
indicator's bounds (rates stay in [0, 100]) and nature (running counts never decrease). Fits
run in parallel processes.

Tables written (replaced on every run):

``forecasts``        indicator, region_code, as_of, step, period ('2024-06'), mean, lo80, hi80,
                     lo95, hi95
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
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from indicators.catalog import Catalog, default_catalog
from models.counts import CountPrior, is_event_count, window_evidence
from models.forecast import MODEL_LABELS, Forecaster

MIN_HORIZON = 12
YEAR_WINDOW = 12  # months in the trailing window of a flow's yearly question
MIN_WINDOW = 6  # fewest monthly values a trailing window needs


@dataclass(frozen=True)
class Job:
    """One series to forecast."""

    indicator: str
    region_code: str
    as_of: dt.date
    target_set: str
    periods: tuple[str, ...]  # 'YYYY-MM', oldest first
    values: tuple[float, ...]
    bounds: tuple[float | None, float | None] | None
    cumulative: bool
    period: int
    polarity: str
    target_value: float | None
    deadline: str  # 'YYYY-MM'
    # a flow's trailing twelve-month values (same months as ``periods``, None before a window
    # is full): the series the yearly question is forecast from; None for stocks
    year_values: tuple[float | None, ...] | None = None
    # a running count of events: the month before the first event anywhere among the regions
    # (earlier months say nothing about the rate) and, for a city, the batch rate and sizes
    # its peers showed (see models.counts)
    count_from: str | None = None
    count_prior: CountPrior | None = None

    def modelled_values(self) -> tuple[float, ...]:
        """The values the forecaster sees: from ``count_from`` on for a running count."""
        if self.count_from is None:
            return self.values
        kept = [v for p, v in zip(self.periods, self.values, strict=True) if p >= self.count_from]
        return tuple(kept) if len(kept) >= 2 else self.values


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def _period_of(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def job_steps(job: Job) -> int:
    """Months forecast for a job: to the deadline, and at least MIN_HORIZON."""
    return max(MIN_HORIZON, _month_index(job.deadline) - _month_index(job.periods[-1]))


def trailing_year(periods, values) -> tuple[float | None, ...]:
    """Mean of the monthly values of the twelve months ending at each month (months missing
    from the series are left out; None while fewer than ``MIN_WINDOW`` are known)."""
    index = {_month_index(p): v for p, v in zip(periods, values, strict=True)}
    out = []
    for p in periods:
        last = _month_index(p)
        window = [index[i] for i in range(last - YEAR_WINDOW + 1, last + 1) if i in index]
        out.append(sum(window) / len(window) if len(window) >= MIN_WINDOW else None)
    return tuple(out)


def fit_job(job: Job):
    """The batch forecaster for one job, chosen and calibrated at the job's horizon."""
    forecaster = Forecaster(
        period=job.period,
        bounds=job.bounds,
        cumulative=job.cumulative,
        horizon=job_steps(job),
        seed=20210831,
        count_prior=job.count_prior,
    )
    return forecaster.fit(list(job.modelled_values()))


def fit_question(job: Job):
    """The forecaster that answers the job's target question (see the module docstring): the
    monthly one for a stock, one of the trailing twelve-month value for a flow."""
    known = [v for v in job.year_values or () if v is not None]
    if job.year_values is None or len(known) < 2:
        return fit_job(job)
    forecaster = Forecaster(
        period=1, bounds=job.bounds, cumulative=False, horizon=job_steps(job), seed=20210831
    )
    return forecaster.fit(known)


def question_probability(job: Job, steps: int) -> float:
    """P(the value the final assessment reads meets the target), ``steps`` months ahead."""
    return fit_question(job).probability(job.target_value, steps, polarity=job.polarity, n=2000)


def run_job(job: Job) -> tuple[list[dict], dict]:
    """Fit one series; return (forecast rows, model row). Pure: safe in a worker process."""
    last = _month_index(job.periods[-1])
    steps = job_steps(job)
    fc = fit_job(job)
    frame = fc.forecast(steps, n=1000)
    rows = [
        {
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
    }
    return rows, model


def jobs_for(
    con,
    catalog: Catalog,
    vintages: list[dt.date],
    *,
    indicators: list[str] | None = None,
    regions: list[str] | None = None,
) -> list[Job]:
    """One job per (target set, numeric target, province/city, vintage) with ≥ 2 values."""
    regions = regions or [PROVINCE_CODE, *cities()["region_code"].to_list()]
    out: list[Job] = []
    for ts in catalog.target_sets.values():
        for target in ts.targets:
            if target.target is None or (indicators and target.indicator not in indicators):
                continue
            ind = catalog[target.indicator]
            rows = con.sql(
                """
                SELECT region_code, period, known_from, value FROM indicator_values
                WHERE indicator = ? AND period_type = 'month' AND value IS NOT NULL
                """,
                params=[ind.code],
            ).pl()
            for as_of in vintages:
                family: list[Job] = []
                known = (
                    rows.filter(pl.col("known_from") <= as_of)
                    .sort("known_from")
                    .group_by("region_code", "period", maintain_order=True)
                    .last()
                    .sort("period")
                )
                for region in regions:
                    series = known.filter(pl.col("region_code") == region)
                    if series.height < 2:
                        continue
                    periods = tuple(series["period"].to_list())
                    values = tuple(series["value"].to_list())
                    family.append(
                        Job(
                            indicator=ind.code,
                            region_code=region,
                            as_of=as_of,
                            target_set=ts.id,
                            periods=periods,
                            values=values,
                            bounds=ind.bounds,
                            cumulative=ind.compute_type == "stock_count",
                            period=12 if ind.shape == "flow" else 1,
                            polarity=ind.polarity,
                            target_value=target.value_for(region),
                            deadline=f"{target.target_year}-12",
                            year_values=(
                                trailing_year(periods, values) if ind.shape == "flow" else None
                            ),
                        )
                    )
                out.extend(with_count_priors(family))
    return out


def with_count_priors(family: list[Job]) -> list[Job]:
    """The jobs of one indicator and vintage, each city's running count of events given the
    batch rate and sizes of the *other* cities (leave-one-out empirical Bayes): a city that has
    recognised nothing yet is judged by how often its peers do, not by its own short silence.
    Months before the first event anywhere in the family (the programme had not started) are
    dropped from every count, as they say nothing about the rate."""
    counting = [j for j in family if j.cumulative and is_event_count(j.values)]
    started = [p for j in counting for p, v in zip(j.periods, j.values, strict=True) if v > 0]
    if not counting or not started:
        return family
    start = _period_of(_month_index(min(started)) - 1)
    trimmed = {j.region_code: replace(j, count_from=start) for j in counting}
    evidence = {
        code: window_evidence(j.modelled_values())
        for code, j in trimmed.items()
        if code != PROVINCE_CODE
    }
    out = []
    for job in family:
        if job.region_code not in trimmed:
            out.append(job)
            continue
        job = trimmed[job.region_code]
        if job.region_code not in evidence or len(evidence) < 3:
            out.append(job)
            continue
        peers = [e for code, e in evidence.items() if code != job.region_code]
        prior = CountPrior(
            batches=float(sum(e[0] for e in peers)),
            months=float(sum(e[1] for e in peers)),
            sizes=tuple(float(s) for e in peers for s in e[2]),
        )
        out.append(replace(job, count_prior=prior))
    return out


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


def parallel_map(func, items: list, workers: int) -> list:
    """``[func(x) for x in items]``, in ``workers`` processes when more than one."""
    if workers <= 1 or len(items) <= 1:
        return [func(x) for x in items]
    # "spawn", not fork: the parent holds DuckDB and polars thread pools, and a forked child
    # inheriting their locks can hang forever
    context = multiprocessing.get_context("spawn")
    # one BLAS / polars thread per worker: the workers are the parallelism, and nested thread
    # pools on a small machine only fight over the cores
    single = {
        k: "1"
        for k in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "POLARS_MAX_THREADS",
        )
    }
    saved = {k: os.environ.get(k) for k in single}
    os.environ.update(single)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(
                pool.map(func, items, chunksize=max(1, min(16, len(items) // (4 * workers))))
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def forecast_all(
    con,
    catalog: Catalog | None = None,
    *,
    vintages: list[dt.date] | None = None,
    workers: int | None = None,
    indicators: list[str] | None = None,
    regions: list[str] | None = None,
    track_record: bool = True,
) -> BatchReport:
    """Forecast every target series for the vintages and (re)write the forecast tables
    (``indicators``/``regions`` restrict the batch, e.g. for tests); then, unless
    ``track_record`` is false, replay the forecaster from past origins and (re)write
    ``forecast_track_record`` (see :mod:`models.track_record`)."""
    from indicators.derived import write_table

    catalog = catalog or default_catalog()
    vintages = vintages or default_vintages(con, catalog)
    jobs = jobs_for(con, catalog, vintages, indicators=indicators, regions=regions)
    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    started = time.perf_counter()
    results = parallel_map(run_job, jobs, workers)
    forecast_rows = [row for rows, _ in results for row in rows]
    model_rows = [model for _, model in results]
    write_table(con, "forecasts", pl.DataFrame(forecast_rows, infer_schema_length=None))
    write_table(
        con,
        "forecast_models",
        pl.DataFrame(
            model_rows,
            schema_overrides={
                "mase": pl.Float64,
                "naive_mase": pl.Float64,
                "probability": pl.Float64,
                "target_value": pl.Float64,
                "expected_period": pl.String,
            },
            infer_schema_length=None,
        ),
    )
    questions, skill = 0, None
    if track_record:
        from models.track_record import materialise_track_record

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
