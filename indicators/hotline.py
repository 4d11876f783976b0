"""12345 hotline analytics table: volume, on-time closure and satisfaction by category, region
and month, rolled up from counties to cities to the province.

``hotline_monthly``(region_code, month DATE (first day), category, tickets, closed,
closed_on_time, rated, satisfied) — written inside every recompute, so the risk page reads a
small table instead of scanning tickets. A ticket belongs to the month it was created;
``satisfied`` counts 满意 and 基本满意.
"""

from __future__ import annotations


def write_hotline_table(con) -> None:
    """(Re)create ``hotline_monthly`` from ``hotline_tickets`` (portable SQL)."""
    con.execute(
        """
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
        closure AS (
            SELECT region_code, region_code AS ancestor FROM regions
            UNION ALL SELECT region_code, city_code FROM regions WHERE city_code <> region_code
            UNION ALL SELECT region_code, '320000' FROM regions
                WHERE region_code <> '320000' AND city_code <> '320000'
        )
        SELECT c.ancestor AS region_code, b.month, b.category,
               CAST(sum(b.tickets) AS BIGINT) AS tickets, CAST(sum(b.closed) AS BIGINT) AS closed,
               CAST(sum(b.closed_on_time) AS BIGINT) AS closed_on_time,
               CAST(sum(b.rated) AS BIGINT) AS rated, CAST(sum(b.satisfied) AS BIGINT) AS satisfied
        FROM base b JOIN closure c ON c.region_code = b.region_code
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        """
    )
