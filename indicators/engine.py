"""Compute every indicator for every region and period, as of every month, in SQL.

The engine compiles each catalog entry into *facts* — small signed contributions, each with the
month of the period it belongs to (``p``) and the month it became known (``k``) — then turns the
facts into values with three generic pipelines:

``stock``  registries read at a date (一件事 completion, cloud migration…): the value at the end of
           month *m* is the running sum of every change dated up to *m*; a quarter or a year takes
           the value at its last month (or at the as-of month while it is still running).
``flow``   events summed over a period (12345 tickets, sharing requests, 好差评): the value of a
           period as of month *X* sums the facts of that period known by *X* — a ticket counts as
           closed on time only from the month it was closed. This is a development triangle, so
           late-arriving outcomes revise recent periods exactly as they did in reality.
``statistic``  published statistics (long form): a period's value becomes known ``lag_days``
           after it ends; quarters and years take the last, the sum or the mean of their months;
           the province is either reported or the sum / mean of the cities.

Every value row carries ``known_from`` (the month end from which it is the best knowledge), so
"as of X" means: for each (indicator, region, period) the row with the latest ``known_from <= X``.
Nothing dated after X contributes, which is how the 2023 mid-term evaluation is replayed and how
forecasts are backtested honestly. As-of resolution is the month.

Two readings of "known" (docs/replays.md), each materialised in full:

``transaction``  按当时已入库数据 — what the warehouse held then: a fact counts from
                 k' = max(k, the month its row arrived, ``recorded_at``). The default for replays
                 (the 中期评估 included). Table ``indicator_values``.
``event``        按现有数据回溯 — today's data read back: a fact counts from k, so rows recorded
                 late revise the past. Table ``indicator_values_event``.

With k' > p a registry stock is a development triangle too: the value of month m is first known
at m (everything known by then) and revised at every later month in which a fact dated ≤ m
arrived. For the newest vintage both readings agree unless rows arrived after it.

Regions roll up through ``regions`` (county → city → province); shares sum numerator and
denominator before dividing. Indicator SQL uses only standard constructs (CASE, window sums,
date_trunc, EXTRACT, joins) so it can later run on a distributed SQL engine.

Public API: :func:`materialise` (write the tables inside a warehouse write),
:func:`values_as_of` (read them), :func:`horizon`, :data:`READINGS` and :func:`parse_reading`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass

import polars as pl

from datasets import config
from datasets.warehouse import superseded_table
from indicators.catalog import FREQUENCY_ORDER, Catalog, Indicator, default_catalog
from indicators.compute import Statistic, value_kind
from indicators.derived import write_catalog_tables, write_table, write_tracking_tables
from indicators.hotline import write_hotline_table
from indicators.readings import (  # noqa: F401 — the readings are part of the engine's API
    DEFAULT_READING,
    EVENT,
    READING_LABELS,
    READING_NOTES,
    READINGS,
    TRANSACTION,
    VALUE_TABLES,
    parse_reading,
)
from indicators.spark import FactEngine, fact_engine

GRID_START = dt.date(2019, 1, 1)
PERIOD_TYPES = ("month", "quarter", "year")


def _month(expr: str) -> str:
    return f"CAST(date_trunc('month', {expr}) AS DATE)"


def _month_end_sql(expr: str) -> str:
    return f"CAST(date_trunc('month', {expr}) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _where(*parts: str | None) -> str:
    conds = [f"({p})" for p in parts if p]
    return " AND ".join(conds) if conds else "TRUE"


# Sums of facts are exact: taken in decimal, they do not depend on the order of their terms
# (which a parallel aggregation does not fix), so a recompute gives bit-identical values on every
# run and on every engine, and a statistic replaced by a revision reads exactly as revised.
EXACT = "DECIMAL(38, 10)"


def _sum(col: str) -> str:
    return f"CAST(sum(CAST({col} AS {EXACT})) AS DOUBLE)"


def _avg(col: str) -> str:
    return f"CAST(avg(CAST({col} AS {EXACT})) AS DOUBLE)"


ARRIVAL = "CAST(date_trunc('month', recorded_at) AS DATE)"
SUPERSEDED = "CAST(date_trunc('month', superseded_at) AS DATE)"


def _facts_sql(ind: Indicator, *, superseded: bool = False) -> str:
    """SELECT indicator, region_code, p, k, a, sup, num, den — the facts of one indicator: p the
    month of the period, k the month it became known, a the month its row arrived (NULL: the
    initial population, known at k), sup the month a newer version replaced it (NULL for the
    current rows; ``superseded=True`` reads the replaced versions instead)."""
    c, code = ind.compute, _lit(ind.code)
    source = "statistics" if isinstance(c, Statistic) else c.dataset
    table = f'"{superseded_table(source) if superseded else source}"'
    statistics = superseded_table("statistics") if superseded else "statistics"
    t = c.type
    a = f"{ARRIVAL} AS a, {SUPERSEDED if superseded else 'NULL::DATE'} AS sup"
    if t == "stock_share":
        start = f"coalesce({c.start}, DATE '1900-01-01')"
        end, event = c.end, c.event
        live = f"({end} IS NULL OR {event} < {end})" if end else "TRUE"
        parts = [
            f"SELECT {code}, region_code, {_month(start)}, {a}, 0.0, 1.0 FROM {table} "
            f"WHERE {_where(c.where)}",
            f"SELECT {code}, region_code, {_month(f'greatest({event}, {start})')}, {a}, 1.0, 0.0 "
            f"FROM {table} WHERE {_where(c.where, f'{event} IS NOT NULL', live)}",
        ]
        if end:
            parts += [
                f"SELECT {code}, region_code, {_month(end)}, {a}, 0.0, -1.0 FROM {table} "
                f"WHERE {_where(c.where, f'{end} IS NOT NULL')}",
                f"SELECT {code}, region_code, {_month(end)}, {a}, -1.0, 0.0 FROM {table} "
                f"WHERE {_where(c.where, f'{event} IS NOT NULL', f'{end} IS NOT NULL', live)}",
            ]
        body = " UNION ALL ".join(parts)
        return f"SELECT c0 AS indicator, region_code, p, p AS k, a, sup, num, den FROM ({body}) AS s(c0, region_code, p, a, sup, num, den)"
    if t == "stock_count":
        end, event = c.end, c.event
        live = f"({end} IS NULL OR {event} < {end})" if end else "TRUE"
        parts = [
            f"SELECT {code}, region_code, {_month(event)}, {a}, 1.0 FROM {table} "
            f"WHERE {_where(c.where, f'{event} IS NOT NULL', live)}"
        ]
        if end:
            parts.append(
                f"SELECT {code}, region_code, {_month(end)}, {a}, -1.0 FROM {table} "
                f"WHERE {_where(c.where, f'{event} IS NOT NULL', f'{end} IS NOT NULL', live)}"
            )
        body = " UNION ALL ".join(parts)
        return f"SELECT c0 AS indicator, region_code, p, p AS k, a, sup, num, NULL AS den FROM ({body}) AS s(c0, region_code, p, a, sup, num)"
    if t == "flow_share":
        period = c.period
        den, num = c.denominator, c.numerator
        den_known, num_known = den.known or period, num.known or period
        base = _where(c.where, den.where, f"{period} IS NOT NULL")
        return (
            f"SELECT {code} AS indicator, region_code, {_month(period)} AS p, "
            f"{_month(f'greatest({den_known}, {period})')} AS k, {a}, 0.0 AS num, 1.0 AS den "
            f"FROM {table} WHERE {base} AND {den_known} IS NOT NULL "
            f"UNION ALL SELECT {code}, region_code, {_month(period)}, "
            f"{_month(f'greatest({num_known}, {den_known}, {period})')}, {a}, 1.0, 0.0 "
            f"FROM {table} WHERE {base} AND ({num.where or 'TRUE'}) "
            f"AND {num_known} IS NOT NULL AND {den_known} IS NOT NULL"
        )
    if t == "flow_count":
        period = c.period
        return (
            f"SELECT {code} AS indicator, region_code, {_month(period)} AS p, {_month(period)} AS k, "
            f"{a}, 1.0 AS num, NULL AS den FROM {table} "
            f"WHERE {_where(c.where, f'{period} IS NOT NULL')}"
        )
    if t in ("table_share", "table_sum"):
        p = "CAST(date_trunc('month', DATE '2000-01-01' + (year - 2000) * INTERVAL 1 YEAR + (month - 1) * INTERVAL 1 MONTH) AS DATE)"
        k = _month(f"{_month_end_sql(p)} + {c.lag_days} * INTERVAL 1 DAY")
        num = c.numerator if t == "table_share" else c.column
        den = c.denominator if t == "table_share" else "NULL"
        return (
            f"SELECT {code} AS indicator, region_code, {p} AS p, {k} AS k, {a}, "
            f"CAST({num} AS DOUBLE) AS num, CAST({den} AS DOUBLE) AS den FROM {table} "
            f"WHERE {_where(c.where)}"
        )
    # statistic: the main series as num, an optional denominator series as den
    p = (
        "CAST(DATE '2000-01-01' + (year - 2000) * INTERVAL 1 YEAR "
        "+ (coalesce(month, 12) - 1) * INTERVAL 1 MONTH AS DATE)"
    )
    k = _month(f"{_month_end_sql(p)} + {c.lag_days} * INTERVAL 1 DAY")
    sql = (
        f"SELECT {code} AS indicator, region_code, {p} AS p, {k} AS k, {a}, value AS num, "
        f"NULL AS den FROM {statistics} WHERE indicator = {_lit(c.indicator)} AND day IS NULL"
    )
    if c.denominator:
        sql += (
            f" UNION ALL SELECT {code}, region_code, {p}, {k}, {a}, 0.0, value FROM {statistics} "
            f"WHERE indicator = {_lit(c.denominator)} AND day IS NULL"
        )
    return sql


def _period_key(kind: str, col: str = "p") -> str:
    """Text key of the period containing month ``col``: 2023-06, 2023Q2, 2023."""
    year = f"CAST(EXTRACT(year FROM {col}) AS VARCHAR)"
    if kind == "month":
        return f"{year} || '-' || lpad(CAST(EXTRACT(month FROM {col}) AS VARCHAR), 2, '0')"
    if kind == "quarter":
        return f"{year} || 'Q' || CAST(EXTRACT(quarter FROM {col}) AS VARCHAR)"
    return year


def _period_start(kind: str, col: str = "p") -> str:
    return f"CAST(date_trunc('{kind}', {col}) AS DATE)"


def _period_end(kind: str, col: str = "p") -> str:
    step = {"month": "1 MONTH", "quarter": "3 MONTH", "year": "1 YEAR"}[kind]
    return f"CAST(date_trunc('{kind}', {col}) + INTERVAL {step} - INTERVAL 1 DAY AS DATE)"


@dataclass(frozen=True)
class ComputeReport:
    """What one recompute did."""

    data_end: dt.date
    rows: int
    seconds: float
    indicators: int


def _meta_frame(catalog: Catalog) -> pl.DataFrame:
    rows = []
    for ind in catalog.indicators.values():
        c = ind.compute
        statistic = isinstance(c, Statistic)
        rows.append(
            {
                "indicator": ind.code,
                "shape": ind.shape,
                "value_kind": value_kind(c),
                "scale": float(getattr(c, "scale", 1.0)),  # a count of records is not scaled
                "over_time": c.over_time if statistic else "last",
                "over_regions": c.over_regions if statistic else "reported",
                "min_period": FREQUENCY_ORDER[ind.frequency],
            }
        )
    return pl.DataFrame(rows)


def _values_sql(meta_table: str, end: dt.date) -> str:
    """The three pipelines over the prepared facts → rows of both value tables (with
    ``reading``)."""
    end_lit = f"DATE '{end.isoformat()}'"
    grid_lit = f"DATE '{GRID_START.isoformat()}'"
    value = (
        "CASE m.value_kind WHEN 'share' THEN m.scale * x.num / NULLIF(x.den, 0) "
        "WHEN 'remaining' THEN x.den - x.num ELSE m.scale * x.num END"
    )
    selects = []
    for kind_index, kind in enumerate(PERIOD_TYPES):
        # stock: a month's value as first known (kn = m) read at every month of its period, and
        # the revisions of a period's last month (late arrivals) once the period has ended
        last_month = f"CAST(date_trunc('month', {_period_end(kind, 'x.m')}) AS DATE)"
        selects.append(
            f"""
            SELECT x.reading, x.indicator, x.region_code, '{kind}' AS period_type,
                   {_period_key(kind, "x.m")} AS period,
                   {_period_start(kind, "x.m")} AS period_start, {_period_end(kind, "x.m")} AS period_end,
                   {_month_end_sql("x.kn")} AS known_from, x.num, x.den, {value} AS value
            FROM _stock_vals x JOIN {meta_table} m USING (indicator)
            WHERE m.min_period <= {kind_index} AND (x.kn = x.m OR x.m = {last_month})
            """
        )
        # flow: sum within the period, cumulative over the month each fact became known
        selects.append(
            f"""
            SELECT x.reading, x.indicator, x.region_code, '{kind}', x.period, x.period_start,
                   {_period_end(kind, "x.period_start")}, {_month_end_sql("x.k")}, x.num, x.den, {value}
            FROM (
                SELECT reading, indicator, region_code, period, period_start, k,
                       sum(num) OVER w AS num, sum(den) OVER w AS den
                FROM (
                    SELECT reading, indicator, region_code, {_period_key(kind)} AS period,
                           {_period_start(kind)} AS period_start, k,
                           {_sum("num")} AS num, {_sum("den")} AS den
                    FROM _flow_facts GROUP BY 1, 2, 3, 4, 5, 6
                ) g
                WINDOW w AS (PARTITION BY reading, indicator, region_code, period ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            ) x JOIN {meta_table} m USING (indicator)
            WHERE m.min_period <= {kind_index}
            """
        )
        # statistic: a period's value as of each month a month of it became known rolls up
        # the months known by then (the latest of them, their sum or their mean)
        selects.append(
            f"""
            SELECT x.reading, x.indicator, x.region_code, '{kind}', x.period, x.period_start,
                   {_period_end(kind, "x.period_start")}, {_month_end_sql("x.k")},
                   x.num, x.den, {value}
            FROM (
                SELECT * FROM (
                    SELECT s.reading, s.indicator, s.region_code,
                           {_period_key(kind, "s.p")} AS period,
                           {_period_start(kind, "s.p")} AS period_start, s.p, s.k,
                           CASE mm.over_time
                             WHEN 'sum' THEN sum(s.num) OVER w
                             WHEN 'mean' THEN avg(s.num) OVER w
                             ELSE arg_max(s.num, s.p) OVER w END AS num,
                           sum(s.den) OVER w AS den
                    FROM _stat_rolled s JOIN {meta_table} mm USING (indicator)
                    WINDOW w AS (PARTITION BY s.reading, s.indicator, s.region_code,
                                              {_period_key(kind, "s.p")}
                                 ORDER BY s.k, s.p
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                ) r
                QUALIFY row_number() OVER (
                    PARTITION BY reading, indicator, region_code, period, k ORDER BY p DESC) = 1
            ) x JOIN {meta_table} m USING (indicator)
            WHERE m.min_period <= {kind_index}
            """
        )
    union = " UNION ALL ".join(selects)
    return f"""
        SELECT reading, indicator, region_code, period_type, period, period_start, period_end,
               least(known_from, {end_lit}) AS known_from, num AS numerator,
               den AS denominator, value
        FROM ({union}) AS u(reading, indicator, region_code, period_type, period, period_start,
                            period_end, known_from, num, den, value)
        WHERE period_start >= {grid_lit}
    """


SHAPES = ("stock", "flow", "statistic")


def fact_queries(catalog: Catalog) -> dict[str, str]:
    """The heavy step, one query per shape (``_stock_arrived`` …): facts summed per (indicator,
    region, period month, known month, arrival month) straight away, so millions of tickets
    become thousands of rows before anything joins or windows over them. Each reading then takes
    its own known month from them. This is the step a :mod:`indicators.spark` engine runs."""
    by_shape: dict[str, list[str]] = {shape: [] for shape in SHAPES}
    for ind in catalog.indicators.values():
        by_shape[ind.shape] += [_facts_sql(ind), _facts_sql(ind, superseded=True)]
    empty = (
        "SELECT NULL::VARCHAR AS indicator, NULL::VARCHAR AS region_code, NULL::DATE AS p, "
        "NULL::DATE AS k, NULL::DATE AS a, NULL::DATE AS sup, NULL::DOUBLE AS num, "
        "NULL::DOUBLE AS den WHERE FALSE"
    )
    return {
        f"_{shape}_arrived": f"""
            SELECT indicator, region_code, p, k, a, sup,
                   sum(CAST(num AS DOUBLE)) AS num, sum(CAST(den AS DOUBLE)) AS den
            FROM ({" UNION ALL ".join(parts) if parts else empty}) f
            GROUP BY 1, 2, 3, 4, 5, 6
            """
        for shape, parts in by_shape.items()
    }


def fact_sources(catalog: Catalog) -> set[str]:
    """The tables and views the facts read: each dataset, its replaced rows, the statistics."""
    names = set()
    for ind in catalog.indicators.values():
        c = ind.compute
        source = "statistics" if isinstance(c, Statistic) else c.dataset
        names |= {source, superseded_table(source)}
    return names


def _prepare(con, catalog: Catalog, today: dt.date, facts: FactEngine | None = None) -> dt.date:
    """Temporary tables: region closure, facts by shape and reading, stock values with their
    revisions, rolled statistics.

    Returns the horizon: the end of the last month in which any fact became known, or ``today``
    if that is earlier (facts known later than the horizon are left out).
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _closure AS
        SELECT region_code, region_code AS ancestor FROM regions
        UNION ALL SELECT region_code, city_code FROM regions WHERE city_code <> region_code
        UNION ALL SELECT region_code, '320000' FROM regions
            WHERE region_code <> '320000' AND city_code <> '320000'
        """
    )
    (facts or fact_engine()).aggregate(con, fact_queries(catalog), sources=fact_sources(catalog))
    for shape in SHAPES:
        # event time: today's rows, each fact from k; transaction time: every version the
        # warehouse held, each fact from max(k, arrival) until max(k, replacement)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _{shape}_raw AS
            SELECT reading, indicator, region_code, p, k, {_sum("num")} AS num,
                   {_sum("den")} AS den
            FROM (
                SELECT '{EVENT}' AS reading, indicator, region_code, p, k, num, den
                FROM _{shape}_arrived WHERE sup IS NULL
                UNION ALL
                SELECT '{TRANSACTION}', indicator, region_code, p, greatest(k, a), num, den
                FROM _{shape}_arrived
                UNION ALL
                SELECT '{TRANSACTION}', indicator, region_code, p, greatest(k, sup), -num, -den
                FROM _{shape}_arrived WHERE sup IS NOT NULL
            ) f
            GROUP BY 1, 2, 3, 4, 5
            """
        )
        con.execute(f"DROP TABLE _{shape}_arrived")
    latest = con.execute(
        "SELECT max(k) FROM (SELECT max(k) AS k FROM _stock_raw UNION ALL "
        "SELECT max(k) FROM _flow_raw UNION ALL SELECT max(k) FROM _statistic_raw) m"
    ).fetchall()[0][0]
    end = min(_last_day(latest), today) if latest else today
    end_lit, grid_lit = f"DATE '{end.isoformat()}'", f"DATE '{GRID_START.isoformat()}'"
    for shape in SHAPES:
        con.execute(f"DELETE FROM _{shape}_raw WHERE k > {end_lit}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _months AS
        WITH RECURSIVE months(m) AS (
            SELECT {grid_lit} UNION ALL
            SELECT CAST(m + INTERVAL 1 MONTH AS DATE) FROM months WHERE m < {_month(end_lit)}
        )
        SELECT m FROM months
        """
    )
    # stocks and flows roll up through the region closure
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stock_delta AS
        SELECT f.reading, f.indicator, c.ancestor AS region_code,
               greatest(f.p, {grid_lit}) AS p, greatest(f.k, {grid_lit}) AS k,
               {_sum("f.num")} AS num, {_sum("f.den")} AS den
        FROM _stock_raw f JOIN _closure c ON c.region_code = f.region_code
        GROUP BY 1, 2, 3, 4, 5
        """
    )
    # the value of month m as first known: everything known by m (k <= m implies p <= m)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stock_cum AS
        WITH keys AS (
            -- every region that has data, plus the province and all cities (a city with no
            -- scenario yet has 0 of them, not no value)
            SELECT reading, indicator, region_code FROM _stock_delta
            UNION
            SELECT DISTINCT d.reading, d.indicator, r.region_code FROM _stock_delta d
            CROSS JOIN regions r WHERE r.level IN ('province', 'city')
        ),
        by_known AS (
            SELECT reading, indicator, region_code, k AS m, {_sum("num")} AS num,
                   {_sum("den")} AS den
            FROM _stock_delta GROUP BY 1, 2, 3, 4
        )
        SELECT k.reading, k.indicator, k.region_code, g.m,
               sum(coalesce(d.num, 0)) OVER w AS num, sum(coalesce(d.den, 0)) OVER w AS den
        FROM keys k CROSS JOIN _months g
        LEFT JOIN by_known d
          ON d.reading = k.reading AND d.indicator = k.indicator
         AND d.region_code = k.region_code AND d.m = g.m
        WINDOW w AS (PARTITION BY k.reading, k.indicator, k.region_code ORDER BY g.m
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        """
    )
    # revisions: a fact of month p that became known at k > p changes every month m in
    # [p, k) from k on
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stock_vals AS
        SELECT reading, indicator, region_code, m, m AS kn, num, den FROM _stock_cum
        UNION ALL
        SELECT r.reading, r.indicator, r.region_code, r.m, r.kn,
               c.num + sum(r.num) OVER w, c.den + sum(r.den) OVER w
        FROM (
            SELECT l.reading, l.indicator, l.region_code, g.m, l.k AS kn,
                   sum(l.num) AS num, sum(l.den) AS den
            FROM _stock_delta l JOIN _months g ON g.m >= l.p AND g.m < l.k
            WHERE l.k > l.p
            GROUP BY 1, 2, 3, 4, 5
        ) r
        JOIN _stock_cum c USING (reading, indicator, region_code, m)
        WINDOW w AS (PARTITION BY r.reading, r.indicator, r.region_code, r.m ORDER BY r.kn
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _flow_facts AS
        SELECT f.reading, f.indicator, c.ancestor AS region_code, f.p, greatest(f.k, f.p) AS k,
               {_sum("f.num")} AS num, {_sum("f.den")} AS den
        FROM _flow_raw f JOIN _closure c ON c.region_code = f.region_code
        GROUP BY 1, 2, 3, 4, 5
        """
    )
    # statistics: as reported, or the sum / mean of the cities for every ancestor
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stat_rolled AS
        SELECT s.reading, s.indicator, s.region_code, s.p, max(s.k) AS k, {_sum("s.num")} AS num,
               {_sum("s.den")} AS den
        FROM _statistic_raw s JOIN _meta m USING (indicator)
        WHERE m.over_regions = 'reported'
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT s.reading, s.indicator, c.ancestor, s.p, max(s.k),
               CASE WHEN max(m.over_regions) = 'mean' THEN {_avg("s.num")} ELSE {_sum("s.num")} END,
               {_sum("s.den")}
        FROM _statistic_raw s JOIN _meta m USING (indicator)
        JOIN regions r ON r.region_code = s.region_code AND r.level = 'city'
        JOIN _closure c ON c.region_code = s.region_code
        WHERE m.over_regions IN ('sum', 'mean') AND s.num IS NOT NULL
        GROUP BY 1, 2, 3, 4
        """
    )
    return end


def _last_day(month_start: dt.date) -> dt.date:
    first_next = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def compute_values(
    con,
    catalog: Catalog | None = None,
    *,
    today: dt.date | None = None,
    facts: FactEngine | None = None,
) -> dt.date:
    """Create ``indicator_values`` (transaction time) and ``indicator_values_event`` (event
    time): all indicators × regions × periods × vintages, one table per reading.

    Returns the horizon (the newest vintage): the end of the last month any fact became known,
    capped at ``today``.
    """
    catalog = catalog or default_catalog()
    write_table(con, "_meta", _meta_frame(catalog), temp=True)
    end = _prepare(con, catalog, today or config.today(), facts)
    columns = (
        "indicator, region_code, period_type, period, period_start, period_end, known_from, "
        "numerator, denominator, value"
    )
    for reading, table in VALUE_TABLES.items():
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {table} AS
            SELECT {columns} FROM ({_values_sql("_meta", end)}) v WHERE reading = '{reading}'
            ORDER BY indicator, region_code, period_type, period, known_from
            """
        )
    for name in (
        "_stock_raw",
        "_flow_raw",
        "_statistic_raw",
        "_stock_delta",
        "_stock_cum",
        "_stock_vals",
        "_flow_facts",
        "_stat_rolled",
        "_months",
        "_closure",
        "_meta",
    ):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return end


