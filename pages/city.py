"""城市 `/city/<code>`: one 设区市 — its targets, its rank among the 13, strengths and gaps,
and its 县(市、区) on a map.

URL: ``/city/<code>`` (a city's GB/T 2260 code, e.g. ``/city/320700``); query ``as_of``
(YYYY-MM), ``set`` (target set), ``layer`` (the county map's indicator). Everything is read from
the materialised tables (target_progress, composite_index, league_table, indicator_values).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.verdict import (
    lagging_targets,
)
from pages import _auth, _ids
from pages._city_county import (
    _county,
)
from pages._city_sections import (
    _gaps,
    _header,
    _ranks,
    _strengths,
    _summary,
    _targets,
)
from pages._city_state import (
    CITY_AS_OF,
    CITY_LAYER,
    CITY_SELECT,
    CITY_SET,
    CITY_UNKNOWN,
    _city_names,
    _export_query,
    _state,
    strengths_and_weaknesses,
)
from pages._components import (
    as_of_key,
    export_header,
    not_ready,
    to_search,
)

dash.register_page(
    __name__,
    path_template="/city/<code>",
    name="城市",
    title="数据大脑 · 城市",
    order=2,
    nav_href="/city/320100",
)

# --- layouts -----------------------------------------------------------------------------------


def _unknown(code: str | None) -> html.Div:
    links = [
        dcc.Link(n, href=f"/city/{c}", className="btn btn-outline-primary btn-sm me-2 mb-2")
        for c, n in _city_names().items()
    ]
    return html.Div(
        [
            html.H1("城市", className="page-title"),
            dbc.Alert(
                [
                    html.Div(
                        f"没有找到代码为「{code or ''}」的设区市。"
                        "城市页使用设区市的行政区划代码（如南京市 320100），请从下列 13 个设区市中选择：",
                        className="mb-2",
                    ),
                    html.Div(links),
                ],
                color="warning",
                id=CITY_UNKNOWN,
            ),
        ]
    )


def _card(header, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], **kwargs)


def _not_yours(code: str) -> html.Div:
    """A city outside the user's scope: said plainly, with a link to their own."""
    own = _auth.current_scope().city
    names = _city_names()
    return html.Div(
        [
            html.H1(names[code], className="page-title"),
            dbc.Alert(
                [
                    html.Span(
                        f"你的账号只能查看{names.get(own, '本市')}的数据，不能查看{names[code]}。"
                    ),
                    dcc.Link(f" 打开{names[own]}", href=f"/city/{own}") if own in names else None,
                ],
                color="warning",
                id="city-not-in-scope",
            ),
        ]
    )


def layout(code=None, **query):
    if code not in _city_names():
        return _unknown(code)
    if not _auth.current_scope().sees_region(code):
        return _not_yours(code)
    state = _state(code, query)
    if state is None:
        return html.Div([html.H1(_city_names()[code], className="page-title"), not_ready()])
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], regions=[code])
    composite = read.composite(wh, state["as_of"]).filter(pl.col("region_code") == code)
    indicator_ranks = read.city_ranks(wh, state["as_of"], code)
    strong, weak = strengths_and_weaknesses(indicator_ranks)
    lagging = lagging_targets(frame, final=state["final"])
    layer, county = _county(state)
    county_title = f"{state['name']}各县（市、区）"
    return html.Div(
        [
            _header(state, composite),
            _summary(state, frame),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            export_header(
                                f"{state['name']}的规划目标",
                                "targets",
                                _export_query(state, city=code, order="plan"),
                            ),
                            _targets(state, frame),
                            className="h-100",
                        ),
                        xl=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(
                            export_header("13 市排名", "composite", _export_query(state)),
                            _ranks(state, composite, indicator_ranks),
                            className="h-100",
                        ),
                        xl=5,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card("优势", _strengths(state, strong), className="h-100"),
                        lg=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card("短板", _gaps(state, weak, lagging), className="h-100"),
                        lg=6,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            _card(
                export_header(county_title, "county_values", _export_query(state, layer=layer))
                if layer
                else county_title,
                county,
                className="mb-3",
            ),
            html.P(
                "数据来源：数据仓库中的目标进度、13 市排名与综合指数表，以及县级指标值，"
                "均按所选“数据截至”日期当时已知的数据。",
                className="small text-muted",
            ),
        ]
    )


# --- callback ----------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "href", allow_duplicate=True),
    Input(CITY_SELECT, "value"),
    Input(CITY_AS_OF, "value"),
    Input(CITY_SET, "value"),
    Input(CITY_LAYER, "value"),
    State(_ids.PAGES_LOCATION, "pathname"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def city_state_to_url(city, as_of, target_set, layer, pathname, search):
    """Put the chosen city (path) and the page's controls (query) into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    path = pathname or "/city"
    if trigger == CITY_SELECT and city:
        path = f"/city/{city}"
    elif trigger == CITY_AS_OF:
        newest = as_of_key(read.vintages(shared_warehouse())[-1])
        query["as_of"] = None if as_of == newest and "as_of" not in query else as_of
    elif trigger == CITY_SET:
        query["set"] = None if target_set == read.default_target_set() else target_set
    elif trigger == CITY_LAYER:
        query["layer"] = layer
    new = path + to_search(query)
    return dash.no_update if new == (pathname or "") + (search or "") else new
