"""Probabilities of meeting a target are calibrated, checked statistically on simulated series.

Truth is known: each series is a random walk with drift, its future simulated from the same
process. Over many series, (1) the mean predicted probability matches the observed frequency of
meeting the target, (2) in bins of predicted probability the observed frequencies follow, and
(3) 80 % intervals cover about 80 % of outcomes. Tolerances are binomial standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.forecast import Forecaster

N_SERIES, LENGTH, STEPS = 120, 36, 6


@pytest.fixture(scope="module")
def experiments():
    rng = np.random.default_rng(20251231)
    out = []
    for i in range(N_SERIES):
        drift, sigma = rng.uniform(-0.5, 1.0), rng.uniform(0.5, 2.0)
        path = 50 + np.cumsum(drift + sigma * rng.standard_normal(LENGTH + STEPS))
        history, future = path[:LENGTH], path[LENGTH:]
        # a target near the likely outcome, so probabilities spread over (0, 1)
        target = history[-1] + drift * STEPS + rng.normal(0, sigma * np.sqrt(STEPS))
        fc = Forecaster(models=("arima",), horizon=STEPS, seed=i).fit(history)
        p = fc.probability(target, STEPS, n=2000)
        band = fc.forecast(STEPS, n=2000)
        inside = (band["lo80"].to_numpy() <= future) & (future <= band["hi80"].to_numpy())
        out.append((p, float(future[-1] >= target), inside.mean()))
    return np.array(out)


def test_calibration001_mean_probability_matches_frequency(experiments):
    p, hit = experiments[:, 0], experiments[:, 1]
    se = np.sqrt(np.mean(p * (1 - p)) / len(p))
    assert abs(p.mean() - hit.mean()) < 3 * se + 0.02, (p.mean(), hit.mean())


def test_calibration002_reliability_by_bins(experiments):
    p, hit = experiments[:, 0], experiments[:, 1]
    for lo, hi in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.0)):
        mask = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if mask.sum() < 15:
            continue
        expected, observed = p[mask].mean(), hit[mask].mean()
        se = np.sqrt(expected * (1 - expected) / mask.sum())
        assert abs(expected - observed) < 3 * se + 0.05, (lo, hi, expected, observed)
    # and the probabilities carry information: better than always saying the base rate
    brier = np.mean((p - hit) ** 2)
    base = np.mean((hit.mean() - hit) ** 2)
    assert brier < base


def test_calibration003_80_percent_intervals_cover_about_80_percent(experiments):
    coverage = experiments[:, 2].mean()
    se = np.sqrt(0.8 * 0.2 / (N_SERIES * STEPS))
    # parameter uncertainty makes short-sample intervals a little narrow: allow 3 SE + 5 points
    assert abs(coverage - 0.8) < 3 * se + 0.05, coverage