def catalog_fingerprint(catalog: Catalog) -> str:
    """sha256 of the catalog as loaded (changes when any definition or target changes)."""
    payload = json.dumps(
        {
            "indicators": [
                {**i.model_dump(), "domain": i.domain} for i in catalog.indicators.values()
            ],
            "targets": [ts.model_dump() for ts in catalog.target_sets.values()],
        },
        default=str,
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def materialise(
    con, catalog: Catalog | None = None, *, today: dt.date | None = None
) -> ComputeReport:
    """Recompute every derived table inside an open warehouse write (``Staging.con``).

    Writes ``indicator_values`` and ``indicator_values_event`` (the two readings),
    ``catalog_indicators``, ``catalog_targets``, ``hotline_monthly`` and ``hotline_known``, and —
    through :mod:`indicators.derived` — ``target_progress``, ``league_table`` and
    ``composite_index`` (transaction time), plus one row in ``_computed``. The early warnings
    that read these tables are the next stage (:func:`pipeline.recompute` runs both).
    """
    started = time.perf_counter()
    catalog = catalog or default_catalog()
    end = compute_values(con, catalog, today=today)
    write_catalog_tables(con, catalog)
    write_hotline_table(con)
    write_tracking_tables(con, catalog, end=end)
    rows = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
    seconds = time.perf_counter() - started
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS _computed (
            computed_at TIMESTAMP, data_end DATE, catalog_sha256 VARCHAR,
            value_rows BIGINT, seconds DOUBLE)
        """
    )
    con.execute("DELETE FROM _computed")
    con.execute(
        "INSERT INTO _computed VALUES (?, ?, ?, ?, ?)",
        [
            dt.datetime.now().replace(microsecond=0),
            end,
            catalog_fingerprint(catalog),
            rows,
            seconds,
        ],
    )
    return ComputeReport(
        data_end=end, rows=rows, seconds=seconds, indicators=len(catalog.indicators)
    )


def horizon(warehouse) -> dt.date | None:
    """The newest as-of date the materialised tables cover (None before the first compute)."""
    if "_computed" not in warehouse.table_names():
        return None
    rows = warehouse.query("SELECT data_end FROM _computed")
    return rows["data_end"][0] if rows.height else None


def values_as_of(
    warehouse,
    as_of: dt.date,
    *,
    period_type: str = "year",
    indicators: list[str] | None = None,
    regions: list[str] | None = None,
    reading: str = DEFAULT_READING,
) -> pl.DataFrame:
    """Indicator values as they were known at ``as_of`` (month resolution) in ``reading``
    (:data:`READINGS`; default transaction time, what the warehouse held then).

    One row per (indicator, region, period) whose period has started by ``as_of``: the row with
    the latest ``known_from <= as_of``. ``complete`` is false for a period still running.
    """
    if period_type not in PERIOD_TYPES:
        raise ValueError(f"period_type must be one of {PERIOD_TYPES}, got {period_type!r}")
    table = VALUE_TABLES[parse_reading(reading)]
    filters, params = ["period_type = ?", "known_from <= ?"], [period_type, as_of]
    if indicators:
        filters.append(f"indicator IN ({', '.join('?' * len(indicators))})")
        params += list(indicators)
    if regions:
        filters.append(f"region_code IN ({', '.join('?' * len(regions))})")
        params += list(regions)
    where = " AND ".join(filters)
    return warehouse.query(
        f"""
        SELECT v.indicator, v.region_code, v.period_type, v.period, v.period_start, v.period_end,
               v.known_from, v.numerator, v.denominator, v.value,
               v.period_end <= ? AS complete
        FROM {table} v
        JOIN (SELECT indicator, region_code, period, max(known_from) AS known_from
              FROM {table} WHERE {where} GROUP BY 1, 2, 3) l
          ON v.indicator = l.indicator AND v.region_code = l.region_code
         AND v.period = l.period AND v.known_from = l.known_from
        WHERE v.period_type = ?
        ORDER BY v.indicator, v.region_code, v.period
        """,
        [as_of, *params, period_type],
    )
