"""重点任务台账 as known at an as-of: the latest report on or before it per task and year,
recomputed here from the generated file; 滞后 once the year is over unfinished; and the
province's evaluation report lists the same milestones."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import polars as pl
import pytest

from indicators import plan_tasks
from reports.batch import render
from reports.content import build_report

SET = "jiangsu-14fyp-digital-gov"


def _expected(demo_files, as_of: dt.date) -> dict[tuple[str, int], str]:
    """(task, year) → the status a reader should see, from the generated file itself."""
    rows = pl.read_parquet(demo_files["plan_tasks"]).filter(
        (pl.col("reported_date") <= as_of) & (pl.col("recorded_at").cast(pl.Date) <= as_of)
    )
    out = {}
    for (task, year), group in rows.group_by("task_id", "milestone_year"):
        status = group.sort("reported_date")["status"][-1]
        late = year < as_of.year and status != "已完成"
        out[(task, year)] = "滞后" if late else status
    return out


@pytest.mark.parametrize("as_of", [dt.date(2022, 12, 31), dt.date(2024, 6, 30), None])
def test_plan_tasks001_the_latest_report_known_then(demo_computed, demo_files, as_of):
    when = as_of or demo_computed.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    frame = plan_tasks.milestones(demo_computed, SET, when)
    shown = {
        (r["task_id"], r["milestone_year"]): r["progress"] for r in frame.iter_rows(named=True)
    }
    assert shown == _expected(demo_files, when)
    counts = plan_tasks.counts(frame)
    assert sum(counts.values()) == len(shown)
    lagging = plan_tasks.lagging(frame)
    assert set(zip(lagging["task_id"], lagging["milestone_year"], strict=True)) == {
        k for k, v in shown.items() if v == "滞后"
    }


def test_plan_tasks002_a_year_past_unfinished_is_late(demo_computed):
    early = plan_tasks.milestones(demo_computed, SET, dt.date(2021, 6, 30))
    assert set(early["progress"]) <= {"未启动", "推进中", "已完成"}  # nothing due yet
    assert plan_tasks.milestones(demo_computed, "no-such-plan", dt.date(2025, 12, 31)).is_empty()


def test_plan_tasks003_the_province_report_lists_them(demo_computed):
    report = build_report(demo_computed, SET, "320000", "2025-12")
    expected = plan_tasks.milestones(demo_computed, SET, report.as_of)
    assert report.plan_tasks.height == expected.height > 0
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")), read_only=True)
    sheet = book[next(n for n in book.sheetnames if "重点任务" in n)]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] in set(expected["chapter"])]
    assert len(rows) == expected.height
    assert build_report(demo_computed, SET, "320500", "2025-12").plan_tasks.is_empty()
