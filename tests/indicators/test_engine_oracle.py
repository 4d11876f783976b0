"""Every catalog indicator, cross-checked against an independent reference implementation.

The engine compiles declarations to SQL facts and window sums. Here each declaration is
re-evaluated the obvious way — filter the raw rows as of a date with polars, group by region —
for the province and three cities at several as-of dates, on the demo data, in both readings:
event time (each fact from when it happened or was published) and transaction time (a row
counts only once it had also arrived in the warehouse, ``recorded_at``). The two must agree for
every indicator. Only the catalog's ``where`` conditions (SQL text by design) are applied
through DuckDB, to select row ids; all date logic and aggregation here is independent.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from indicators.catalog import default_catalog
from indicators.engine import values_as_of

REGIONS = ["320000", "320100", "320700", "321300"]
AS_OF = [dt.date(2022, 12, 31), dt.date(2024, 6, 30), dt.date(2026, 9, 30)]
ROW_ID = "rowid"


def month_start(d) -> dt.date:
    d = d.date() if isinstance(d, dt.datetime) else d
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def in_region(frame: pl.DataFrame, regions: pl.DataFrame, region: str) -> pl.DataFrame:
    """Rows of a region: everything for the province; a city's own rows and its counties'."""
    if region == "320000":
        return frame
    codes = regions.filter((pl.col("region_code") == region) | (pl.col("city_code") == region))[
        "region_code"
    ]
    return frame.filter(pl.col("region_code").is_in(codes.implode()))


def load(wh, dataset: str, where: str | None) -> pl.DataFrame:
    cond = f"WHERE {where}" if where else ""
    return wh.query(f"SELECT * FROM {dataset} {cond}")


def month_of(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Date).dt.truncate("1mo")


def reference(
    wh, ind, region: str, as_of: dt.date, year: int, regions: pl.DataFrame, reading: str
) -> float | None:
    """The indicator's value for ``year`` as known at ``as_of`` (a month end) in ``reading``."""
    c = ind.compute.model_dump(exclude_unset=True)  # the declaration as written
    X = month_start(as_of)
    # transaction time: only rows that had arrived by the as-of month (NULL: initial load)
    arrived = (
        pl.col("recorded_at").is_null() | (month_of("recorded_at") <= X)
        if reading == "transaction"
        else pl.lit(True)
    )
    if c["type"] in ("stock_share", "stock_count"):
        X = month_start(min(as_of, dt.date(year, 12, 31)))  # a level read at the year's end
        rows = in_region(load(wh, c["dataset"], c.get("where")), regions, region).filter(arrived)
        start = month_of(c["start"]) if c.get("start") else pl.lit(dt.date(1900, 1, 1))
        end = month_of(c["end"]) if c.get("end") else pl.lit(None, dtype=pl.Date)
        event = month_of(c["event"])
        alive = end.is_null() | (end > X)
        live_event = (
            end.is_null() | (pl.col(c["event"]) < pl.col(c["end"]))
            if c.get("end")
            else pl.lit(True)
        )
        if c["type"] == "stock_count":
            return float(rows.filter((event <= X) & alive & live_event).height)
        den = rows.filter((start.fill_null(dt.date(1900, 1, 1)) <= X) & alive).height
        num = rows.filter(
            event.is_not_null()
            & live_event
            & (pl.max_horizontal(event, start.fill_null(dt.date(1900, 1, 1))) <= X)
            & alive
        ).height
        if c.get("measure") == "remaining":
            return float(den - num)
        return 100 * num / den if den else None
    if c["type"] in ("flow_share", "flow_count"):
        rows = in_region(load(wh, c["dataset"], c.get("where")), regions, region).filter(arrived)
        period = c["period"]
        rows = rows.filter(pl.col(period).is_not_null() & (pl.col(period).dt.year() == year))
        if c["type"] == "flow_count":
            return float(rows.filter(month_of(period) <= X).height)
        den_spec, num_spec = c.get("denominator") or {}, c["numerator"]
        if den_spec.get("where"):
            keep = load(wh, c["dataset"], _and(c.get("where"), den_spec["where"]))[ROW_ID]
            rows = rows.filter(pl.col(ROW_ID).is_in(keep.implode()))
        den_known = den_spec.get("known", period)
        num_known = num_spec.get("known", period)
        den_rows = rows.filter(
            pl.col(den_known).is_not_null()
            & (pl.max_horizontal(month_of(den_known), month_of(period)) <= X)
        )
        num_ids = load(wh, c["dataset"], _and(c.get("where"), num_spec.get("where")))[ROW_ID]
        num_rows = den_rows.filter(
            pl.col(ROW_ID).is_in(num_ids.implode())
            & pl.col(num_known).is_not_null()
            & (pl.max_horizontal(month_of(num_known), month_of(den_known), month_of(period)) <= X)
        )
        return 100 * num_rows.height / den_rows.height if den_rows.height else None
    if c["type"] in ("table_share", "table_sum"):
        rows = in_region(load(wh, c["dataset"], c.get("where")), regions, region).filter(arrived)
        lag = c.get("lag_days", 0)
        known = [
            month_start(month_end(dt.date(y, m, 1)) + dt.timedelta(days=lag)) <= X
            for y, m in zip(rows["year"], rows["month"], strict=True)
        ]
        rows = rows.filter(pl.Series(known) & (pl.col("year") == year))
        if c["type"] == "table_sum":
            return float(rows[c["column"]].sum())
        den = rows[c["denominator"]].sum()
        return 100 * rows[c["numerator"]].sum() / den if den else None
    # statistic
    lag = c.get("lag_days", 0)

    def series(name: str) -> tuple[dict[int, float], dict[int, dt.date]]:
        rows = wh.query(
            "SELECT s.region_code, s.month, s.value, s.recorded_at, r.level FROM statistics s "
            "JOIN regions r USING (region_code) WHERE indicator = ? AND year = ? AND day IS NULL",
            [name, year],
        )
        over_regions = c.get("over_regions", "reported")
        by_month: dict[int, list[float]] = {}
        known: dict[int, dt.date] = {}  # a month rolled up over cities: known once all are
        for code, month, value, recorded, level in rows.iter_rows():
            m = month or 12
            published = month_start(month_end(dt.date(year, m, 1)) + dt.timedelta(days=lag))
            if reading == "transaction" and recorded is not None:
                published = max(published, month_start(recorded))
            if over_regions == "reported":
                if code == region:
                    by_month.setdefault(m, []).append(value)
                    known[m] = max(known.get(m, published), published)
            elif level == "city" and (region == "320000" or code == region):
                by_month.setdefault(m, []).append(value)
                known[m] = max(known.get(m, published), published)
        agg = (lambda v: sum(v) / len(v)) if c.get("over_regions") == "mean" else sum
        return {m: agg(v) for m, v in sorted(by_month.items())}, known

    num, num_known = series(c["indicator"])
    den, den_known = series(c["denominator"]) if c.get("denominator") else ({}, {})
    # a month counts once it is known — numerator and denominator alike
    months = [m for m in num if max(num_known[m], den_known.get(m, num_known[m])) <= X]
    if not months:
        return None
    over_time = c.get("over_time", "last")
    if c.get("denominator"):
        return (
            c.get("scale", 1)
            * sum(num[m] for m in months)
            / sum(den[m] for m in months if m in den)
        )
    values = [num[m] for m in months]
    combined = {"sum": sum(values), "mean": sum(values) / len(values), "last": values[-1]}
    return c.get("scale", 1) * combined[over_time]


