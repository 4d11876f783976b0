"""One verdict per target: the single status every page, export and report shows.

A target row of ``target_progress`` carries two readings: the tracking ``status`` of the latest
value (any as-of) and, from the deadline on, the ``final_status`` of the value at the deadline.
Showing both invites contradictions (a green 已达成 from a value reached *after* the deadline next
to a red 未达成 at the deadline). The plan is judged at its deadline, so:

* **before the deadline** the verdict is the tracking status (已达成 / 进度正常 / 需加速 /
  进展有限 / 退步 / 无法评估);
* **from the deadline on**, for a numerical target, the verdict is the final assessment:
  ``final_achieved`` 到期达成 or ``final_not_achieved`` 到期未达成, with the gap and the date the
  target was first reached; the value that matters is the value *at the deadline*, and what
  happened since is context (``since_text``: "此后：2026年11月为 96.9%"), never a second status;
* a target without a numerical value (定性目标) has no final assessment: its verdict stays its
  trend reading, and counts list it apart from the quantified targets.

:func:`with_verdict` adds the columns to a frame of progress rows; :func:`verdict_counts` says
what a count counts. Pages, exports and reports use these and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl

from datasets.regions import PROVINCE_CODE
from indicators.text import STATUS_STYLE, fmt_value, time_label, value_time_label

#: Every verdict code, worst first (the order lists sort by and legends show).
VERDICT_ORDER = [
    "final_not_achieved",
    "deterioration",
    "limited_progress",
    "acceleration_needed",
    "on_track",
    "achieved",
    "final_achieved",
    "not_assessable",
]
FINAL_VERDICTS = ("final_achieved", "final_not_achieved")
IN_PROGRESS_VERDICTS = tuple(v for v in VERDICT_ORDER if v not in FINAL_VERDICTS)
#: What each verdict means, for legends (one sentence each).
VERDICT_MEANING = {
    "final_achieved": "截止时（目标年末）的值达到目标",
    "final_not_achieved": "截止时（目标年末）的值未达到目标",
    "achieved": "截止前，最新值已达到目标",
    "on_track": "按当前进度可按期达到目标",
    "acceleration_needed": "有进展，但需加快才能按期达标",
    "limited_progress": "进展缓慢，按当前进度难以按期达标",
    "deterioration": "向背离目标的方向变化",
    "not_assessable": "没有可用数据，无法评估",
}


def verdict_of(status: str | None, final_status: str | None) -> str:
    """The one verdict of a progress row: the final assessment when there is one, else the
    tracking status."""
    if final_status in ("achieved", "not_achieved"):
        return f"final_{final_status}"
    return status if status in STATUS_STYLE else "not_assessable"


def verdict_label(verdict: str) -> str:
    """The Chinese label of a verdict (到期未达成, 需加速 …)."""
    return STATUS_STYLE.get(verdict, STATUS_STYLE["not_assessable"])[0]


def deadline_value(row: dict) -> float | None:
    """The value at the deadline of a row with a final assessment (from its gap), else None."""
    target, gap = row.get("target_value"), row.get("final_gap")
    if target is None or gap is None or row.get("final_status") is None:
        return None
    return target - gap if row.get("polarity") == "lower" else target + gap


def gap_text(gap: float | None, unit: str, decimals: int) -> str:
    """A shortfall in words with enough decimals that a miss never reads as zero
    ("差 0.2 个百分点"; a rate's gap is in percentage points, not per cent)."""
    if gap is None or gap != gap:
        return ""
    size = abs(gap)
    places = decimals
    while places < 6 and size > 0 and round(size, places) == 0:
        places += 1
    amount = f"{size:,.{places}f}"
    what = " 个百分点" if unit == "%" else (f" {unit}" if unit else "")
    return f"{amount}{what}"


def _decimals(row: dict) -> int:
    """The indicator's decimals (0 for counts is a real value, not a missing one)."""
    d = row.get("decimals")
    return 1 if d is None else int(d)


def _since_text(row: dict) -> str | None:
    """After the deadline: the latest value since, as context ("此后：2026年11月为 96.9%")."""
    if row.get("final_status") is None:
        return None
    t, value = row.get("current_year"), row.get("current_value")
    deadline = row.get("target_year")
    if t is None or value is None or deadline is None or t <= deadline + 1e-6:
        return None
    shown = fmt_value(value, row.get("unit") or "", _decimals(row))
    return f"此后：{value_time_label(t, row.get('compute_type'))}为 {shown}"


def _verdict_text(row: dict, verdict: str) -> str:
    """The verdict in one line, with the gap when a quantified target was missed."""
    label = verdict_label(verdict)
    if verdict == "final_not_achieved":
        gap = gap_text(row.get("final_gap"), row.get("unit") or "", _decimals(row))
        return f"{label}，差 {gap}" if gap else label
    if verdict == "final_achieved" and row.get("first_reached") is not None:
        return f"{label}（{time_label(row['first_reached'])}首次达到）"
    return label


def with_verdict(frame: pl.DataFrame) -> pl.DataFrame:
    """Progress rows (``status``, ``final_status``, ``final_gap``, ``target_value``,
    ``current_value``, ``current_year``, ``target_year``; optionally ``unit``, ``decimals``,
    ``polarity``, ``first_reached``) with the verdict columns added:

    ``verdict``, ``verdict_label``, ``verdict_text`` (label plus gap or first date),
    ``shown_value`` / ``shown_year`` (the value the verdict is about: at the deadline once
    there is a final assessment, else the latest), ``since_text`` (what happened after the
    deadline, or null), ``quantified`` (the target has a numerical value) and
    ``judged_progress`` (that value's share of the way to the target: what lists sort by).
    """
    if frame.is_empty():
        return frame.with_columns(
            verdict=pl.lit(None, pl.String),
            verdict_label=pl.lit(None, pl.String),
            verdict_text=pl.lit(None, pl.String),
            shown_value=pl.lit(None, pl.Float64),
            shown_year=pl.lit(None, pl.Float64),
            since_text=pl.lit(None, pl.String),
            quantified=pl.lit(None, pl.Boolean),
            judged_progress=pl.lit(None, pl.Float64),
        )
    extra = {
        "verdict": [],
        "verdict_label": [],
        "verdict_text": [],
        "shown_value": [],
        "shown_year": [],
        "since_text": [],
        "quantified": [],
        "judged_progress": [],
    }
    for row in frame.iter_rows(named=True):
        v = verdict_of(row.get("status"), row.get("final_status"))
        at_deadline = deadline_value(row)
        extra["verdict"].append(v)
        extra["verdict_label"].append(verdict_label(v))
        extra["verdict_text"].append(_verdict_text(row, v))
        if at_deadline is not None:
            extra["shown_value"].append(at_deadline)
            extra["shown_year"].append(row.get("target_year"))
        else:
            extra["shown_value"].append(row.get("current_value"))
            extra["shown_year"].append(row.get("current_year"))
        extra["since_text"].append(_since_text(row))
        extra["quantified"].append(row.get("target_value") is not None)
        shown = {**row, "shown_value": extra["shown_value"][-1]}
        extra["judged_progress"].append(progress_at_verdict(shown))
    schema = {
        "verdict": pl.String,
        "verdict_label": pl.String,
        "verdict_text": pl.String,
        "shown_value": pl.Float64,
        "shown_year": pl.Float64,
        "since_text": pl.String,
        "quantified": pl.Boolean,
        "judged_progress": pl.Float64,
    }
    drop = [c for c in schema if c in frame.columns]
    return pl.concat([frame.drop(drop), pl.DataFrame(extra, schema=schema)], how="horizontal")


def progress_at_verdict(row: dict) -> float | None:
    """Share of the way from baseline to target for the value the verdict is about (at the
    deadline once assessed, else the latest)."""
    base, target = row.get("baseline_value"), row.get("target_value")
    value = row.get("shown_value", row.get("current_value"))
    if base is None or target is None or value is None or math.isclose(target, base):
        return row.get("progress")
    return (value - base) / (target - base)


def year_period(t: float | None) -> str | None:
    """The year a decimal-year time falls in, as a period key: 2025.0 (end of 2025) → '2025';
    2025.83 (end of October 2026) → '2026'."""
    if t is None or t != t:
        return None
    return str(round(t)) if abs(t - round(t)) < 1e-6 else str(math.floor(t) + 1)


def shown_period(row: dict) -> str | None:
    """The yearly period of the value a verdict is about: the target year once assessed."""
    if row.get("verdict") in FINAL_VERDICTS and row.get("target_year") is not None:
        return str(int(row["target_year"]))
    return year_period(row.get("current_year"))


def progress_words(progress: float | None) -> str:
    """Progress as a share of the way to the target, never rounded up to 100 % while short of
    it (99.6 %, not 100 %)."""
    if progress is None or progress != progress:
        return "—"
    pct = 100 * progress
    places = 0
    while places < 3 and pct < 100 and round(pct, places) >= 100:
        places += 1
    return f"{pct:.{places}f}%"


def verdict_rank(verdict: str | None) -> int:
    """Sort key: worst verdict first."""
    return VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else len(VERDICT_ORDER)


def verdict_counts(rows: Iterable[dict]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Counts that say what they count: ``[(group label, total, [(verdict, n), …]), …]`` —
    "量化目标" (verdicts of targets with a numerical value) and "定性目标（按趋势）" (the
    trend readings of targets without one), each listing only verdicts present, worst first."""
    groups: dict[str, dict[str, int]] = {"量化目标": {}, "定性目标（按趋势）": {}}
    for r in rows:
        key = "量化目标" if r.get("target_value") is not None else "定性目标（按趋势）"
        v = r.get("verdict") or verdict_of(r.get("status"), r.get("final_status"))
        groups[key][v] = groups[key].get(v, 0) + 1
    out = []
    for label, counts in groups.items():
        if counts:
            ordered = sorted(counts.items(), key=lambda kv: verdict_rank(kv[0]))
            out.append((label, sum(counts.values()), ordered))
    return out


# --- lagging lists -----------------------------------------------------------------------------

#: Verdicts that put a target on a lagging list: 退步 / 进展有限 / 需加速 before the deadline,
#: 到期未达成 at it. The cockpit, the city pages and the reports use this one list.
LAGGING_VERDICTS = (
    "final_not_achieved",
    "deterioration",
    "limited_progress",
    "acceleration_needed",
)


def lagging_targets(progress: pl.DataFrame, *, final: bool) -> pl.DataFrame:
    """Quantified targets behind, by their one verdict (:mod:`indicators.verdict`): 退步 /
    进展有限 / 需加速 before the deadline, 到期未达成 after it. Worst first, then least
    progress. ``final`` is kept for callers; the verdict carries the phase."""
    if "verdict" not in progress.columns:
        progress = with_verdict(progress)
    rows = progress.filter(
        pl.col("target_value").is_not_null() & pl.col("verdict").is_in(list(LAGGING_VERDICTS))
    )
    order = {v: verdict_rank(v) for v in LAGGING_VERDICTS}
    return (
        rows.with_columns(
            _order=pl.col("verdict").replace_strict(order, default=99, return_dtype=pl.Int32)
        )
        .sort("_order", "judged_progress", nulls_last=True)
        .drop("_order")
    )


def cities_lagging_by_target(frame: pl.DataFrame, *, final: bool, limit: int = 5) -> list[dict]:
    """Targets ordered by how many cities lag on them, with the worst cities.

    A city lags when its verdict is 退步 / 进展有限 / 需加速 before the deadline, or 到期未达成
    after it (``final`` is kept for callers; the verdict already says which applies).
    """
    if "verdict" not in frame.columns:
        frame = with_verdict(frame)
    out = []
    numeric = frame.filter(pl.col("target_value").is_not_null())
    for code, rows in numeric.group_by("indicator", maintain_order=True):
        city_rows = rows.filter(pl.col("region_code") != PROVINCE_CODE)
        behind = city_rows.filter(pl.col("verdict").is_in(list(LAGGING_VERDICTS)))
        if behind.is_empty():
            continue
        province = rows.filter(pl.col("region_code") == PROVINCE_CODE)
        out.append(
            {
                "indicator": code[0],
                "rows": behind.sort("judged_progress", nulls_last=True),
                "province": province.row(0, named=True) if province.height else None,
                "count": behind.height,
            }
        )
    out.sort(key=lambda d: (-d["count"], d["indicator"]))
    return out[:limit]


# --- building blocks ---------------------------------------------------------------------------
