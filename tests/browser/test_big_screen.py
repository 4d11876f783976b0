"""The big screen in real headless Chromium at three wall sizes, for the province and a city: no
text overflows or is clipped, no text is smaller than 1.6 % of the screen height, headline
numerals are at least 6 %, Jiangsu is drawn across a third of the width with labels that scale,
the warning panel is there, and a city's wall names the city in every title. Its figures are
checked against the warehouse's own rows."""

from __future__ import annotations

import pytest

from datasets.regions import region_name
from tests.browser.conftest import ARTIFACTS, Page

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
CITY = "320300"  # 徐州

# Every visible text node of the canvas: its font size, and whether its text lies outside a box
# that clips it (the ticker's list moves through its window by design: only sideways counts
# there). The map's labels are MapLibre's: their size is read from the drawn style.
WALL_CHECK = """() => {
  const canvas = document.querySelector('.big-canvas');
  const H = canvas.getBoundingClientRect().height;
  const clipped = [], small = [];
  const clippers = el => { const out = []; for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') out.push(a);
      if (a === canvas) break; } return out; };
  const walker = document.createTreeWalker(canvas, NodeFilter.SHOW_TEXT);
  let texts = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('[aria-hidden="true"]')) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    texts++;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 0.016 * H - 0.25) small.push([n.textContent.trim(), size]);
    const inTicker = !!el.closest('.ticker');
    for (const box of clippers(el)) {
      const b = box.getBoundingClientRect();
      const outX = r.left < b.left - 1 || r.right > b.right + 1;
      const outY = r.top < b.top - 1 || r.bottom > b.bottom + 1;
      if (outX || (outY && !inTicker)) { clipped.push([n.textContent.trim(), box.className]); break; }
    }
  }
  const headline = Math.min(...[...canvas.querySelectorAll('.band-tile .big-num')]
    .map(e => parseFloat(getComputedStyle(e).fontSize)));
  const gd = document.querySelector('#cockpit-big-map .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map, f = gd.layout.meta.fit, mid = (f[1] + f[3]) / 2;
  const drawn = m.project([f[2], mid]).x - m.project([f[0], mid]).x;
  const labels = m.getStyle().layers.filter(l => l.type === 'symbol')
    .map(l => m.getLayoutProperty(l.id, 'text-size'));
  return {H, texts, small, clipped, headline: headline / H, map: drawn / window.innerWidth,
          label: Math.min(...labels) / H};
}"""

FITTED = """() => { const gd = document.querySelector('#cockpit-big-map .js-plotly-plot');
  const s = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  return s && s.map && s.map.loaded() && !s.map.isMoving() && gd.dataset.fitted; }"""


def open_wall(browser, server, width, height, query=""):
    wall = Page(browser, server, width, height)
    page = wall.page
    page.goto(f"{server}/?screen=big&rotate=0{query}")
    page.locator("#cockpit-big #big-targets").wait_for(timeout=60_000)
    page.wait_for_function(FITTED, timeout=30_000)
    page.wait_for_timeout(1500)  # a second fitting pass and the labels' fade-in
    return wall, page


