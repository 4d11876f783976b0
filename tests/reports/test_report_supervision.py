"""The evaluation reports' 督办 section: tasks raised, closed, open, overdue and their 成效评估
per 承办 region, counted from the store by the test itself; a city's report has its own row."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from datasets import access, accounts, supervision
from indicators.access import unit_indicators
from reports.batch import render
from reports.content import build_report
from tests.reports.test_reports import pdftotext

TODAY = dt.date(2026, 11, 22)


def _raise(region: str, title: str, due: dt.date) -> supervision.Task:
    return supervision.create_task(
        title=title, due=due, creator="duban", region=region, today=TODAY
    )


def test_report_supervision001_tasks_per_region_in_pdf_and_workbook(
    state_url, demo_computed, monkeypatch, tmp_path
):
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-12-10")
    accounts.add_user("duban", "province_analyst", password="long enough pw")
    sz, _ = accounts.add_user("sz", "city_user", city="320500", password="long enough pw")
    duban = accounts.get_user("duban")
    closed = _raise("320500", "苏州共享率整改", dt.date(2026, 12, 31))
    _raise("320500", "苏州一件事整改", dt.date(2026, 12, 1))  # overdue on 12-10
    _raise("320100", "南京一件事整改", dt.date(2026, 12, 31))
    supervision.transition(closed.id, "sign", sz)
    supervision.transition(closed.id, "answer", sz, comment="已整改")
    supervision.transition(closed.id, "close", duban)

    province = build_report(demo_computed, region="320000").supervision
    rows = {r["name_zh"]: r for r in province.to_dicts()}
    assert set(rows) == {"南京市", "苏州市", "合计"}
    assert (rows["苏州市"]["raised"], rows["苏州市"]["closed"], rows["苏州市"]["open"]) == (2, 1, 1)
    assert rows["苏州市"]["overdue"] == 1 and rows["南京市"]["overdue"] == 0
    assert rows["合计"]["raised"] == 3 and rows["合计"]["unassessed"] == 3

    unit = access.scope_for(
        "gov", "department_user", unit="省政务办", unit_indicators=unit_indicators("省政务办")
    )
    with access.activated(unit):  # a unit's user: none of these tasks is its unit's
        assert build_report(demo_computed, region="320000").supervision.is_empty()

    city = build_report(demo_computed, region="320500")
    assert city.supervision["name_zh"].to_list() == ["苏州市"]
    book = openpyxl.load_workbook(io.BytesIO(render(city, "xlsx")), read_only=True)
    sheet = next(book[n] for n in book.sheetnames if "督办" in n)
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "苏州市" in values and "南京市" not in values
    pdf = tmp_path / "city.pdf"
    pdf.write_bytes(render(city, "pdf"))
    text = pdftotext(pdf)
    assert "五、督办落实" in text and "南京市 " not in text.split("五、督办落实")[1][:400]
