"""督办台账 (the task ledger) as an Excel workbook: one row per task as the 督办中心 lists it,
and a 说明 sheet saying what each column means, how the states and 成效评估 are decided, and
what the data is."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from datasets import supervision
from datasets.supervision import LEDGER_COLUMNS

WIDTHS = {"title": 36, "assignee": 22, "subject_zh": 24, "requirement": 40}


def _notes(lifecycle, today: dt.date, who: str, synthetic: bool) -> list[tuple[str, str]]:
    states = "、".join(s.name_zh for s in lifecycle.states.values())
    steps = "；".join(
        f"{t.name_zh}：{'/'.join(lifecycle.label(s) for s in t.from_)} → {lifecycle.label(t.to)}"
        f"（{'、'.join(_PARTY_ZH[p] for p in t.parties)}"
        + ("，须填写说明" if t.needs else "")
        + "）"
        for t in lifecycle.transitions.values()
    )
    return [
        ("导出时间", f"{dt.datetime.now():%Y-%m-%d %H:%M}（业务日期 {today}）"),
        ("导出人", who or "—"),
        ("范围", "导出人可见的督办事项：省级角色为全部，市用户为本市，部门用户为本单位。"),
        ("状态", f"{states}。{steps}。"),
        (
            "逾期与升级",
            f"截止日期已过而未办结为逾期；逾期满 {lifecycle.overdue.escalate_after_days} 天"
            "升级至省领导。逾期天数按业务日期计算。",
        ),
        (
            "成效评估",
            "每次数据入库后按指标重新评估：已见效＝指标达到目标，或缩小发起时差距的一半以上（由预警"
            "发起的：预警已解除）；未见效＝办结或到期后指标未向好（预警仍在）；待观察＝其余；"
            "未评估＝发起后尚无新数据。",
        ),
        ("来源", "风险预警、滞后目标（发起时的数值、目标与状态随事项保存）或手工发起。"),
        (
            "数据",
            "本台账中的指标数值来自演示用模拟数据，不代表真实统计。"
            if synthetic
            else "指标数值来自数据仓库。",
        ),
    ]


_PARTY_ZH = {"supervisor": "督办人", "assignee": "承办单位"}


def ledger_workbook(rows: list[dict], *, today: dt.date, who: str, synthetic: bool) -> bytes:
    """The ledger of ``rows`` (:func:`datasets.supervision.ledger`) as xlsx bytes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    late = book.add_format({"text_wrap": True, "valign": "top", "font_color": "#C00000"})
    sheet = book.add_worksheet("督办台账")
    keys = list(LEDGER_COLUMNS)
    for c, key in enumerate(keys):
        sheet.write_string(0, c, LEDGER_COLUMNS[key], head)
        sheet.set_column(c, c, WIDTHS.get(key, 12))
    for r, row in enumerate(rows, start=1):
        for c, key in enumerate(keys):
            value = row[key]
            style = late if row["overdue"] else wrap
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value, style)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value, style)
            else:  # text stays text: write() would turn "=…" into a formula
                sheet.write_string(r, c, "" if value is None else str(value), style)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(rows), 1), len(keys) - 1)
    notes = book.add_worksheet("说明")
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 100)
    notes.write_string(0, 0, "项目", head)
    notes.write_string(0, 1, "说明", head)
    for r, (k, v) in enumerate(_notes(supervision.load_lifecycle(), today, who, synthetic), 1):
        notes.write_string(r, 0, str(k), wrap)
        notes.write_string(r, 1, str(v), wrap)
    book.close()
    return out.getvalue()
