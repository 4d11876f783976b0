"""风险预警 `/risk` rendered for a replay: ``?as_of=2023-12`` shows what was known then, in the
reading the URL asks for."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dash.development.base_component import Component

from indicators import read_risk
from pages._risk_warnings import RISK_HOTLINE, RISK_READING, RISK_WARNINGS


def _text(node) -> list[str]:
    """Every piece of text a layout shows (children only; dropdown options are not text)."""
    if node is None:
        return []
    if isinstance(node, str | int | float):
        return [str(node)]
    if isinstance(node, list | tuple):
        return [t for child in node for t in _text(child)]
    return _text(getattr(node, "children", None))


def _find(node, component_id):
    if isinstance(node, list | tuple):
        for child in node:
            found = _find(child, component_id)
            if found is not None:
                return found
        return None
    if not isinstance(node, Component):
        return None
    if getattr(node, "id", None) == component_id:
        return node
    return _find(getattr(node, "children", None), component_id)


@pytest.fixture
def risk_page(demo_computed, monkeypatch):
    monkeypatch.setenv("DATABRAIN_DB", str(demo_computed.path))
    from pages import risk

    return risk


@pytest.mark.parametrize(
    ("reading", "label"), [(None, "按当时已入库数据"), ("event", "按现有数据回溯")]
)
def test_replay030_risk_page_replays_2023_12(risk_page, demo_computed, reading, label):
    query = {"as_of": "2023-12"} | ({"reading": reading} if reading else {})
    page = risk_page.layout(**query)
    text = " ".join(_text(page))
    assert f"数据截至 2023年12月（{label}）" in text
    warnings = _find(page, RISK_WARNINGS)
    shown = " ".join(_text(warnings))
    assert "2026" not in shown and "2025" not in shown and "未达成" not in shown
    expected = read_risk.warnings(demo_computed, as_of=dt.date(2023, 12, 31), reading=reading)
    rows = warnings.children.children[1].children  # the table body's rows
    assert len(rows) == expected.height > 0
    assert "12345 热线诉求激增" not in shown
    # the hotline section ends with the replay's month
    hotline = " ".join(_text(_find(page, RISK_HOTLINE)))
    assert "2022年12月–2023年12月" in hotline
    assert not re.search(r"202[4-6]年", hotline)
    # the reading selector offers both readings, the URL's chosen
    selector = _find(page, RISK_READING)
    assert [o["label"] for o in selector.options] == ["按当时已入库数据", "按现有数据回溯"]
    assert selector.value == (reading or "transaction")


def test_replay031_risk_page_today_and_before_any_assessment(risk_page):
    now = " ".join(_text(risk_page.layout()))
    assert "数据截至 2026年11月22日" in now and "12345 热线诉求激增" in now
    early = " ".join(_text(risk_page.layout(as_of="2021-06")))
    assert "数据截至 2021年6月" in early
    assert "截至 2021年6月 尚未进行预警评估" in early
    assert "当前没有预警" in early
    # a reading the page does not know falls back to the default
    odd = " ".join(_text(risk_page.layout(as_of="2023-12", reading="valid")))
    assert "（按当时已入库数据）" in odd
