"""12345 hotline analytics tables: volume, on-time closure and satisfaction by category, region
and month, rolled up from counties to cities to the province.

``hotline_monthly``(region_code, month DATE (first day), category, tickets, closed,
closed_on_time, rated, satisfied) — everything known now. A ticket belongs to the month it was
created; ``satisfied`` counts 满意 and 基本满意.

``hotline_known``(reading, region_code, month, category, known, tickets, closed,
closed_on_time, rated, satisfied) — the same counts as increments by the month they became
known, in both readings (see :mod:`indicators.engine`): a ticket counts from its creation month,
its closure (on time or not) and its rating from the month it was closed; in transaction time
not before the month its row arrived, and a replaced version of a ticket only until it was
replaced. Summing the increments with ``known`` on or before an as-of month gives the figures as
they were known then, so a replay never shows a later ticket or a later closure.

``hotline_daily``(region_code, day, received, closed, closed_on_time, rated, satisfied) — the
wall's "today" counters for the last :data:`DAILY_DAYS` days of tickets, cities and province:
tickets received on ``day`` by their creation, closures (on time or not) and ratings by the day
they were closed. Everything known now; a replay reads the months instead.

All are written inside every recompute, so the pages read small tables instead of scanning
tickets.
"""

from __future__ import annotations

from datasets.warehouse import superseded_table
from indicators.readings import EVENT, TRANSACTION

_CLOSURE = """
    closure AS (
        SELECT region_code, region_code AS ancestor FROM regions
        UNION ALL SELECT region_code, city_code FROM regions WHERE city_code <> region_code
        UNION ALL SELECT region_code, '320000' FROM regions
            WHERE region_code <> '320000' AND city_code <> '320000'
    )"""

_MONTH = "CAST(date_trunc('month', {}) AS DATE)"
DAILY_DAYS = 31


def _grouped(table: str, superseded: bool) -> str:
    """Ticket versions counted by what the increments need (one scan of the table)."""
    until = _MONTH.format("superseded_at") if superseded else "NULL::DATE"
    return f"""
        SELECT region_code, {_MONTH.format("created_at")} AS month, category,
               {_MONTH.format("coalesce(closed_at, created_at)")} AS month_closed,
               {_MONTH.format("recorded_at")} AS arrived, {until} AS replaced,
               count(*) AS n, count(closed_at) AS closed,
               count(*) FILTER (WHERE closed_at <= due_at) AS closed_on_time,
               count(satisfaction) AS rated,
               count(*) FILTER (WHERE satisfaction IN ('满意', '基本满意')) AS satisfied
        FROM "{table}" GROUP BY 1, 2, 3, 4, 5, 6
    """


def _increments(known: str, sign: str, where: str = "TRUE") -> str:
    """Increments of grouped ticket versions ``g``: creation at ``known`` of the creation month,
    closure and rating at ``known`` of the closing month (``{}`` stands for the event month)."""
    return f"""
        SELECT region_code, month, category, {known.format("month")} AS known,
               {sign} * n AS tickets, 0 AS closed, 0 AS closed_on_time, 0 AS rated,
               0 AS satisfied
        FROM g WHERE {where}
        UNION ALL
        SELECT region_code, month, category, {known.format("month_closed")}, 0,
               {sign} * closed, {sign} * closed_on_time, {sign} * rated, {sign} * satisfied
        FROM g WHERE {where} AND (closed > 0 OR rated > 0)
    """


