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
                rates), the "distance to the target path" reading; the one method that works from a
                zero baseline.

Where the requested method cannot be applied as published (a zero or near-zero baseline, a sign
change, a target at a natural bound, less than a year of data, no baseline observation, a first
observation after the target year), a documented rule chosen by :func:`assess` decides the reading
instead; the :class:`Assessment` records the method actually used (``method_used``), the rule
(``fallback``, a key of :data:`FALLBACK_LABELS`) and says it in its explanation. Not assessable
remains only where the data give nothing to read: no observation, or nothing after the baseline.

:func:`final_assessment` reads the series as it stood at the deadline: achieved or not, by how
much, and when the target was first reached.

Time is a float *decimal year at the end of a period*: the value for year ``Y`` sits at
``t = Y``; the end of month ``m`` of year ``Y`` at ``t = Y - 1 + m / 12`` (end of December 2023 is
2023.0, end of June 2024 is 2023.5); a date at :func:`decimal_year`. Formulas, bands, fallback
rules and edge cases are documented in ``docs/tracking-methods.md``.

References
----------
.. [1] Open SDG, "Progress Measurement Methodology" (by Statistics Canada),
       ``open-sdg/open-sdg`` ``docs/progress-methodology.md``; implementation
       https://github.com/open-sdg/sdg-build ``sdg/ProgressMeasure.py``.
.. [2] United Nations Statistics Division, "Sustainable Development Goals Progress Chart —
       Technical Note" (2022, 2023 editions).
.. [3] Eurostat, "Sustainable development in the European Union — monitoring report",
       methodological annex (assessing progress towards quantified targets).
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
FINAL_STATUS_LABELS = {"achieved": "到期达成", "not_achieved": "到期未达成"}

