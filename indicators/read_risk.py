"""Queries of the risk page (and the cockpit's warnings): warnings, risk scores, anomalies, open
registry items and 12345 hotline analytics.

All read small materialised tables. Every function takes ``as_of`` (any date; default the newest)
and ``reading`` (:data:`indicators.engine.READINGS`; default transaction time, 按当时已入库数据)
and shows only what was known then in that reading:

* warnings, risk scores, open items, 12345 surges and anomalies are materialised per risk
  vintage (every year end, the mid-term, the newest: ``models.risk.risk_vintages``); a replay
  reads the latest vintage on or before ``as_of`` (:func:`risk_vintage`) — never a later one, so
  before the first vintage there is nothing to show;
* 12345 volumes, on-time and satisfaction rates are summed from ``hotline_known`` (counts by the
  month they became known), so any month can be replayed exactly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from indicators import read
from indicators.readings import DEFAULT_READING, parse_reading

SURGES_SHOWN = 10  # the risk page lists the 10 strongest surges


def has_risk(warehouse) -> bool:
    return {"warnings", "risk_scores"} <= warehouse.table_names()


def _columns(warehouse, table: str) -> list[str]:
    return warehouse.query(f"DESCRIBE {table}")["column_name"].to_list()


def _vintages(warehouse, table: str) -> list[dt.date]:
    if table not in warehouse.table_names() or "as_of" not in _columns(warehouse, table):
        return []
    return warehouse.query(f"SELECT DISTINCT as_of FROM {table} ORDER BY 1")["as_of"].to_list()


def _resolve(vintages: list[dt.date], as_of: dt.date | None) -> dt.date | None:
    """The latest of ``vintages`` on or before ``as_of`` (the newest when None)."""
    if not vintages:
        return None
    if as_of is None:
        return vintages[-1]
    earlier = [v for v in vintages if v <= as_of]
    return earlier[-1] if earlier else None


def _newest(warehouse, as_of: dt.date | None, reading: str, vintages: list[dt.date]) -> bool:
    """Whether the request is the present in the default reading (read the snapshot tables)."""
    return reading == DEFAULT_READING and (
        as_of is None or not vintages or _resolve(vintages, as_of) == vintages[-1]
    )


def risk_vintages(warehouse) -> list[dt.date]:
    """The materialised risk vintages, oldest first."""
    return _vintages(warehouse, "warning_vintages") or _vintages(warehouse, "warnings")


def risk_vintage(warehouse, as_of: dt.date | None = None) -> dt.date | None:
    """The vintage of warnings and risk scores a replay at ``as_of`` shows: the latest
    materialised one on or before it (None when ``as_of`` precedes them all)."""
    return _resolve(risk_vintages(warehouse), as_of)


def warnings(
    warehouse,
    as_of: dt.date | None = None,
    *,
    reading: str | None = None,
    target_set: str | None = None,
) -> pl.DataFrame:
    """The warnings in force at ``as_of`` in ``reading`` (those of :func:`risk_vintage`), most
    severe first (then region, rule). Empty before the first vintage.

    A warning about a plan's target belongs to that plan: only those of ``target_set`` (default
    the plan pages show when none is named) are kept, with every warning that concerns no plan;
    ``"*"`` keeps every plan's."""
    order = "ORDER BY severity_rank, region_code, rule_id, indicator"
    frame = _at_vintage(warehouse, "warnings", "warning_vintages", as_of, reading, order)
    if "target_set" not in frame.columns or target_set == "*":
        return frame
    plan = target_set or read.default_target_set()
    return frame.filter(pl.col("target_set").is_null() | (pl.col("target_set") == plan))


def _at_vintage(warehouse, newest_table, vintage_table, as_of, reading, order="") -> pl.DataFrame:
    """The rows of ``newest_table`` (the newest vintage, default reading) when they are what
    ``as_of`` asks for, else those of the latest vintage on or before ``as_of`` in
    ``vintage_table``; never a later one (empty before the first vintage)."""
    reading = parse_reading(reading)
    vintages = _vintages(warehouse, vintage_table)
    if _newest(warehouse, as_of, reading, vintages) and (
        not vintages or newest_table in warehouse.table_names()
    ):
        frame = warehouse.query(f"SELECT * FROM {newest_table} {order}")
        newest = frame["as_of"].max() if frame.height else None
        if as_of is None or newest is None or newest <= as_of:
            return frame
        return frame.clear()
    vintage = _resolve(vintages, as_of)
    if vintage is None:
        return warehouse.query(f"SELECT * FROM {newest_table} WHERE FALSE {order}")
    return warehouse.query(
        f"SELECT * EXCLUDE (reading) FROM {vintage_table} WHERE as_of = ? AND reading = ? {order}",
        [vintage, reading],
    )


