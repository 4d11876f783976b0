"""Target-tracking methods: every expected number is worked out here by hand from the formulas."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from indicators.tracking import (
    FALLBACK_LABELS,
    FINAL_STATUS_LABELS,
    METHODS,
    NOT_ASSESSABLE_REASONS,
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
    assert "符号相反" in a.explain and "改用线性进度法" in a.explain


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


# --- fallback rules: every series with usable data gets a reading -------------------------------


def test_tracking036_zero_baseline_rebased_to_the_first_nonzero_observation():
    # 0 in 2020 → 10 in 2021 → 40 in 2023; 2021 is a year or more before the latest: new base.
    # CAGR_a = (40/10)^(1/2) - 1 = 1.0; CAGR_r = (80/10)^(1/4) - 1 = 8^0.25 - 1 ≈ 0.6818
    a = rate({2020: 0, 2021: 10, 2023: 40})
    assert (a.method, a.method_used, a.fallback) == ("ratio", "ratio", "rebased")
    assert (a.baseline_year, a.baseline_value) == (2021, 10)
    assert a.numbers["cagr_actual"] == pytest.approx(1.0)
    assert a.numbers["cagr_required"] == pytest.approx(8**0.25 - 1)
    assert a.numbers["ratio"] == pytest.approx(1.0 / (8**0.25 - 1))  # ≈ 1.467
    assert a.status == "on_track"
    assert a.progress == pytest.approx((40 - 10) / (80 - 10))
    assert "基期值为 0" in a.explain and "改以首个非零观测 2021 年 10.0 为基期" in a.explain
    assert a.note in a.explain


def test_tracking037_zero_baseline_without_a_year_of_nonzero_data_reads_the_linear_pace():
    # the first non-zero observation (end of June 2023 = 2022.5) is only half a year before
    # the latest: linear from 0 — required 80/5 = 16 a year, actual 40/3 ≈ 13.33 → 0.833
    a = rate({2020: 0, month_end_year(2023, 6): 10, 2023: 40})
    assert (a.method_used, a.fallback) == ("linear", "zero_baseline")
    assert a.numbers["ratio"] == pytest.approx((40 / 3) / 16)
    assert a.status == "acceleration_needed"
    assert (a.baseline_year, a.baseline_value) == (2020, 0)


@pytest.mark.parametrize(
    ("baseline", "fallback"),
    [
        # 1 % of max(|56.3|, |90|) is 0.9: 0.5 is near zero, 1.0 is not
        (0.5, "zero_baseline"),
        (0.9, "zero_baseline"),
        (1.0, None),
    ],
)
def test_tracking038_near_zero_baseline(baseline, fallback):
    a = assess({2020: baseline, 2023: 56.3}, target=90, target_year=2025)
    assert a.fallback == fallback
    if fallback:
        # linear: (56.3 - b)/3 against (90 - b)/5
        assert a.numbers["ratio"] == pytest.approx(((56.3 - baseline) / 3) / ((90 - baseline) / 5))
        assert "接近 0" in a.explain
    else:
        assert a.numbers["cagr_actual"] == pytest.approx((56.3 / 1.0) ** (1 / 3) - 1)


def test_tracking039_target_of_the_other_sign_reads_the_linear_pace():
    # -10 → -4, target +5: required (5 - -10)/5 = 3 a year, actual 6/3 = 2 a year → 0.667
    a = assess({2020: -10, 2023: -4}, target=5, target_year=2025, method="projection")
    assert (a.method, a.method_used, a.fallback) == ("projection", "linear", "sign_change")
    assert a.numbers["ratio"] == pytest.approx(2 / 3)
    assert a.status == "acceleration_needed"
    assert "目标值与基期值符号相反" in a.explain


def test_tracking040_near_the_natural_bound_reads_the_linear_pace():
    series = {2020: 60, 2023: 80}
    # as published: CAGR_a = (80/60)^(1/3) - 1 ≈ 0.10064, CAGR_r = 1.6^0.2 - 1 ≈ 0.09856 → 1.021
    plain = assess(series, target=96, target_year=2025)
    assert plain.fallback is None
    assert plain.numbers["ratio"] == pytest.approx(((80 / 60) ** (1 / 3) - 1) / (1.6**0.2 - 1))
    assert plain.status == "on_track"
    # with bounds 0–100 the target 96 is 4 points (≤ 5 % of the range) from 100: linear,
    # required 36/5 = 7.2 a year, actual 20/3 ≈ 6.67 → 0.926
    near = assess(series, target=96, target_year=2025, bounds=(0, 100))
    assert (near.method_used, near.fallback) == ("linear", "near_bound")
    assert near.numbers["ratio"] == pytest.approx((20 / 3) / 7.2)
    assert near.status == "acceleration_needed"
    assert "目标值接近自然界限 100.0" in near.explain


def test_tracking041_target_at_the_lower_bound_and_baseline_near_the_upper_bound():
    # lower is better towards 0 with a lower bound 0: no 0.001 substitute, the linear pace:
    # required -10/5 = -2 a year, actual -5/3 a year → d * v_a / |v_r| = (5/3)/2 ≈ 0.833
    zero = assess(
        {2020: 10, 2023: 5}, target=0, target_year=2025, polarity="lower", bounds=(0, None)
    )
    assert zero.fallback == "near_bound"
    assert zero.numbers["ratio"] == pytest.approx((5 / 3) / 2)
    assert zero.status == "acceleration_needed"
    # a baseline of 97 (3 points from 100) that slid to 90 against a target of 94:
    # required (94-97)/5 = -0.6, actual -7/3 → ratio = -(7/3)/0.6 ≈ -3.89
    slid = assess({2020: 97, 2023: 90}, target=94, target_year=2025, bounds=(0, 100))
    assert slid.fallback == "near_bound"
    assert "基期值接近自然界限" in slid.explain
    assert slid.numbers["ratio"] == pytest.approx(-(7 / 3) / 0.6)
    assert slid.status == "deterioration"


def test_tracking042_short_span_without_a_target_annualises_the_growth():
    # 50 → 51 in half a year: (51/50)^(1/0.5) - 1 = 1.02^2 - 1 = 0.0404 ≥ 0.015
    a = assess({2020: 50, 2020.5: 51}, target=None, target_year=None)
    assert (a.method_used, a.fallback) == ("ratio", "short_span")
    assert a.numbers["cagr_actual"] == pytest.approx(1.02**2 - 1)
    assert a.status == "on_track"
    assert "年化" in a.explain


def test_tracking043_one_observation_after_a_missing_baseline_reads_time_against_task():
    # baseline 2020 missing; 6 % at the end of June 2021 (t = 2020.5); bounds 0–100.
    # From (2020, 0): required 80/5 = 16 a year, actual 6/0.5 = 12 a year → 0.75;
    # time 0.5/5 = 10 %, task 6/80 = 7.5 %
    series = {month_end_year(2021, 6): 6}
    a = rate(series, baseline_year=2020, bounds=(0, 100))
    assert (a.method_used, a.fallback) == ("linear", "origin_baseline")
    assert (a.baseline_year, a.baseline_value) == (2020, 0)
    assert a.numbers["ratio"] == pytest.approx(12 / 16)
    assert a.status == "acceleration_needed"
    assert a.progress == pytest.approx(6 / 80)
    assert "时间进度 10.0%，任务进度 7.5%" in a.explain
    # no natural lower bound, or lower is better: nothing to start from
    assert rate(series, baseline_year=2020).fallback == "single_observation"
    lower = assess(series, target=2, target_year=2025, polarity="lower", bounds=(0, 100))
    assert lower.status == "not_assessable"


@pytest.mark.parametrize(
    ("series", "status"),
    [
        ({2026: 70, 2027: 75}, "acceleration_needed"),  # towards the target
        ({2026: 70, 2027: 70}, "limited_progress"),
        ({2026: 75, 2027: 70}, "deterioration"),  # away from it
        ({2026: 70}, "limited_progress"),  # one observation: no direction
    ],
)
def test_tracking044_first_observation_after_the_target_year(series, status):
    a = rate(series)
    assert (a.method_used, a.fallback, a.status) == (None, "after_deadline", status)
    assert f"最新值距目标仍差 {80 - series[max(series)]:.1f}" in a.explain


def test_tracking045_projection_never_projects_backwards():
    # latest at the end of June 2026 (2025.5), after the target year: the value at 2025 is the
    # observation at 2025, 70 — not 78 pulled back along its growth rate (≈ 73.4)
    end_june_2026 = month_end_year(2026, 6)
    a = rate({2020: 40, 2025: 70, end_june_2026: 78}, method="projection")
    assert a.fallback == "observed_at_target_year"
    assert a.numbers["projected_value"] == 70
    assert a.numbers["ratio"] == pytest.approx((70 - 40) / (80 - 40))
    assert a.status == "acceleration_needed"
    assert "不反向外推" in a.explain
    # no observation exactly at 2025: the last one before it (2024: 60) → 20/40 = 0.5
    gap = rate({2020: 40, 2024: 60, 2026: 79}, method="projection")
    assert gap.numbers["projected_value"] == 60
    assert gap.status == "acceleration_needed"
    # with a rebased baseline too: (70 - 10)/(80 - 10)
    rebased = rate({2020: 0, 2021: 10, 2025: 70, end_june_2026: 78}, method="projection")
    assert rebased.fallback == "rebased"
    assert rebased.numbers["projected_value"] == 70
    assert rebased.numbers["ratio"] == pytest.approx(60 / 70)


def test_tracking046_linear_path_stops_at_the_target_year():
    # 40 → 78 by 2026: the straight path reached 80 in 2025 and stays there; gap 78 - 80 = -2
    a = rate({2020: 40, 2026: 78}, method="linear")
    assert a.numbers["expected_now"] == pytest.approx(80)
    assert a.numbers["gap_pp"] == pytest.approx(-2)
    assert a.numbers["ratio"] == pytest.approx((38 / 6) / 8)  # ≈ 0.79
    assert "目标年已过" in a.explain


@pytest.mark.parametrize(
    ("series", "options", "reason"),
    [
        ({}, {}, "no_observation"),
        ({2019: 40}, {"baseline_year": 2020}, "no_observation_after_baseline"),
        ({2020: 40}, {}, "single_observation"),
        ({2020: 0, 2023: 5}, {"target": None}, "zero_baseline_no_target"),
        ({2020: -3, 2023: 5}, {"target": None}, "sign_change_no_target"),
    ],
)
def test_tracking047_not_assessable_only_without_usable_data_and_says_why(series, options, reason):
    a = assess(series, **({"target": 80, "target_year": 2025} | options))
    assert a.status == "not_assessable"
    assert a.fallback == reason
    assert a.method_used is None
    assert a.explain.endswith("无法评估。")
    assert a.note and a.note in a.explain
    assert reason in NOT_ASSESSABLE_REASONS and FALLBACK_LABELS[reason]
    assert a.to_dict()["fallback_label"] == FALLBACK_LABELS[reason]


# --- wording by unit -------------------------------------------------------------------------


def test_tracking048_percent_unit_says_percentage_points():
    a = rate(BASE | {2023: 62}, method="linear", unit="%")
    # 22/3 ≈ 7.33 a year against 8; expected now 64, 2 behind; 0.917
    assert a.explain == (
        "基期 2020 年 40.0%，最新 2023 年 62.0%，目标 2025 年 80.0%（越高越好）；"
        "实际年均变化 7.3 个百分点，达标所需年均变化 8.0 个百分点；"
        "按直线路径此时应为 64.0%，实际落后 2.0 个百分点，比值 0.92（0.60 ≤ 比值 < 0.95），需加速。"
    )
    # projection: 62 * 1.15729^2 ≈ 83.04 → change 43.0, required 40.0 percentage points
    p = rate(BASE | {2023: 62}, method="projection", unit="%")
    assert "2025 年预计 83.0%；预计变化 43.0 个百分点，所需变化 40.0 个百分点" in p.explain
    # growth rates stay relative (%), never percentage points
    r = rate(BASE | {2023: 62}, unit="%")
    assert "实际年均增速 15.7%，达标所需年均增速 14.9%" in r.explain
    assert "个百分点" not in r.explain
    # any other unit (or none) prints bare numbers, as before
    assert (
        rate(BASE | {2023: 62}, method="linear", unit="个").explain
        == rate(BASE | {2023: 62}, method="linear").explain
    )


@pytest.mark.parametrize(
    ("value", "target", "polarity", "expected"),
    [
        # 98.96 would round to 99.0 with one decimal: two decimals, gap 0.04
        (
            98.96,
            99,
            "higher",
            "截至 2025 年末 98.96%，目标 99%，到期未达成，差 0.04 个百分点（目标的 0.04%）；"
            "截止前从未达到目标。",
        ),
        (94.8, 95, "higher", "截至 2025 年末 94.8%，目标 95%，到期未达成，差 0.2 个百分点"),
        # a success never reads as a miss or as a zero gap
        (99.04, 99, "higher", "截至 2025 年末 99.04%，目标 99%，到期达成，优于目标 0.04 个百分点"),
        (99.0, 99, "higher", "截至 2025 年末 99.0%，目标 99%，到期达成，恰好达到目标"),
        # lower is better: 35.004 misses 35 by 0.004; 35.0 and 35.00 would look like a hit
        (35.004, 35, "lower", "截至 2025 年末 35.004%，目标 35%（越低越好），到期未达成，差 0.004"),
    ],
)
def test_tracking049_final_assessment_never_shows_a_zero_gap_for_a_miss(
    value, target, polarity, expected
):
    f = final_assessment(
        {2020: 90.0, 2025: value}, target=target, target_year=2025, polarity=polarity, unit="%"
    )
    assert f.explain.startswith(expected)
    assert f.achieved == (value >= target if polarity == "higher" else value <= target)


def test_tracking050_labels_and_fields():
    assert FINAL_STATUS_LABELS == {"achieved": "到期达成", "not_achieved": "到期未达成"}
    assert set(NOT_ASSESSABLE_REASONS) <= set(FALLBACK_LABELS)
    a = rate(BASE | {2023: 62})
    assert (a.method_used, a.fallback, a.note) == ("ratio", None, "")
    d = a.to_dict()
    assert d["method_used"] == "ratio" and d["fallback"] is None and d["fallback_label"] is None
    with pytest.raises(ValueError, match="unit must be a string"):
        rate(BASE | {2023: 62}, unit=5)