def _and(*parts: str | None) -> str | None:
    kept = [f"({p})" for p in parts if p]
    return " AND ".join(kept) if kept else None


@pytest.fixture(scope="module")
def with_rowids(demo_computed):
    """The demo warehouse, queried with DuckDB's rowid exposed as a column."""

    class View:
        def query(self, sql, params=None):
            if sql.startswith("SELECT * FROM "):
                sql = sql.replace("SELECT * FROM ", f"SELECT rowid AS {ROW_ID}, * FROM ", 1)
            return demo_computed.query(sql, params)

    return View()


@pytest.mark.parametrize("reading", ["event", "transaction"])
@pytest.mark.parametrize("code", list(default_catalog().indicators))
def test_oracle001_engine_matches_reference_for_every_indicator(
    demo_computed, with_rowids, code, reading
):
    ind = default_catalog()[code]
    regions = demo_computed.query("SELECT region_code, city_code FROM regions")
    checked = 0
    for as_of in AS_OF:
        got = values_as_of(
            demo_computed, as_of, indicators=[code], regions=REGIONS, reading=reading
        )
        for year in (as_of.year - 1, as_of.year):
            check = got.filter(pl.col("period") == str(year))
            engine = dict(zip(check["region_code"], check["value"], strict=True))
            checked += _compare(with_rowids, ind, as_of, year, engine, regions, reading)
    assert checked > 0, f"{code}: no value to compare"


def _compare(wh, ind, as_of, year, engine, regions, reading) -> int:
    """Assert engine == reference for each region; count the non-empty comparisons."""
    checked = 0
    for region in REGIONS:
        expected = reference(wh, ind, region, as_of, year, regions, reading)
        actual = engine.get(region)
        where = (ind.code, region, as_of, year)
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            assert actual is None or math.isnan(actual), (*where, actual)
            continue
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9), where
        checked += 1
    return checked
