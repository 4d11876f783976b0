"""指标库 `/indicators`: every catalog indicator — definition, formula, sources, owners, targets,
each region's latest value and a chart of any regions over any periods, as known at an as-of.

URL state: ``code`` (the selected indicator), ``domain`` (list filter), ``q`` (search text over
names, code and definition), ``regions`` (comma list of region codes for the chart; default the
province and the 13 cities), ``period`` (``month``/``quarter``/``year``, no finer than the
indicator's frequency), ``from``/``to`` (period keys such as ``2021``, ``2021Q1`` or
``2021-01``, any granularity), ``as_of`` (YYYY-MM). Everything is read from the materialised
tables (``catalog_indicators``, ``indicator_values``, ``target_progress``).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS
from indicators.periods import (
    convert_key,
)
from pages import _ids
from pages._components import (
    as_of_key,
    as_of_options,
    dropdown,
    month_label,
    not_ready,
    page_header,
    to_search,
)
from pages._indicators_catalog import (
    filters,
    list_table,
    overview,
)
from pages._indicators_detail import (
    chart,
    detail,
    values_table,
)
from pages._indicators_state import (
    INDICATORS_AS_OF,
    INDICATORS_DOMAIN,
    INDICATORS_FROM,
    INDICATORS_LIST,
    INDICATORS_PERIOD,
    INDICATORS_REGIONS,
    INDICATORS_SCROLL,
    INDICATORS_SEARCH,
    INDICATORS_TO,
    series_of,
    view_state,
)

dash.register_page(__name__, path="/indicators", name="指标库", title="数据大脑 · 指标库", order=4)


# --- layout ------------------------------------------------------------------------------------


def layout(**query):
    state = view_state(query)
    if state is None:
        return html.Div([page_header("指标库"), not_ready()])
    wh = shared_warehouse()
    controls = [
        html.Span("截至", className="small text-muted"),
        dropdown(
            id=INDICATORS_AS_OF,
            options=as_of_options(read.vintages(wh)),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
    ]
    header = page_header(
        "指标库",
        f"{state['catalog'].height} 项指标 · {len(DOMAINS)} 个领域：口径、计算公式、数据来源、责任单位与各地区数值"
        f"（截至 {month_label(state['as_of'])}）",
        controls,
    )
    left = dbc.Card(
        [
            dbc.CardHeader("指标目录"),
            dbc.CardBody(
                [filters(state), list_table(state), dcc.Store(id=INDICATORS_SCROLL)],
                className="p-2",
            ),
        ],
        className="mb-3",
        style={
            "position": "sticky",
            "top": ".5rem",
        },  # the catalog stays in view beside a long detail
    )
    selected = state["code"] is not None
    if not selected:
        # the chart's controls are inputs of the page's one URL callback: keep them present
        hidden = html.Div(
            [
                dcc.Dropdown(id=INDICATORS_REGIONS, multi=True),
                dbc.RadioItems(id=INDICATORS_PERIOD, options=[]),
                dcc.Dropdown(id=INDICATORS_FROM),
                dcc.Dropdown(id=INDICATORS_TO),
            ],
            hidden=True,
        )
        right = [overview(state), hidden]
    else:
        frame = series_of(state)
        right = [detail(state), chart(state, frame), values_table(state, frame)]
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col(
                        left,
                        xs={"size": 12, "order": 2 if selected else 1},
                        lg={"size": 5, "order": 1},
                        xxl=4,
                    ),
                    dbc.Col(
                        right,
                        xs={"size": 12, "order": 1 if selected else 2},
                        lg={"size": 7, "order": 2},
                        xxl=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


# --- callbacks ---------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(INDICATORS_SEARCH, "value"),
    Input(INDICATORS_DOMAIN, "value"),
    Input(INDICATORS_AS_OF, "value"),
    Input(INDICATORS_REGIONS, "value"),
    Input(INDICATORS_PERIOD, "value"),
    Input(INDICATORS_FROM, "value"),
    Input(INDICATORS_TO, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def indicators_state_to_url(q, domain, as_of, regions, period, from_, to, search):
    """Put the list filters, as-of, chart regions, period type and range into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    if trigger == INDICATORS_SEARCH:
        query["q"] = (q or "").strip()
    elif trigger == INDICATORS_DOMAIN:
        query["domain"] = domain
    elif trigger == INDICATORS_AS_OF:
        # the newest vintage is the default: leave it out (the as-of dropdown also reports
        # its value when it first renders, which must not pin the URL to today's vintage)
        newest = as_of_options(read.vintages(shared_warehouse()))[0]["value"]
        query["as_of"] = None if as_of == newest and "as_of" not in query else as_of
    elif trigger == INDICATORS_REGIONS:
        query["regions"] = list(regions or [])
    elif trigger == INDICATORS_PERIOD:
        query["period"] = period
        query["from"] = convert_key(query.get("from"), period)
        query["to"] = convert_key(query.get("to"), period, end=True)
    elif trigger == INDICATORS_FROM:
        query["from"] = from_
    elif trigger == INDICATORS_TO:
        query["to"] = to
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


# Scroll the catalog list to the selected indicator after each render (browser-side only).
clientside_callback(
    """
    function (_id) {
        setTimeout(function () {
            var row = document.querySelector("#indicators-list tr.table-active");
            var box = row && row.closest(".indicators-scroll");
            if (box) {
                var top = row.getBoundingClientRect().top - box.getBoundingClientRect().top;
                box.scrollTop += top - box.clientHeight / 3;
            }
        }, 0);
        return window.dash_clientside.no_update;
    }
    """,
    Output(INDICATORS_SCROLL, "data"),
    Input(INDICATORS_LIST, "id"),
)
