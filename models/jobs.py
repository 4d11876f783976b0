"""The series a forecast batch works on, and how each is fitted (:mod:`models.batch` runs them).

A :class:`Job` is one target series — an indicator in one region as known at one vintage, with
its target and deadline — built by :func:`jobs_for` from the warehouse; :func:`fit_job` and
:func:`fit_question` fit the forecaster that draws its fan and the one that answers its target
question; :func:`parallel_map` runs work in worker processes.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from indicators.catalog import Catalog
from models.counts import CountPrior, is_event_count, window_evidence
from models.forecast import Forecaster

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
    # at the newest vintage the distribution at every year end ahead is kept for planning: to
    # the deadline of a running plan, to the planning horizon for a finished one ('YYYY-MM');
    # None at other vintages
    horizon: str | None = None

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
    """Months forecast for a job: to the deadline (and the planning horizon, if it has one),
    and at least MIN_HORIZON."""
    last = _month_index(job.periods[-1])
    ends = [_month_index(job.deadline)] + ([_month_index(job.horizon)] if job.horizon else [])
    return max(MIN_HORIZON, max(ends) - last)


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
        # decided on the whole series: the months kept from the programme's start may be few
        event_counts=True if job.count_from is not None else None,
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


def jobs_for(
    con,
    catalog: Catalog,
    vintages: list[dt.date],
    *,
    indicators: list[str] | None = None,
    regions: list[str] | None = None,
    target_sets: list[str] | None = None,
) -> list[Job]:
    """One job per (target set, numeric target, province/city, vintage) with ≥ 2 values."""
    regions = regions or [PROVINCE_CODE, *cities()["region_code"].to_list()]
    out: list[Job] = []
    newest = max(vintages) if vintages else None
    horizon = planning_horizon(catalog, newest) if newest else None
    for ts in catalog.target_sets.values():
        if target_sets is not None and ts.id not in target_sets:
            continue
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
            # a plan is forecast from its baseline year's end on: before that it was not a plan
            for as_of in (v for v in vintages if v >= dt.date(ts.baseline_year, 12, 31)):
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
                            horizon=(
                                None
                                if as_of != newest
                                else horizon
                                if f"{ts.target_year}-12" < f"{as_of:%Y-%m}"
                                else f"{ts.target_year}-12"
                            ),
                        )
                    )
                out.extend(with_count_priors(family))
    return out


def planning_horizon(catalog: Catalog, newest: dt.date) -> str:
    """The December a planner may set a deadline for: the latest plan's target year, and at
    least five years after the newest vintage's year ('YYYY-12')."""
    latest = max((ts.target_year for ts in catalog.target_sets.values()), default=newest.year)
    return f"{max(latest, newest.year + 4)}-12"


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


def _die_with_parent(parent: int) -> None:
    """A pool worker ends when the process that started it ends, even by kill -9 (Linux's
    parent-death signal), so no worker outlives an interrupted forecast."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the job's process group is still ended
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


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
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            return list(
                pool.map(func, items, chunksize=max(1, min(16, len(items) // (4 * workers))))
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
