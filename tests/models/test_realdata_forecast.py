"""The forecaster on real Jiangsu series (../shared/realdata), loaded through ingestion.

For each series the last observations are held out; the forecaster chooses its model on the
rest (rolling-origin backtest) and is scored on the hold-out by MASE, next to the naive
benchmark. Prints one line per series; the aggregate must beat naive.
"""

from __future__ import annotations

import numpy as np

from datasets.ingest import ingest
from models.forecast import Forecaster, mase_scale

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
