"""The forecast overlay of a target's detail: bands drawn at month ends, a sentence that says
the model, its backtest accuracy against naive, and the probability of meeting the target."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from indicators.text import forecast_summary
from pages._targets_figures import add_forecast


def test_targetsforecast001_bands_and_median_at_month_ends():
    rows = pl.DataFrame(
        {
            "period": ["2024-11", "2024-12", "2025-01"],
            "mean": [70.0, 71.0, 72.0],
            "lo80": [68.0, 68.5, 69.0],
            "hi80": [72.0, 73.5, 75.0],
            "lo95": [66.0, 66.0, 66.0],
            "hi95": [74.0, 76.0, 78.0],
        }
    )
    fig = add_forecast(go.Figure(), rows, unit="%", decimals=1)
    names = [t.name for t in fig.data]
    assert names == ["预测 95% 区间", "预测 80% 区间", "预测（中位路径）"]
    median = fig.data[2]
    assert list(median.x) == [dt.date(2024, 11, 30), dt.date(2024, 12, 31), dt.date(2025, 1, 31)]
    # a band is the upper edge forward and the lower edge back
    assert list(fig.data[0].y) == [74.0, 76.0, 78.0, 66.0, 66.0, 66.0]
    assert add_forecast(go.Figure(), pl.DataFrame(), unit="%", decimals=1).data == ()


def test_targetsforecast002_summary_sentence():
    model = {
        "model_label": "Theta 法",
        "as_of": dt.date(2023, 12, 31),
        "n_obs": 60,
        "mase": 0.7,
        "naive_mase": 1.2,
        "beats_naive": True,
        "note": "",
        "probability": 0.42,
        "target_period": "2025-12",
        "expected_period": "2026-03",
    }
    text = forecast_summary(model)
    assert "回测 MASE 0.70（朴素预测 1.20），优于朴素预测" in text
    assert "按期（2025 年末）达标概率 42%" in text
    assert "预计 2026 年 3 月首次达到目标" in text
    short = forecast_summary(model | {"mase": None, "note": "序列过短", "expected_period": None})
    assert "序列过短" in short and "预计" not in short
