"""Target tracking: is an indicator on course to reach its plan target? (pure functions)

Three published ways of reading one series against one target, each returning an
:class:`Assessment` with a status, the key numbers and a Chinese sentence that shows them:

``ratio``       the Eurostat-style ratio of compound annual growth rates, as implemented by
                Open SDG / Statistics Canada (sdg-build ``ProgressMeasure``); without a target it
                falls back to Open SDG's "methodology 1" (observed growth against fixed rates,
                scaled down near a natural limit).
``projection``  the UN Statistics Division SDG Progress Chart trend method: project the value at
                the target year at the observed growth rate and compare the projected change with
                the change the target requires.
``linear``      a straight-line pace in the indicator's own units per year (percentage points for
                rates); the one method that works from a zero baseline.

:func:`final_assessment` reads the series as it stood at the deadline: achieved or not, by how
much, and when the target was first reached.

Time is a float *decimal year at the end of a period*: the value for year ``Y`` sits at
``t = Y``; the end of month ``m`` of year ``Y`` at ``t = Y - 1 + m / 12`` (end of December 2023 is
2023.0, end of June 2024 is 2023.5); a date at :func:`decimal_year`. Formulas, bands and edge cases
are documented in ``docs/tracking-methods.md``.

References
----------
.. [1] Open SDG, "Progress Measurement Methodology" (by Statistics Canada),
       ``open-sdg/open-sdg`` ``docs/progress-methodology.md``; implementation
       https://github.com/open-sdg/sdg-build ``sdg/ProgressMeasure.py``.
.. [2] United Nations Statistics Division, "Sustainable Development Goals Progress Chart —
       Technical Note" (2022, 2023 editions).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = (
    "achieved",
    "on_track",
    "acceleration_needed",
    "limited_progress",
    "deterioration",
    "not_assessable",
)
STATUS_LABELS = {
    "achieved": "已达成",
    "on_track": "进度正常",
    "acceleration_needed": "需加速",
    "limited_progress": "进展有限",
    "deterioration": "退步",
    "not_assessable": "无法评估",
}
METHODS = ("ratio", "projection", "linear")
POLARITIES = ("higher", "lower")
FINAL_STATUSES = ("achieved", "not_achieved")
FINAL_STATUS_LABELS = {"achieved": "达成", "not_achieved": "未达成"}

#: Default band thresholds on each method's ratio (``high``: on track, ``med``: acceleration
#: needed, ``low``: limited progress; below ``low`` is deterioration).
DEFAULT_THRESHOLDS = {
    "ratio": {"high": 0.95, "med": 0.60, "low": 0.0},
    "projection": {"high": 0.95, "med": 0.50, "low": 0.0},
    "linear": {"high": 0.95, "med": 0.60, "low": 0.0},
}
#: Open SDG methodology 1 (no numerical target): thresholds on the directed annual growth rate.
NO_TARGET_THRESHOLDS = {"high": 0.015, "med": 0.005, "low": 0.0}
#: Open SDG replaces a target of exactly 0 by this value, since a CAGR towards 0 is -100 %.
ZERO_TARGET_SUBSTITUTE = 0.001
#: Exponent of Open SDG's natural-limit coefficient ``C``.
LIMIT_EXPONENT = 4.44
#: Open SDG needs the latest observation at least one year after the baseline.
MIN_SPAN_YEARS = 1.0

_EPS = 1e-9


def decimal_year(d: dt.date) -> float:
    """A date as a decimal year at the end of that day.

    .. math:: t = Y - 1 + \\frac{\\mathrm{day\\_of\\_year}(d)}{\\mathrm{days\\_in\\_year}(Y)}

    so 31 December of ``Y`` is exactly ``Y`` and 1 January is ``Y - 1 + 1/365``.
    A ``datetime`` is read as its date.
    """
    if isinstance(d, dt.datetime):
        d = d.date()
    if not isinstance(d, dt.date):
        raise TypeError(f"decimal_year expects a datetime.date, got {type(d).__name__}")
    day_of_year = d.toordinal() - dt.date(d.year, 1, 1).toordinal() + 1
    return d.year - 1 + day_of_year / _days_in_year(d.year)


def month_end_year(year: int, month: int) -> float:
    """The decimal year at the end of ``month`` of ``year``: ``year - 1 + month / 12``."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    return year - 1 + month / 12


