"""County views of a city: the county-level indicators, their latest values known at an as-of,
the layer shown and the counties ranked within the city. Shared by the city page's county map
and table and by their export."""

from __future__ import annotations

import datetime as dt

import polars as pl

from datasets.regions import region_table
from indicators.engine import values_as_of
from indicators.text import month_label

# County-level indicators the city page's county map can show (those with county rows in
# indicator_values).
COUNTY_LAYERS = (
    "hotline_tickets",
    "hotline_on_time_rate",
    "hotline_satisfaction_rate",
    "mobile_enforcement_coverage",
)


def county_frame(warehouse, city: str, as_of: dt.date) -> tuple[dict[str, str], pl.DataFrame]:
    """A city's counties (code → name) and their latest yearly values of the county layers
    known at ``as_of`` (each indicator's newest period; ``complete`` false while it runs).
    Shared by the city page's county map and its export."""
    table = region_table()
    counties = table.filter((pl.col("level") == "county") & (pl.col("city_code") == city))
    names = dict(counties.select("region_code", "name_zh").iter_rows())
    if not names:
        return names, pl.DataFrame()
    frame = values_as_of(
        warehouse, as_of, period_type="year", indicators=list(COUNTY_LAYERS), regions=list(names)
    )
    if frame.is_empty():
        return names, frame
    latest = frame.group_by("indicator").agg(pl.col("period").max().alias("latest"))
    frame = frame.join(latest, on="indicator").filter(pl.col("period") == pl.col("latest"))
    return names, frame.drop("latest")


def county_layers(frame: pl.DataFrame, wanted: str | None) -> tuple[list[str], str | None]:
    """The county layers with data and the one shown: ``wanted`` when it has data, else the
    first (None when no layer has data)."""
    available = [c for c in COUNTY_LAYERS if not frame.is_empty() and c in set(frame["indicator"])]
    layer = wanted if wanted in available else (available[0] if available else None)
    return available, layer


def county_ranking(frame: pl.DataFrame, layer: str, polarity: str) -> pl.DataFrame:
    """One layer's county rows with their rank within the city (1 = best; for a neutral
    indicator the largest first), best first."""
    rows = frame.filter(pl.col("indicator") == layer)
    descending = polarity != "lower"
    return rows.with_columns(
        rank=pl.col("value").rank(method="min", descending=descending).cast(pl.Int32)
    ).sort("rank")


def county_period_label(rows: pl.DataFrame, as_of: dt.date) -> str:
    """``2025 年``, or ``2026 年（年内累计，截至 2026年11月22日）`` while the year runs."""
    complete = bool(rows["complete"].all())
    return f"{rows['period'][0]} 年" + (
        "" if complete else f"（年内累计，截至 {month_label(as_of)}）"
    )
