"""重点任务台账: each plan task's yearly milestones as known at an as-of — the latest progress
report on or before it (and already in the warehouse by then) — with 滞后 derived for a
milestone whose year has passed unfinished, and the counts the pages and reports show."""

from __future__ import annotations

import datetime as dt

import polars as pl

STATUSES = ("已完成", "推进中", "未启动", "滞后")
TABLE = "plan_tasks"


def milestones(warehouse, target_set: str, as_of: dt.date) -> pl.DataFrame:
    """One row per (task, milestone year): the latest report known at ``as_of``, its
    ``status`` as reported and ``progress`` (the status a reader is shown: 滞后 once the year
    is over without completion), by chapter order then task and year."""
    if TABLE not in warehouse.table_names():
        return pl.DataFrame()
    columns = warehouse.query(f"SELECT * FROM {TABLE} LIMIT 0").columns
    known = "AND CAST(recorded_at AS DATE) <= ?" if "recorded_at" in columns else ""
    params = [target_set, as_of] + ([as_of] if known else [])
    rows = warehouse.query(
        f"""
        SELECT task_id, chapter, chapter_title, task, lead_unit, supporting_units,
               milestone_year, milestone, status, evidence, reported_date
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY task_id, milestone_year ORDER BY reported_date DESC) AS newest
            FROM {TABLE}
            WHERE target_set = ? AND reported_date <= ? {known}
        ) WHERE newest = 1
        ORDER BY task_id, milestone_year
        """,
        params,
    )
    if rows.is_empty():
        return rows
    overdue = (pl.col("milestone_year") < as_of.year) & (pl.col("status") != "已完成")
    return rows.with_columns(
        progress=pl.when(overdue).then(pl.lit("滞后")).otherwise(pl.col("status"))
    )


def counts(frame: pl.DataFrame) -> dict[str, int]:
    """Milestones per progress, every status present (0 when none)."""
    found = dict(frame.group_by("progress").len().iter_rows()) if frame.height else {}
    return {s: int(found.get(s, 0)) for s in STATUSES}


def lagging(frame: pl.DataFrame) -> pl.DataFrame:
    """The milestones shown 滞后, oldest year first."""
    if frame.is_empty():
        return frame
    return frame.filter(pl.col("progress") == "滞后").sort("milestone_year", "task_id")
