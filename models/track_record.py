"""The track record of the forecaster: how good its probabilities and intervals have been.

Pure functions that replay the forecaster from past origins and score it against what happened.

Probability scores (Brier 1950; decomposition Murphy 1973). For n questions with predicted
probabilities pᵢ and outcomes oᵢ ∈ {0, 1}:

* Brier score        BS = (1/n) Σ (pᵢ − oᵢ)²  (0 is perfect);
* base-rate Brier    BS₀ = ō (1 − ō), the score of always answering the observed frequency ō;
* Brier skill score  BSS = 1 − BS / BS₀  (> 0: better than the base rate; 1 is perfect);
* reliability table  the questions binned by predicted probability (ten bins of width 0.1); per
                     bin the number of questions, the mean predicted probability and the
                     observed frequency. A reliable forecaster's two columns agree.

Two question sets:

* :func:`demo_questions` — the demo warehouse's target series: from every origin (as-of month
  ends, e.g. every six months from 2021-06 to 2025-06) the batch forecaster is fitted to what was
  known then (transaction time), exactly as ``databrain forecast`` does, and asked for P(the
  value the final assessment reads meets the target) — the deadline month's value for a stock,
  the deadline year's value for a flow (see :mod:`models.batch`); the outcome is that value as
  known today.
* :func:`real_questions` — real annual series (e.g. 13 cities' GDP, registered population and
  average wage): from several origins, "will the value in year Y be at least v" for thresholds v
  spread evenly over the range the series' own recent growth makes plausible (lowest to highest
  annual growth of the last ten years before the origin, compounded to year Y); the same
  questions are answered by damped Holt with its own normal prediction intervals
  (statsmodels ``ETSModel``), the peer to beat.

:func:`holdout_points` scores point forecasts and intervals on the same real series (MAPE of the
forecaster, naive, linear-5 and damped Holt; coverage of the 80 % and 95 % intervals).
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from indicators.catalog import default_catalog
from indicators.derived import write_table
from models.forecast import Forecaster
from models.jobs import jobs_for, parallel_map, question_probability

BINS = 10

# The real-data evaluation: every city, the three indicators the plan's economy pages lean on,
# origins every three years from 2006 to 2018, forecasts 1–3 years ahead.
REAL_INDICATORS = ("gdp", "registered_population_yearend", "avg_wage_of_employees")
REAL_ORIGINS = (2006, 2009, 2012, 2015, 2018)
REAL_HORIZON = 3

# What "calibrated" and "skilful" mean here.
COVERAGE80 = (0.75, 0.85)
COVERAGE95 = (0.90, 0.98)
DEMO_SKILL = 0.25
RELIABILITY_TOLERANCE = 0.10
RELIABILITY_MIN_N = 20


# --- scores ------------------------------------------------------------------------------------


def brier_summary(p, outcome) -> dict:
    """Brier score, base-rate Brier score, skill score and counts of a set of questions."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    n = len(p)
    if n == 0:
        return {"n": 0, "brier": None, "base_rate": None, "brier_base": None, "skill": None}
    brier = float(np.mean((p - o) ** 2))
    rate = float(np.mean(o))
    base = rate * (1 - rate)
    skill = None if base == 0 else 1 - brier / base
    return {"n": n, "brier": brier, "base_rate": rate, "brier_base": base, "skill": skill}


