"""Pure helpers of the economy page (growth, shares, ranks, labels), worked by hand."""

from __future__ import annotations

from pages._economy_state import change_text, fmt_number


def test_economy010_numbers_and_changes_for_people():
    assert fmt_number(5.26, "%", 1) == "5.3%"
    assert fmt_number(12345.6, "亿元", 0) == "12,346 亿元"
    assert fmt_number(100.9, "上年同月=100", 1) == "100.9"
    assert fmt_number(None, "%", 1) == "—"
    assert change_text(0.3, "%") == "比上年同期 +0.3 个百分点"
    assert change_text(-1.04, "%") == "比上年同期 −1.0 个百分点"
    assert change_text(0.0, "%") == "比上年同期 ±0.0 个百分点"
    assert change_text(0.7, "上年同月=100") == "比上年同期 +0.7 点"
    assert change_text(None, "%") == "上年同期无数据"