def risk_scores(
    warehouse, as_of: dt.date | None = None, *, reading: str | None = None
) -> pl.DataFrame:
    """City × domain risk scores at ``as_of`` in ``reading`` (those of :func:`risk_vintage`)."""
    return _at_vintage(warehouse, "risk_scores", "risk_score_vintages", as_of, reading)


# ---------------------------------------------------------------------------- 12345
def _month(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, 1)


def _known(as_of: dt.date | None, reading: str) -> tuple[str, list]:
    """The ``hotline_known`` rows of ``reading`` known by ``as_of`` (everything when None)."""
    if as_of is None:
        return "h.reading = ?", [reading]
    return "h.reading = ? AND h.known <= ? AND h.month <= ?", [
        reading,
        _month(as_of),
        _month(as_of),
    ]


def hotline_by_category(
    warehouse,
    region: str,
    first: dt.date,
    last: dt.date,
    *,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """Tickets, on-time and satisfaction rates per category for a region over [first, last],
    as known at ``as_of`` in ``reading``."""
    cond, params = _known(as_of, parse_reading(reading))
    return warehouse.query(
        f"""
        SELECT category, CAST(sum(tickets) AS BIGINT) AS tickets,
               100.0 * sum(closed_on_time) / nullif(sum(tickets), 0) AS on_time_rate,
               100.0 * sum(satisfied) / nullif(sum(rated), 0) AS satisfaction_rate
        FROM hotline_known h
        WHERE {cond} AND region_code = ? AND month BETWEEN ? AND ?
        GROUP BY 1 HAVING sum(tickets) > 0 ORDER BY tickets DESC, category
        """,
        [*params, region, first, last],
    )


def hotline_monthly(
    warehouse,
    region: str,
    category: str | None = None,
    *,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """Monthly tickets, on-time and satisfaction rates for a region (one category or all), as
    known at ``as_of`` in ``reading`` (months up to ``as_of``)."""
    cond, params = _known(as_of, parse_reading(reading))
    cond += " AND region_code = ?"
    params.append(region)
    if category:
        cond += " AND category = ?"
        params.append(category)
    return warehouse.query(
        f"""
        SELECT month, CAST(sum(tickets) AS BIGINT) AS tickets,
               100.0 * sum(closed_on_time) / nullif(sum(tickets), 0) AS on_time_rate,
               100.0 * sum(satisfied) / nullif(sum(rated), 0) AS satisfaction_rate
        FROM hotline_known h WHERE {cond}
        GROUP BY 1 HAVING sum(tickets) > 0 ORDER BY 1
        """,
        params,
    )


def hotline_surges(
    warehouse,
    last: dt.date | None = None,
    *,
    months: int = 6,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """City × category surges in the last ``months`` complete months before the risk vintage
    of ``as_of`` (up to ``last`` when given): for each pair, the month whose tickets were the
    highest multiple of their expected volume, strongest first. ``expected`` is the volume the
    seasonal-trend fit expected for that month — the very number the surge warning and the
    anomaly list show (``models.risk.hotline_scan``); ``baseline`` repeats it for older
    callers. Columns region_code, category, month, tickets, expected, baseline, ratio, kind_zh."""
    reading = parse_reading(reading)
    vintage = _resolve(_vintages(warehouse, "hotline_surges"), as_of)
    if vintage is None:
        return pl.DataFrame(
            schema={
                "region_code": pl.String,
                "category": pl.String,
                "month": pl.Date,
                "tickets": pl.Int64,
                "expected": pl.Float64,
                "baseline": pl.Float64,
                "ratio": pl.Float64,
                "kind_zh": pl.String,
            }
        )
    cond, params = "", [vintage, reading]
    if last is not None:
        cond = "AND month <= ? AND month > CAST(? - ? * INTERVAL 1 MONTH AS DATE)"
        params += [last, last, months]
    return warehouse.query(
        f"""
        SELECT region_code, category, month, tickets, expected, expected AS baseline, ratio,
               kind_zh
        FROM hotline_surges
        WHERE as_of = ? AND reading = ? AND in_window {cond}
        QUALIFY row_number() OVER (
            PARTITION BY region_code, category ORDER BY ratio DESC NULLS LAST, month) = 1
        ORDER BY ratio DESC NULLS LAST, region_code, category
        """,
        params,
    )


def latest_hotline_month(
    warehouse, as_of: dt.date | None = None, *, reading: str | None = None
) -> dt.date | None:
    """The newest month with 12345 tickets known at ``as_of`` in ``reading``."""
    cond, params = _known(as_of, parse_reading(reading))
    rows = warehouse.query(
        f"SELECT max(month) AS m FROM hotline_known h WHERE {cond} AND tickets <> 0", params
    )
    return rows["m"][0] if rows.height else None


def hotline_latest_day(warehouse, region: str) -> dict | None:
    """The newest day of 12345 tickets for a city or the province (as known now): received,
    closed, on-time closures and satisfaction of that day's ratings; None without the table or
    tickets."""
    if "hotline_daily" not in warehouse.table_names():
        return None
    rows = warehouse.query(
        """
        SELECT day, received, closed,
               100.0 * closed_on_time / nullif(closed, 0) AS on_time_rate,
               100.0 * satisfied / nullif(rated, 0) AS satisfaction_rate
        FROM hotline_daily
        WHERE region_code = ? AND day = (SELECT max(day) FROM hotline_daily)
        """,
        [region],
    )
    return rows.row(0, named=True) if rows.height else None


def hotline_window(
    warehouse, as_of: dt.date | None = None, *, reading: str | None = None
) -> tuple[dt.date, dt.date] | None:
    """The months of the risk page's by-category totals: (the same month a year before the
    newest known at ``as_of``, that newest), both first days, both included; None without
    hotline data."""
    last = latest_hotline_month(warehouse, as_of, reading=reading)
    if last is None:
        return None
    return dt.date(last.year - 1, last.month, 1), last


def hotline_by_county(
    warehouse,
    city: str,
    category: str,
    months: list[str],
    *,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """A city's counties: tickets of one category in the given months ('2026-07', …), as known
    at ``as_of`` in ``reading``."""
    if not months:
        return pl.DataFrame()
    cond, params = _known(as_of, parse_reading(reading))
    marks = ", ".join("?" * len(months))
    return warehouse.query(
        f"""
        SELECT h.region_code, r.name_zh, CAST(sum(h.tickets) AS BIGINT) AS tickets
        FROM hotline_known h JOIN regions r USING (region_code)
        WHERE {cond} AND r.level = 'county' AND r.city_code = ? AND h.category = ?
          AND strftime(h.month, '%Y-%m') IN ({marks})
        GROUP BY 1, 2 HAVING sum(h.tickets) <> 0 ORDER BY tickets DESC, h.region_code
        """,
        [*params, city, category, *months],
    )


# ---------------------------------------------------------------------------- anomalies, items
def anomalies(
    warehouse,
    *,
    limit: int = 20,
    region: str | None = None,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """The most recent and strongest anomalies found in monthly series as known at the risk
    vintage of ``as_of`` in ``reading`` (empty if none were scanned then)."""
    reading = parse_reading(reading)
    tables = warehouse.table_names()
    if "anomalies" not in tables:
        return pl.DataFrame()
    vintages = _vintages(warehouse, "anomaly_vintages")
    cond, params = ("AND a.region_code = ?", [region]) if region else ("", [])
    if _newest(warehouse, as_of, reading, vintages):
        source, where = "anomalies", "TRUE"
        stamped = _vintages(warehouse, "anomalies")
        if as_of is not None and stamped and stamped[-1] > as_of:
            return pl.DataFrame()
    else:
        vintage = _resolve(vintages, as_of)
        if vintage is None:
            return pl.DataFrame()
        source, where = "anomaly_vintages", "a.as_of = ? AND a.reading = ?"
        params = [vintage, reading, *params]
    return warehouse.query(
        f"""
        SELECT a.*, c.name_zh, c.unit, c.decimals
        FROM {source} a JOIN catalog_indicators c USING (indicator)
        WHERE {where} {cond}
        ORDER BY a.period DESC, abs(a.score) DESC LIMIT {int(limit)}
        """,
        params,
    )


def open_items(
    warehouse,
    indicators: list[str],
    city: str,
    *,
    limit: int = 15,
    as_of: dt.date | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """Registry rows of a city (or everywhere for the province) still outstanding for the
    indicators at the risk vintage of ``as_of``, as the warehouse held them in ``reading``."""
    if "open_items" not in warehouse.table_names() or not indicators:
        return pl.DataFrame()
    conds = [f"indicator IN ({', '.join('?' * len(indicators))})"]
    params: list = [*indicators]
    if city != "320000":
        conds.append("city_code = ?")
        params.append(city)
    if "reading" in _columns(warehouse, "open_items"):
        vintage = _resolve(_vintages(warehouse, "open_items"), as_of)
        if vintage is None:
            return pl.DataFrame()
        conds += ["as_of = ?", "reading = ?"]
        params += [vintage, parse_reading(reading)]
    return warehouse.query(
        f"""
        SELECT indicator, item_id, item_name, department, since, count(*) OVER () AS total
        FROM open_items WHERE {" AND ".join(conds)}
        ORDER BY since, item_id LIMIT {int(limit)}
        """,
        params,
    )
