"""The graphs draw with the vendored partial plotly.js (assets/vendor/plotly), never Dash's full
plotly.min.js: the cockpit's map of the 13 cities, and the heat map, bars and lines of /risk,
with the mode bar in Chinese and the bundle cached for good."""

from __future__ import annotations

import re

import pytest

from tests.pages.test_plotly_bundle import bundled

pytestmark = pytest.mark.browser

VENDORED = re.compile(r"/assets/vendor/plotly/plotly-databrain\.min\.js\?m=[\d.]+$")
FULL = "package_data/plotly.min.js"  # Dash's fallback when window.Plotly is missing
CJK = re.compile(r"[\u4e00-\u9fff]")

DRAWN = """g => ({
    types: g._fullData.map(t => t.type),
    heatmaps: g.querySelectorAll('.heatmaplayer image').length,
    bars: g.querySelectorAll('.barlayer .point path').length,
    lines: g.querySelectorAll('.scatterlayer path.js-line').length,
    locale: g._context.locale,
    modebar: [...g.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title')),
})"""


def test_plotly_bundle101_graphs_draw_with_the_vendored_bundle(tab):
    responses = []
    tab.page.on("response", lambda r: responses.append(r))
    page = tab.open("/")

    # the map: every city's polygon rendered by MapLibre
    graph = "#cockpit-map .js-plotly-plot"
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{graph}');"
        " const s = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;"
        " return s && s.map && s.map.loaded(); }"
    )
    cities = page.evaluate(
        f"() => {{ const m = document.querySelector('{graph}')._fullLayout.map._subplot.map;"
        " const fills = m.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);"
        " return [...new Set(m.queryRenderedFeatures({layers: fills}).map(f => f.id))]; }"
    )
    assert len(cities) == 13, cities
    cockpit = page.eval_on_selector(graph, DRAWN)
    assert cockpit["types"] == ["choroplethmap"]
    assert cockpit["locale"] == "zh-CN"
    assert cockpit["modebar"], "no mode bar"
    assert all(CJK.search(title) for title in cockpit["modebar"]), cockpit["modebar"]
    assert "下载图表为PNG格式" in cockpit["modebar"]

    # every registered trace type is one the build says it bundled
    registered = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
    assert registered == sorted(bundled()[1])

    # heat map, bars and lines
    page = tab.open("/risk")
    for graph_id in ("risk-heatmap", "risk-hotline-categories", "risk-hotline-trend"):
        page.wait_for_selector(f"#{graph_id} .js-plotly-plot .main-svg")
    page.wait_for_load_state("networkidle")
    heat = page.eval_on_selector("#risk-heatmap .js-plotly-plot", DRAWN)
    assert heat["types"] == ["heatmap"] and heat["heatmaps"] == 1, heat
    categories = page.eval_on_selector("#risk-hotline-categories .js-plotly-plot", DRAWN)
    assert categories["types"] == ["bar"] and categories["bars"] > 5, categories
    trend = page.eval_on_selector("#risk-hotline-trend .js-plotly-plot", DRAWN)
    assert "scatter" in trend["types"] and trend["lines"] >= 1, trend
    assert trend["bars"] > 5, trend
    for drawn in (heat, categories, trend):
        assert drawn["locale"] == "zh-CN"
        assert all(CJK.search(title) for title in drawn["modebar"]), drawn["modebar"]

    # the vendored bundle is all the plotly.js fetched (the second page had it from the cache)
    plotly = [r for r in responses if "plotly" in r.url.lower()]
    assert plotly and all(VENDORED.search(r.url) for r in plotly), [r.url for r in plotly]
    assert not [r for r in responses if FULL in r.url]
    assert plotly[0].status == 200
    assert plotly[0].headers["cache-control"] == "public, max-age=31536000, immutable"
    assert tab.errors == []
