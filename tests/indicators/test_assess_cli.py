"""``databrain assess``, invoked on the click command itself; expected numbers worked out here."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indicators.cli import assess

EXAMPLE = [
    "--series",
    "2020=40,2023=62",
    "--target",
    "80",
    "--target-year",
    "2025",
    "--polarity",
    "higher",
    "--method",
    "ratio",
]


def run(*args):
    return CliRunner().invoke(assess, [str(a) for a in args])


def run_json(*args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_assess001_example_prints_json_with_the_ratio_numbers():
    out = run_json(*EXAMPLE)
    cagr_actual = (62 / 40) ** (1 / 3) - 1  # ≈ 0.15729
    cagr_required = (80 / 40) ** (1 / 5) - 1  # ≈ 0.14870
    assert out["method"] == "ratio"
    assert out["status"] == "on_track"
    assert out["status_label"] == "进度正常"
    assert out["cagr_actual"] == pytest.approx(cagr_actual)
    assert out["cagr_required"] == pytest.approx(cagr_required)
    assert out["ratio"] == pytest.approx(cagr_actual / cagr_required)
    assert out["progress"] == pytest.approx((62 - 40) / (80 - 40))
    assert "比值 1.06 ≥ 0.95" in out["explain"]
    assert "final" not in out  # the deadline 2025 is after the latest year 2023


def test_assess002_final_object_once_the_deadline_has_data():
    out = run_json(
        "--series", "2020=40,2023=62,2024=81,2025=82.3", "--target", 80, "--target-year", 2025
    )
    assert out["status"] == "achieved"
    final = out["final"]
    assert final["achieved"] is True
    assert final["status_label"] == "到期达成"
    assert final["gap"] == pytest.approx(82.3 - 80)
    assert final["first_reached"] == 2024


@pytest.mark.parametrize(
    ("method", "keys"),
    [
        ("projection", ["cagr_actual", "projected_value", "required_change", "projected_change"]),
        ("linear", ["pace_actual", "pace_required", "expected_now", "gap_pp"]),
    ],
)
def test_assess003_other_methods_put_their_numbers_at_top_level(method, keys):
    out = run_json(
        "--series", "2020=40,2023=62", "--target", 80, "--target-year", 2025, "--method", method
    )
    for key in [*keys, "ratio"]:
        assert key in out, key
    if method == "linear":
        # (62-40)/3 ≈ 7.33 against (80-40)/5 = 8 → 0.917
        assert out["ratio"] == pytest.approx((22 / 3) / 8)
        assert out["status"] == "acceleration_needed"


def test_assess004_lower_is_better_projection_with_bounds():
    # 60 → 90 → projected 90 * 1.5^(2/3) ≈ 117.9, clipped to the upper bound 100 (a target
    # of 94 is 6 % of the range from the bound: not near it)
    out = run_json(
        "--series",
        "2020=60,2023=90",
        "--target",
        94,
        "--target-year",
        2025,
        "--method",
        "projection",
        "--bounds",
        "0,100",
    )
    assert out["projected_value"] == 100
    assert out["ratio"] == pytest.approx((100 - 60) / (94 - 60))
    pm = run_json(
        "--series", "2020=50,2023=45", "--target", 35, "--target-year", 2025, "--polarity", "lower"
    )
    # -((45/50)^(1/3) - 1) / |(35/50)^(1/5) - 1| ≈ 0.501
    assert pm["ratio"] == pytest.approx(-((0.9) ** (1 / 3) - 1) / abs(0.7 ** (1 / 5) - 1))
    assert pm["status"] == "limited_progress"


def test_assess005_series_file_with_bom_and_months(tmp_path):
    path = tmp_path / "rate.csv"
    # end of Dec 2020 = 2020.0, end of June 2021 = 2020.5, end of June 2023 = 2022.5;
    # the blank 2022-12 value is a missing observation
    text = "year,value\n2020-12,40\n2021-06,45\n2022-12,\n2023-06,55\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = run_json("--series-file", path, "--target", 80, "--target-year", 2025)
    assert (out["baseline_year"], out["current_year"]) == (2020.0, 2022.5)
    cagr = (55 / 40) ** (1 / 2.5) - 1  # ≈ 0.13585
    assert out["cagr_actual"] == pytest.approx(cagr)
    assert out["ratio"] == pytest.approx(cagr / ((80 / 40) ** (1 / 5) - 1))
    assert "2023 年 6 月末" in out["explain"]


def test_assess006_text_output():
    result = run(*EXAMPLE, "--text")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "进度正常（on_track，ratio）"
    assert "实际年均增速 15.7%" in result.output


def test_assess007_no_target_reads_the_trend():
    out = run_json("--series", "2020=95,2023=96", "--bounds", "0,100")
    # C = 1 - 0.95^4.44 ≈ 0.204; (96/95)^(1/3) - 1 ≈ 0.0035 ≥ 0.015 C ≈ 0.0031
    assert out["coefficient"] == pytest.approx(1 - 0.95**4.44)
    assert out["status"] == "on_track"


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--series", "2020=40,2023"], ["第 2 项", "item 2: '2023' should be year=value"]),
        (["--series", "2020=40,2023=abc"], ["“abc”不是数字", "item 2: 'abc' is not a number"]),
        (["--series", "20x0=40"], ["不是年份", "'20x0' is not a year"]),
        (["--series", "2020-13=40"], ["month is not 1–12"]),
        (["--series", "2020=40,2020=41"], ["year repeated"]),
        (
            [],
            ["请给出 --series 或 --series-file 之一", "exactly one of --series and --series-file"],
        ),
        (["--series", "2020=40", "--target", "80"], ["--target needs --target-year"]),
        (["--series", "2020=40,2023=62", "--method", "linear"], ["needs a numerical target"]),
        (["--series", "2020=40,2023=62", "--bounds", "100"], ["should be LO,HI"]),
        (["--series", "2020=40", "--polarity", "up"], ["'up' is not one of 'higher', 'lower'"]),
    ],
)
def test_assess008_bad_arguments_exit_2(args, expected):
    result = run(*args)
    assert result.exit_code == 2
    for text in expected:
        assert text in result.output


def test_assess009_bad_series_files_exit_2_naming_file_row_and_column(tmp_path):
    missing = tmp_path / "nope.csv"
    result = run("--series-file", missing)
    assert result.exit_code == 2
    assert f"文件不存在：{missing}" in result.output
    assert f"file not found: {missing}" in result.output

    bad_header = write(tmp_path, "年份,数值\n2020,40\n", "header.csv")
    result = run("--series-file", bad_header)
    assert result.exit_code == 2
    assert "header lacks column(s) year, value" in result.output
    assert "表头缺少列" in result.output

    bad_value = write(tmp_path, "year,value\n2020,40\n2023,x\n", "value.csv")
    result = run("--series-file", bad_value)
    assert result.exit_code == 2
    assert f"{bad_value} 第 3 行 value 列：“x”不是数字" in result.output
    assert f"{bad_value} line 3, column value: 'x' is not a number" in result.output

    bad_year = write(tmp_path, "year,value\n2020,40\n2023/06,55\n", "year.csv")
    result = run("--series-file", bad_year)
    assert result.exit_code == 2
    assert f"{bad_year} line 3, column year: '2023/06' is not a year" in result.output

    both = run("--series", "2020=40", "--series-file", bad_value)
    assert both.exit_code == 2
    assert "exactly one of" in both.output


def test_assess010_help_is_bilingual():
    result = run("--help")
    assert result.exit_code == 0
    assert "计算单个序列相对目标的进度状态" in result.output
    assert "Assess one series against a target" in result.output


def test_assess011_zero_baseline_example_gives_a_status_with_its_explanation():
    out = run_json("--series", "2020=0,2023=56.3", "--target", 90, "--target-year", 2025)
    # no growth rate from 0 and no later non-zero observation: the linear pace,
    # (56.3 - 0)/3 ≈ 18.77 a year against (90 - 0)/5 = 18 a year → 1.043 ≥ 0.95
    assert out["status"] == "on_track"
    assert out["method"] == "ratio"
    assert out["method_used"] == "linear"
    assert out["fallback"] == "zero_baseline"
    assert out["fallback_label"] == "基期为 0 或接近 0，改用线性进度法"
    assert out["ratio"] == pytest.approx((56.3 / 3) / 18)
    assert "基期值为 0，无法计算复合增长率" in out["explain"]
    assert "无法评估" not in out["explain"]
    assert out["note"] in out["explain"]


def test_assess012_unit_percent_words_changes_as_percentage_points():
    args = ["--series", "2020=0,2023=56.3", "--target", 90, "--target-year", 2025, "--unit", "%"]
    out = run_json(*args)
    # expected now 18 * 3 = 54; 56.3 - 54 = 2.3 ahead
    assert "按直线路径此时应为 54.0%，实际领先 2.3 个百分点" in out["explain"]
    assert out["unit"] == "%"
    text = run(*args, "--text")
    assert text.exit_code == 0
    assert text.output.splitlines()[0] == (
        "进度正常（on_track，ratio → linear，基期为 0 或接近 0，改用线性进度法）"
    )


def test_assess013_final_object_shows_enough_decimals():
    out = run_json(
        "--series",
        "2020=90,2025=98.96",
        "--target",
        99,
        "--target-year",
        2025,
        "--unit",
        "%",
    )
    final = out["final"]
    assert final["status"] == "not_achieved" and final["status_label"] == "到期未达成"
    assert final["gap"] == pytest.approx(98.96 - 99)
    assert final["explain"].startswith(
        "截至 2025 年末 98.96%，目标 99%，到期未达成，差 0.04 个百分点"
    )
