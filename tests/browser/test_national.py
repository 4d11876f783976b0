"""“全国领先” on /targets: the province's view shows Jiangsu's judged rank among the provinces
as the benchmark reader gives it; a city's view does not claim a national rank."""

from __future__ import annotations

from indicators.benchmarks import standing
from indicators.catalog import default_catalog
from tests.browser.conftest import Page, vintage_of

SET = "jiangsu-14fyp-digital-gov"


def test_national001_the_rank_among_provinces(browser, server, app_warehouse):
    target = next(t for t in default_catalog().target_sets[SET].targets if t.benchmark)
    expected = standing(app_warehouse, target.benchmark, vintage_of(app_warehouse, None))
    tab = Page(browser, server, 1600, 1000, user="leader")
    page = tab.open("/targets")
    cell = page.locator(f'tr[data-indicator="{target.indicator}"] .national-standing')
    assert cell.inner_text() == expected["text"]
    assert cell.get_attribute("data-rank") == str(expected["rank"])
    assert cell.get_attribute("data-leading") == ("true" if expected["leading"] else "false")
    page = tab.open("/targets?city=320500")
    page.wait_for_selector(f'tr[data-indicator="{target.indicator}"]')
    assert page.locator(".national-standing").count() == 0
    assert tab.errors == [], tab.errors
    tab.page.close()
