"""The three progress methods (ratio, projection, linear) and the readings after the deadline or without a target: each returns an outcome with its status and its explanation."""

from __future__ import annotations

import math
from collections.abc import Mapping

from indicators.tracking_terms import (
    _EPS,
    LIMIT_EXPONENT,
    STATUS_LABELS,
    ZERO_TARGET_SUBSTITUTE,
    _num,
    _Outcome,
    _pct,
    _when,
)

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