@dataclass(frozen=True)
class Assessment:
    """One series read against one target by one method.

    Attributes
    ----------
    method, status
        One of :data:`METHODS`; one of :data:`STATUSES` (Chinese in :data:`STATUS_LABELS`).
    baseline_year, baseline_value, current_year, current_value
        The observations used (decimal years). NaN only when the series has no observation to
        use (status ``not_assessable``).
    target_year, target_value
        As given (``target_value`` is the real target, not the 0.001 substitute).
    polarity
        ``"higher"`` or ``"lower"`` is better.
    progress
        Share of the way from baseline to target,
        ``(current - baseline) / (target - baseline)``; None without a target or when the
        target equals the baseline.
    numbers
        The method's key numbers (rates as fractions, e.g. 0.157 for 15.7 %).
    explain
        Chinese sentence(s) with the numbers used.
    """

    method: str
    status: str
    baseline_year: float
    baseline_value: float
    current_year: float
    current_value: float
    target_year: float | None
    target_value: float | None
    polarity: str
    progress: float | None
    numbers: dict[str, float | None] = field(default_factory=dict)
    explain: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN → None) with ``status_label``."""
        out = _json_safe(asdict(self))
        out["status_label"] = STATUS_LABELS[self.status]
        return out


@dataclass(frozen=True)
class FinalAssessment:
    """The series as it stood at the deadline, against the target.

    Attributes
    ----------
    achieved, status
        Whether the value at the deadline meets the target; ``"achieved"`` / ``"not_achieved"``.
    value_at_deadline, deadline_year
        The latest observation at or before the deadline, and the deadline (decimal year).
    target_value, polarity
        As given.
    gap
        ``value - target`` for higher-is-better, ``target - value`` for lower-is-better, so a
        positive gap is better than the target.
    gap_share
        ``gap / |target|``; None when the target is 0.
    first_reached
        Earliest observation time (at or before the deadline) at which the target was met.
    explain
        Chinese sentence(s) with the numbers.
    """

    achieved: bool
    status: str
    value_at_deadline: float
    deadline_year: float
    target_value: float
    polarity: str
    gap: float
    gap_share: float | None
    first_reached: float | None
    explain: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict with ``status_label``."""
        out = _json_safe(asdict(self))
        out["status_label"] = FINAL_STATUS_LABELS[self.status]
        return out


