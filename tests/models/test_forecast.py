"""The forecaster respects the indicator's nature and says how good it is."""

from __future__ import annotations

import numpy as np
import pytest

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
    fc = Forecaster(bounds=(0, 100), models=("ets", "damped", "theta")).fit(y)
    out = fc.forecast(24)
    for col in ("mean", "lo95", "hi95"):
        assert out[col].min() >= 0 and out[col].max() <= 100, col
    assert (out["lo95"] <= out["lo80"]).all() and (out["hi80"] <= out["hi95"]).all()


def test_forecast004_cumulative_counts_never_decrease():
    y = np.cumsum([0, 2, 1, 3, 0, 2, 4, 1, 2, 3, 2, 1, 3, 2])
    fc = Forecaster(cumulative=True, models=("ets", "theta")).fit(y)
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
    fc = Forecaster(models=("ets", "damped", "theta")).fit(y)
    assert fc.beats_naive, fc.backtest
    assert fc.mase < 1.0


def test_forecast007_probability_of_meeting_a_target_is_a_share_of_paths():
    rng = np.random.default_rng(3)
    y = 50 + 0.5 * np.arange(36) + rng.normal(0, 0.5, 36)
    fc = Forecaster(models=("ets",)).fit(y)
    easy = fc.probability(40.0, steps=12)
    hard = fc.probability(200.0, steps=12)
    assert easy > 0.99 and hard < 0.01
    assert fc.probability(40.0, steps=12, polarity="lower") == pytest.approx(1 - easy, abs=0.01)


def test_forecast008_options_are_checked_up_front():
    with pytest.raises(ValueError, match="unknown models"):
        Forecaster(models=("prophet",))
    with pytest.raises(ValueError, match="at least 2 observations"):
        Forecaster().fit([1.0])
