"""One number per figure: every value a page shows for an indicator × region × period (at the
page's as-of) is the same on every page, and equals the read API's value for that period.

Pages tag each figure with what it is (``data-figure="indicator|region|period"``); this test
reads the expected values itself from ``indicators.engine.values_as_of`` and formats them with
its own rule (the indicator's decimals, thousands separators, the unit).
"""

from __future__ import annotations

import re

import pytest

from indicators.engine import values_as_of
from tests.browser.conftest import vintage_of

pytestmark = pytest.mark.browser


def period_type(period: str) -> str:
    if "Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


def shown(value: float | None, unit: str, decimals: int) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text + "%" if unit == "%" else f"{text} {unit}".rstrip()


WAN = re.compile(r"^[\d.,]+ [万亿]")


def in_wan(text: str, value: float | None, unit: str) -> bool:
    """A headline written in 万 or 亿 (1.16 亿人 for 11,600 万人), within its two decimals."""
    if value is None or unit in ("", "%"):
        return False
    bigger = "亿" + unit[1:] if unit.startswith("万") else "万" + unit
    number, _, written_unit = text.partition(" ")
    if written_unit != bigger:
        return False
    return abs(float(number.replace(",", "")) * 10_000 - value) <= 0.005 * 10_000 + 1e-9


@pytest.mark.parametrize("month", [None, "2024-06"])
def test_figures001_each_figure_has_one_value_equal_to_the_read_api(tab, app_warehouse, month):
    as_of = vintage_of(app_warehouse, month)
    q = f"as_of={month}" if month else ""
    paths = [
        f"/?{q}",
        f"/?city=320700&{q}",
        f"/?screen=big&rotate=0&{q}",
        f"/targets?{q}",
        f"/targets?target=data_sharing_rate&{q}",
        f"/city/320700?{q}",
        f"/indicators?{q}",
        f"/indicators?code=data_sharing_rate&{q}",
    ]
    seen: dict[tuple[str, str, str], set[str]] = {}
    for path in paths:
        page = tab.open(path)
        page.wait_for_load_state("networkidle")
        for key, text in page.eval_on_selector_all(
            "[data-figure]", "els => els.map(e => [e.dataset.figure, e.innerText.trim()])"
        ):
            indicator, region, period = key.split("|")
            if period:
                seen.setdefault((indicator, region, period), set()).add(text)
    assert len(seen) >= 30, f"too few tagged figures to mean anything: {len(seen)}"
    catalog = {
        r["indicator"]: r
        for r in app_warehouse.query(
            "SELECT indicator, unit, decimals FROM catalog_indicators"
        ).to_dicts()
    }
    # a headline may also be written in 万/亿 (checked against the value below)
    several = {k: v for k, v in seen.items() if len({t for t in v if not WAN.search(t)}) > 1}
    assert not several, f"figures shown with more than one value: {several}"
    wrong = {}
    for (indicator, region, period), texts in seen.items():
        frame = values_as_of(
            app_warehouse,
            as_of,
            period_type=period_type(period),
            indicators=[indicator],
            regions=[region],
        )
        row = frame.filter(frame["period"] == period)
        assert row.height == 1, (indicator, region, period)
        c = catalog[indicator]
        want = shown(row["value"][0], c["unit"], c["decimals"])
        value = row["value"][0]
        if any(t != want and not in_wan(t, value, c["unit"]) for t in texts):
            wrong[(indicator, region, period)] = (texts, want)
    assert not wrong, f"figures that differ from the read API: {wrong}"
    assert tab.errors == []
