"""Running totals of events recognised in batches: the compound-Poisson count model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from models import counts
from models.batch import Job, fit_job, with_count_priors
from models.forecast import Forecaster

STAIRCASE = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4]


def test_counts001_a_staircase_gets_a_fan_of_whole_numbers_that_never_falls():
    fc = Forecaster(cumulative=True, horizon=24).fit(STAIRCASE)
    assert fc.model == "counts"
    q = fc.quantiles(24, [0.1, 0.5, 0.9])
    assert np.all(q == np.round(q))
    assert np.all(q >= STAIRCASE[-1])
    assert np.all(np.diff(q, axis=1) >= 0)
    # one event every ~6 months: two years on, "no more ever" is not the whole fan
    assert q[2, -1] > STAIRCASE[-1] + 2
    assert 0.05 < fc.probability(STAIRCASE[-1] + 4, 24) < 0.95


def test_counts002_trend_series_and_rates_keep_the_trend_models():
    growing = list(np.arange(24) * 37.0 + 1000)
    assert Forecaster(cumulative=True, horizon=12).fit(growing).model != "counts"
    assert not counts.is_event_count(np.array([0.5, 1.5, 2.5, 2.5, 2.5]))
    assert not counts.is_event_count(np.array([3.0, 2.0, 2.0, 2.0]))  # a running total never falls


def test_counts003_intervals_cover_held_out_counts():
    """Series drawn from compound-Poisson processes whose rates differ by series: the 80 % and
    95 % intervals two years ahead, fitted on two years, cover at least that share of the
    held-out values (whole-number intervals include their ends, so a little more) and not much
    more. Leaving out the uncertainty of the rate falls short of both."""
    rng = np.random.default_rng(7)
    inside, inside95 = [], []
    for i in range(300):
        rho = rng.gamma(2.0, 0.15)
        size = rng.integers(1, 4)
        steps = rng.poisson(rho, 48) * rng.integers(1, size + 1, 48)
        y = np.concatenate([[0.0], np.cumsum(steps)]).astype(float)
        train, truth = y[:25], y[48]
        if not counts.is_event_count(train):
            continue
        fc = Forecaster(cumulative=True, horizon=24, seed=i).fit(list(train))
        lo95, lo, hi, hi95 = fc.quantiles(24, [0.025, 0.1, 0.9, 0.975])[:, -1]
        inside.append(lo <= truth <= hi)
        inside95.append(lo95 <= truth <= hi95)
    assert len(inside) > 150
    assert 0.80 <= np.mean(inside) <= 0.92
    assert 0.93 <= np.mean(inside95) <= 0.99


def _job(region, values, target=1.0):
    periods = tuple(f"{2020 + (i + 6) // 12}-{(i + 6) % 12 + 1:02d}" for i in range(len(values)))
    return Job(
        indicator="regional_samples",
        region_code=region,
        as_of=dt.date(2023, 12, 31),
        target_set="t",
        periods=periods,
        values=tuple(float(v) for v in values),
        bounds=(0.0, None),
        cumulative=True,
        period=1,
        polarity="higher",
        target_value=target,
        deadline="2025-12",
    )


def test_counts004_a_city_with_nothing_yet_is_judged_by_its_peers():
    """Leave-one-out pooling: a silent city whose peers each got one recently is given a real
    chance; the same silent city among silent peers is not. Months before the first event
    anywhere are not counted."""
    quiet = [0.0] * 42
    got_one = [0.0] * 30 + [1.0] * 12
    busy = with_count_priors(
        [_job("320100", quiet)] + [_job(f"3202{i:02d}", got_one) for i in range(6)]
    )
    silent = with_count_priors(
        [_job("320100", quiet)] + [_job(f"3202{i:02d}", quiet) for i in range(6)]
    )
    target = busy[0]
    assert target.count_prior is not None and target.count_prior.batches == 6
    assert target.count_from == target.periods[29]  # the month before the first recognition
    p_busy = fit_job(target).probability(1, 24)
    p_alone = fit_job(_job("320100", quiet)).probability(1, 24)
    assert p_busy > 0.4 > p_alone
    assert all(j.count_prior is None for j in silent)


@pytest.mark.parametrize("n_events", [0, 3])
def test_counts005_the_prior_excludes_the_city_itself(n_events):
    mine = [0.0] * (42 - n_events) + list(np.arange(1, n_events + 1, dtype=float))
    peers = [[0.0] * 30 + [1.0] * 12 for _ in range(4)]
    family = with_count_priors(
        [_job("320100", mine)] + [_job(f"3202{i:02d}", v) for i, v in enumerate(peers)]
    )
    assert family[0].count_prior.batches == 4


def test_counts006_the_count_model_reports_its_backtest_against_naive():
    """Like every other model, the count model is scored by a rolling-origin backtest at the
    horizon asked for, against the naive last value, on the series' own scale."""
    fc = Forecaster(cumulative=True, horizon=12).fit(STAIRCASE)
    assert fc.model == "counts"
    assert fc.mase is not None and fc.backtest["naive"] is not None
    assert fc.mase > 0 and fc.backtest["naive"] > 0
    assert "回测 MASE" in fc.note
    # a series that never moved has no scale to score against
    assert Forecaster(cumulative=True, horizon=12).fit([0.0] * 20).mase is None


def test_counts007_a_programme_that_has_just_started_keeps_the_count_model():
    """The months before the first event anywhere are dropped, which can leave a city only a
    couple of values: the family decided the series are counts, so the count model still
    answers (a trend on two points would run to absurd numbers)."""
    first = _job("320100", [0.0] * 30 + [2.0])
    family = with_count_priors([first] + [_job(f"3202{i:02d}", [0.0] * 31) for i in range(5)])
    for job in family:
        assert len(job.modelled_values()) <= 3
        fc = fit_job(job)
        assert fc.model == "counts"
        assert fc.quantiles(24, [0.975])[0, -1] < 100


def test_counts008_quarterly_or_bounded_totals_are_not_modelled_as_monthly_counts():
    series = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert Forecaster(cumulative=True, horizon=8, period=4).fit(series).model != "counts"
    assert Forecaster(cumulative=True, horizon=8, bounds=(0, 10)).fit(series).model != "counts"
