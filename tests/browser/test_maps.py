"""The maps in real headless Chromium: every city and county is written on its polygon (drawn by
MapLibre from the browser's own fonts, nothing fetched), with the value the page shows; a click on
a city still filters the cockpit; the big screen's scale is a dark-canvas one, the best city bright.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from datasets import boundaries
from datasets.regions import region_table
from indicators.text import fmt_value
from tests.browser.conftest import Page

pytestmark = pytest.mark.browser

COCKPIT = "#cockpit-map .js-plotly-plot"
BIG = "#cockpit-big-map .js-plotly-plot"
COUNTY = "#city-county-graph .js-plotly-plot"


def wait_for_map(page, graph: str) -> None:
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{graph}');"
        " const s = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;"
        " return s && s.map && s.map.loaded() && !s.map.isMoving(); }",
        timeout=30_000,
    )
    page.wait_for_timeout(800)  # the labels' fade-in after placement


def shown_labels(page, graph: str) -> list[str]:
    """The label texts MapLibre placed on screen (a label hidden by collision is not listed)."""
    return page.evaluate(
        f"() => {{ const m = document.querySelector('{graph}')._fullLayout.map._subplot.map;"
        " const ids = m.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id);"
        " return m.queryRenderedFeatures({layers: ids}).map(f => f.properties.label); }"
    )


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def composite_labels(wh) -> dict[str, str]:
    """'苏州\\n79.6' per city: short name and the composite score as the page writes scores."""
    names = dict(
        region_table().filter(pl.col("level") == "city").select("region_code", "name_zh").rows()
    )
    rows = wh.query(
        "SELECT region_code, score FROM composite_index WHERE as_of = ? AND domain = '综合'",
        [newest(wh)],
    )
    return {
        code: f"{names[code].removesuffix('市')}\n{fmt_value(score, '', 1)}"
        for code, score in rows.iter_rows()
    }


def test_maps001_cockpit_map_names_every_city_with_its_value(tab, app_warehouse):
    page = tab.open("/")
    wait_for_map(page, COCKPIT)
    expected = composite_labels(app_warehouse)
    assert len(expected) == 13
    assert sorted(shown_labels(page, COCKPIT)) == sorted(expected.values())
    # the colour's meaning is written beside the map
    assert "颜色越深，综合指数越高" in page.inner_text("#cockpit-map")
    assert tab.errors == []


def test_maps002_clicking_a_labelled_city_filters_the_page(tab):
    page = tab.open("/")
    wait_for_map(page, COCKPIT)
    shapes = boundaries.simplified("city")
    point = shapes[shapes["region_code"] == "320500"].geometry.iloc[0].representative_point()
    x, y = page.evaluate(
        f"([lon, lat]) => {{ const m = document.querySelector('{COCKPIT}')"
        "._fullLayout.map._subplot.map; const p = m.project([lon, lat]);"
        " const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [point.x, point.y],
    )
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"city=320500"))
    page.wait_for_function("document.querySelector('h1').innerText.includes('苏州')")
    assert tab.errors == []


def test_maps003_county_map_names_the_counties(tab):
    page = tab.open("/city/320500")
    wait_for_map(page, COUNTY)
    counties = region_table().filter(
        (pl.col("level") == "county") & (pl.col("city_code") == "320500")
    )
    names = set(counties["name_zh"].to_list())
    shown = shown_labels(page, COUNTY)
    shown_names = [label.split("\n")[0] for label in shown]
    assert len(shown_names) == len(set(shown_names))  # one label per county at most
    assert set(shown_names) <= names
    # small city districts may give way to a neighbour's label; the rest are named
    assert len(shown_names) >= len(names) - 2, (shown_names, names)
    # where a value is written, it is the one in the table beside the map
    for label in shown:
        if "\n" in label:
            name, value = label.split("\n")
            row = page.locator("#city-county-table tr", has_text=name)
            assert row.locator("td").nth(1).inner_text() == value
    assert "颜色越深" in page.inner_text("#city-county-map")
    assert tab.errors == []


def test_maps004_big_screen_map_uses_a_dark_canvas_scale(browser, server, app_warehouse):
    big = Page(browser, server, 1920, 1080)
    page = big.page
    page.goto(server + "/?screen=big")
    page.locator("#cockpit-big").wait_for()
    wait_for_map(page, BIG)
    trace = page.evaluate(
        f"() => {{ const t = document.querySelector('{BIG}')._fullData[0];"
        " return {scale: t.colorscale, z: t.z, locations: t.locations}; }"
    )
    scale = trace["scale"]
    # viridis: dark violet for the lowest, bright yellow for the highest (the best city)
    assert scale[0][1].lower() == "#440154" and scale[-1][1].lower() == "#fde725"
    assert sorted(shown_labels(page, BIG)) == sorted(composite_labels(app_warehouse).values())
    assert "颜色越亮" in page.inner_text("#cockpit-big")
    assert big.errors == []
    page.close()
