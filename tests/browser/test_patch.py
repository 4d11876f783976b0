"""A control change updates the page in place: the router answers with a patch of the page shown,
the URL still holds the state, and the result is the page a fresh load of that URL gives."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

LAYER = "指标：一件事通办完成率"


def test_patch001_a_control_change_patches_the_page_and_keeps_its_charts(tab):
    page = tab.open("/")
    page.wait_for_selector("#cockpit-map .js-plotly-plot svg")
    answers = []

    def on_response(response):
        if "_dash-update-component" in response.url and "_pages_content" in (
            response.request.post_data or ""
        ):
            answers.append((response.headers.get("x-databrain-page"), len(response.body())))

    page.on("response", on_response)
    # the map's chart element is marked: a patched page keeps it, a re-rendered one replaces it
    page.evaluate("document.querySelector('#cockpit-map .js-plotly-plot').dataset.probe = 'kept'")
    full = page.evaluate("document.querySelector('#_pages_content').innerHTML.length")
    page.click("#cockpit-layer")
    page.get_by_role("option", name=LAYER).click()
    page.wait_for_url(re.compile(r"layer=one_thing_completion_rate"))
    page.wait_for_function(
        "() => { const g = document.querySelector('#cockpit-map .js-plotly-plot');"
        " return g && JSON.stringify(g.data).includes('一件事通办完成率'); }"
    )
    page.wait_for_timeout(500)
    assert answers, "the router answered the URL change"
    kind, size = answers[-1]
    assert kind == "patch"
    probe = page.evaluate("document.querySelector('#cockpit-map .js-plotly-plot').dataset.probe")
    assert probe == "kept", "the map was updated in place, not rebuilt"
    patched_text = page.inner_text("#_pages_content")
    patched_map = page.evaluate(
        "JSON.stringify(document.querySelector('#cockpit-map .js-plotly-plot').data)"
    )
    # the same URL loaded afresh gives the same page
    fresh = tab.open(page.url.replace(tab.base_url, ""))
    fresh.wait_for_function(
        "() => { const g = document.querySelector('#cockpit-map .js-plotly-plot');"
        " return g && JSON.stringify(g.data).includes('一件事通办完成率'); }"
    )
    assert fresh.inner_text("#_pages_content") == patched_text
    assert (
        fresh.evaluate(
            "JSON.stringify(document.querySelector('#cockpit-map .js-plotly-plot').data)"
        )
        == patched_map
    )
    # the patch is a small fraction of the page it changes
    assert size < full / 10