def reliability_table(p, outcome, *, bins: int = BINS) -> list[dict]:
    """Questions binned by predicted probability: bin bounds, n, mean predicted, observed
    frequency (bins [0, 0.1), [0.1, 0.2) … [0.9, 1.0]; empty bins are left out)."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        out.append(
            {
                "bin_lo": b / bins,
                "bin_hi": (b + 1) / bins,
                "n": int(mask.sum()),
                "mean_predicted": float(p[mask].mean()),
                "observed": float(o[mask].mean()),
            }
        )
    return out


def reliability_ok(
    table: list[dict], *, min_n: int = RELIABILITY_MIN_N, tolerance: float = RELIABILITY_TOLERANCE
) -> bool:
    """Every bin holding at least ``min_n`` questions has |observed − predicted| ≤ tolerance."""
    return all(
        abs(r["observed"] - r["mean_predicted"]) <= tolerance for r in table if r["n"] >= min_n
    )


# --- the demo target series --------------------------------------------------------------------


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def default_origins(first: str = "2021-06", last: str = "2025-06", every: int = 6) -> list[dt.date]:
    """Month ends from ``first`` to ``last`` every ``every`` months."""
    out = []
    for index in range(_month_index(first), _month_index(last) + 1, every):
        y, m = index // 12, index % 12 + 1
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
    return out


def _question_probability(item) -> float:
    """P(target met at the deadline) for one (job, steps) pair: the batch forecaster as
    ``databrain forecast`` fits it. Top-level so worker processes can run it."""

    job, steps = item
    return question_probability(job, steps)


def _yearly_values(con, codes: list[str], now: dt.date) -> dict[tuple[str, str, str], float]:
    """(indicator, region, 'YYYY') → the year's value as known at ``now`` (transaction time)."""
    if not codes:
        return {}
    rows = con.sql(
        f"""
        SELECT indicator, region_code, period, arg_max(value, known_from) AS value
        FROM indicator_values
        WHERE period_type = 'year' AND value IS NOT NULL AND known_from <= ?
          AND indicator IN ({", ".join("?" * len(codes))})
        GROUP BY ALL
        """,
        params=[now, *codes],
    ).fetchall()
    return {(i, r, p): v for i, r, p, v in rows}


def demo_questions(
    con,
    catalog=None,
    *,
    origins: list[dt.date] | None = None,
    now: dt.date | None = None,
    regions: list[str] | None = None,
    indicators: list[str] | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """One row per (origin, target series) whose deadline lies after the origin: indicator,
    region_code, origin, deadline, target_value, polarity, probability (from the batch
    forecaster fitted to the data known at the origin), value_at_deadline (as known ``now``,
    default the newest vintage), outcome (1 if that value meets the target)."""
    catalog = catalog or default_catalog()
    origins = origins or default_origins()
    if now is None:
        now = con.sql("SELECT max(as_of) FROM target_progress").fetchall()[0][0]
    latest = {
        (j.target_set, j.indicator, j.region_code): dict(zip(j.periods, j.values, strict=True))
        for j in jobs_for(con, catalog, [now], indicators=indicators, regions=regions)
    }
    flows = sorted({k[1] for k in latest if catalog[k[1]].shape == "flow"})
    yearly = _yearly_values(con, flows, now)
    asked, rows = [], []
    for job in jobs_for(
        con, catalog, [o for o in origins if o < now], indicators=indicators, regions=regions
    ):
        if job.target_value is None:
            continue
        steps = _month_index(job.deadline) - _month_index(job.periods[-1])
        if job.indicator in flows:
            # a flow's target is read on the deadline year's value
            value = yearly.get((job.indicator, job.region_code, job.deadline[:4]))
        else:
            value = latest.get((job.target_set, job.indicator, job.region_code), {}).get(
                job.deadline
            )
        if steps < 1 or value is None:
            continue
        met = value >= job.target_value if job.polarity == "higher" else value <= job.target_value
        asked.append((job, steps))
        rows.append(
            {
                "indicator": job.indicator,
                "region_code": job.region_code,
                "origin": job.as_of,
                "deadline": job.deadline,
                "target_value": job.target_value,
                "polarity": job.polarity,
                "value_at_deadline": value,
                "outcome": int(met),
            }
        )
    probabilities = parallel_map(_question_probability, asked, workers)
    for row, p in zip(rows, probabilities, strict=True):
        row["probability"] = p
    return pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "region_code": pl.String,
            "origin": pl.Date,
            "deadline": pl.String,
            "target_value": pl.Float64,
            "polarity": pl.String,
            "value_at_deadline": pl.Float64,
            "outcome": pl.Int64,
            "probability": pl.Float64,
        },
    )


