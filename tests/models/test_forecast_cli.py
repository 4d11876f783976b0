"""`databrain forecast --series-file`: one series in, model + intervals + MASE out."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from models.cli import forecast


def run(*args):
    return CliRunner().invoke(forecast, list(args))


def test_forecastcli001_monthly_series_file_prints_model_intervals_and_mase(tmp_path):
    rng = np.random.default_rng(5)
    values = 50 + 0.8 * np.arange(48) + rng.normal(0, 1, 48)
    lines = ["\ufeffperiod,value"] + [
        f"{2020 + i // 12}-{i % 12 + 1:02d},{v:.3f}" for i, v in enumerate(values)
    ]
    path = tmp_path / "series.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("--series-file", str(path), "--horizon", "6", "--bounds", "0,100", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["model"] in {"ets", "damped", "arima", "theta", "naive"}
    assert [r["period"] for r in out["forecast"]] == [f"2024-{m:02d}" for m in range(1, 7)]
    for row in out["forecast"]:
        assert row["lo95"] <= row["lo80"] <= row["mean"] <= row["hi80"] <= row["hi95"]
        assert row["lo95"] >= 0 and row["hi95"] <= 100
    assert out["backtest_mase"] is not None and out["naive_mase"] is not None
    assert out["beats_naive"] == (out["backtest_mase"] < out["naive_mase"])


def test_forecastcli002_annual_short_series_falls_back(tmp_path):
    path = tmp_path / "gdp.csv"
    path.write_text("period,value\n2020,100\n2021,110\n2022,118\n", encoding="utf-8")
    out = json.loads(run("--series-file", str(path), "--horizon", "2", "--json").output)
    assert out["model"] == "drift" and "序列过短" in out["note"]
    # drift: (118 − 100) / 2 = 9 per year
    assert [r["period"] for r in out["forecast"]] == ["2023", "2024"]
    assert [r["mean"] for r in out["forecast"]] == [127.0, 136.0]


def test_forecastcli003_bad_files_name_row_and_column(tmp_path):
    bad = tmp_path / "坏序列.csv"
    bad.write_text("period,value\n2020-01,1\n2020-13,2\n", encoding="utf-8")
    result = run("--series-file", str(bad))
    assert result.exit_code == 2
    assert "文件「坏序列.csv」第 3 行「period」" in result.output
    bad.write_text("period,value\n2020,1\n2021,abc\n", encoding="utf-8")
    result = run("--series-file", str(bad))
    assert result.exit_code == 2 and "第 3 行「value」" in result.output
    bad.write_text("year,amount\n2020,1\n", encoding="utf-8")
    result = run("--series-file", str(bad))
    assert result.exit_code == 2 and "需要列 period,value" in result.output