def assess(
    series: Mapping[float, float | None] | Iterable[tuple[float, float | None]],
    *,
    target: float | None,
    target_year: float | None,
    polarity: str = "higher",
    method: str = "ratio",
    baseline_year: float | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Assessment:
    """Assess a series against a target with one of :data:`METHODS`.

    Parameters
    ----------
    series
        ``{t: value}`` or ``(t, value)`` pairs; ``t`` a decimal year (or a ``datetime.date``,
        read with :func:`decimal_year`). None/NaN values are dropped.
    target, target_year
        The numerical target and its year. ``target=None`` assesses the trend only (``ratio``
        method, Open SDG methodology 1); a target needs a target year.
    polarity
        ``"higher"`` (d = +1) or ``"lower"`` (d = -1) is better.
    method
        ``"ratio"``, ``"projection"`` or ``"linear"`` (see below).
    baseline_year
        Baseline time t0. The value at t0, or — when t0 has no observation — the first
        observation after it (as Open SDG does). Default: the first observation.
    bounds
        Natural limits ``(lower, upper)``, either may be None. ``projection`` clips the
        projected value to them; ``ratio`` without a target scales its thresholds near the
        limit (upper for higher-is-better, lower for lower-is-better).
    thresholds
        Override any of ``{"high", "med", "low"}`` (see :data:`DEFAULT_THRESHOLDS`; without a
        target :data:`NO_TARGET_THRESHOLDS`).

    Returns
    -------
    Assessment

    Notes
    -----
    With y0 at t0 (baseline), yt at t (latest), yT the target at T, d the polarity and
    s = -1 if y0 < 0 else +1:

    ``achieved`` (checked first, every method): yt >= yT (higher) or yt <= yT (lower).

    ratio (Open SDG methodology 2)::

        CAGR_a = (yt / y0) ** (1 / (t - t0)) - 1
        CAGR_r = (yT / y0) ** (1 / (T - t0)) - 1      # yT = 0 replaced by 0.001
        R      = s * d * CAGR_a / |CAGR_r|

    ratio without a target (Open SDG methodology 1): g = s * d * CAGR_a against
    ``high = 0.015 C``, ``med = 0.005 C``, ``low = 0``, with the natural limit y_lim::

        C = 1 - (|y0| / |y_lim|) ** 4.44                    if |y0| <= |y_lim|
        C = 1 - ((2 |y_lim| - |y0|) / |y_lim|) ** 4.44      if |y_lim| < |y0| < 2 |y_lim|
        C = 1                                               otherwise, or without a limit

    projection (UNSD Progress Chart)::

        yhat_T = yt * (1 + CAGR_a) ** (T - t)     # clipped to bounds
        r      = d * (yhat_T - y0) / |yT - y0|

    linear::

        v_r = (yT - y0) / (T - t0);  v_a = (yt - y0) / (t - t0);  ratio = d * v_a / |v_r|
        e   = y0 + v_r * (t - t0);   gap_pp = d * (yt - e)        # positive = ahead

    Bands: ratio >= high → on_track; med <= ratio < high → acceleration_needed;
    low <= ratio < med → limited_progress; ratio < low → deterioration.
    ``d * ... / |...|`` equals the plain ratio whenever the target lies in the desired direction
    from the baseline, and reads a slide away from a target the baseline had already met as
    deterioration. Not assessable: no observation at or after the baseline, the latest
    observation less than one year after the baseline, a zero baseline or a sign change for the
    growth-rate methods. A target equal to the baseline and not met is deterioration.

    Examples
    --------
    >>> a = assess({2020: 40, 2023: 62}, target=80, target_year=2025)
    >>> a.status, round(a.numbers["ratio"], 3)
    ('on_track', 1.058)
    """
    _check_choice("method", method, METHODS)
    _check_choice("polarity", polarity, POLARITIES)
    target = _optional_number("target", target)
    target_year = _optional_number("target_year", target_year)
    baseline_year = _optional_number("baseline_year", baseline_year)
    if target is not None and target_year is None:
        raise ValueError("target needs target_year (the year the target is due), got None")
    if target is None and method != "ratio":
        raise ValueError(
            f"method={method!r} needs a numerical target; without one use method='ratio' "
            "(Open SDG methodology 1 reads the trend alone)"
        )
    if target is not None and baseline_year is not None and target_year <= baseline_year:
        raise ValueError(
            f"target_year ({target_year:g}) must be after baseline_year ({baseline_year:g})"
        )
    lo, hi = _check_bounds(bounds)
    defaults = DEFAULT_THRESHOLDS[method] if target is not None else NO_TARGET_THRESHOLDS
    limits = _check_thresholds(thresholds, defaults)
    obs = _observations(series)
    d = 1 if polarity == "higher" else -1

    def build(status, base, cur, numbers, text) -> Assessment:
        progress = None
        if target is not None and base is not None and not math.isclose(target, base[1]):
            progress = (cur[1] - base[1]) / (target - base[1])
        nan = (math.nan, math.nan)
        return Assessment(
            method=method,
            status=status,
            baseline_year=(base or nan)[0],
            baseline_value=(base or nan)[1],
            current_year=(cur or nan)[0],
            current_value=(cur or nan)[1],
            target_year=target_year,
            target_value=target,
            polarity=polarity,
            progress=progress,
            numbers=numbers,
            explain=text,
        )

    if not obs:
        return build("not_assessable", None, None, {}, "没有可用的观测值，无法评估。")
    cur = obs[-1]
    if baseline_year is None:
        base = obs[0]
    else:
        after = [o for o in obs if o[0] >= baseline_year - _EPS]
        base = after[0] if after else None
    head = _header(base, cur, target, target_year, polarity)
    achieved = target is not None and _meets(cur[1], target, d)

    problem = None
    if base is None:
        problem = f"基期 {_when(baseline_year)} 及以后没有观测值"
    elif cur[0] - base[0] < _EPS:
        problem = "基期之后没有新的观测值，至少需要基期和最新两个观测值"
    elif cur[0] - base[0] < MIN_SPAN_YEARS - _EPS:
        problem = (
            f"最新观测距基期仅 {cur[0] - base[0]:.2f} 年，不足 1 年（Open SDG 要求至少相隔 1 年）"
        )
    elif target is not None and target_year - base[0] < _EPS:
        problem = f"基期 {_when(base[0])} 不早于目标年 {_when(target_year)}"

    if problem is None:
        compute = {"ratio": _ratio, "projection": _projection, "linear": _linear}[method]
        if target is None:
            compute = _no_target
        outcome = compute(
            base=base,
            cur=cur,
            target=target,
            target_year=target_year,
            d=d,
            bounds=(lo, hi),
            limits=limits,
        )
    else:
        outcome = _Outcome(numbers={}, status="not_assessable", text=problem)

    if achieved:
        return build("achieved", base, cur, outcome.numbers, f"{head}；最新值已达到目标，已达成。")
    if outcome.status is not None:
        suffix = "，无法评估。" if outcome.status == "not_assessable" else "。"
        return build(outcome.status, base, cur, outcome.numbers, f"{head}；{outcome.text}{suffix}")
    used = outcome.limits or limits
    status = _band(outcome.value, used)
    text = f"{head}；{outcome.text}{_band_text(outcome.value, used, status, outcome.growth)}"
    return build(status, base, cur, outcome.numbers, text)


def final_assessment(
    series: Mapping[float, float | None] | Iterable[tuple[float, float | None]],
    *,
    target: float,
    target_year: float,
    polarity: str = "higher",
) -> FinalAssessment:
    """Whether the target was met at the deadline, by how much, and when it was first reached.

    Parameters
    ----------
    series
        As for :func:`assess`; observations after ``target_year`` are ignored.
    target, target_year
        The target and its deadline (decimal year; 2025 means the end of 2025).
    polarity
        ``"higher"`` or ``"lower"`` is better.

    Returns
    -------
    FinalAssessment

    Notes
    -----
    ``value_at_deadline`` is the latest observation with ``t <= target_year``;
    ``gap = d * (value - target)`` (positive = better than the target);
    ``gap_share = gap / |target|``; ``first_reached`` the earliest such ``t`` with the target met.

    Raises
    ------
    ValueError
        On a bad option, or when no observation falls at or before the deadline.
    """
    _check_choice("polarity", polarity, POLARITIES)
    target = _optional_number("target", target)
    target_year = _optional_number("target_year", target_year)
    if target is None or target_year is None:
        raise ValueError("final_assessment needs both target and target_year")
    d = 1 if polarity == "higher" else -1
    obs = [o for o in _observations(series) if o[0] <= target_year + _EPS]
    if not obs:
        raise ValueError(
            f"no observation at or before the deadline {target_year:g}: "
            "nothing to judge the target by"
        )
    t_last, value = obs[-1]
    achieved = _meets(value, target, d)
    first = next((t for t, v in obs if _meets(v, target, d)), None)
    gap = d * (value - target)
    gap_share = gap / abs(target) if target != 0 else None
    direction = "越高越好" if d > 0 else "越低越好"
    as_of = _when(target_year, year_end=True)
    latest = "" if abs(t_last - target_year) < _EPS else f"（最新观测为 {_when(t_last)}）"
    text = f"截至 {as_of}{latest}为 {_fmt(value)}，目标 {_fmt(target)}（{direction}），"
    share = f"（目标的 {abs(gap_share) * 100:.1f}%）" if gap_share is not None else ""
    if achieved:
        text += f"已达成，{'优于' if gap > 0 else '恰好达到'}目标"
        text += f" {_fmt(abs(gap))}{share}" if gap > 0 else ""
        text += f"；{_when(first)}首次达到目标。"
    else:
        text += f"未达成，距目标差 {_fmt(abs(gap))}{share}"
        if first is not None:
            text += f"；{_when(first)}曾达到目标，截止时回落。"
        else:
            text += "；截止前从未达到目标。"
    return FinalAssessment(
        achieved=achieved,
        status="achieved" if achieved else "not_achieved",
        value_at_deadline=value,
        deadline_year=target_year,
        target_value=target,
        polarity=polarity,
        gap=gap,
        gap_share=gap_share,
        first_reached=first,
        explain=text,
    )


# --- methods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    numbers: dict[str, float | None]
    text: str
    value: float | None = None
    status: str | None = None  # forced status (not_assessable, deterioration)
    limits: dict[str, float] | None = None  # thresholds actually used, when scaled
    growth: bool = False  # the compared value is a growth rate (no target), not a ratio


def _cagr(y1: float, y0: float, years: float) -> float:
    return (y1 / y0) ** (1 / years) - 1


def _growth_problem(base, cur) -> str | None:
    if base[1] == 0:
        return "基期值为 0，无法计算复合增长率（可改用 linear 年均进度法）"
    if cur[1] * base[1] < 0:
        return "基期值与最新值符号相反，无法计算复合增长率"
    return None


def _ratio(*, base, cur, target, target_year, d, bounds, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = {"cagr_actual": None, "cagr_required": None, "ratio": None}
    problem = _growth_problem(base, cur)
    if problem:
        return _Outcome(numbers, problem, status="not_assessable")
    y_target = ZERO_TARGET_SUBSTITUTE if target == 0 else target
    note = "目标值为 0，按 Open SDG 做法以 0.001 代替计算所需增速；" if target == 0 else ""
    if y_target * y0 < 0:
        return _Outcome(
            numbers, "目标值与基期值符号相反，无法计算达标所需增速", status="not_assessable"
        )
    s = -1 if y0 < 0 else 1
    cagr_a = _cagr(yt, y0, t - t0)
    cagr_r = _cagr(y_target, y0, target_year - t0)
    numbers |= {"cagr_actual": cagr_a, "cagr_required": cagr_r}
    rates = f"{note}实际年均增速 {_pct(cagr_a)}，达标所需年均增速 {_pct(cagr_r)}"
    if math.isclose(cagr_r, 0, abs_tol=1e-12):
        return _Outcome(
            numbers, f"{rates}；目标值等于基期值，而最新值已劣于基期，退步", status="deterioration"
        )
    ratio = s * d * cagr_a / abs(cagr_r)
    numbers["ratio"] = ratio
    return _Outcome(numbers, f"{rates}，", value=ratio)


def _no_target(*, base, cur, target, target_year, d, bounds, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = {"cagr_actual": None, "coefficient": None}
    problem = _growth_problem(base, cur)
    if problem:
        return _Outcome(numbers, problem, status="not_assessable")
    s = -1 if y0 < 0 else 1
    cagr_a = _cagr(yt, y0, t - t0)
    lo, hi = bounds
    limit = hi if d > 0 else lo
    coeff = _limit_coefficient(y0, limit)
    numbers |= {"cagr_actual": cagr_a, "coefficient": coeff}
    scaled = {k: v * coeff for k, v in limits.items()}
    g = s * d * cagr_a
    text = f"实际年均增速 {_pct(cagr_a)}，按期望方向计 {_pct(g)}；"
    text += "阈值 " + "/".join(_pct(scaled[k]) for k in ("high", "med", "low"))
    if limit is not None and limit != 0:
        text += f"（按自然界限 {_fmt(limit)} 乘以系数 C = {coeff:.3f}）"
    text += "，"
    return _Outcome(numbers, text, value=g, limits=scaled, growth=True)


def _projection(*, base, cur, target, target_year, d, bounds, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = dict.fromkeys(
        ("cagr_actual", "projected_value", "required_change", "projected_change", "ratio")
    )
    problem = _growth_problem(base, cur)
    if problem:
        return _Outcome(numbers, problem, status="not_assessable")
    cagr_a = _cagr(yt, y0, t - t0)
    projected = yt * (1 + cagr_a) ** (target_year - t)
    lo, hi = bounds
    clipped = ""
    if lo is not None and projected < lo:
        projected, clipped = lo, f"（按下限 {_fmt(lo)} 截断）"
    if hi is not None and projected > hi:
        projected, clipped = hi, f"（按上限 {_fmt(hi)} 截断）"
    required = target - y0
    change = projected - y0
    numbers |= {
        "cagr_actual": cagr_a,
        "projected_value": projected,
        "required_change": required,
        "projected_change": change,
    }
    text = (
        f"按实际年均增速 {_pct(cagr_a)} 外推，{_when(target_year)}预计 {_fmt(projected)}{clipped}；"
        f"预计变化 {_fmt(change)}，所需变化 {_fmt(required)}"
    )
    if math.isclose(required, 0, abs_tol=1e-12):
        return _Outcome(
            numbers, f"{text}；目标值等于基期值，而最新值已劣于基期，退步", status="deterioration"
        )
    ratio = d * change / abs(required)
    numbers["ratio"] = ratio
    return _Outcome(numbers, f"{text}，", value=ratio)


def _linear(*, base, cur, target, target_year, d, bounds, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    pace_r = (target - y0) / (target_year - t0)
    pace_a = (yt - y0) / (t - t0)
    expected = y0 + pace_r * (t - t0)
    gap = d * (yt - expected)
    numbers = {
        "pace_actual": pace_a,
        "pace_required": pace_r,
        "ratio": None,
        "expected_now": expected,
        "gap_pp": gap,
    }
    ahead = f"领先 {_fmt(gap)}" if gap >= 0 else f"落后 {_fmt(-gap)}"
    text = (
        f"实际年均变化 {_fmt(pace_a)}，达标所需年均变化 {_fmt(pace_r)}；"
        f"按直线路径此时应为 {_fmt(expected)}，实际{ahead}"
    )
    if math.isclose(pace_r, 0, abs_tol=1e-12):
        return _Outcome(
            numbers, f"{text}；目标值等于基期值，而最新值已劣于基期，退步", status="deterioration"
        )
    ratio = d * pace_a / abs(pace_r)
    numbers["ratio"] = ratio
    return _Outcome(numbers, f"{text}，", value=ratio)


def _limit_coefficient(y0: float, limit: float | None) -> float:
    """Open SDG's C: 1 far from the natural limit, falling to 0 at it."""
    if limit is None or limit == 0:
        return 1.0
    b, lim = abs(y0), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** LIMIT_EXPONENT
    return 1 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT


def _band(value: float, limits: Mapping[str, float]) -> str:
    if value >= limits["high"]:
        return "on_track"
    if value >= limits["med"]:
        return "acceleration_needed"
    if value >= limits["low"]:
        return "limited_progress"
    return "deterioration"


def _band_text(value: float, limits: Mapping[str, float], status: str, growth: bool) -> str:
    show = _pct if growth else _num
    h, m, lo = (show(limits[k]) for k in ("high", "med", "low"))
    v = show(value)
    name = "增速" if growth else "比值"
    where = {
        "on_track": f"{name} {v} ≥ {h}",
        "acceleration_needed": f"{name} {v}（{m} ≤ {name} < {h}）",
        "limited_progress": f"{name} {v}（{lo} ≤ {name} < {m}）",
        "deterioration": f"{name} {v} < {lo}",
    }[status]
    return f"{where}，{STATUS_LABELS[status]}。"


# --- validation and formatting -------------------------------------------------------------


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")


def _optional_number(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number or None; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return float(value)


def _check_bounds(bounds) -> tuple[float | None, float | None]:
    if bounds is None:
        return None, None
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (lower, upper); got {bounds!r}") from None
    lo = _optional_number("bounds lower", lo)
    hi = _optional_number("bounds upper", hi)
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"bounds lower ({lo:g}) must be below upper ({hi:g})")
    return lo, hi


def _check_thresholds(thresholds, defaults: Mapping[str, float]) -> dict[str, float]:
    limits = dict(defaults)
    if thresholds is None:
        return limits
    if not isinstance(thresholds, Mapping):
        raise ValueError(f"thresholds must be a dict with keys high, med, low; got {thresholds!r}")
    unknown = sorted(set(thresholds) - set(limits))
    if unknown:
        raise ValueError(f"thresholds keys must be among 'high', 'med', 'low'; got {unknown}")
    for key, value in thresholds.items():
        limits[key] = _optional_number(f"thresholds[{key!r}]", value)
        if limits[key] is None:
            raise ValueError(f"thresholds[{key!r}] must be a number; got None")
    if not limits["high"] >= limits["med"] >= limits["low"]:
        raise ValueError(
            "thresholds must satisfy high >= med >= low; got "
            f"high={limits['high']:g}, med={limits['med']:g}, low={limits['low']:g}"
        )
    return limits


def _observations(series) -> list[tuple[float, float]]:
    """Sorted ``(t, value)`` with None/NaN values dropped; duplicate times are an error."""
    if series is None:
        raise ValueError("series must be a mapping {t: value} or (t, value) pairs; got None")
    pairs = series.items() if isinstance(series, Mapping) else series
    seen: dict[float, float] = {}
    try:
        items = list(pairs)
    except TypeError:
        raise ValueError(
            f"series must be a mapping {{t: value}} or (t, value) pairs; got {series!r}"
        ) from None
    for item in items:
        try:
            t, value = item
        except (TypeError, ValueError):
            raise ValueError(f"series items must be (t, value) pairs; got {item!r}") from None
        if isinstance(t, dt.date):
            t = decimal_year(t)
        t = _optional_number("series time", t)
        if t is None:
            raise ValueError("series time must be a number; got None")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        value = _optional_number(f"series value at {t:g}", value)
        if t in seen:
            raise ValueError(f"series has two values at t = {t:g}")
        seen[t] = value
    return sorted(seen.items())


def _meets(value: float, target: float, d: int) -> bool:
    return value >= target if d > 0 else value <= target


def _header(base, cur, target, target_year, polarity) -> str:
    direction = "越高越好" if polarity == "higher" else "越低越好"
    parts = []
    if base is not None:
        parts.append(f"基期 {_when(base[0])} {_fmt(base[1])}")
    parts.append(f"最新 {_when(cur[0])} {_fmt(cur[1])}")
    if target is not None:
        parts.append(f"目标 {_when(target_year)} {_fmt(target)}（{direction}）")
    else:
        parts.append(f"无数值目标（{direction}）")
    return "，".join(parts)


def _days_in_year(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def _when(t: float, *, year_end: bool = False) -> str:
    """A decimal year in Chinese: ``2020 年``, ``2024 年 6 月末``, ``2024 年 5 月 3 日``."""
    if abs(t - round(t)) < 1e-6:
        return f"{round(t)} 年" + ("末" if year_end else "")
    whole = math.floor(t)
    year, frac = whole + 1, t - whole
    months = frac * 12
    if abs(months - round(months)) < 0.1:  # within ~3 days of a month end
        return f"{year} 年 {round(months)} 月末"
    day = max(1, round(frac * _days_in_year(year)))
    date = dt.date(year, 1, 1) + dt.timedelta(days=day - 1)
    return f"{year} 年 {date.month} 月 {date.day} 日"


def _fmt(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:.0f}"
    if x == 0 or abs(x) >= 1:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _num(x: float) -> str:
    return f"{x:.2f}" if abs(x) >= 0.01 or x == 0 else f"{x:.2g}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%" if x == 0 or abs(x) >= 0.001 else f"{x * 100:.2g}%"


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def decimal_year_to_date(t: float) -> dt.date:
    """The date of a decimal year (inverse of :func:`indicators.tracking.decimal_year`).

    2025.0 → 2025-12-31 (the end of year 2025); 2025.832877 → 2026-10-31; 2020.5 (a month-end
    time ``Y − 1 + m/12``) → 2021-06-30.
    """
    if abs(t - round(t)) < 1e-6:
        return dt.date(round(t), 12, 31)
    year = math.floor(t) + 1
    days = 366 if calendar.isleap(year) else 365
    day = min(max(round((t - (year - 1)) * days), 1), days)
    guess = dt.date(year, 1, 1) + dt.timedelta(days=day - 1)
    if abs(decimal_year(guess) - t) < 1e-5:
        return guess
    month = min(max(round((t - (year - 1)) * 12), 1), 12)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def required_path(
    method: str,
    baseline_value: float | None,
    baseline_year: float | None,
    target: float | None,
    target_year: float | None,
) -> list[tuple[float, float]] | None:
    """The path from the baseline that reaches the target exactly at the target year.

    ``linear``: the straight line y₀ + (y_T − y₀)(t − t₀)/(T − t₀). ``ratio`` and
    ``projection``: the compound path y₀·(1 + CAGR_r)^(t − t₀) with
    CAGR_r = (y_T/y₀)^(1/(T − t₀)) − 1 (a target of 0 counts as 0.001, as in the ratio method).
    Points at t₀, every whole year in between and T, as ``(decimal year, value)``. None when
    there is no path: no numerical target, target year not after the baseline, or — for the
    compound path — a zero baseline or a baseline and target of opposite signs.
    """
    if None in (baseline_value, baseline_year, target, target_year):
        return None
    y0, t0, y_t, big_t = float(baseline_value), float(baseline_year), float(target), target_year
    if big_t <= t0:
        return None
    times = [t0] + [float(y) for y in range(math.floor(t0) + 1, math.ceil(big_t))] + [big_t]
    if method == "linear":
        slope = (y_t - y0) / (big_t - t0)
        return [(t, y0 + slope * (t - t0)) for t in times]
    goal = 0.001 if y_t == 0 else y_t
    if y0 == 0 or (y0 < 0) != (goal < 0):
        return None
    rate = (goal / y0) ** (1 / (big_t - t0)) - 1
    return [(t, y0 * (1 + rate) ** (t - t0)) for t in times]


def value_at_deadline(target: float | None, gap: float | None, polarity: str) -> float | None:
    """The value at the deadline from the final gap: gap = d·(value − target), d = ±1."""
    if target is None or gap is None:
        return None
    return target + (-gap if polarity == "lower" else gap)