#: The rules that decide a reading when the requested method cannot be applied as published
#: (``Assessment.fallback``), and why a row is not assessable; short Chinese labels for pages.
FALLBACK_LABELS = {
    "rebased": "基期为 0 或接近 0，改以首个非零观测为基期",
    "zero_baseline": "基期为 0 或接近 0，改用线性进度法",
    "sign_change": "数值正负号改变，改用线性进度法",
    "near_bound": "目标或基期接近自然界限，改用线性进度法",
    "short_span": "距基期不足 1 年，按现有间隔计算",
    "origin_baseline": "基期无观测，以自然下限为起点按时间进度对照",
    "after_deadline": "首个可用观测已在目标年之后，按差距与变化方向判断",
    "observed_at_target_year": "最新观测已过目标年，取目标年观测值，不反向外推",
    "no_observation": "没有可用的观测值",
    "no_observation_after_baseline": "基期及以后没有观测值",
    "single_observation": "基期之后尚无新的观测值",
    "zero_baseline_no_target": "基期为 0 或接近 0 且无数值目标",
    "sign_change_no_target": "数值正负号改变且无数值目标",
}
#: Fallback keys that leave the row not assessable.
NOT_ASSESSABLE_REASONS = (
    "no_observation",
    "no_observation_after_baseline",
    "single_observation",
    "zero_baseline_no_target",
    "sign_change_no_target",
)

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
#: A baseline is "near zero" for the growth-rate methods when its magnitude is at most this
#: share of the larger of the latest value and the target.
NEAR_ZERO_SHARE = 0.01
#: A target or baseline is "near its natural bound" when it lies within this share of the
#: bounded range (or of the bound's magnitude, with one bound) from the bound in the desired
#: direction.
NEAR_BOUND_SHARE = 0.05

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
        The method asked for, one of :data:`METHODS`; one of :data:`STATUSES` (Chinese in
        :data:`STATUS_LABELS`).
    baseline_year, baseline_value, current_year, current_value
        The observations the reading used (decimal years): the baseline is the one the
        computation started from — the first non-zero observation under the ``rebased`` rule, the
        natural lower bound at the baseline year under ``origin_baseline``. NaN only when the
        series has no observation to use (status ``not_assessable``).
    target_year, target_value
        As given (``target_value`` is the real target, not the 0.001 substitute).
    polarity
        ``"higher"`` or ``"lower"`` is better.
    progress
        Share of the way from baseline to target,
        ``(current - baseline) / (target - baseline)``; None without a target or when the
        target equals the baseline.
    numbers
        The key numbers of the method used (rates as fractions, e.g. 0.157 for 15.7 %).
    explain
        Chinese sentence(s) with the numbers used, the rule applied and, when not assessable,
        why.
    method_used
        The method whose formulas produced the reading (one of :data:`METHODS`); differs from
        ``method`` when a fallback rule switched to the linear pace; None when no method applies
        (not assessable, or the ``after_deadline`` rule).
    fallback
        None when ``method`` was applied as published; otherwise the key of the rule that
        decided the reading, or of the reason the row is not assessable
        (:data:`FALLBACK_LABELS`, :data:`NOT_ASSESSABLE_REASONS`).
    note
        The Chinese clause of ``explain`` that states the rule and why it applies ("" when none).
    unit
        The indicator's unit as given (``"%"`` words changes as 个百分点).
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
    method_used: str | None = None
    fallback: str | None = None
    note: str = ""
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN → None) with ``status_label`` and ``fallback_label``."""
        out = _json_safe(asdict(self))
        out["status_label"] = STATUS_LABELS[self.status]
        out["fallback_label"] = FALLBACK_LABELS.get(self.fallback) if self.fallback else None
        return out


@dataclass(frozen=True)
class FinalAssessment:
    """The series as it stood at the deadline, against the target.

    Attributes
    ----------
    achieved, status
        Whether the value at the deadline meets the target; ``"achieved"`` / ``"not_achieved"``
        (到期达成 / 到期未达成).
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
        Chinese sentence(s) with the numbers, shown with enough decimals that a miss never
        reads as a zero gap and a success never reads as a miss.
    decimals
        The decimals used for the value and the gap in ``explain``.
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
    decimals: int = 1

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
    unit: str | None = None,
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
        limit (upper for higher-is-better, lower for lower-is-better); with a target, a target
        or baseline near the limit in the desired direction switches to the linear pace, and
        the lower bound is the starting point of the ``origin_baseline`` rule.
    thresholds
        Override any of ``{"high", "med", "low"}`` (see :data:`DEFAULT_THRESHOLDS`; without a
        target :data:`NO_TARGET_THRESHOLDS`); they apply to the method actually used.
    unit
        The indicator's unit, for wording only: with ``"%"`` values read ``56.3%`` and changes,
        paces and gaps ``2.3 个百分点``; None (or any other unit) prints bare numbers.

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

        yhat_T = yt * (1 + CAGR_a) ** (T - t)     # clipped to bounds; when t >= T it is the
                                                  # observation at T (never projected backwards)
        r      = d * (yhat_T - y0) / |yT - y0|

    linear::

        v_r = (yT - y0) / (T - t0);  v_a = (yt - y0) / (t - t0);  ratio = d * v_a / |v_r|
        e   = y0 + v_r * (t - t0);   gap_pp = d * (yt - e)        # positive = ahead

    Bands: ratio >= high → on_track; med <= ratio < high → acceleration_needed;
    low <= ratio < med → limited_progress; ratio < low → deterioration.
    ``d * ... / |...|`` equals the plain ratio whenever the target lies in the desired direction
    from the baseline, and reads a slide away from a target the baseline had already met as
    deterioration. A target equal to the baseline and not met is deterioration.

    Fallback rules, tried in this order (``fallback`` names the one applied):

    ``after_deadline``
        The first usable observation is at or after T: no required pace exists; the status
        follows the direction of change (towards the target: acceleration_needed; none or a
        single observation: limited_progress; away: deterioration).
    ``origin_baseline``
        One observation only, none at t0, a target above the natural lower bound L of a
        higher-is-better indicator: linear from (t0, L) — "time progress against task progress".
    ``short_span``
        t - t0 < 1 year: the linear pace over the span there is (without a target, the growth
        rate annualised over it), said to be indicative.
    ``rebased``, ``zero_baseline``
        Growth-rate methods with |y0| <= 1 % of max(|yt|, |yT|): the first observation that is
        not near zero becomes the baseline when it is at least a year before t and before T;
        otherwise the linear pace from the zero baseline.
    ``sign_change``
        Growth-rate methods when y0 and yt (or y0 and the target) have opposite signs: linear.
    ``near_bound``
        Growth-rate methods when the target or y0 lies within 5 % of the bounded range from the
        bound in the desired direction (a compound path is meaningless there): linear.
    ``observed_at_target_year``
        Projection when t >= T: the value at T is the latest observation at or before T.

    Not assessable: no observation; none at or after the baseline; only one observation and no
    rule above applies; without a target, a zero baseline with no later non-zero observation a
    year before the latest, or a sign change.

    Examples
    --------
    >>> a = assess({2020: 40, 2023: 62}, target=80, target_year=2025)
    >>> a.status, round(a.numbers["ratio"], 3)
    ('on_track', 1.058)
    >>> z = assess({2020: 0, 2023: 56.3}, target=90, target_year=2025, unit="%")
    >>> z.status, z.method_used, z.fallback
    ('on_track', 'linear', 'zero_baseline')
    """
    _check_choice("method", method, METHODS)
    _check_choice("polarity", polarity, POLARITIES)
    target = _optional_number("target", target)
    target_year = _optional_number("target_year", target_year)
    baseline_year = _optional_number("baseline_year", baseline_year)
    if unit is not None and not isinstance(unit, str):
        raise ValueError(f"unit must be a string such as '%' or None; got {unit!r}")
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
    trend_limits = _check_thresholds(
        thresholds, DEFAULT_THRESHOLDS[method] if target is not None else NO_TARGET_THRESHOLDS
    )
    obs = _observations(series)
    d = 1 if polarity == "higher" else -1
    units = _Units(unit)

    def build(status, base, cur, reading: _Reading, text) -> Assessment:
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
            numbers=reading.outcome.numbers,
            explain=text,
            method_used=reading.method_used,
            fallback=reading.fallback,
            note=reading.note,
            unit=unit,
        )

    if not obs:
        reading = _unassessable("no_observation", "没有可用的观测值")
        return build("not_assessable", None, None, reading, "没有可用的观测值，无法评估。")
    cur = obs[-1]
    if baseline_year is None:
        base = obs[0]
    else:
        after = [o for o in obs if o[0] >= baseline_year - _EPS]
        base = after[0] if after else None
    head = _header(base, cur, target, target_year, polarity, units)
    if base is None:
        reason = f"基期 {_when(baseline_year)} 及以后没有观测值"
        reading = _unassessable("no_observation_after_baseline", reason)
    else:
        reading = _read(
            method,
            obs=obs,
            base=base,
            cur=cur,
            target=target,
            target_year=target_year,
            d=d,
            bounds=(lo, hi),
            baseline_year=baseline_year,
            units=units,
            limits=trend_limits,
        )
    used = reading.base or base
    outcome = reading.outcome

    if target is not None and _meets(cur[1], target, d):
        if outcome.status == "not_assessable":  # met with a single observation: nothing to explain
            reading = _Reading(None, None, "", None, _Outcome({}, ""))
        return build("achieved", used, cur, reading, f"{head}；最新值已达到目标，已达成。")
    note = f"{reading.note}；" if reading.note else ""
    if outcome.status == "not_assessable":
        return build("not_assessable", used, cur, reading, f"{head}；{outcome.text}，无法评估。")
    if outcome.status is not None:
        return build(outcome.status, used, cur, reading, f"{head}；{note}{outcome.text}。")
    if outcome.limits is not None:
        limits = outcome.limits
    else:
        limits = _check_thresholds(thresholds, DEFAULT_THRESHOLDS[reading.method_used])
    status = _band(outcome.value, limits)
    text = (
        f"{head}；{note}{outcome.text}{_band_text(outcome.value, limits, status, outcome.growth)}"
    )
    return build(status, used, cur, reading, text)


def final_assessment(
    series: Mapping[float, float | None] | Iterable[tuple[float, float | None]],
    *,
    target: float,
    target_year: float,
    polarity: str = "higher",
    unit: str | None = None,
) -> FinalAssessment:
    """Whether the target was met at the deadline, by how much, and when it was first reached.

    This is the plan's verdict at the deadline (到期达成 / 到期未达成).

    Parameters
    ----------
    series
        As for :func:`assess`; observations after ``target_year`` are ignored.
    target, target_year
        The target and its deadline (decimal year; 2025 means the end of 2025).
    polarity
        ``"higher"`` or ``"lower"`` is better.
    unit
        As for :func:`assess`: with ``"%"`` the value reads ``94.8%`` and the gap
        ``0.2 个百分点``.

    Returns
    -------
    FinalAssessment

    Notes
    -----
    ``value_at_deadline`` is the latest observation with ``t <= target_year``;
    ``gap = d * (value - target)`` (positive = better than the target);
    ``gap_share = gap / |target|``; ``first_reached`` the earliest such ``t`` with the target met.
    The explanation shows the value and the gap with the fewest decimals (at least one) at which
    a non-zero gap does not round to zero and the rounded value stays on the same side of the
    target as the exact one: 98.96 against 99 reads "98.96%，目标 99%，到期未达成，差 0.04 个百分点".

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
    if unit is not None and not isinstance(unit, str):
        raise ValueError(f"unit must be a string such as '%' or None; got {unit!r}")
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
    k = _final_decimals(value, target, gap, achieved, d)
    units = _Units(unit)
    shown = units.value_text(f"{value:.{k}f}")
    goal = units.value_text(_plain(target))
    gap_text = units.change_text(f"{abs(gap):.{k}f}")
    as_of = _when(target_year, year_end=True)
    latest = "" if abs(t_last - target_year) < _EPS else f"（最新观测为 {_when(t_last)}）"
    direction = "（越低越好）" if d < 0 else ""
    text = f"截至 {as_of}{latest} {shown}，目标 {goal}{direction}，"
    share = f"（目标的 {_share(abs(gap_share))}）" if gap_share is not None else ""
    if achieved:
        text += f"{FINAL_STATUS_LABELS['achieved']}，"
        text += f"优于目标 {gap_text}{share}" if gap > 0 else "恰好达到目标"
        text += f"；{_when(first)}首次达到目标。"
    else:
        text += f"{FINAL_STATUS_LABELS['not_achieved']}，差 {gap_text}{share}"
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
        decimals=k,
    )


