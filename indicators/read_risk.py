"""Queries of the risk page: warnings, risk scores and 12345 hotline analytics.

All read small materialised tables (``warnings``, ``risk_scores``, ``hotline_monthly``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl


def has_risk(warehouse) -> bool:
    return {"warnings", "risk_scores"} <= warehouse.table_names()


def warnings(warehouse) -> pl.DataFrame:
    """Every warning, most severe first (then region, rule)."""
    return warehouse.query(
        "SELECT * FROM warnings ORDER BY severity_rank, region_code, rule_id, indicator"
    )


def risk_scores(warehouse) -> pl.DataFrame:
    return warehouse.query("SELECT * FROM risk_scores")


def hotline_by_category(warehouse, region: str, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Tickets, on-time and satisfaction rates per category for a region over [first, last]."""
    return warehouse.query(
        """
        SELECT category, CAST(sum(tickets) AS BIGINT) AS tickets,
               100.0 * sum(closed_on_time) / nullif(sum(tickets), 0) AS on_time_rate,
               100.0 * sum(satisfied) / nullif(sum(rated), 0) AS satisfaction_rate
        FROM hotline_monthly
        WHERE region_code = ? AND month BETWEEN ? AND ?
        GROUP BY 1 ORDER BY tickets DESC
        """,
        [region, first, last],
    )


def hotline_monthly(warehouse, region: str, category: str | None = None) -> pl.DataFrame:
    """Monthly tickets, on-time and satisfaction rates for a region (one category or all)."""
    cond, params = "region_code = ?", [region]
    if category:
        cond += " AND category = ?"
        params.append(category)
    return warehouse.query(
        f"""
        SELECT month, CAST(sum(tickets) AS BIGINT) AS tickets,
               100.0 * sum(closed_on_time) / nullif(sum(tickets), 0) AS on_time_rate,
               100.0 * sum(satisfied) / nullif(sum(rated), 0) AS satisfaction_rate
        FROM hotline_monthly WHERE {cond}
        GROUP BY 1 ORDER BY 1
        """,
        params,
    )


def hotline_surges(
    warehouse, last: dt.date, *, months: int = 6, baseline_months: int = 12
) -> pl.DataFrame:
    """City × category surges in the last ``months`` months: for each pair, the month whose
    tickets were the highest multiple of the mean of the ``baseline_months`` before it."""
    return warehouse.query(
        """
        WITH m AS (
            SELECT h.region_code, h.category, h.month, h.tickets
            FROM hotline_monthly h JOIN regions r USING (region_code)
            WHERE r.level = 'city'
        ),
        ratios AS (
            SELECT cur.region_code, cur.category, cur.month, cur.tickets,
                   avg(prev.tickets) AS baseline,
                   cur.tickets / nullif(avg(prev.tickets), 0) AS ratio
            FROM m cur JOIN m prev
              ON prev.region_code = cur.region_code AND prev.category = cur.category
             AND prev.month < cur.month
             AND prev.month >= CAST(cur.month - ? * INTERVAL 1 MONTH AS DATE)
            WHERE cur.month > CAST(? - ? * INTERVAL 1 MONTH AS DATE) AND cur.month <= ?
            GROUP BY 1, 2, 3, 4
        )
        SELECT region_code, category, month, tickets, baseline, ratio
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY region_code, category ORDER BY ratio DESC NULLS LAST) AS k
            FROM ratios
        ) t
        WHERE k = 1
        ORDER BY ratio DESC NULLS LAST
        """,
        [baseline_months, last, months, last],
    )


def latest_hotline_month(warehouse) -> dt.date | None:
    rows = warehouse.query("SELECT max(month) AS m FROM hotline_monthly")
    return rows["m"][0] if rows.height else None


SURGES_SHOWN = 10  # the risk page lists the 10 strongest surges


def hotline_window(warehouse) -> tuple[dt.date, dt.date] | None:
    """The months of the risk page's by-category totals: (the same month a year before the
    newest, the newest), both first days, both included; None without hotline data."""
    last = latest_hotline_month(warehouse)
    if last is None:
        return None
    return dt.date(last.year - 1, last.month, 1), last


def anomalies(warehouse, *, limit: int = 20, region: str | None = None) -> pl.DataFrame:
    """The most recent and strongest anomalies found in monthly series (empty if none)."""
    if "anomalies" not in warehouse.table_names():
        return pl.DataFrame()
    cond, params = ("WHERE a.region_code = ?", [region]) if region else ("", [])
    return warehouse.query(
        f"""
        SELECT a.*, c.name_zh, c.unit, c.decimals
        FROM anomalies a JOIN catalog_indicators c USING (indicator) {cond}
        ORDER BY a.period DESC, abs(a.score) DESC LIMIT {int(limit)}
        """,
        params,
    )


def open_items(warehouse, indicators: list[str], city: str, *, limit: int = 15) -> pl.DataFrame:
    """Outstanding registry rows of a city (or everywhere for the province) for indicators."""
    if "open_items" not in warehouse.table_names() or not indicators:
        return pl.DataFrame()
    cond = "" if city == "320000" else "AND city_code = ?"
    params = [*indicators] + ([] if city == "320000" else [city])
    marks = ", ".join("?" * len(indicators))
    return warehouse.query(
        f"""
        SELECT indicator, item_id, item_name, department, since, count(*) OVER () AS total
        FROM open_items WHERE indicator IN ({marks}) {cond}
        ORDER BY since LIMIT {int(limit)}
        """,
        params,
    )


def hotline_by_county(warehouse, city: str, category: str, months: list[str]) -> pl.DataFrame:
    """A city's counties: tickets of one category in the given months ('2026-07', …)."""
    if not months:
        return pl.DataFrame()
    marks = ", ".join("?" * len(months))
    return warehouse.query(
        f"""
        SELECT h.region_code, r.name_zh, CAST(sum(h.tickets) AS BIGINT) AS tickets
        FROM hotline_monthly h JOIN regions r USING (region_code)
        WHERE r.level = 'county' AND r.city_code = ? AND h.category = ?
          AND strftime(h.month, '%Y-%m') IN ({marks})
        GROUP BY 1, 2 ORDER BY tickets DESC
        """,
        [city, category, *months],
    )