def track_record_rows(questions: pl.DataFrame, *, source: str, method: str = "forecaster"):
    """Rows for the ``forecast_track_record`` table: one ``summary`` row (n, Brier, base rate,
    base-rate Brier, skill, origins) and one ``reliability`` row per bin (n, mean predicted,
    observed), all JSON-friendly scalars."""
    p = questions["probability"].to_numpy()
    o = questions["outcome"].to_numpy()
    summary = brier_summary(p, o)
    origins = (
        sorted({str(d) for d in questions["origin"].to_list()})
        if "origin" in questions.columns
        else []
    )
    rows = [
        {
            "source": source,
            "method": method,
            "kind": "summary",
            "bin_lo": None,
            "bin_hi": None,
            "n": summary["n"],
            "mean_predicted": float(np.mean(p)) if len(p) else None,
            "observed": summary["base_rate"],
            "brier": summary["brier"],
            "brier_base": summary["brier_base"],
            "skill": summary["skill"],
            "detail": json.dumps({"origins": origins}, ensure_ascii=False),
        }
    ]
    for r in reliability_table(p, o):
        rows.append(
            {
                "source": source,
                "method": method,
                "kind": "reliability",
                "bin_lo": r["bin_lo"],
                "bin_hi": r["bin_hi"],
                "n": r["n"],
                "mean_predicted": r["mean_predicted"],
                "observed": r["observed"],
                "brier": None,
                "brier_base": None,
                "skill": None,
                "detail": None,
            }
        )
    return rows


TRACK_RECORD_SCHEMA = {
    "source": pl.String,
    "method": pl.String,
    "kind": pl.String,
    "bin_lo": pl.Float64,
    "bin_hi": pl.Float64,
    "n": pl.Int64,
    "mean_predicted": pl.Float64,
    "observed": pl.Float64,
    "brier": pl.Float64,
    "brier_base": pl.Float64,
    "skill": pl.Float64,
    "detail": pl.String,
}


def materialise_track_record(
    con, catalog=None, *, origins=None, questions=None, workers: int = 1, **restrict
) -> pl.DataFrame:
    """Compute the demo target series' track record and (re)write ``forecast_track_record``
    (source ``target_series``: a summary row and reliability rows). ``restrict`` passes
    ``indicators``/``regions`` on to :func:`demo_questions`. Returns the table."""
    if questions is None:
        questions = demo_questions(con, catalog, origins=origins, workers=workers, **restrict)
    table = pl.DataFrame(
        track_record_rows(questions, source="target_series"), schema=TRACK_RECORD_SCHEMA
    )
    write_table(con, "forecast_track_record", table)
    return table


# --- real annual series ------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One real annual series: consecutive years and values."""

    indicator: str
    region_code: str
    years: tuple[int, ...]
    values: tuple[float, ...]


def annual_series(frame: pl.DataFrame, indicators: list[str]) -> list[Series]:
    """Series from a long frame (region_code, year, indicator, value), one per indicator and
    region, each the longest run of consecutive years (a gap or a stray later figure ends it)."""
    out = []
    data = (
        frame.filter(pl.col("indicator").is_in(indicators))
        .with_columns(pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64))
        .drop_nulls("value")
        .sort("indicator", "region_code", "year")
    )
    for (indicator, region), group in data.group_by(
        ["indicator", "region_code"], maintain_order=True
    ):
        best: list[tuple[int, float]] = []
        run: list[tuple[int, float]] = []
        for year, value in zip(group["year"].to_list(), group["value"].to_list(), strict=True):
            if run and year != run[-1][0] + 1:
                run = []
            run.append((year, value))
            if len(run) > len(best):
                best = list(run)
        out.append(
            Series(indicator, str(region), tuple(y for y, _ in best), tuple(v for _, v in best))
        )
    return out


def load_real_series(path, indicators=REAL_INDICATORS) -> list[Series]:
    """The 13 cities' annual series of ``indicators`` from a long CSV such as
    ``../shared/realdata/jiangsu_city_annual.csv`` (region_code, year, indicator, value, …);
    the province row is left out."""
    frame = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    frame = frame.filter(pl.col("region_code") != "320000")
    return annual_series(frame, list(indicators))


