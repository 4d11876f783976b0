"""督办台账 as Excel: the ledger rows the 督办中心 shows, one per task, with a 说明 sheet."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from datasets import accounts, supervision
from datasets.supervision import LEDGER_COLUMNS
from reports.ledger import ledger_workbook

TODAY = dt.date(2026, 11, 22)


def test_ledger001_one_row_per_task_and_a_sheet_that_explains(state_url):
    accounts.add_user("duban", "province_analyst", password="long enough pw")
    made = [
        supervision.create_task(
            title=f"整改 {i}",
            due=due,
            creator="duban",
            region=region,
            today=TODAY,
            requirement="说明原因",
        )
        for i, (region, due) in enumerate(
            [("320500", dt.date(2026, 11, 30)), ("320100", dt.date(2027, 1, 31))]
        )
    ]
    later = dt.date(2026, 12, 10)
    rows = supervision.ledger(supervision.list_tasks(today=later), later)
    book = openpyxl.load_workbook(
        io.BytesIO(ledger_workbook(rows, today=later, who="duban", synthetic=True))
    )
    assert book.sheetnames == ["督办台账", "说明"]
    sheet = list(book["督办台账"].iter_rows(values_only=True))
    assert list(sheet[0]) == list(LEDGER_COLUMNS.values())
    by_id = {r[0]: dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in sheet[1:]}
    assert set(by_id) == {t.id for t in made}
    late = by_id[made[0].id]
    assert late["late_zh"] == f"逾期 {(later - dt.date(2026, 11, 30)).days} 天，已升级"
    assert late["assignee"] == "苏州市" and late["state_zh"] == "待签收"
    assert late["effect_zh"] == "未评估" and not by_id[made[1].id]["late_zh"]
    notes = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert "模拟数据" in notes["数据"] and "签收" in notes["状态"] and notes["导出人"] == "duban"


def test_ledger002_a_title_that_looks_like_a_formula_stays_text(state_url):
    """A task title or requirement typed as "=…" is stored as a string, never run as a formula."""
    accounts.add_user("duban", "province_analyst", password="long enough pw")
    title = '=HYPERLINK("http://x","点此")'
    supervision.create_task(
        title=title,
        due=dt.date(2026, 12, 31),
        creator="duban",
        region="320500",
        today=TODAY,
        requirement="@SUM(A1:A9)",
    )
    rows = supervision.ledger(supervision.list_tasks(today=TODAY), TODAY)
    sheet = openpyxl.load_workbook(
        io.BytesIO(ledger_workbook(rows, today=TODAY, who="duban", synthetic=True))
    )["督办台账"]
    cells = [
        c for row in sheet.iter_rows(min_row=2) for c in row if c.value in (title, "@SUM(A1:A9)")
    ]
    assert {c.value for c in cells} == {title, "@SUM(A1:A9)"}
    assert {c.data_type for c in cells} == {"s"}
