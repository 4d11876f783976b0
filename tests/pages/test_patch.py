"""The router's patches: applied to the page shown, they give exactly the new page."""

from __future__ import annotations

import copy
import json

import plotly.io as pio
import pytest
from dash import dcc, html

from pages import _patch


def as_json(component) -> object:
    return json.loads(pio.to_json(component, validate=False))


def apply_patch(value, patch: dict):
    """Dash's Assign and Delete operations, written out independently of the code under test."""
    value = copy.deepcopy(value)
    for op in patch["operations"]:
        *path, last = op["location"]
        target = value
        for step in path:
            target = target[step]
        if op["operation"] == "Assign":
            target[last] = op["params"]["value"]
        else:
            del target[last]
    return value


def apply_updates(layout, updates: dict) -> object:
    """Set each updated component's props, as the browser does with a side update."""
    layout = copy.deepcopy(layout)

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            cid = props.get("id")
            for name, value in (updates.get(cid, {}) if isinstance(cid, str) else {}).items():
                if isinstance(value, dict) and "__dash_patch_update" in value:
                    value = apply_patch(props.get(name), value)
                props[name] = value
            walk(props.get("children"))

    walk(layout)
    return layout


def page(title: str, rows: list[tuple[str, float]], figure_z: list[float], export: str):
    return _patch.with_place_ids(
        html.Div(
            [
                html.H1(title),
                html.P(["数据至 ", html.B("2026年11月")]),
                dcc.Dropdown(id="layer", options=["a", "b"], value=export),
                html.Ul([html.Li(f"{name} {value}") for name, value in rows]),
                dcc.Graph(
                    id="map",
                    figure={
                        "data": [
                            {
                                "type": "choroplethmap",
                                "z": figure_z,
                                "geojson": {"features": list(range(500))},
                            }
                        ]
                    },
                ),
                html.Button("导出", id={"type": "table-export", "table": "league"}),
            ]
        )
    )


@pytest.fixture(autouse=True)
def no_first_render_callbacks(monkeypatch):
    monkeypatch.setattr(_patch, "_live_ids", lambda: (frozenset({"live"}), frozenset({"live"})))


def test_patch001_updates_turn_the_old_page_into_the_new_one():
    old = as_json(page("驾驶舱", [("南京", 1.0), ("苏州", 2.0)], [1, 2, 3], "a"))
    new = as_json(page("驾驶舱", [("南京", 1.5), ("苏州", 2.0)], [1, 2, 4], "b"))
    changed = _patch.updates(old, new)
    assert changed is not None
    assert apply_updates(old, changed) == new
    # only what changed is sent: the list item, the dropdown, the map's z
    assert "pg-0-0" not in changed  # the unchanged title
    assert changed["layer"] == {"value": "b"}
    map_update = changed["map"]["figure"]
    assert map_update["__dash_patch_update"] == "__dash_patch_update"
    assert "geojson" not in json.dumps(map_update)  # the boundaries are not sent again


def test_patch002_components_are_placed_by_id_without_dots():
    tree = as_json(page("驾驶舱", [("南京", 1.0)], [1], "a"))
    ids = []

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict) and "props" in node:
            ids.append(node["props"].get("id"))
            walk(node["props"].get("children"))

    walk(tree)
    strings = [i for i in ids if isinstance(i, str)]
    assert len(strings) == len(set(strings)), "every id is unique"
    assert all("." not in i for i in strings)
    assert None not in ids


def test_patch003_a_changed_structure_holding_live_components_needs_the_whole_page():
    old = as_json(_patch.with_place_ids(html.Div([html.Div("x"), html.Div(id="quiet")])))
    new = as_json(_patch.with_place_ids(html.Div([html.Span("x"), html.Div(id="quiet")])))
    # a component of another type: its parent's children are set anew (nothing in them is
    # used by a first-render callback)
    changed = _patch.updates(old, new)
    assert changed is not None and list(changed) == ["pg-0"]
    assert apply_updates(old, changed) == new
    # the same change beside a component a first-render callback uses: the whole page
    live_old = as_json(_patch.with_place_ids(html.Div([html.Div("x"), html.Div(id="live")])))
    live_new = as_json(_patch.with_place_ids(html.Div([html.Span("x"), html.Div(id="live")])))
    assert _patch.updates(live_old, live_new) is None


def test_patch004_a_layout_function_never_sees_the_shown_state():
    seen = {}

    def layout(**query):
        seen.update(query)
        return html.Div("x")

    wrapped = _patch.without_shown(layout)
    assert _patch.without_shown(wrapped) is wrapped
    wrapped(as_of="2024-12", shown_={"key": "cb:1"})
    assert seen == {"as_of": "2024-12"}