def write_hotline_table(con) -> None:
    """(Re)create ``hotline_monthly`` and ``hotline_known`` from ``hotline_tickets`` (portable
    SQL)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE hotline_monthly AS
        WITH base AS (
            SELECT region_code,
                   CAST(date_trunc('month', created_at) AS DATE) AS month,
                   category,
                   count(*) AS tickets,
                   count(closed_at) AS closed,
                   sum(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END) AS closed_on_time,
                   count(satisfaction) AS rated,
                   sum(CASE WHEN satisfaction IN ('满意', '基本满意') THEN 1 ELSE 0 END)
                       AS satisfied
            FROM hotline_tickets
            GROUP BY 1, 2, 3
        ),
        {_CLOSURE}
        SELECT c.ancestor AS region_code, b.month, b.category,
               CAST(sum(b.tickets) AS BIGINT) AS tickets, CAST(sum(b.closed) AS BIGINT) AS closed,
               CAST(sum(b.closed_on_time) AS BIGINT) AS closed_on_time,
               CAST(sum(b.rated) AS BIGINT) AS rated, CAST(sum(b.satisfied) AS BIGINT) AS satisfied
        FROM base b JOIN closure c ON c.region_code = b.region_code
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        """
    )
    current = "replaced IS NULL"
    parts = {
        EVENT: [_increments("{}", "1", current)],
        TRANSACTION: [
            _increments("greatest({}, arrived)", "1"),
            _increments("greatest({}, replaced)", "-1", "replaced IS NOT NULL"),
        ],
    }
    union = " UNION ALL ".join(
        f"SELECT '{reading}' AS reading, * FROM ({sql})"
        for reading, sqls in parts.items()
        for sql in sqls
    )
    grouped = (
        f"{_grouped('hotline_tickets', False)} UNION ALL "
        f"{_grouped(superseded_table('hotline_tickets'), True)}"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE hotline_known AS
        WITH g AS MATERIALIZED ({grouped}),
        base AS (
            SELECT reading, region_code, month, category, known,
                   sum(tickets) AS tickets, sum(closed) AS closed,
                   sum(closed_on_time) AS closed_on_time, sum(rated) AS rated,
                   sum(satisfied) AS satisfied
            FROM ({union}) u
            GROUP BY 1, 2, 3, 4, 5
        ),
        {_CLOSURE}
        SELECT b.reading, c.ancestor AS region_code, b.month, b.category, b.known,
               CAST(sum(b.tickets) AS BIGINT) AS tickets, CAST(sum(b.closed) AS BIGINT) AS closed,
               CAST(sum(b.closed_on_time) AS BIGINT) AS closed_on_time,
               CAST(sum(b.rated) AS BIGINT) AS rated, CAST(sum(b.satisfied) AS BIGINT) AS satisfied
        FROM base b JOIN closure c ON c.region_code = b.region_code
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5
        """
    )
    write_hotline_daily(con)


def write_hotline_daily(con) -> None:
    """(Re)create ``hotline_daily``: per city and the province, each of the last
    :data:`DAILY_DAYS` days up to the newest ticket, what was received, closed and rated that day
    (portable SQL)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE hotline_daily AS
        WITH last AS (SELECT CAST(max(created_at) AS DATE) AS day FROM hotline_tickets),
        events AS (
            SELECT region_code, CAST(created_at AS DATE) AS day, 1 AS received, 0 AS closed,
                   0 AS closed_on_time, 0 AS rated, 0 AS satisfied
            FROM hotline_tickets
            UNION ALL
            SELECT region_code, CAST(closed_at AS DATE), 0, 1,
                   CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END,
                   CASE WHEN satisfaction IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN satisfaction IN ('满意', '基本满意') THEN 1 ELSE 0 END
            FROM hotline_tickets WHERE closed_at IS NOT NULL
        ),
        recent AS (
            SELECT e.* FROM events e, last
            WHERE e.day > last.day - {DAILY_DAYS} AND e.day <= last.day
        ),
        {_CLOSURE}
        SELECT c.ancestor AS region_code, r.day,
               CAST(sum(r.received) AS BIGINT) AS received, CAST(sum(r.closed) AS BIGINT) AS closed,
               CAST(sum(r.closed_on_time) AS BIGINT) AS closed_on_time,
               CAST(sum(r.rated) AS BIGINT) AS rated, CAST(sum(r.satisfied) AS BIGINT) AS satisfied
        FROM recent r JOIN closure c ON c.region_code = r.region_code
        JOIN regions g ON g.region_code = c.ancestor AND g.city_code = g.region_code
        GROUP BY 1, 2
        ORDER BY 1, 2
        """
    )
