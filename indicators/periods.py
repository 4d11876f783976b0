"""Period keys (``2021``, ``2021Q2``, ``2021-06``) and the small rules the indicator views and
their exports share: bounds of a key, the key containing a date, labels, the "latest" period of
a stock or a flow, and competition ranks."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from datasets.regions import PROVINCE_CODE, cities, region_table
from indicators.catalog import FREQUENCY_ORDER
from indicators.engine import PERIOD_TYPES


def rank_values(values: list[float | None], polarity: str) -> list[int | None]:
    """Competition ranks (1 = best; ties share the better rank; missing values unranked).

    ``lower`` ranks the smallest first; ``higher`` and ``neutral`` the largest first.
    """
    present = [v for v in values if v is not None and v == v]
    ranks = []
    for v in values:
        if v is None or v != v:
            ranks.append(None)
        elif polarity == "lower":
            ranks.append(1 + sum(1 for w in present if w < v))
        else:
            ranks.append(1 + sum(1 for w in present if w > v))
    return ranks


def period_bounds(key: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period key: ``2021``, ``2021Q2``, ``2021-06``."""
    key = key.strip()
    if m := re.fullmatch(r"(\d{4})", key):
        year = int(m.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if m := re.fullmatch(r"(\d{4})Q([1-4])", key):
        year, q = int(m.group(1)), int(m.group(2))
        start = dt.date(year, 3 * q - 2, 1)
        return start, _month_end(dt.date(year, 3 * q, 1))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            start = dt.date(year, month, 1)
            return start, _month_end(start)
    raise ValueError(f"not a period key: {key!r} (use 2021, 2021Q2 or 2021-06)")


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def period_key(d: dt.date, period_type: str) -> str:
    """The key of the ``period_type`` period containing ``d``."""
    if period_type == "year":
        return str(d.year)
    if period_type == "quarter":
        return f"{d.year}Q{(d.month - 1) // 3 + 1}"
    return f"{d.year}-{d.month:02d}"


def convert_key(key: str | None, period_type: str, *, end: bool = False) -> str | None:
    """A range bound in another period type: the period containing its first (or last) day."""
    if not key:
        return None
    try:
        start, last = period_bounds(key)
    except ValueError:
        return None
    return period_key(last if end else start, period_type)


def period_text(key: str) -> str:
    """``2026-10`` → 2026年10月; ``2026Q3`` → 2026年第3季度; ``2026`` → 2026年."""
    if "Q" in key:
        year, q = key.split("Q")
        return f"{year}年第{q}季度"
    if "-" in key:
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    return f"{key}年"


def latest_period(frame: pl.DataFrame, *, stock: bool) -> str | None:
    """The period to report as "latest": a stock's newest period (its level at the as-of), a
    flow's or statistic's newest complete period (a running month is partial), else newest."""
    if frame.is_empty():
        return None
    if not stock:
        done = frame.filter(pl.col("complete"))
        if done.height:
            return done["period"].max()
    return frame["period"].max()


def series_view(row: dict, query: dict) -> dict:
    """The chart/table view of one catalog indicator (``row``) a URL query asks for:
    ``period`` (its own frequency or coarser), ``regions`` (valid codes, default the province
    and the 13 cities; ``regions_given`` when the query chose them), ``from``/``to`` (valid
    period keys or None). Shared by the 指标库 page and its exports."""
    period = query.get("period")
    if period not in PERIOD_TYPES or FREQUENCY_ORDER[period] < FREQUENCY_ORDER[row["frequency"]]:
        period = row["frequency"]
    valid = set(region_table()["region_code"].to_list())
    wanted = query.get("regions") or ""
    wanted = wanted if isinstance(wanted, list | tuple) else str(wanted).split(",")
    regions = [r for r in wanted if r in valid]
    bounds = {}
    for key in ("from", "to"):
        try:
            bounds[key] = query.get(key) if query.get(key) and period_bounds(query[key]) else None
        except ValueError:
            bounds[key] = None
    return {
        "period": period,
        "regions": regions or [PROVINCE_CODE, *cities()["region_code"].to_list()],
        "regions_given": bool(regions),
        "from": bounds["from"],
        "to": bounds["to"],
    }
