"""The vocabulary of target tracking: statuses, methods, fallbacks and thresholds, the outcome a method returns, and the units, formatting and validation its explanations use."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

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
