"""`databrain forecast --series-file`: series in (one or many), model + intervals + MASE out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli import forecast


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
    assert out["model"] in {"combo", "linear5", "damped", "arima", "naive"}
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


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def quarters(start_year: int, n: int) -> list[str]:
    return [f"{start_year + i // 4}-Q{i % 4 + 1}" for i in range(n)]


def test_forecastcli004_many_series_in_one_long_file_sorted_by_period(tmp_path):
    rng = np.random.default_rng(4)
    a = 100 + 2.0 * np.arange(16) + rng.normal(0, 0.5, 16)
    b = 50 - 0.5 * np.arange(12) + rng.normal(0, 0.3, 12)
    rows = [f"A,{p},{v:.3f}" for p, v in zip(quarters(2020, 16), a, strict=True)]
    rows += [f"B,{p},{v:.3f}" for p, v in zip(quarters(2021, 12), b, strict=True)]
    # newest first, series interleaved: the file's order must not matter
    rows = rows[::-1][::2] + rows[::-1][1::2]
    path = write(tmp_path, "many.csv", "series,period,value\n" + "\n".join(rows))
    result = run("--series-file", str(path), "--horizon", "2", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["series"]
    assert set(out) == {"A", "B"}
    assert out["A"]["last_period"] == "2023-Q4" and out["B"]["last_period"] == "2023-Q4"
    assert [r["period"] for r in out["A"]["forecast"]] == ["2024-Q1", "2024-Q2"]
    assert out["A"]["period"] == 4 and out["A"]["n_obs"] == 16 and out["B"]["n_obs"] == 12
    # sorted, the series keep their direction: A rises about 2 a quarter, B falls
    assert out["A"]["forecast"][0]["mean"] > a[-1] + 1
    assert out["B"]["forecast"][0]["mean"] < b[-1]


def test_forecastcli005_chinese_headers(tmp_path):
    path = write(tmp_path, "中文.csv", "序列,时期,数值\n甲,2019,10\n甲,2020,12\n甲,2021,14\n")
    out = json.loads(run("--series-file", str(path), "--horizon", "1", "--json").stdout)
    assert list(out["series"]) == ["甲"]
    # 3 points: drift (14 − 10) / 2 = 2 a year
    first = out["series"]["甲"]["forecast"][0]
    assert first["period"] == "2022" and first["mean"] == pytest.approx(16.0)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "period,value\n2020-01,1\n2020-02,2\n2020-02,3\n",
            "文件「bad.csv」第 4 行「period」：序列的时期 2020-02 与第 3 行重复",
        ),
        (
            "series,period,value\nA,2020,1\nA,2021,2\nA,2023,3\n",
            "文件「bad.csv」第 4 行「period」：序列「A」在 2021（第 3 行）与 2023 之间缺少 2022",
        ),
        (
            "period,value\n2020-Q1,1\n2020-Q2,2\n2020-07,3\n",
            "文件「bad.csv」第 4 行「period」：序列的时期「2020-07」为月度（YYYY-MM），"
            "而第 2 行为季度（YYYY-Qn）",
        ),
        (
            "period,value\n2020,1\n2021,\n2022,3\n",
            "文件「bad.csv」第 3 行「value」：序列 2021 的数值为空",
        ),
    ],
)
def test_forecastcli006_duplicates_gaps_and_mixed_frequencies_are_refused(tmp_path, text, message):
    path = write(tmp_path, "bad.csv", text)
    result = run("--series-file", str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_forecastcli007_target_adds_the_probability_of_meeting_it(tmp_path):
    rng = np.random.default_rng(7)
    values = 40 + 1.0 * np.arange(36) + rng.normal(0, 0.5, 36)  # about 75 at 2022-12
    lines = [f"{2020 + i // 12}-{i % 12 + 1:02d},{v:.3f}" for i, v in enumerate(values)]
    path = write(tmp_path, "rate.csv", "period,value\n" + "\n".join(lines))

    def ask(target):
        result = run(
            "--series-file", str(path), "--bounds", "0,100", "--horizon", "6",
            "--target", str(target), "--target-period", "2023-12", "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    easy, hard = ask(60), ask(99.5)
    # 12 months on at about a point a month, 60 is all but certain, 99.5 out of reach
    assert easy["p_meet"] > 0.95 and hard["p_meet"] < 0.05
    assert easy["target_period"] == "2023-12"
    # the forecast reaches the target period, and the expected period agrees with p_meet
    assert easy["forecast"][-1]["period"] == "2023-12"
    assert easy["expected_period"] is not None and easy["expected_period"] <= "2023-12"
    assert hard["expected_period"] is None or hard["expected_period"] > "2023-12"


def test_forecastcli008_target_needs_both_options_and_a_valid_period(tmp_path):
    path = write(tmp_path, "s.csv", "period,value\n2020,1\n2021,2\n2022,3\n")
    result = run("--series-file", str(path), "--target", "5")
    assert result.exit_code == 2 and "须同时给出" in result.stderr
    result = run("--series-file", str(path), "--target", "5", "--target-period", "2025-13")
    assert result.exit_code == 2 and "不是 YYYY、YYYY-Qn 或 YYYY-MM" in result.stderr
    result = run("--series-file", str(path), "--target", "5", "--target-period", "2025-Q1")
    assert result.exit_code == 2 and "--target-period「2025-Q1」为季度" in result.stderr
