"""One verdict per target, everywhere: every page that shows a target's status (desktop and big
screen, before and after the deadline) shows the same one for the same target and region, and
it is the one the stored assessment gives.

The expected verdict is worked out here from ``target_progress``: once a final assessment exists
(the as-of is past the deadline) it is 到期达成 / 到期未达成, before that the tracking status.
"""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.text import STATUS_STYLE
from tests.browser.conftest import vintage_of

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"
CITIES = ["320100", "320300", "320700", "321300"]
LABEL_TO_VERDICT = {label: code for code, (label, _colour, _symbol) in STATUS_STYLE.items()}


def expected_verdicts(wh, as_of: dt.date) -> dict[tuple[str, str], str]:
    rows = wh.query(
        "SELECT indicator, region_code, status, final_status FROM target_progress "
        "WHERE target_set = ? AND as_of = ? AND is_default_method",
        [SET, as_of],
    ).to_dicts()
    return {
        (r["indicator"], r["region_code"]): (
            f"final_{r['final_status']}" if r["final_status"] else r["status"]
        )
        for r in rows
    }


def badges(page) -> list[tuple[str, str, str]]:
    """(indicator, region, verdict) of every verdict badge on the page."""
    return page.eval_on_selector_all(
        "[data-verdict][data-indicator][data-region]",
        "els => els.map(e => [e.dataset.indicator, e.dataset.region, e.dataset.verdict])",
    )


def heatmap_cells(page) -> list[tuple[str, str, str]]:
    """(indicator, region, verdict) of every cell of the targets heatmap (plotly)."""
    selector = "#targets-heatmap .js-plotly-plot"
    if page.locator(selector).count() == 0:
        return []
    page.wait_for_function(f"document.querySelector('{selector}').data !== undefined")
    cells = page.eval_on_selector(
        selector,
        """gd => {
            const t = gd.data[0], out = [];
            t.customdata.forEach((row, i) => row.forEach((cd, j) => {
                const text = t.text[i][j];
                if (text) out.push([cd[1], cd[0], text.split('<br>')[1]]);
            }));
            return out;
        }""",
    )
    return [(ind, region, LABEL_TO_VERDICT[label]) for ind, region, label in cells]


def sweep(tab, path: str) -> list[tuple[str, str, str, str]]:
    page = tab.open(path)
    page.wait_for_load_state("networkidle")
    found = [(*b, path) for b in badges(page)] + [(*c, path) for c in heatmap_cells(page)]
    return found


@pytest.mark.parametrize("month", [None, "2025-12", "2024-06"])
def test_verdicts001_every_page_shows_one_verdict_per_target(tab, app_warehouse, month):
    as_of = vintage_of(app_warehouse, month)
    expected = expected_verdicts(app_warehouse, as_of)
    q = f"as_of={month}" if month else ""
    paths = [
        f"/?{q}",
        f"/?screen=big&rotate=0&{q}",
        f"/targets?{q}",
        f"/targets?target=mobile_enforcement_coverage&{q}",
        f"/targets?target=system_cloud_rate&city=320700&{q}",
        *(f"/city/{c}?{q}" for c in CITIES),
        *(f"/?city={c}&{q}" for c in CITIES[:2]),
    ]
    seen: dict[tuple[str, str], set[str]] = {}
    where: dict[tuple[str, str], set[str]] = {}
    for path in paths:
        for indicator, region, verdict, at in sweep(tab, path):
            seen.setdefault((indicator, region), set()).add(verdict)
            where.setdefault((indicator, region), set()).add(at)
    assert len(seen) >= 20, f"too few verdicts found to mean anything: {len(seen)}"
    two = {k: v for k, v in seen.items() if len(v) > 1}
    first = {k: (v, sorted(where[k])) for k, v in list(two.items())[:5]}
    assert not two, f"{len(two)} targets shown with two verdicts, e.g. {first}"
    wrong = {k: (next(iter(v)), expected.get(k)) for k, v in seen.items() if {expected.get(k)} != v}
    assert not wrong, f"verdicts that differ from the stored assessment: {wrong}"
    final = as_of >= dt.date(2025, 12, 31)
    verdicts = {v for vs in seen.values() for v in vs}
    if final:  # quantified targets are judged at the deadline, never by a later reading
        assert {"final_achieved", "final_not_achieved"} <= verdicts
        assert "achieved" not in verdicts
    else:
        assert not verdicts & {"final_achieved", "final_not_achieved"}
    assert tab.errors == []