def _damped_holt(train: np.ndarray, horizon: int):
    """statsmodels damped-trend Holt (additive errors): (mean, sd) per step ahead."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(pd.Series(train), error="add", trend="add", damped_trend=True).fit(
            disp=False
        )
        pred = res.get_prediction(start=len(train), end=len(train) + horizon - 1)
    mean = np.asarray(pred.predicted_mean, dtype=float)
    sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
    return mean, sd


def _linear5(train: np.ndarray, horizon: int) -> np.ndarray:
    window = train[-5:]
    t = np.arange(len(window), dtype=float)
    slope, intercept = np.polyfit(t, window, 1)
    return intercept + slope * (t[-1] + np.arange(1, horizon + 1))


@dataclass(frozen=True)
class RealEvaluation:
    """Hold-out points and probability questions from real annual series."""

    points: pl.DataFrame
    questions: pl.DataFrame


def evaluate_real(
    series: list[Series],
    origins=REAL_ORIGINS,
    *,
    horizon: int = REAL_HORIZON,
    thresholds: int = 5,
    bounds=(0.0, None),
    min_train: int = 8,
) -> RealEvaluation:
    """Fit the forecaster (horizon ``horizon``) and the peers at every origin year of every
    series (training data: the years up to the origin), and score them on the years after it.

    ``points``: indicator, region_code, origin, step, actual, forecast (median), naive,
    linear5, damped (statsmodels damped Holt), lo80, hi80, lo95, hi95.
    ``questions``: indicator, region_code, origin, step, threshold, outcome (actual ≥
    threshold), probability (the forecaster), probability_damped (damped Holt, normal).
    """
    from scipy.special import ndtr

    points, questions = [], []
    for s in series:
        years = np.array(s.years)
        values = np.array(s.values)
        for origin in origins:
            train = values[years <= origin]
            if len(train) < min_train or origin + 1 not in s.years:
                continue
            fc = Forecaster(bounds=bounds, horizon=horizon).fit(train)
            frame = fc.forecast(horizon)
            d_mean, d_sd = _damped_holt(train, horizon)
            lin = _linear5(train, horizon)
            recent = train[-11:]
            growth = recent[1:] / recent[:-1] - 1
            g_lo, g_hi = float(growth.min()), float(growth.max())
            for step in range(1, horizon + 1):
                year = origin + step
                if year not in s.years:
                    continue
                actual = float(values[years == year][0])
                row = frame.row(step - 1, named=True)
                points.append(
                    {
                        "indicator": s.indicator,
                        "region_code": s.region_code,
                        "origin": origin,
                        "step": step,
                        "actual": actual,
                        "forecast": row["mean"],
                        "naive": float(train[-1]),
                        "linear5": float(lin[step - 1]),
                        "damped": float(d_mean[step - 1]),
                        "lo80": row["lo80"],
                        "hi80": row["hi80"],
                        "lo95": row["lo95"],
                        "hi95": row["hi95"],
                    }
                )
                low = train[-1] * (1 + g_lo) ** step
                high = train[-1] * (1 + g_hi) ** step
                for v in np.linspace(low, high, thresholds):
                    p_fc = fc.probability(float(v), step)
                    sd = d_sd[step - 1]
                    p_d = (
                        float(ndtr((d_mean[step - 1] - v) / sd))
                        if sd > 0
                        else float(d_mean[step - 1] >= v)
                    )
                    questions.append(
                        {
                            "indicator": s.indicator,
                            "region_code": s.region_code,
                            "origin": origin,
                            "step": step,
                            "threshold": float(v),
                            "outcome": int(actual >= v),
                            "probability": p_fc,
                            "probability_damped": p_d,
                        }
                    )
    return RealEvaluation(pl.DataFrame(points), pl.DataFrame(questions))


def point_summary(points: pl.DataFrame) -> dict:
    """MAPE (%) of the forecaster, naive, linear-5 and damped Holt; 80 %/95 % coverage."""
    a = points["actual"].to_numpy()
    out = {"n": points.height}
    for col in ("forecast", "naive", "linear5", "damped"):
        out[f"mape_{col}"] = float(np.mean(np.abs(points[col].to_numpy() - a) / np.abs(a)) * 100)
    for level in ("80", "95"):
        lo, hi = points[f"lo{level}"].to_numpy(), points[f"hi{level}"].to_numpy()
        out[f"coverage{level}"] = float(np.mean((lo <= a) & (a <= hi)))
    return out