@pytest.mark.parametrize("city", [None, CITY], ids=["province", "city"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_big001_wall_fits_every_screen(browser, server, size, city):
    width, height = size
    wall, page = open_wall(browser, server, width, height, f"&city={city}" if city else "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"big-{city or 'province'}-{width}x{height}.png"))
    found = page.evaluate(WALL_CHECK)
    assert found["texts"] > 150, "too few texts on the wall to mean anything"
    assert found["clipped"] == [], f"texts cut off at {width}×{height}: {found['clipped'][:8]}"
    assert found["small"] == [], f"texts under 1.6% of the height: {found['small'][:8]}"
    assert found["headline"] >= 0.06
    assert found["map"] >= 1 / 3, f"Jiangsu spans {found['map']:.1%} of the width"
    assert found["label"] >= 0.016
    assert page.locator("#big-warnings").is_visible()
    assert page.locator("#big-legend").is_visible()
    if city:
        name = region_name(city)
        assert name in page.inner_text(".big-title")
        titles = page.locator(".big-left .big-section, .big-right .big-section").all_inner_texts()
        assert len(titles) >= 4 and all(name in t for t in titles), titles
        chosen = page.locator("#big-ranking .rank-chosen")
        assert chosen.get_attribute("data-region") == city
    assert wall.errors == []
    page.close()


def test_big002_headline_figures_equal_the_warehouse(browser, server, app_warehouse):
    """12345's newest day counted from the tickets themselves; the targets met from the stored
    verdicts; the ticker's warnings are the most severe ones in force."""
    wall, page = open_wall(browser, server, 1920, 1080, f"&city={CITY}")
    day = app_warehouse.query("SELECT CAST(max(created_at) AS DATE) AS d FROM hotline_tickets")[
        "d"
    ][0]
    tickets = app_warehouse.query(
        """
        SELECT count(*) FILTER (WHERE CAST(created_at AS DATE) = ?) AS received,
               count(*) FILTER (WHERE CAST(closed_at AS DATE) = ?) AS closed,
               count(*) FILTER (WHERE CAST(closed_at AS DATE) = ? AND closed_at <= due_at)
                   AS on_time
        FROM hotline_tickets t JOIN regions r USING (region_code)
        WHERE r.city_code = ?
        """,
        [day, day, day, CITY],
    ).row(0, named=True)
    band = page.inner_text("#big-band")
    assert f"12345 当日受理\n{tickets['received']:,} 件" in band or (
        f"12345 当日受理\n{tickets['received']:,}件" in band
    ), band
    assert f"{day.month}月{day.day}日办结 {tickets['closed']:,} 件" in band
    on_time = 100 * tickets["on_time"] / tickets["closed"]
    assert f"{on_time:.1f}%" in band.replace(" ", "")
    # targets met at the deadline, from the stored final verdicts of the city
    newest = app_warehouse.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    verdicts = app_warehouse.query(
        """
        SELECT final_status FROM target_progress
        WHERE as_of = ? AND region_code = ? AND is_default_method
          AND target_set = 'jiangsu-14fyp-digital-gov' AND target_value IS NOT NULL
          AND final_status IS NOT NULL
        """,
        [newest, CITY],
    )["final_status"].to_list()
    met = page.inner_text("#big-targets-met").replace(" ", "")
    assert met == f"{verdicts.count('achieved')}/{len(verdicts)}项"
    # the warning tally is the city's warnings in force, by level
    tally = {
        el.get_attribute("data-severity-count"): int(el.locator(".tally-n").inner_text())
        for el in page.locator("#big-warnings .tally").all()
    }
    assert sum(tally.values()) > 0
    assert f"共 {sum(tally.values())} 条" in page.inner_text("#big-warnings .big-section")
    first = page.locator("#big-warnings .ticker-list").first.locator(".ticker-title").first
    assert region_name(CITY).removesuffix("市") in first.inner_text()
    assert wall.errors == []
    page.close()


def test_big003_ticker_moves_slowly_and_arrows_say_the_change(browser, server, app_warehouse):
    wall, page = open_wall(browser, server, 1920, 1080)
    track = page.locator(".ticker-track.ticker-moving")
    assert track.count() == 1
    tops = []
    for _ in range(4):
        tops.append(track.evaluate("e => e.getBoundingClientRect().top"))
        page.wait_for_timeout(1000)
    steps = [a - b for a, b in zip(tops, tops[1:], strict=False)]
    # upwards and slowly (a few px a second); the loop wraps round at most once in the window
    assert sum(0 < s < 0.05 * 1080 for s in steps) >= 2, tops
    # each change arrow is the shown value against the year before, from the stored values
    newest = app_warehouse.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    checked = 0
    for tile in page.locator("#big-targets .kpi-item").all():
        change = tile.locator(".ring-change[data-change]")
        if not change.count():
            continue
        indicator = tile.get_attribute("data-indicator")
        tag = tile.locator("[data-figure]").first.get_attribute("data-figure")
        period = tag.split("|")[2]
        rows = app_warehouse.query(
            """
            SELECT period, value FROM indicator_values
            WHERE indicator = ? AND region_code = '320000' AND period_type = 'year'
              AND period IN (?, ?) AND known_from <= ?
            QUALIFY row_number() OVER (PARTITION BY period ORDER BY known_from DESC) = 1
            """,
            [indicator, period, str(int(period) - 1), newest],
        )
        values = dict(rows.iter_rows())
        want = values[period] - values[str(int(period) - 1)]
        assert float(change.get_attribute("data-change")) == pytest.approx(want, abs=0.051)
        arrow = change.locator(".ring-arrow").inner_text()
        assert arrow == ("↑" if want > 0 else "↓")
        checked += 1
    assert checked >= 5
    assert wall.errors == []
    page.close()
