"""目标追踪 `/targets`: every target of a plan — baseline, latest, target, progress, status and
how it was judged — for the province or one city, a city × target status grid, and one target in
detail (its actual path against the path required to reach the target, and the 13 cities).

URL state: ``set`` (target set), ``as_of`` (YYYY-MM), ``method`` (ratio|projection|linear;
default: each target's own method), ``domain``, ``status`` (comma list), ``city`` (region code,
default the province 320000), ``target`` (indicator code: opens the detail view). Before the
plan's deadline the page tracks progress (规划实施监测, 中期评估 in the mid-term year); from the
deadline on it shows the final assessment (总结评估). Everything is read from the materialised
tables (target_progress, indicator_values, catalog_*).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.readings import DEFAULT_READING
from indicators.views import region_names
from pages import _ids
from pages._components import (
    METHOD_LABELS,
    as_of_key,
    as_of_options,
    dropdown,
    export_header,
    method_note,
    not_ready,
    page_header,
    reading_dropdown,
    to_search,
)
from pages._targets_detail import detail
from pages._targets_figures import heatmap_cell
from pages._targets_state import (
    TARGETS_AS_OF,
    TARGETS_CITY,
    TARGETS_DOMAIN,
    TARGETS_HEATMAP_GRAPH,
    TARGETS_METHOD,
    TARGETS_READING,
    TARGETS_REPORT_LINK,
    TARGETS_SET,
    TARGETS_STATUS,
    export_query,
    target_names,
    view_state,
)
from pages._targets_table import filters, labelled, status_grid, summary, target_table
from reports.content import phase

dash.register_page(__name__, path="/targets", name="目标追踪", title="数据大脑 · 目标追踪", order=1)


def _controls(state: dict) -> list:
    wh = shared_warehouse()
    sets = read.target_sets(wh)
    return [
        labelled(
            "目标集",
            dropdown(
                id=TARGETS_SET,
                options=[
                    {"label": n, "value": s}
                    for s, n in sets.select("target_set", "target_set_name").iter_rows()
                ],
                value=state["set"],
                clearable=False,
                style={"minWidth": "16rem"},
            ),
            TARGETS_SET,
        ),
        labelled(
            "数据截至",
            dropdown(
                id=TARGETS_AS_OF,
                options=as_of_options(read.vintages(wh)),
                value=as_of_key(state["as_of"]),
                clearable=False,
                style={"minWidth": "9rem"},
            ),
            TARGETS_AS_OF,
        ),
        labelled(
            "数据口径",
            reading_dropdown(TARGETS_READING, state["reading"]),
            TARGETS_READING,
        ),
        labelled(
            "评估方法",
            dropdown(
                id=TARGETS_METHOD,
                options=[{"label": label, "value": m} for m, label in METHOD_LABELS.items()],
                value=state["method"],
                placeholder="各目标默认方法",
                style={"minWidth": "15rem"},
            ),
            TARGETS_METHOD,
        ),
        labelled(
            "地区",
            dropdown(
                id=TARGETS_CITY,
                options=[
                    {"label": "江苏省（全省）" if c == PROVINCE_CODE else n, "value": c}
                    for c, n in state["names"].items()
                ],
                value=state["city"],
                clearable=False,
                style={"minWidth": "13rem"},
            ),
            TARGETS_CITY,
        ),
    ]


# --- layout ------------------------------------------------------------------------------------


def _card(header, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], **kwargs)


def _report_link(state: dict) -> html.Div:
    """To 报告导出 with this view's region, as-of and target set chosen."""
    ts = state["ts"]
    kind = phase(ts.target_year, ts.midterm_year, state["as_of"]).report_title
    query = {
        "set": None if state["set"] == read.default_target_set() else state["set"],
        "region": None if state["city"] == PROVINCE_CODE else state["city"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
    }
    return html.Div(
        dcc.Link(
            f"导出{state['names'][state['city']]}{kind}（PDF / Excel）→",
            href="/reports" + to_search(query),
            id=TARGETS_REPORT_LINK,
        ),
        className="small mb-3 d-print-none",
    )


def layout(**query):
    state = view_state(query)
    if state is None:
        return html.Div([page_header("目标追踪"), not_ready()])
    wh = shared_warehouse()
    frame = read.progress(
        wh, state["set"], state["as_of"], method=state["method"], reading=state["reading"]
    )
    rows = frame.filter(pl.col("region_code") == state["city"])
    region = state["names"][state["city"]]
    ts = state["ts"]
    return html.Div(
        [
            page_header(
                "目标追踪",
                f"{ts.name_zh}（{ts.document}）· 基期 {ts.baseline_year} 年，目标 "
                f"{ts.target_year} 年 · {region}",
                _controls(state),
            ),
            summary(state, rows),
            _report_link(state),
            detail(state, frame) if state["target"] else None,
            _card(
                export_header(f"{region}的规划目标", "targets", export_query(state)),
                [filters(state), target_table(state, rows)],
                className="mb-3",
            ),
            _card(
                export_header("13 市 × 目标 · 状态一览", "targets_heatmap", export_query(state)),
                status_grid(state, frame),
                className="mb-3",
            ),
            html.P(
                "数据来源：数据仓库中的目标进度与指标数值，均为所选“数据截至”日期当时已知的数据。",
                className="small text-muted mb-0",
            ),
            method_note(
                "数据表：target_progress（目标进度）、indicator_values（指标值）；"
                "进度评估方法：docs/tracking-methods.md。"
            ),
        ]
    )


# --- callback ----------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(TARGETS_SET, "value"),
    Input(TARGETS_AS_OF, "value"),
    Input(TARGETS_READING, "value"),
    Input(TARGETS_METHOD, "value"),
    Input(TARGETS_CITY, "value"),
    Input(TARGETS_DOMAIN, "value"),
    Input(TARGETS_STATUS, "value"),
    Input(TARGETS_HEATMAP_GRAPH, "clickData"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def targets_state_to_url(target_set, as_of, reading, method, city, domain, status, click, search):
    """Put the page's controls, filters and a clicked heatmap cell into the URL."""
    if len(ctx.triggered_prop_ids) != 1:
        # the page's controls all "change" when the layout renders: that is no user's choice
        return dash.no_update
    query: dict = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    trigger = ctx.triggered_id
    if trigger == TARGETS_SET:
        query["set"] = None if target_set == read.default_target_set() else target_set
        query["target"] = None
    elif trigger == TARGETS_AS_OF:
        query["as_of"] = as_of
    elif trigger == TARGETS_READING:
        query["reading"] = None if reading == DEFAULT_READING else reading
    elif trigger == TARGETS_METHOD:
        query["method"] = method
    elif trigger == TARGETS_CITY:
        query["city"] = None if city == PROVINCE_CODE else city
    elif trigger == TARGETS_DOMAIN:
        query["domain"] = domain
    elif trigger == TARGETS_STATUS:
        query["status"] = list(status or [])
    elif trigger == TARGETS_HEATMAP_GRAPH and click and click.get("points"):
        set_id = query.get("set") or read.default_target_set()
        cell = heatmap_cell(click["points"][0], region_names(), target_names(set_id))
        if cell is None:
            return dash.no_update
        code, indicator = cell
        query["city"] = None if code == PROVINCE_CODE else code
        query["target"] = indicator
    new = to_search(query)
    return dash.no_update if new == (search or "") else new
