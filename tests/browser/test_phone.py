"""Every page on a phone (390×844) in real headless Chromium: nothing wider than the screen, no
text running off it (except inside boxes that scroll sideways on purpose), no text under 11 px,
and the risk tables stacked as cards."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, Page
from tests.browser.test_plain_chinese import PAGES

pytestmark = pytest.mark.browser

PHONE_PAGES = [p for p in PAGES if "screen=big" not in p]

# Text nodes that leave the screen sideways; boxes that scroll sideways (wide tables in
# .table-responsive, the plan bar) are meant to be swiped.
PHONE_CHECK = """() => {
  const W = window.innerWidth, out = [], small = [];
  const scrolls = el => { for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a).overflowX; if (s === 'auto' || s === 'scroll') return true; }
    return false; };
  const root = document.querySelector('#_pages_content');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('.js-plotly-plot, details:not([open])')) continue;
    // a dropdown's chosen values are a control's summary, shown whole when it opens
    if (el.closest('[class*="dash-dropdown"]')) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (parseFloat(getComputedStyle(el).fontSize) < 11) small.push(n.textContent.trim().slice(0, 20));
    if (scrolls(el)) continue;
    if (r.right > W + 1 || r.left < -1) out.push(n.textContent.trim().slice(0, 30));
  }
  return {width: document.scrollingElement.scrollWidth, out: out.slice(0, 10), small: small.slice(0, 10)};
}"""


def test_phone001_every_page_fits_a_phone(browser, server):
    phone = Page(browser, server, 390, 844)
    problems = {}
    for path in PHONE_PAGES:
        page = phone.open(path)
        page.wait_for_load_state("networkidle")
        found = page.evaluate(PHONE_CHECK)
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "cockpit"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
        if found["width"] > 391 or found["out"] or found["small"]:
            problems[path] = found
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
    assert phone.errors == []
    phone.page.close()


def test_phone002_risk_tables_are_cards_on_a_phone(browser, server):
    phone = Page(browser, server, 390, 844)
    page = phone.open("/risk")
    rows = page.locator("#risk-warnings .card-table tbody tr")
    rows.first.wait_for()
    assert page.locator("#risk-warnings .card-table thead").is_hidden()
    first = rows.first
    box = first.bounding_box()
    assert box["width"] > 300  # one card across the screen, not a column 1–2 characters wide
    cells = first.locator("td")
    labels = [cells.nth(i).get_attribute("data-label") for i in range(cells.count())]
    assert labels[:5] == ["级别", "地区", "预警", "指标", "说明"]
    label = page.evaluate(
        "e => getComputedStyle(e, '::before').content",
        cells.nth(1).element_handle(),
    )
    assert label.strip('"') == "地区"
    # a desktop shows the same table as a table
    desk = Page(browser, server, 1600, 1000)
    wide = desk.open("/risk")
    wide.locator("#risk-warnings .card-table tbody tr").first.wait_for()
    assert wide.locator("#risk-warnings .card-table thead").is_visible()
    assert phone.errors == [] and desk.errors == []
    phone.page.close()
    desk.page.close()
