"""The forecaster on real Jiangsu series (../shared/realdata), skipped when they are absent.

test_realforecast001: the last observations of each series are held out, loaded through
ingestion; the forecaster must beat the naive benchmark by MASE.

test_realforecast002–004: the 13 cities' GDP, registered population and average wage, from
origins every three years 2006–2018, forecast 1–3 years ahead (models.track_record): point
accuracy against the simple peers, interval coverage, and the skill and reliability of
P(value ≥ v) questions against damped Holt's own normal intervals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datasets.ingest import ingest
from models import track_record as tr
from models.forecast import Forecaster, mase_scale

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"

HOLDOUT = {"gdp": 3, "pm25_monthly_mean_derived": 6}


def holdout_scores(y: np.ndarray, period: int, h: int) -> tuple[str, float, float]:
    train, test = y[:-h], y[-h:]
    fc = Forecaster(period=period, bounds=(0, None), horizon=h).fit(train)
    pred = fc.forecast(h)["mean"].to_numpy()
    scale = mase_scale(train, period)
    lag = period if period > 1 and len(train) > period else 1
    naive = np.array([train[len(train) - lag + (i % lag)] for i in range(h)])
    return (
        fc.model,
        float(np.mean(np.abs(pred - test)) / scale),
        float(np.mean(np.abs(naive - test)) / scale),
    )


def test_realforecast001_beats_naive_on_real_city_series(realdata, warehouse):
    ingest(
        [
            realdata / "jiangsu_city_annual.csv",
            realdata / "jiangsu_city_pm25_monthly_2014_2016.csv",
        ],
        warehouse=warehouse,
    )
    series = warehouse.query(
        """
        SELECT indicator, region_code, list(value ORDER BY year, month) AS vals
        FROM statistics
        WHERE indicator IN ('gdp', 'pm25_monthly_mean_derived') AND day IS NULL
          AND region_code <> '320000'
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    )
    assert series.height == 26  # 13 cities × 2 indicators
    ours, naive = [], []
    for indicator, region, vals in series.iter_rows():
        period = 12 if indicator.startswith("pm25") else 1
        model, mase, naive_mase = holdout_scores(np.array(vals), period, HOLDOUT[indicator])
        print(
            f"{indicator:28s} {region} n={len(vals):3d} {model:6s} MASE {mase:5.2f} naive {naive_mase:5.2f}"
        )
        ours.append(mase)
        naive.append(naive_mase)
    print(f"aggregate MASE {np.mean(ours):.2f} vs naive {np.mean(naive):.2f}")
    assert np.mean(ours) < np.mean(naive)


@pytest.fixture(scope="module")
def real_evaluation():
    if not (REALDATA / "jiangsu_city_annual.csv").is_file():
        pytest.skip(f"real public statistics not available: {REALDATA} is absent")
    series = tr.load_real_series(REALDATA / "jiangsu_city_annual.csv")
    assert len(series) == 39  # 13 cities × 3 indicators
    return tr.evaluate_real(series)


@pytest.mark.realdata
def test_realforecast002_the_forecast_is_no_worse_than_the_better_simple_peer(real_evaluation):
    summary = tr.point_summary(real_evaluation.points)
    print(summary)
    assert summary["n"] >= 500
    assert summary["mape_forecast"] <= min(summary["mape_linear5"], summary["mape_damped"])


@pytest.mark.realdata
def test_realforecast003_intervals_cover_what_they_say(real_evaluation):
    summary = tr.point_summary(real_evaluation.points)
    assert tr.COVERAGE80[0] <= summary["coverage80"] <= tr.COVERAGE80[1], summary
    assert tr.COVERAGE95[0] <= summary["coverage95"] <= tr.COVERAGE95[1], summary


@pytest.mark.realdata
def test_realforecast004_probabilities_have_skill_and_are_reliable(real_evaluation):
    q = real_evaluation.questions
    ours = tr.brier_summary(q["probability"], q["outcome"])
    damped = tr.brier_summary(q["probability_damped"], q["outcome"])
    print(ours, damped)
    assert ours["skill"] > 0 and ours["skill"] >= damped["skill"]
    table = tr.reliability_table(q["probability"].to_numpy(), q["outcome"].to_numpy())
    assert tr.reliability_ok(table), table
