"""The forecaster respects the indicator's nature and says how good it is."""

from __future__ import annotations

import numpy as np
import pytest

import models.forecast as fc_module
from models.forecast import Forecaster, Transform, mase_scale


def test_forecast001_mase_scale_is_the_mean_naive_error():
    y = np.array([1.0, 3.0, 2.0, 6.0])
    # |3-1| + |2-3| + |6-2| = 2 + 1 + 4 → 7 / 3
    assert mase_scale(y, 1) == pytest.approx(7 / 3)
    # seasonal lag 2: |2-1| + |6-3| = 4 → 2
    assert mase_scale(y, 2) == pytest.approx(2.0)


def test_forecast002_logit_transform_round_trips_inside_bounds():
    t = Transform.for_bounds((0, 100))
    y = np.array([0.5, 50.0, 99.5])
    assert t.inverse(t.forward(y)) == pytest.approx(y)
    assert t.forward(np.array([50.0]))[0] == pytest.approx(0.0)  # logit(0.5) = 0
    assert Transform.for_bounds((0, None)).kind == "log1p"
    assert Transform.for_bounds(None).kind == "identity"


def test_forecast003_bounded_rate_forecasts_stay_in_bounds():
    rng = np.random.default_rng(1)
    # a rate climbing toward 100 %: a naive linear extrapolation would cross 100
    y = np.clip(60 + 1.8 * np.arange(40) + rng.normal(0, 0.8, 40), 0, 99.9)
    fc = Forecaster(bounds=(0, 100), models=("damped", "theta", "linear5")).fit(y)
    out = fc.forecast(24)
    for col in ("mean", "lo95", "hi95"):
        assert out[col].min() >= 0 and out[col].max() <= 100, col
    assert (out["lo95"] <= out["lo80"]).all() and (out["hi80"] <= out["hi95"]).all()


def test_forecast004_cumulative_counts_never_decrease():
    y = np.cumsum([0, 2, 1, 3, 0, 2, 4, 1, 2, 3, 2, 1, 3, 2])
    fc = Forecaster(cumulative=True, models=("linear5", "theta")).fit(y)
    paths = fc.paths(12, n=500)
    assert (np.diff(paths, axis=1) >= 0).all()
    assert (paths[:, 0] >= y[-1]).all()


def test_forecast005_short_series_fall_back_and_say_so():
    fc = Forecaster().fit([40.0, 45.0, 52.0, 58.0])
    assert fc.model == "drift"
    assert "序列过短" in fc.note and fc.backtest == {}
    # drift: slope (58 − 40) / 3 = 6 per step
    assert fc.forecast(2)["mean"].to_list() == pytest.approx([64.0, 70.0])


def test_forecast006_a_trend_is_forecast_better_than_naive():
    rng = np.random.default_rng(7)
    y = 100 + 3.0 * np.arange(48) + rng.normal(0, 1.0, 48)
    fc = Forecaster(models=("damped", "theta", "arima")).fit(y)
    assert fc.beats_naive, fc.backtest
    assert fc.mase < 1.0


def test_forecast007_probability_of_meeting_a_target_is_a_share_of_paths():
    rng = np.random.default_rng(3)
    y = 50 + 0.5 * np.arange(36) + rng.normal(0, 0.5, 36)
    fc = Forecaster(models=("damped",)).fit(y)
    easy = fc.probability(40.0, steps=12)
    hard = fc.probability(200.0, steps=12)
    assert easy > 0.99 and hard < 0.01
    assert fc.probability(40.0, steps=12, polarity="lower") == pytest.approx(1 - easy, abs=0.01)


def test_forecast008_options_are_checked_up_front():
    with pytest.raises(ValueError, match="unknown models"):
        Forecaster(models=("prophet",))
    with pytest.raises(ValueError, match="at least 2 observations"):
        Forecaster().fit([1.0])


def test_forecast009_a_rate_with_early_zero_months_gets_a_sane_fan():
    # 8 months at 0 % (not started), then a steady climb of 1.5 points a month to 48.5 %
    y = np.r_[np.zeros(8), np.linspace(2.0, 48.5, 32)]
    fc = Forecaster(bounds=(0, 100), horizon=3).fit(y)
    out = fc.forecast(3)
    # the next three months continue the climb: about 50, 51.5, 53
    assert out["mean"].to_list() == pytest.approx([50.0, 51.5, 53.0], abs=0.6)
    # the fan is a few points wide, not [14, 87] as a logit of 0 % (−9.2) made it
    assert out["hi80"][2] - out["lo80"][2] < 5
    # a rate that never fell is not forecast to fall below where it is
    assert out["lo95"].min() >= 48.5 - 1e-9
    assert out["hi95"].max() <= 100