# --- choosing the reading ------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    numbers: dict[str, float | None]
    text: str
    value: float | None = None
    status: str | None = None  # forced status (not_assessable, deterioration, after_deadline)
    limits: dict[str, float] | None = None  # thresholds actually used, when scaled
    growth: bool = False  # the compared value is a growth rate (no target), not a ratio


@dataclass(frozen=True)
class _Reading:
    method_used: str | None
    fallback: str | None
    note: str
    base: tuple[float, float] | None  # the baseline the computation started from
    outcome: _Outcome


def _unassessable(reason: str, text: str) -> _Reading:
    return _Reading(None, reason, text, None, _Outcome({}, text, status="not_assessable"))


def _read(
    method, *, obs, base, cur, target, target_year, d, bounds, baseline_year, units, limits
) -> _Reading:
    """Apply the requested method, or the first fallback rule whose condition holds."""
    lo, hi = bounds
    kw = {
        "target": target,
        "target_year": target_year,
        "d": d,
        "bounds": bounds,
        "units": units,
        "obs": obs,
        "limits": limits,
    }
    linear = _linear if target is not None else None
    span = cur[0] - base[0]

    if target is not None and base[0] >= target_year - _EPS:
        outcome = _after_deadline(base, cur, target, target_year, d, units)
        return _Reading(None, "after_deadline", "", base, outcome)

    if span < _EPS:
        origin_ok = (
            target is not None
            and d > 0
            and lo is not None
            and target > lo
            and baseline_year is not None
            and base[0] > baseline_year + _EPS
        )
        if not origin_ok:
            return _unassessable(
                "single_observation", "基期之后没有新的观测值，至少需要基期和最新两个观测值"
            )
        origin = (baseline_year, lo)
        time_share = (cur[0] - baseline_year) / (target_year - baseline_year)
        task_share = (cur[1] - lo) / (target - lo)
        note = (
            f"基期 {_when(baseline_year)}无观测值，其后仅有 1 个观测，无法计算增速；"
            f"以自然下限 {units.value(lo)} 为起点，按时间进度对照："
            f"时间进度 {_share(time_share)}，任务进度 {_share(task_share)}"
        )
        return _Reading(
            "linear", "origin_baseline", note, origin, _linear(base=origin, cur=cur, **kw)
        )

    if span < MIN_SPAN_YEARS - _EPS:
        note = f"最新观测距基期仅 {span:.2f} 年，不足 1 年（Open SDG 要求至少相隔 1 年）"
        if linear is None:
            problem = _growth_problem(base, cur, None)
            if problem:
                code = (
                    "zero_baseline_no_target" if problem[0] == "zero" else "sign_change_no_target"
                )
                return _unassessable(code, f"{note}，且{problem[1]}")
            note += "，增速按实际间隔年化，仅供参考"
            return _Reading("ratio", "short_span", note, base, _no_target(base=base, cur=cur, **kw))
        note += "，改按直线所需路径比较（线性进度法），仅供参考"
        return _Reading("linear", "short_span", note, base, linear(base=base, cur=cur, **kw))

    if method == "linear":
        return _Reading("linear", None, "", base, _linear(base=base, cur=cur, **kw))
    compute = _no_target if target is None else {"ratio": _ratio, "projection": _projection}[method]
    used = "ratio" if target is None else method

    problem = _growth_problem(base, cur, target)
    if problem and problem[0] == "zero":
        scale = max(abs(cur[1]), abs(target) if target is not None else 0.0)
        rebase = next(
            (
                o
                for o in obs
                if base[0] < o[0] <= cur[0]
                and not _near_zero(o[1], scale)
                and _growth_problem(o, cur, target) is None
            ),
            None,
        )
        if (
            rebase is not None
            and cur[0] - rebase[0] >= MIN_SPAN_YEARS - _EPS
            and (target is None or target_year - rebase[0] > _EPS)
        ):
            note = (
                f"{_zero_words(base[1], units)}；"
                f"改以首个非零观测 {_when(rebase[0])} {units.value(rebase[1])} 为基期"
            )
            return _Reading(used, "rebased", note, rebase, compute(base=rebase, cur=cur, **kw))
        why = f"{_zero_words(base[1], units)}，且没有距最新观测 1 年以上的非零观测可作基期"
        if linear is None:
            return _unassessable(
                "zero_baseline_no_target", f"{why}（无数值目标，不能改用线性进度法）"
            )
        note = f"{why}；改用线性进度法（按绝对变化计，不受基期接近 0 影响）"
        return _Reading("linear", "zero_baseline", note, base, linear(base=base, cur=cur, **kw))
    if problem:
        if linear is None:
            return _unassessable(
                "sign_change_no_target", f"{problem[1]}（无数值目标，无法改用线性进度法）"
            )
        note = f"{problem[1]}；改用线性进度法"
        return _Reading("linear", "sign_change", note, base, linear(base=base, cur=cur, **kw))

    near = _near_bound(base[1], target, d, lo, hi) if target is not None else None
    if near is not None:
        what, bound = near
        note = (
            f"{what}接近自然界限 {units.value(bound)}（不超过量程的 {NEAR_BOUND_SHARE:.0%}），"
            "复合增长路径在界限附近失真；改用线性进度法"
        )
        return _Reading("linear", "near_bound", note, base, linear(base=base, cur=cur, **kw))

    rule = None
    if method == "projection" and cur[0] >= target_year - _EPS:
        rule = "observed_at_target_year"  # said by the projection's own text
    return _Reading(used, rule, "", base, compute(base=base, cur=cur, **kw))


