"""领导驾驶舱 `/`: the whole plan on one screen — targets, map, lagging cities, the economy.

URL state: ``as_of`` (YYYY-MM), ``set`` (target set), ``city`` (region filter, from the map),
``layer`` (map colour: ``综合``/a domain composite, or an indicator code), ``screen=big`` (a
16:9 dark command-centre canvas), ``rotate`` (seconds between map layers on the big screen; 0
keeps still), ``refresh`` (seconds between data refreshes on the big screen, default 300).
Everything is read from the materialised indicator tables.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, region_name
from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS
from indicators.readings import DEFAULT_READING
from indicators.views import COMPOSITE
from pages import _big_screen, _cache, _ids
from pages._components import (
    as_of_in_url,
    as_of_key,
    as_of_options,
    dropdown,
    export_header,
    not_ready,
    page_header,
    reading_dropdown,
    to_search,
)
from pages._home_sections import (
    _cards,
    _economy,
    _lagging,
    _layer_options,
    _map_figure,
    _summary,
    _top_warnings,
    duban_summary,
)
from pages._home_state import (
    COCKPIT_AS_OF,
    COCKPIT_BIG,
    COCKPIT_BIG_BODY,
    COCKPIT_CITY_CLEAR,
    COCKPIT_LAYER,
    COCKPIT_MAP,
    COCKPIT_READING,
    COCKPIT_STATE,
    COCKPIT_TICK,
    _evaluation_label,
    _state,
)

dash.register_page(__name__, path="/", name="领导驾驶舱", title="数据大脑 · 领导驾驶舱", order=0)

# --- layouts -----------------------------------------------------------------------------------


def _desktop(state: dict) -> html.Div:
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], reading=state["reading"])
    region = "全省" if state["city"] == PROVINCE_CODE else region_name(state["city"])
    vintages = read.vintages(wh)
    controls = [
        dropdown(
            id=COCKPIT_AS_OF,
            options=as_of_options(vintages),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
        reading_dropdown(COCKPIT_READING, state["reading"], minWidth="11rem"),
        dropdown(
            id=COCKPIT_LAYER,
            options=_layer_options(),
            value=state["layer"],
            clearable=False,
            style={"minWidth": "14rem"},
        ),
        dbc.Button(
            "全省",
            id=COCKPIT_CITY_CLEAR,
            color="secondary",
            outline=True,
            size="sm",
            disabled=state["city"] == PROVINCE_CODE,
        ),
        dbc.Button(
            "大屏",
            href=to_search({"screen": "big", "as_of": as_of_key(state["as_of"]), "rotate": 20}),
            color="dark",
            size="sm",
            external_link=True,
        ),
    ]
    return html.Div(
        [
            page_header(
                f"领导驾驶舱 · {region}",
                f"{state['ts'].name_zh}（{state['ts'].document}）· {_evaluation_label(state)}",
                controls,
            ),
            _summary(state, frame),
            _cards(state, frame),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    export_header(
                                        "13 个设区市 · 点击城市筛选全页",
                                        # the map's table: the composite index, or one
                                        # indicator's 13-city league table
                                        "composite"
                                        if state["layer"] in (COMPOSITE, *DOMAINS)
                                        else "league",
                                        {
                                            "as_of": as_of_key(state["as_of"]),
                                            "layer": state["layer"],
                                        },
                                    )
                                ),
                                dbc.CardBody(
                                    dcc.Graph(
                                        id=COCKPIT_MAP,
                                        figure=_map_figure(state),
                                        config={"displaylogo": False, "scrollZoom": False},
                                        style={"height": "460px"},
                                    ),
                                    className="p-1",
                                ),
                            ],
                            className="h-100",
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    (
                                        f"到期未达成的目标（截至 {state['ts'].target_year} 年末）"
                                        if state["final"]
                                        else "滞后的目标"
                                    )
                                    + (
                                        "与城市"
                                        if state["city"] == PROVINCE_CODE
                                        else f" · {region}"
                                    )
                                ),
                                dbc.CardBody(_lagging(state, frame)),
                            ],
                            className="h-100",
                        ),
                        lg=5,
                        className="mb-3",
                    ),
                ],
                className="g-3 mt-1",
            ),
            html.H2(f"经济运行 · {region}", className="section-title"),
            _economy(state),
            _top_warnings(state),
            duban_summary(state),
            html.P(
                "数据来源：数据仓库中的事项级台账与统计长表，按指标库的定义计算；"
                "状态判定方法见目标追踪页。",
                className="small text-muted mt-3",
            ),
        ]
    )


def _big_body(state: dict, tick: int = 0) -> html.Div:
    """The big-screen canvas body; ``tick`` advances the map layer when rotating."""
    layers = [COMPOSITE, *DOMAINS]
    if state["rotate"]:
        state = {**state, "layer": layers[tick % len(layers)]}
    return _big_screen.body(state)


def _big(state: dict) -> html.Div:
    synthetic = is_synthetic(shared_warehouse())
    return html.Div(
        [
            dcc.Store(
                id=COCKPIT_STATE,
                data={
                    "set": state["set"],
                    "as_of": state["as_of"].isoformat(),
                    "city": state["city"],
                    "layer": state["layer"],
                    "rotate": state["rotate"],
                    "reading": state["reading"],
                },
            ),
            dcc.Interval(
                id=COCKPIT_TICK,
                interval=1000 * (state["rotate"] or state["refresh"]),
                n_intervals=0,
            ),
            _big_screen.header(state, _evaluation_label(state), synthetic),
            html.Div(_big_body(state), id=COCKPIT_BIG_BODY),
        ],
        className="big-canvas",
        id=COCKPIT_BIG,
    )


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("领导驾驶舱"), not_ready()])
    return _big(state) if state["big"] else _desktop(state)


# --- callbacks ---------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(COCKPIT_AS_OF, "value"),
    Input(COCKPIT_READING, "value"),
    Input(COCKPIT_LAYER, "value"),
    Input(COCKPIT_MAP, "clickData"),
    Input(COCKPIT_CITY_CLEAR, "n_clicks"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def cockpit_state_to_url(as_of, reading, layer, click, _clear, search):
    """Put the cockpit's controls and the clicked city into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    if trigger == COCKPIT_AS_OF:
        query["as_of"] = as_of_in_url(as_of)
    elif trigger == COCKPIT_READING:
        query["reading"] = None if reading == DEFAULT_READING else reading
    elif trigger == COCKPIT_LAYER:
        query["layer"] = None if layer == COMPOSITE else layer
    elif trigger == COCKPIT_MAP and click and click.get("points"):
        code = click["points"][0].get("location")
        query["city"] = None if code == query.get("city") else code
    elif trigger == COCKPIT_CITY_CLEAR:
        query["city"] = None
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


