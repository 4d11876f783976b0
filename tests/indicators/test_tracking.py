"""Target-tracking methods: every expected number is worked out here by hand from the formulas."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from indicators.tracking import (
    METHODS,
    STATUS_LABELS,
    STATUSES,
    assess,
    decimal_year,
    final_assessment,
    month_end_year,
)

# The running example: a completion rate of 40 % in 2020 with a target of 80 % in 2025.
BASE = {2020: 40.0}
CAGR_REQUIRED = (80 / 40) ** (1 / 5) - 1  # 2 ** 0.2 - 1 ≈ 0.14870


def rate(values: dict[float, float], **options):
    return assess(values, target=80, target_year=2025, **options)


# --- time convention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2023, 12, 31), 2023.0),
        (dt.date(2024, 12, 31), 2024.0),  # leap year: day 366 of 366
        (dt.date(2023, 1, 1), 2022 + 1 / 365),
        (dt.date(2024, 6, 30), 2023 + 182 / 366),  # 31+29+31+30+31+30 = 182
        (dt.date(2023, 6, 30), 2022 + 181 / 365),  # 31+28+31+30+31+30 = 181
        (dt.datetime(2023, 12, 31, 18, 30), 2023.0),  # a datetime is read as its date
    ],
)
def test_tracking001_decimal_year(date, expected):
    assert decimal_year(date) == pytest.approx(expected, abs=1e-12)


def test_tracking002_month_end_year():
    assert month_end_year(2023, 12) == 2023.0
    assert month_end_year(2024, 6) == 2023.5
    assert month_end_year(2024, 1) == pytest.approx(2023 + 1 / 12)
    with pytest.raises(ValueError, match="month must be 1–12"):
        month_end_year(2024, 13)


# --- ratio (Open SDG methodology 2) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        # (62/40)^(1/3) - 1 ≈ 0.15729; / 0.14870 ≈ 1.058 ≥ 0.95
        (62, "on_track"),
        # (55/40)^(1/3) - 1 ≈ 0.11199; / 0.14870 ≈ 0.753 in [0.60, 0.95)
        (55, "acceleration_needed"),
        # (42/40)^(1/3) - 1 ≈ 0.01640; / 0.14870 ≈ 0.110 in [0, 0.60)
        (42, "limited_progress"),
        # (38/40)^(1/3) - 1 ≈ -0.01695 < 0
        (38, "deterioration"),
        # 85 ≥ 80: achieved, whatever the ratio
        (85, "achieved"),
    ],
)
def test_tracking003_ratio_bands_higher_is_better(latest, status):
    a = rate(BASE | {2023: latest})
    cagr_actual = (latest / 40) ** (1 / 3) - 1
    assert a.method == "ratio"
    assert a.status == status
    assert a.numbers["cagr_actual"] == pytest.approx(cagr_actual)
    assert a.numbers["cagr_required"] == pytest.approx(CAGR_REQUIRED)
    # s = +1 (positive baseline), d = +1 (higher is better)
    assert a.numbers["ratio"] == pytest.approx(cagr_actual / abs(CAGR_REQUIRED))
    assert a.progress == pytest.approx((latest - 40) / (80 - 40))
    assert (a.baseline_year, a.baseline_value, a.current_year, a.current_value) == (
        2020,
        40,
        2023,
        latest,
    )


def test_tracking004_ratio_explain_shows_the_numbers():
    a = rate(BASE | {2023: 62})
    # 15.729 % → "15.7%", 14.870 % → "14.9%", 1.0578 → "1.06"
    assert a.explain == (
        "基期 2020 年 40.0，最新 2023 年 62.0，目标 2025 年 80.0（越高越好）；"
        "实际年均增速 15.7%，达标所需年均增速 14.9%，比值 1.06 ≥ 0.95，进度正常。"
    )
    assert a.to_dict()["status_label"] == "进度正常"


@pytest.mark.parametrize(
    ("latest", "status", "ratio"),
    [
        # PM2.5 from 50 toward 35 by 2025, lower is better: d = -1.
        # required (35/50)^(1/5) - 1 ≈ -0.06888; actual (40/50)^(1/3) - 1 ≈ -0.07168 → R ≈ 1.041
        (40, "on_track", -((40 / 50) ** (1 / 3) - 1) / abs((35 / 50) ** (1 / 5) - 1)),
        # (45/50)^(1/3) - 1 ≈ -0.03451 → R ≈ 0.501
        (45, "limited_progress", -((45 / 50) ** (1 / 3) - 1) / abs((35 / 50) ** (1 / 5) - 1)),
        # rising PM2.5: (52/50)^(1/3) - 1 ≈ +0.01316 → R ≈ -0.191
        (52, "deterioration", -((52 / 50) ** (1 / 3) - 1) / abs((35 / 50) ** (1 / 5) - 1)),
        # 34 ≤ 35
        (34, "achieved", -((34 / 50) ** (1 / 3) - 1) / abs((35 / 50) ** (1 / 5) - 1)),
    ],
)
def test_tracking005_ratio_lower_is_better(latest, status, ratio):
    a = assess({2020: 50, 2023: latest}, target=35, target_year=2025, polarity="lower")
    assert a.status == status
    assert a.numbers["ratio"] == pytest.approx(ratio)
    assert a.polarity == "lower"


def test_tracking006_ratio_target_zero_uses_0_001():
    # Safety incidents from 10 to 5, target 0 by 2025, lower is better.
    a = assess({2020: 10, 2023: 5}, target=0, target_year=2025, polarity="lower")
    cagr_actual = (5 / 10) ** (1 / 3) - 1  # ≈ -0.20630
    cagr_required = (0.001 / 10) ** (1 / 5) - 1  # (1e-4)^0.2 - 1 ≈ -0.84151
    assert a.numbers["cagr_required"] == pytest.approx(cagr_required)
    assert a.numbers["ratio"] == pytest.approx(-cagr_actual / abs(cagr_required))  # ≈ 0.245
    assert a.status == "limited_progress"
    assert a.target_value == 0
    assert "0.001" in a.explain
    # reaching the real target 0 is achieved
    assert assess({2020: 10, 2023: 0}, target=0, target_year=2025, polarity="lower").status == (
        "achieved"
    )


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        # higher is better, baseline -10 (s = -1): -10 → -5 is improvement.
        # actual (0.5)^(1/3) - 1 ≈ -0.20630, required (-2/-10)^(1/5) - 1 ≈ -0.27522
        # R = s * d * actual / |required| = -1 * 1 * -0.20630 / 0.27522 ≈ 0.750
        (-5, "acceleration_needed"),
        # -10 → -15: actual (1.5)^(1/3) - 1 ≈ 0.14471 → R ≈ -0.526
        (-15, "deterioration"),
    ],
)
def test_tracking007_ratio_negative_baseline_flips_the_sign(latest, status):
    a = assess({2020: -10, 2023: latest}, target=-2, target_year=2025)
    actual = (latest / -10) ** (1 / 3) - 1
    required = (-2 / -10) ** (1 / 5) - 1
    assert a.numbers["ratio"] == pytest.approx(-1 * 1 * actual / abs(required))
    assert a.status == status


def test_tracking008_sign_change_falls_back_to_the_linear_pace():
    # -10 → 5 crosses zero: no growth rate. Linear: required (10 - -10)/5 = 4 a year,
    # actual (5 - -10)/3 = 5 a year → 1.25 ≥ 0.95
    a = assess({2020: -10, 2023: 5}, target=10, target_year=2025)
    assert (a.method, a.method_used, a.fallback) == ("ratio", "linear", "sign_change")
    assert a.numbers["ratio"] == pytest.approx(5 / 4)
    assert a.status == "on_track"
    assert "符号相反" in a.explain and "改用年均进度法" in a.explain


# --- projection (UNSD Progress Chart) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        # CAGR (62/40)^(1/3) - 1 ≈ 0.15729; ŷ = 62 * 1.15729^2 ≈ 83.04; r = 43.04 / 40 ≈ 1.076
        (62, "on_track"),
        # CAGR ≈ 0.11199; ŷ = 55 * 1.11199^2 ≈ 68.01; r ≈ 0.700
        (55, "acceleration_needed"),
        # ŷ = 51.5 * (51.5/40)^(2/3) ≈ 60.95; r ≈ 0.524 — the ratio method calls this limited
        (51.5, "acceleration_needed"),
        # CAGR (45/40)^(1/3) - 1 ≈ 0.04004; ŷ ≈ 48.67; r ≈ 0.217
        (45, "limited_progress"),
        (38, "deterioration"),
    ],
)
def test_tracking009_projection_bands(latest, status):
    a = rate(BASE | {2023: latest}, method="projection")
    cagr = (latest / 40) ** (1 / 3) - 1
    projected = latest * (1 + cagr) ** (2025 - 2023)
    assert a.status == status
    assert a.numbers["cagr_actual"] == pytest.approx(cagr)
    assert a.numbers["projected_value"] == pytest.approx(projected)
    assert a.numbers["required_change"] == pytest.approx(80 - 40)
    assert a.numbers["projected_change"] == pytest.approx(projected - 40)
    assert a.numbers["ratio"] == pytest.approx((projected - 40) / (80 - 40))


def test_tracking010_projection_and_ratio_bands_differ_between_0_5_and_0_6():
    series = BASE | {2023: 51.5}
    # ratio: ((51.5/40)^(1/3) - 1) / 0.14870 ≈ 0.0879 / 0.1487 ≈ 0.591 < 0.60
    assert rate(series).status == "limited_progress"
    assert rate(series, method="projection").status == "acceleration_needed"


def test_tracking011_projection_lower_is_better():
    # 50 → 45 in three years, target 35: CAGR (0.9)^(1/3) - 1 ≈ -0.03451
    # ŷ = 45 * 0.96549^2 ≈ 41.95; r = d * (41.95 - 50) / |35 - 50| = -1 * -8.05 / 15 ≈ 0.537
    a = assess(
        {2020: 50, 2023: 45}, target=35, target_year=2025, polarity="lower", method="projection"
    )
    projected = 45 * (0.9 ** (1 / 3)) ** 2
    assert a.numbers["projected_value"] == pytest.approx(projected)
    assert a.numbers["ratio"] == pytest.approx((projected - 50) / (35 - 50))
    assert a.status == "acceleration_needed"


def test_tracking012_projection_clipped_to_bounds():
    # 60 → 90 in three years: CAGR (1.5)^(1/3) - 1 ≈ 0.14471; ŷ = 90 * 1.14471^2 ≈ 117.9 > 100
    series = {2020: 60, 2023: 90}
    free = assess(series, target=94, target_year=2025, method="projection")
    assert free.numbers["projected_value"] == pytest.approx(90 * 1.5 ** (2 / 3))
    # target 94 is 6 points (6 % of the range 0–100) below the bound: not near it
    clipped = assess(series, target=94, target_year=2025, method="projection", bounds=(0, 100))
    assert clipped.fallback is None
    assert clipped.numbers["projected_value"] == 100
    assert clipped.numbers["ratio"] == pytest.approx((100 - 60) / (94 - 60))  # ≈ 1.176
    assert clipped.status == "on_track"
    assert "按上限 100.0 截断" in clipped.explain


# --- linear (percentage-point pace) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        # required pace (80-40)/5 = 8 pp/yr; expected now 40 + 8*3 = 64
        (65, "on_track"),  # (65-40)/3 ≈ 8.33 → 1.042; gap +1
        (62, "acceleration_needed"),  # 22/3 ≈ 7.33 → 0.917; gap -2
        (45, "limited_progress"),  # 5/3 ≈ 1.67 → 0.208; gap -19
        (38, "deterioration"),  # -2/3 → -0.083; gap -26
    ],
)
def test_tracking013_linear_bands(latest, status):
    a = rate(BASE | {2023: latest}, method="linear")
    pace_actual = (latest - 40) / (2023 - 2020)
    assert a.status == status
    assert a.numbers["pace_required"] == pytest.approx(8)
    assert a.numbers["pace_actual"] == pytest.approx(pace_actual)
    assert a.numbers["ratio"] == pytest.approx(pace_actual / 8)
    assert a.numbers["expected_now"] == pytest.approx(64)
    assert a.numbers["gap_pp"] == pytest.approx(latest - 64)


def test_tracking014_linear_lower_is_better_gap_positive_when_ahead():
    # 50 → 40 by 2023, target 35 in 2025: required -3/yr, expected now 50 - 9 = 41,
    # actual pace -10/3; ratio = d * v_a / |v_r| = -1 * (-10/3) / 3 ≈ 1.111; gap = -1*(40-41) = +1
    a = assess({2020: 50, 2023: 40}, target=35, target_year=2025, polarity="lower", method="linear")
    assert a.numbers["ratio"] == pytest.approx((10 / 3) / 3)
    assert a.numbers["gap_pp"] == pytest.approx(1)
    assert a.status == "on_track"
    assert "领先 1.0" in a.explain


# --- zero baseline, target already met, target equal to baseline -------------------------------


def test_tracking015_zero_baseline():
    series = {2020: 0, 2023: 30}
    for method in ("ratio", "projection"):
        # no later non-zero observation a year before the latest: the linear pace instead
        a = rate(series, method=method)
        assert (a.method_used, a.fallback) == ("linear", "zero_baseline"), method
        assert a.numbers["ratio"] == pytest.approx(10 / 16)
        assert a.status == "acceleration_needed"
        assert "基期值为 0，无法计算复合增长率" in a.explain
    a = rate(series, method="linear")
    assert (a.method_used, a.fallback) == ("linear", None)
    # required 80/5 = 16/yr, actual 30/3 = 10/yr → 0.625; expected now 48, gap -18
    assert a.numbers["ratio"] == pytest.approx(10 / 16)
    assert a.numbers["expected_now"] == pytest.approx(48)
    assert a.numbers["gap_pp"] == pytest.approx(-18)
    assert a.status == "acceleration_needed"


@pytest.mark.parametrize("method", METHODS)
def test_tracking016_target_met_at_baseline_and_later_is_achieved(method):
    assert rate({2020: 85, 2023: 90}, method=method).status == "achieved"
    # one observation that meets the target is achieved (checked before anything else)
    assert rate({2020: 85}, method=method).status == "achieved"
    # target met in a zero-baseline series that the growth methods cannot otherwise read
    assert rate({2020: 0, 2023: 81}, method=method).status == "achieved"


@pytest.mark.parametrize("method", METHODS)
def test_tracking017_slide_below_a_target_met_at_baseline_is_deterioration(method):
    # 85 in 2020 already beat 80; 78 in 2023 does not. The required change (-5) points the
    # wrong way, so each ratio divides by its magnitude: every method reads a fall as negative.
    a = rate({2020: 85, 2023: 78}, method=method)
    assert a.status == "deterioration"
    assert a.numbers["ratio"] < 0


@pytest.mark.parametrize("method", METHODS)
def test_tracking018_target_equal_to_baseline(method):
    a = rate({2020: 80, 2023: 75}, method=method)
    assert a.status == "deterioration"
    assert a.numbers["ratio"] is None
    assert a.progress is None
    assert rate({2020: 80, 2023: 82}, method=method).status == "achieved"


# --- no target: Open SDG methodology 1 --------------------------------------------------------


def test_tracking019_no_target_without_limit():
    a = assess({2020: 40, 2023: 62}, target=None, target_year=2025)
    assert a.numbers["cagr_actual"] == pytest.approx((62 / 40) ** (1 / 3) - 1)
    assert a.numbers["coefficient"] == 1
    assert a.status == "on_track"  # 0.157 ≥ 0.015
    assert a.progress is None
    assert "无数值目标" in a.explain
    # 40 → 38: CAGR < 0
    assert assess({2020: 40, 2023: 38}, target=None, target_year=None).status == "deterioration"


def test_tracking020_no_target_near_upper_limit():
    # 95 → 96 in three years: CAGR (96/95)^(1/3) - 1 ≈ 0.003497
    series = {2020: 95, 2023: 96}
    cagr = (96 / 95) ** (1 / 3) - 1
    plain = assess(series, target=None, target_year=None)
    assert plain.status == "limited_progress"  # 0 ≤ 0.0035 < 0.005
    # limit 100: C = 1 - (95/100)^4.44 ≈ 1 - 0.7963 = 0.2037; high = 0.015 C ≈ 0.00306 ≤ 0.0035
    near = assess(series, target=None, target_year=None, bounds=(0, 100))
    coefficient = 1 - (95 / 100) ** 4.44
    assert near.numbers["coefficient"] == pytest.approx(coefficient)
    assert cagr >= 0.015 * coefficient
    assert near.status == "on_track"


def test_tracking021_no_target_lower_is_better_beyond_the_limit():
    # lower is better with a lower limit 10; baseline 12 lies between the limit and twice it:
    # C = 1 - ((2*10 - 12)/10)^4.44 = 1 - 0.8^4.44 ≈ 0.6287
    # g = d * CAGR = -((11.5/12)^(1/3) - 1) ≈ 0.014086 ≥ 0.015 C ≈ 0.00943
    series = {2020: 12, 2023: 11.5}
    a = assess(series, target=None, target_year=None, polarity="lower", bounds=(10, None))
    assert a.numbers["coefficient"] == pytest.approx(1 - 0.8**4.44)
    assert a.status == "on_track"
    # without the limit 0.014086 < 0.015
    plain = assess(series, target=None, target_year=None, polarity="lower")
    assert plain.status == "acceleration_needed"
    # baseline 25 ≥ 2 * 10: C = 1
    far = assess(
        {2020: 25, 2023: 24}, target=None, target_year=None, polarity="lower", bounds=(10, None)
    )
    assert far.numbers["coefficient"] == 1
    # the upper bound is not the limit of a lower-is-better indicator; a zero limit is ignored
    zero = assess(series, target=None, target_year=None, polarity="lower", bounds=(0, 100))
    assert zero.numbers["coefficient"] == 1


# --- thresholds, series shapes, baseline choice -----------------------------------------------


def test_tracking022_thresholds_override():
    series = BASE | {2023: 62}  # R ≈ 1.058
    assert rate(series, thresholds={"high": 1.1}).status == "acceleration_needed"
    assert rate(series, thresholds={"high": 1.5, "med": 1.2}).status == "limited_progress"
    assert "1.06（0.60 ≤ 比值 < 1.10）" in rate(series, thresholds={"high": 1.1}).explain
    # no target: thresholds on the growth rate, 0.157 < 0.2
    a = assess(series, target=None, target_year=None, thresholds={"high": 0.2, "med": 0.1})
    assert a.status == "acceleration_needed"


def test_tracking023_monthly_decimal_year_series():
    # end of Dec 2020 = 2020.0 … end of June 2023 = 2022.5
    series = {
        month_end_year(2020, 12): 40,
        month_end_year(2021, 6): 44,
        month_end_year(2022, 12): 52,
        month_end_year(2023, 6): 55,
    }
    a = rate(series)
    assert a.current_year == 2022.5
    cagr = (55 / 40) ** (1 / 2.5) - 1  # ≈ 0.13585
    assert a.numbers["cagr_actual"] == pytest.approx(cagr)
    assert a.numbers["ratio"] == pytest.approx(cagr / CAGR_REQUIRED)  # ≈ 0.914
    assert a.status == "acceleration_needed"
    assert "最新 2023 年 6 月末 55.0" in a.explain


def test_tracking024_less_than_a_year_after_baseline_reads_the_linear_pace():
    # half a year later: required (80-40)/5 = 8 a year; actual (50-40)/0.5 = 20 a year → 2.5
    a = rate({2020: 40, month_end_year(2021, 6): 50})
    assert (a.method_used, a.fallback) == ("linear", "short_span")
    assert a.numbers["ratio"] == pytest.approx(20 / 8)
    assert a.numbers["expected_now"] == pytest.approx(40 + 8 * 0.5)
    assert a.status == "on_track"
    assert "不足 1 年" in a.explain and "仅供参考" in a.explain


def test_tracking025_baseline_year_missing_uses_first_observation_after_it():
    series = {2019: 30, 2021: 45, 2023: 62}
    assert rate(series).baseline_value == 30  # default: first observation
    a = rate(series, baseline_year=2020)
    assert (a.baseline_year, a.baseline_value) == (2021, 45)
    assert a.numbers["cagr_actual"] == pytest.approx((62 / 45) ** (1 / 2) - 1)
    assert a.numbers["cagr_required"] == pytest.approx((80 / 45) ** (1 / 4) - 1)
    # monthly: the baseline 2020 is read at the end of January 2021 when December is missing
    monthly = {month_end_year(2021, 1): 41, month_end_year(2023, 6): 55}
    assert rate(monthly, baseline_year=2020).baseline_year == pytest.approx(2020 + 1 / 12)


def test_tracking026_series_shapes_and_missing_values():
    pairs = [(2023, 62.0), (2021, None), (2020, 40.0), (2022, math.nan)]
    a = rate(pairs)
    assert (a.baseline_year, a.current_year) == (2020, 2023)
    dates = {dt.date(2020, 12, 31): 40, dt.date(2023, 12, 31): 62}
    assert rate(dates).numbers["ratio"] == pytest.approx(rate(BASE | {2023: 62}).numbers["ratio"])


def test_tracking027_too_few_observations_is_not_assessable():
    one = rate({2020: 40})
    assert one.status == "not_assessable"
    assert "至少需要基期和最新两个观测值" in one.explain
    empty = rate({2020: None})
    assert empty.status == "not_assessable"
    assert math.isnan(empty.current_value)
    assert empty.to_dict()["current_value"] is None
    late = rate({2019: 40, 2020: 45}, baseline_year=2021)
    assert late.status == "not_assessable"
    assert "基期 2021 年 及以后没有观测值" in late.explain


def test_tracking028_to_dict_is_json():
    a = rate(BASE | {2023: 62}, method="projection", bounds=(0, 100))
    d = json.loads(json.dumps(a.to_dict(), ensure_ascii=False))
    assert d["status"] == "on_track"
    assert d["status_label"] == "进度正常"
    assert d["numbers"]["ratio"] == pytest.approx(a.numbers["ratio"])
    assert set(STATUS_LABELS) == set(STATUSES)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "trend"}, "method must be one of 'ratio', 'projection', 'linear'; got 'trend'"),
        ({"polarity": "neutral"}, "polarity must be one of 'higher', 'lower'; got 'neutral'"),
        ({"target_year": None}, "target needs target_year"),
        ({"target": None, "method": "linear"}, "method='linear' needs a numerical target"),
        ({"target": None, "method": "projection"}, "method='projection' needs a numerical"),
        ({"bounds": (100, 0)}, r"bounds lower \(100\) must be below upper \(0\)"),
        ({"bounds": (0,)}, "bounds must be a pair"),
        ({"baseline_year": 2025}, r"target_year \(2025\) must be after baseline_year \(2025\)"),
        ({"thresholds": {"top": 1}}, "thresholds keys must be among"),
        ({"thresholds": {"high": 0.5, "med": 0.6}}, "high >= med >= low"),
        ({"target": "80"}, "target must be a number"),
    ],
)
def test_tracking029_invalid_options_raise(options, message):
    kwargs = {"target": 80, "target_year": 2025} | options
    with pytest.raises(ValueError, match=message):
        assess(BASE | {2023: 62}, **kwargs)


def test_tracking030_invalid_series_raise():
    with pytest.raises(ValueError, match="two values at t = 2020"):
        rate([(2020, 40), (2020, 41), (2023, 62)])
    with pytest.raises(ValueError, match="series items must be"):
        rate([2020, 2023])
    with pytest.raises(ValueError, match="series value at 2023 must be a number"):
        rate({2020: 40, 2023: "62"})


# --- final assessment -------------------------------------------------------------------------


def test_tracking031_final_achieved_with_first_reached():
    may_2025 = month_end_year(2025, 5)  # 2024 + 5/12
    series = {2020: 40, 2023: 62, may_2025: 81, 2025: 82.3, 2026: 70}  # 2026 is after the deadline
    f = final_assessment(series, target=80, target_year=2025)
    assert f.achieved and f.status == "achieved"
    assert f.value_at_deadline == 82.3
    assert f.gap == pytest.approx(82.3 - 80)
    assert f.gap_share == pytest.approx(2.3 / 80)
    assert f.first_reached == pytest.approx(may_2025)
    assert f.explain == (
        "截至 2025 年末 82.3，目标 80，到期达成，优于目标 2.3（目标的 2.9%）；"
        "2025 年 5 月末首次达到目标。"
    )
    assert json.loads(json.dumps(f.to_dict()))["status_label"] == "到期达成"


def test_tracking032_final_not_achieved_after_reaching_once():
    f = final_assessment({2020: 40, 2024: 81, 2025: 78}, target=80, target_year=2025)
    assert not f.achieved and f.status == "not_achieved"
    assert f.gap == pytest.approx(78 - 80)
    assert f.gap_share == pytest.approx(-2 / 80)
    assert f.first_reached == 2024
    assert "到期未达成，差 2.0" in f.explain
    assert "2024 年曾达到目标" in f.explain
    never = final_assessment({2020: 40, 2025: 70}, target=80, target_year=2025)
    assert never.first_reached is None
    assert "从未达到目标" in never.explain


def test_tracking033_final_lower_is_better():
    # PM2.5 target 35: 34 at the deadline is 1 better than the target
    f = final_assessment(
        {2020: 50, 2024: 36, 2025: 34}, target=35, target_year=2025, polarity="lower"
    )
    assert f.achieved
    assert f.gap == pytest.approx(35 - 34)
    assert f.gap_share == pytest.approx(1 / 35)
    assert f.first_reached == 2025


def test_tracking034_final_reads_the_latest_value_before_the_deadline():
    f = final_assessment({2020: 40, 2024.5: 81}, target=80, target_year=2025)
    assert f.value_at_deadline == 81
    assert "最新观测为 2025 年 6 月末" in f.explain  # 2024.5 = end of June 2025
    zero = final_assessment({2020: 3, 2025: 0}, target=0, target_year=2025, polarity="lower")
    assert zero.achieved and zero.gap_share is None


def test_tracking035_final_validation():
    with pytest.raises(ValueError, match="no observation at or before the deadline 2025"):
        final_assessment({2026: 81}, target=80, target_year=2025)
    with pytest.raises(ValueError, match="polarity must be one of"):
        final_assessment({2025: 81}, target=80, target_year=2025, polarity="up")
