"""Anomaly detection finds injected anomalies and stays quiet on clean seasonal series."""

from __future__ import annotations

import numpy as np
import pytest

from models.anomaly import detect, robust_z


def seasonal_series(n=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.0, n)


def test_anomaly001_robust_z_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    # median 3; |x − 3| = 2, 1, 0, 1, 97 → MAD 1 → scale 1.4826
    assert robust_z(x)[4] == pytest.approx(97 / 1.4826)
    assert robust_z(x)[2] == 0.0


@pytest.mark.parametrize("seed", range(20))
def test_anomaly002_clean_seasonal_series_raise_nothing(seed):
    found = detect(seasonal_series(seed=seed))
    assert found.is_empty(), found


@pytest.mark.parametrize("seed", range(10))
def test_anomaly003_an_injected_surge_is_found_with_its_date_size_and_direction(seed):
    y = seasonal_series(seed=seed)
    y[50] += 40  # a one-month surge (like a hotline category spiking in a city)
    labels = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(len(y))]
    found = detect(y, labels=labels)
    spikes = found.filter(found["kind"] == "spike")
    assert spikes["position"].to_list() == [50]
    row = spikes.row(0, named=True)
    assert row["label"] == "2024-03" and row["direction"] == "上升"
    assert row["size"] == pytest.approx(40, abs=6)


@pytest.mark.parametrize("seed", range(10))
def test_anomaly004_a_stall_is_found_as_a_level_shift(seed):
    y = seasonal_series(seed=seed)
    y[40:] -= 25  # the level drops and stays down (a stalled programme)
    found = detect(y)
    shifts = found.filter(found["kind"] == "level_shift")
    assert shifts.height >= 1
    row = shifts.row(0, named=True)
    assert abs(row["position"] - 40) <= 1 and row["direction"] == "下降"


def test_anomaly005_short_series_are_handled():
    assert detect([1.0, 2.0, 3.0]).is_empty()
    y = np.array([10, 11, 10, 12, 11, 60, 11, 10, 12, 11], dtype=float)
    found = detect(y, period=12)
    assert found.filter(found["kind"] == "spike")["position"].to_list() == [5]
