"""领导要情: every number a sentence states is the warehouse's, recomputed here with SQL; the
changes are the targets that changed; the risk and 督办 counts are the store's and the
warehouse's; the PDF says the same sentences."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from datasets import access, accounts, store, supervision
from indicators.access import unit_indicators
from indicators.briefing import briefing
from indicators.catalog import default_catalog
from reports.briefing import render_briefing_pdf
from tests.reports.test_reports import pdftotext

SET = "jiangsu-14fyp-digital-gov"


@pytest.fixture
def empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABRAIN_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    store.forget_engines()
    yield
    store.forget_engines()


def _shown(value: float, indicator: str) -> str:
    """How the test prints a value: the catalog's decimals and unit."""
    ind = default_catalog()[indicator]
    text = f"{value:,.{ind.decimals}f}"
    return text + "%" if ind.unit == "%" else f"{text} {ind.unit}"


def _row(wh, indicator: str, region: str, as_of: str) -> dict:
    return wh.query(
        "SELECT current_value, target_value, final_gap FROM target_progress WHERE target_set = ? "
        "AND as_of = ? AND indicator = ? AND region_code = ? AND is_default_method",
        [SET, dt.date.fromisoformat(as_of), indicator, region],
    ).row(0, named=True)


@pytest.mark.parametrize("region", ["320000", "320500"])
def test_briefing001_every_figure_is_the_warehouses(demo_computed, empty_store, region):
    b = briefing(demo_computed, SET, region)
    vintages = demo_computed.query("SELECT DISTINCT as_of FROM target_progress ORDER BY as_of")[
        "as_of"
    ].to_list()
    assert b.as_of == vintages[-1] and b.previous == vintages[-2]
    figures = 0
    for section in b.sections:
        for sentence in section.sentences:
            for f in sentence.figures:
                row = _row(demo_computed, f.indicator, f.region, f.as_of.isoformat())
                if f.kind == "current":
                    expected = row["current_value"]
                else:  # the value at the deadline: the target missed by the final gap
                    lower = default_catalog()[f.indicator].polarity == "lower"
                    gap = row["final_gap"]
                    expected = row["target_value"] - gap if lower else row["target_value"] + gap
                assert f.value == pytest.approx(expected)
                assert f.shown == _shown(expected, f.indicator) and f.shown in sentence.text
                assert f.region == region
                figures += 1
    assert figures >= 2  # at least a target that moved


def test_briefing002_changes_risks_and_duban_are_counted_right(demo_computed, empty_store):
    b = briefing(demo_computed, SET, "320000")
    changes = next(s for s in b.sections if s.title.startswith("本期变化"))
    movers = [s for s in changes.sentences if len(s.figures) == 2 and "由" in s.text[:40]]
    now, before = str(b.as_of), str(b.previous)
    sizes = {}
    for ind in {
        r
        for (r,) in demo_computed.query(
            "SELECT DISTINCT indicator FROM target_progress WHERE target_set = ? "
            "AND target_value IS NOT NULL",
            [SET],
        ).iter_rows()
    }:
        a, z = _row(demo_computed, ind, "320000", before), _row(demo_computed, ind, "320000", now)
        if a["current_value"] is None or z["current_value"] is None:
            continue
        change = z["current_value"] - a["current_value"]
        if round(change, default_catalog()[ind].decimals) != 0:
            sizes[ind] = abs(change / z["target_value"])
    listed = [s.figures[0].indicator for s in movers if "上升" in s.text or "下降" in s.text]
    assert listed == sorted(sizes, key=lambda i: (-sizes[i], i))[: len(listed)]
    assert len(listed) == min(3, len(sizes))

    risks = next(s for s in b.sections if s.title == "风险预警")
    total = demo_computed.query(
        "SELECT count(*) AS n FROM warnings WHERE as_of = (SELECT max(as_of) FROM warnings)"
    )["n"][0]
    assert re.search(rf"当前预警 {total} 条", risks.sentences[0].text)
    assert not any(s.title == "督办落实" for s in b.sections)  # no tasks, no section

    accounts.add_user("duban", "province_analyst", password="long enough pw")
    for due in (dt.date(2026, 12, 1), dt.date(2026, 12, 31)):
        supervision.create_task(
            title="整改", due=due, creator="duban", region="320500", today=dt.date(2026, 11, 22)
        )
    b = briefing(demo_computed, SET, "320000", today=dt.date(2026, 12, 10))
    duban = next(s for s in b.sections if s.title == "督办落实")
    assert duban.sentences[0].text == "督办事项在办 2 件，其中逾期 1 件、已升级 1 件。"
    assert duban.sentences[1].text == "逾期最多：苏州市 1 件。"
    # a unit's user reads its unit's tasks only (none of these is the unit's)
    unit = access.scope_for(
        "gov", "department_user", unit="省政务办", unit_indicators=unit_indicators("省政务办")
    )
    with access.activated(unit):
        mine = briefing(demo_computed, SET, "320000", today=dt.date(2026, 12, 10))
    duban = next(s for s in mine.sections if s.title == "督办落实")
    assert duban.sentences[0].text == "督办事项在办 0 件，其中逾期 0 件、已升级 0 件。"


def test_briefing003_the_pdf_says_the_same(demo_computed, empty_store, tmp_path):
    b = briefing(demo_computed, SET, "320500")
    path = tmp_path / "briefing.pdf"
    path.write_bytes(render_briefing_pdf(b, synthetic=True))
    text = re.sub(r"\s+", "", pdftotext(path, layout=False))
    assert "模拟数据" in text
    for section in b.sections:
        assert re.sub(r"\s+", "", section.title) in text
        for sentence in section.sentences:
            assert re.sub(r"\s+", "", sentence.text) in text, sentence.text