def _zero_words(y0: float, units: _Units) -> str:
    if y0 == 0:
        return "基期值为 0，无法计算复合增长率"
    return (
        f"基期值 {units.value(y0)} 接近 0（不超过最新值与目标中较大者的 "
        f"{NEAR_ZERO_SHARE:.0%}），复合增长率无意义"
    )


def _near_zero(value: float, scale: float) -> bool:
    return abs(value) <= NEAR_ZERO_SHARE * scale


def _growth_problem(base, cur, target) -> tuple[str, str] | None:
    """Why a compound growth rate from ``base`` is undefined or meaningless, if it is."""
    scale = max(abs(cur[1]), abs(target) if target is not None else 0.0)
    if _near_zero(base[1], scale):
        return "zero", _zero_words(base[1], _Units(None))
    if cur[1] * base[1] < 0:
        return "sign", "基期值与最新值符号相反，无法计算复合增长率"
    goal = ZERO_TARGET_SUBSTITUTE if target == 0 else target
    if goal is not None and goal * base[1] < 0:
        return "sign", "目标值与基期值符号相反，无法计算达标所需增速"
    return None


def _near_bound(y0, target, d, lo, hi) -> tuple[str, float] | None:
    """(what, bound) when the target or the baseline lies near the bound in the desired
    direction: within NEAR_BOUND_SHARE of the range (of |bound| with one bound)."""
    bound = hi if d > 0 else lo
    if bound is None:
        return None
    scale = hi - lo if lo is not None and hi is not None else abs(bound)
    for what, value in (("目标值", target), ("基期值", y0)):
        if abs(bound - value) <= NEAR_BOUND_SHARE * scale + 1e-12:
            return what, bound
    return None


