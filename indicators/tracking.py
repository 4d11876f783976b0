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

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from indicators.tracking_methods import (
    _after_deadline,
    _band,
    _band_text,
    _linear,
    _no_target,
    _projection,
    _ratio,
)
from indicators.tracking_terms import (
    _EPS,
    DEFAULT_THRESHOLDS,
    FALLBACK_LABELS,
    FINAL_STATUS_LABELS,
    FINAL_STATUSES,
    METHODS,
    MIN_SPAN_YEARS,
    NEAR_BOUND_SHARE,
    NEAR_ZERO_SHARE,
    NO_TARGET_THRESHOLDS,
    NOT_ASSESSABLE_REASONS,
    POLARITIES,
    STATUS_LABELS,
    STATUSES,
    ZERO_TARGET_SUBSTITUTE,
    _check_bounds,
    _check_choice,
    _check_thresholds,
    _final_decimals,
    _header,
    _json_safe,
    _meets,
    _observations,
    _optional_number,
    _Outcome,
    _plain,
    _Reading,
    _share,
    _Units,
    _when,
    decimal_year,
    decimal_year_to_date,
    month_end_year,
    required_path,
    value_at_deadline,
)


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


# the public API of target tracking, wherever each name is defined
__all__ = [
    "Assessment",
    "DEFAULT_THRESHOLDS",
    "FALLBACK_LABELS",
    "FINAL_STATUSES",
    "FINAL_STATUS_LABELS",
    "FinalAssessment",
    "METHODS",
    "NOT_ASSESSABLE_REASONS",
    "NO_TARGET_THRESHOLDS",
    "POLARITIES",
    "STATUSES",
    "STATUS_LABELS",
    "assess",
    "decimal_year",
    "decimal_year_to_date",
    "final_assessment",
    "month_end_year",
    "required_path",
    "value_at_deadline",
]