@callback(
    Output(COCKPIT_BIG_BODY, "children"),
    Input(COCKPIT_TICK, "n_intervals"),
    State(COCKPIT_STATE, "data"),
    prevent_initial_call=True,
)
def big_screen_tick(n, data):
    """Refresh the big screen's data and, when rotating, move to the next map layer. Answered
    from the cache (:func:`_big_tick_varies`) while nothing it shows has changed."""
    query = {k: v for k, v in data.items() if k != "rotate"} | {
        "as_of": data["as_of"][:7],
        "rotate": str(data["rotate"]),
        "screen": "big",
    }
    state = _state(query)
    if state is None:
        raise dash.exceptions.PreventUpdate
    return _big_body(state, n or 0)


def _big_tick_varies(body: dict) -> list:
    """A refresh shows the same screen until the data change: its answer varies by the
    cockpit state and the layer the tick rotates to, not by the tick count."""
    data = next((s.get("value") for s in body.get("state") or [] if isinstance(s, dict)), None)
    tick = next((i.get("value") for i in body.get("inputs") or [] if isinstance(i, dict)), 0)
    rotate = bool(isinstance(data, dict) and data.get("rotate"))
    layer = (tick or 0) % (len(DOMAINS) + 1) if rotate else 0
    return [data, layer]


_cache.cacheable(COCKPIT_BIG_BODY, vary=_big_tick_varies)