# --- methods -------------------------------------------------------------------------------


def _cagr(y1: float, y0: float, years: float) -> float:
    return (y1 / y0) ** (1 / years) - 1


def _ratio(*, base, cur, target, target_year, d, bounds, units, obs, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = {"cagr_actual": None, "cagr_required": None, "ratio": None}
    y_target = ZERO_TARGET_SUBSTITUTE if target == 0 else target
    note = "目标值为 0，按 Open SDG 做法以 0.001 代替计算所需增速；" if target == 0 else ""
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


def _no_target(*, base, cur, target, target_year, d, bounds, units, obs, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = {"cagr_actual": None, "coefficient": None}
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
        text += f"（按自然界限 {units.value(limit)} 乘以系数 C = {coeff:.3f}）"
    text += "，"
    return _Outcome(numbers, text, value=g, limits=scaled, growth=True)


def _projection(*, base, cur, target, target_year, d, bounds, units, obs, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    numbers = dict.fromkeys(
        ("cagr_actual", "projected_value", "required_change", "projected_change", "ratio")
    )
    clipped = ""
    # Never project backwards: from the target year on, the value at the target year is the
    # last observation at or before it (the one the final assessment reads).
    at_target = None
    if t >= target_year - _EPS:
        at_target = [o for o in obs if t0 <= o[0] <= target_year + _EPS][-1]
    if at_target is None:
        cagr_a = _cagr(yt, y0, t - t0)
        projected = yt * (1 + cagr_a) ** (target_year - t)
        lo, hi = bounds
        if lo is not None and projected < lo:
            projected, clipped = lo, f"（按下限 {units.value(lo)} 截断）"
        if hi is not None and projected > hi:
            projected, clipped = hi, f"（按上限 {units.value(hi)} 截断）"
        lead = f"按实际年均增速 {_pct(cagr_a)} 外推，{_when(target_year)}预计"
    else:
        t_at, projected = at_target
        cagr_a = _cagr(projected, y0, t_at - t0) if t_at - t0 > _EPS else None
        lead = "最新观测已过目标年，不反向外推："
        if abs(t_at - target_year) < _EPS:
            lead += f"取 {_when(target_year)}的观测值"
        else:
            lead += f"目标年无观测，取此前最后一个观测 {_when(t_at)}"
    required = target - y0
    change = projected - y0
    numbers |= {
        "cagr_actual": cagr_a,
        "projected_value": projected,
        "required_change": required,
        "projected_change": change,
    }
    verb = "预计变化" if at_target is None else "实际变化"
    text = (
        f"{lead} {units.value(projected)}{clipped}；"
        f"{verb} {units.change(change)}，所需变化 {units.change(required)}"
    )
    if math.isclose(required, 0, abs_tol=1e-12):
        return _Outcome(
            numbers, f"{text}；目标值等于基期值，而最新值已劣于基期，退步", status="deterioration"
        )
    ratio = d * change / abs(required)
    numbers["ratio"] = ratio
    return _Outcome(numbers, f"{text}，", value=ratio)


def _linear(*, base, cur, target, target_year, d, bounds, units, obs, limits) -> _Outcome:
    (t0, y0), (t, yt) = base, cur
    pace_r = (target - y0) / (target_year - t0)
    pace_a = (yt - y0) / (t - t0)
    # the straight path ends at the target in the target year and stays there
    expected = y0 + pace_r * (min(t, target_year) - t0)
    gap = d * (yt - expected)
    numbers = {
        "pace_actual": pace_a,
        "pace_required": pace_r,
        "ratio": None,
        "expected_now": expected,
        "gap_pp": gap,
    }
    ahead = f"领先 {units.change(gap)}" if gap >= 0 else f"落后 {units.change(-gap)}"
    text = (
        f"实际年均变化 {units.change(pace_a)}，达标所需年均变化 {units.change(pace_r)}；"
        f"{'目标年已过，按直线路径应已达到' if t > target_year + _EPS else '按直线路径此时应为'}"
        f" {units.value(expected)}，实际{ahead}"
    )
    if math.isclose(pace_r, 0, abs_tol=1e-12):
        return _Outcome(
            numbers, f"{text}；目标值等于基期值，而最新值已劣于基期，退步", status="deterioration"
        )
    ratio = d * pace_a / abs(pace_r)
    numbers["ratio"] = ratio
    return _Outcome(numbers, f"{text}，", value=ratio)


def _after_deadline(base, cur, target, target_year, d, units) -> _Outcome:
    """The first usable observation is at or after the target year: no pace can be required."""
    shortfall = d * (target - cur[1])
    text = (
        f"首个可用观测 {_when(base[0])} 已不早于目标年 {_when(target_year)}，无法计算达标所需进度；"
        f"最新值距目标仍差 {units.change(shortfall)}"
    )
    moved = d * (cur[1] - base[1])
    if cur[0] - base[0] < _EPS:
        one = f"{text}，仅有 1 个观测，看不出变化方向，进展有限"
        return _Outcome({}, one, status="limited_progress")
    if moved > 0:
        return _Outcome({}, f"{text}，正在向目标靠近，需加速", status="acceleration_needed")
    if moved == 0:
        return _Outcome({}, f"{text}，没有变化，进展有限", status="limited_progress")
    return _Outcome({}, f"{text}，且在远离目标，退步", status="deterioration")


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


def _header(base, cur, target, target_year, polarity, units: _Units) -> str:
    direction = "越高越好" if polarity == "higher" else "越低越好"
    parts = []
    if base is not None and base is not cur:
        parts.append(f"基期 {_when(base[0])} {units.value(base[1])}")
    parts.append(f"最新 {_when(cur[0])} {units.value(cur[1])}")
    if target is not None:
        parts.append(f"目标 {_when(target_year)} {units.value(target)}（{direction}）")
    else:
        parts.append(f"无数值目标（{direction}）")
    return "，".join(parts)


@dataclass(frozen=True)
class _Units:
    """Wording by unit: a rate's values read ``56.3%``, its changes ``2.3 个百分点``."""

    unit: str | None

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    def value(self, x: float) -> str:
        return self.value_text(_fmt(x))

    def change(self, x: float) -> str:
        return self.change_text(_fmt(x))

    def value_text(self, text: str) -> str:
        return f"{text}%" if self.percent else text

    def change_text(self, text: str) -> str:
        return f"{text} 个百分点" if self.percent else text


def _final_decimals(value: float, target: float, gap: float, achieved: bool, d: int) -> int:
    """Fewest decimals (from a magnitude-based start) at which the shown gap is not 0 unless the
    gap is exactly 0, and the shown value meets the target exactly when the value does."""
    big = max(abs(value), abs(target))
    if big >= 1000:
        start = 0
    elif big >= 1 or big == 0:
        start = 1
    else:
        start = max(1, 2 - math.floor(math.log10(big)))
    if gap == 0:
        return start
    for k in range(start, start + 10):
        shown = float(f"{value:.{k}f}")
        if float(f"{abs(gap):.{k}f}") == 0 or _meets(shown, target, d) != achieved:
            continue
        return k
    return start + 10


def _plain(x: float) -> str:
    """A target as declared: 95.0 → ``95``, 99.5 → ``99.5``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.10g}"


def _share(x: float) -> str:
    """A share as a percentage with one decimal, or more when one would round a non-zero to 0."""
    v = x * 100
    digits = 1
    while v != 0 and float(f"{v:.{digits}f}") == 0 and digits < 8:
        digits += 1
    return f"{v:.{digits}f}%"


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