def test_forecast010_logit_is_clipped_half_a_point_from_the_bounds():
    t = Transform.for_bounds((0, 100))
    # u = 0.005 → log(0.005 / 0.995) = −5.293
    assert t.forward(np.array([0.0]))[0] == pytest.approx(np.log(0.005 / 0.995))
    assert t.forward(np.array([100.0]))[0] == pytest.approx(-np.log(0.005 / 0.995))


def test_forecast011_running_totals_never_fall_below_the_last_value():
    rng = np.random.default_rng(11)
    # a count that mostly stalls: a fan built around a flat forecast must not dip below 40
    y = 40 - np.r_[np.cumsum(rng.integers(0, 3, 20))[::-1], 0]
    fc = Forecaster(cumulative=True, horizon=6).fit(y)
    out = fc.forecast(6)
    assert out["lo95"].min() >= y[-1]
    assert (np.diff(out["lo95"].to_numpy()) >= 0).all()
    assert (np.diff(fc.paths(6, n=300), axis=1) >= 0).all()


@pytest.mark.parametrize("target", [55.0, 58.0, 60.0, 62.0, 66.0])
def test_forecast012_expected_step_agrees_with_the_probability(target):
    rng = np.random.default_rng(12)
    y = 40 + 0.8 * np.arange(30) + rng.normal(0, 1.0, 30)
    fc = Forecaster(horizon=12).fit(y)
    p = fc.step_probabilities(target, 12)
    first = fc.expected_step(target, 12)
    if first is None:
        assert p[-1] < 0.5
    else:
        # from the expected step on, meeting the target is at least as likely as not …
        assert (p[first - 1 :] >= 0.5).all()
        # … and the step before it is not
        assert first == 1 or p[first - 2] < 0.5
    # never "expected by step 12" while P(met at step 12) < ½
    assert not (first is not None and first <= 12 and fc.probability(target, 12) < 0.5)


def test_forecast013_intervals_widen_with_the_horizon_asked_for():
    rng = np.random.default_rng(13)
    y = 100 + np.cumsum(1.0 + rng.normal(0, 1.0, 40))
    fc = Forecaster(horizon=8).fit(y)
    out = fc.forecast(8)
    width = (out["hi80"] - out["lo80"]).to_numpy()
    assert (np.diff(width) > 0).all()
    assert fc.params["horizon"] == 8
    # a random walk's 8-step spread is about √8 ≈ 2.8 times its 1-step spread
    assert 1.8 < width[-1] / width[0] < 5.0


def test_forecast014_the_combination_is_the_mean_of_its_members():
    y = np.array([3.0, 5.0, 4.0, 7.0, 8.0, 9.5, 9.0, 12.0, 13.0, 13.5, 15.0])
    origins = np.array([6, 10])
    members = [fc_module.CANDIDATES[name](y, origins, 3) for name in fc_module.COMBO]
    combo = fc_module.CANDIDATES["combo"](y, origins, 3)
    assert combo == pytest.approx(sum(members) / 3)
    # linear5 from origin 10: the OLS line through (0, 9), (1, 12), (2, 13), (3, 13.5), (4, 15):
    # mean 12.5 at t = 2, slope Σ(t − 2)(y − 12.5) / Σ(t − 2)² = 13.5 / 10 = 1.35, so 15.2 at
    # t = 4 and 16.55, 17.9, 19.25 ahead
    assert fc_module.CANDIDATES["linear5"](y, origins, 3)[1] == pytest.approx([16.55, 17.9, 19.25])


def test_forecast015_a_rising_noisy_rate_is_not_pulled_down_by_thin_long_horizon_evidence():
    """A completion rate over a small, growing list (a city's 一体事联办: few items, so it moves
    in steps and sometimes falls) rose from 0 to 75 % in 30 months. Its longest backtest
    horizons are checked only from the first few origins, whose steep early trends overshot;
    that thin evidence must not turn into a bias that drags the median forecast down by
    tens of points two years ahead."""
    values = [
        0.0,
        25.0,
        20.0,
        16.7,
        33.3,
        42.9,
        50.0,
        44.4,
        40.0,
        40.0,
        41.7,
        38.5,
        38.5,
        42.9,
        40.0,
        46.7,
        53.3,
        56.2,
        62.5,
        55.6,
        55.6,
        63.2,
        73.7,
        70.0,
        70.0,
        75.0,
        80.0,
        72.7,
        77.3,
        70.8,
        75.0,
    ]
    fc = Forecaster(bounds=(0.0, 100.0), horizon=24).fit(values)
    median = fc.quantiles(24, [0.5])[0]
    assert median.min() >= 60.0
    assert median[-1] >= values[-1] - 5.0
