"""领导要情 ``/briefing``: one page a leader reads — the plan's standing for the province or a
city at an as-of, what changed since the previous vintage, the largest risks and what is
overdue in 督办 — in plain Chinese, and the same page as PDF.

State in the URL: ``set`` (target set), ``city`` (a city's code; the province without it),
``as_of``. Each sentence carries the figures it states (``data-figures``: indicator, region,
as-of, kind, value and how it was printed), from :mod:`indicators.briefing`.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.briefing import Briefing, briefing
from indicators.text import month_label
from indicators.views import cockpit_state, region_names
from pages import _auth, _ids
from pages._components import (
    as_of_in_url,
    as_of_key,
    as_of_options,
    dropdown,
    not_ready,
    page_header,
    to_search,
)
from reports.briefing import briefing_filename, render_briefing_pdf

dash.register_page(
    __name__, path="/briefing", name="领导要情", title="数据大脑 · 领导要情", order=0.5
)

BRIEFING_REGION = "briefing-region"
BRIEFING_AS_OF = "briefing-as-of"
BRIEFING_PDF = "briefing-pdf"
BRIEFING_DOWNLOAD = "briefing-download"
_auth.require_for_output(BRIEFING_DOWNLOAD, "export")


def _state(query: dict) -> dict | None:
    return cockpit_state(shared_warehouse(), query)


def _brief(state: dict) -> Briefing:
    return briefing(shared_warehouse(), state["set"], state["city"], state["as_of"])


def _sections(b: Briefing) -> list:
    return [
        dbc.Card(
            [
                dbc.CardHeader(html.H2(section.title, className="h6 mb-0 fw-bold")),
                dbc.CardBody(
                    [
                        html.P(
                            s.text,
                            className="briefing-sentence mb-2",
                            **{"data-figures": json.dumps([f.to_dict() for f in s.figures])},
                        )
                        for s in section.sentences
                    ]
                ),
            ],
            className="mb-3 briefing-section",
        )
        for section in b.sections
    ]


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("领导要情"), not_ready()])
    b = _brief(state)
    names = region_names()
    scope = _auth.current_scope()
    regions = [
        {"label": name, "value": code}
        for code, name in names.items()
        if scope.regions is None or code == scope.city
    ]
    controls = [
        dropdown(
            id=BRIEFING_REGION,
            options=regions,
            value=state["city"],
            clearable=False,
            style={"minWidth": "8rem"},
        ),
        dropdown(
            id=BRIEFING_AS_OF,
            options=as_of_options(read.vintages(shared_warehouse())),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
        dbc.Button("下载 PDF", id=BRIEFING_PDF, color="secondary", size="sm")
        if scope.can("export")
        else None,
    ]
    previous = f"，与 {month_label(b.previous)} 比较" if b.previous else ""
    return html.Div(
        [
            page_header(
                b.title,
                f"{b.plan} · 数据截至 {month_label(b.as_of)}{previous}。每句话所述数字均来自数据仓库。",
                right=[c for c in controls if c is not None],
            ),
            dbc.Row(dbc.Col(_sections(b), xl=9), id="briefing-body"),
            dcc.Download(id=BRIEFING_DOWNLOAD),
        ]
    )


def _query(search: str | None) -> dict:
    return {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(BRIEFING_REGION, "value"),
    Input(BRIEFING_AS_OF, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def briefing_state_to_url(region, as_of, search):
    """Put the chosen region and as-of into the URL."""
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    query = _query(search)
    if ctx.triggered_id == BRIEFING_REGION:
        query["city"] = None if region == PROVINCE_CODE else region
    else:
        query["as_of"] = as_of_in_url(as_of)
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


@callback(
    Output(BRIEFING_DOWNLOAD, "data"),
    Input(BRIEFING_PDF, "n_clicks"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def briefing_pdf(clicks, search):
    if not clicks:
        raise dash.exceptions.PreventUpdate
    state = _state(_query(search))
    if state is None:
        raise dash.exceptions.PreventUpdate
    b = _brief(state)
    synthetic = is_synthetic(shared_warehouse())
    name = briefing_filename(b, synthetic=synthetic)
    _auth.audit("export", target=name, region=b.region, as_of=b.as_of)
    return dcc.send_bytes(render_briefing_pdf(b, synthetic=synthetic), name)
