"""风险预警 `/risk`: where the risk is now — a city × domain risk heatmap, ranked early
warnings with a drill-down to the data behind each, and 12345 hotline analytics.

URL state: ``as_of`` (YYYY-MM; default the newest), ``reading`` (``transaction`` 按当时已入库数据,
the default, or ``event`` 按现有数据回溯), ``warning`` (rule:region:indicator of the warning to
drill into), ``city`` (heatmap filter), ``hotline`` (region of the hotline section, default the
province), ``category``. Every panel shows what was known at ``as_of`` in that reading, through
:mod:`indicators.read_risk` (materialised per risk vintage).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.readings import DEFAULT_READING
from indicators.views import risk_view, target_set_of
from pages import _ids
from pages._components import (
    as_of_key,
    as_of_options,
    dropdown,
    export_header,
    month_label,
    not_ready,
    page_header,
    severity_badge,
    to_search,
)
from pages._risk_hotline import (
    _anomalies,
    _hotline,
)
from pages._risk_warnings import (
    RISK_AS_OF,
    RISK_HEATMAP,
    RISK_HOTLINE_CATEGORY,
    RISK_HOTLINE_REGION,
    RISK_READING,
    _drill,
    _warnings_table,
    heatmap_figure,
)

dash.register_page(__name__, path="/risk", name="风险预警", title="数据大脑 · 风险预警", order=5)


def _controls(vintages: list[dt.date], as_of: dt.date, reading: str) -> html.Div:
    """The as-of month and the reading (what "known then" means), both kept in the URL."""
    return html.Div(
        [
            html.Div(
                dropdown(
                    id=RISK_AS_OF,
                    options=as_of_options(vintages),
                    value=as_of_key(as_of),
                    clearable=False,
                    style={"minWidth": "11rem"},
                ),
                title="数据截至",
            ),
            dbc.RadioItems(
                id=RISK_READING,
                options=[
                    {"label": o["label"], "value": o["value"]} for o in read.reading_options()
                ],
                value=reading,
                inline=True,
                className="small",
            ),
        ],
        className="d-flex flex-wrap align-items-center gap-2",
    )


def _subtitle(wh, as_of: dt.date, reading: str) -> str:
    text = (
        f"数据截至 {month_label(as_of)}（{read.reading_label(reading)}）；"
        "预警规则统一配置、逐条可查"
    )
    vintage = read_risk.risk_vintage(wh, as_of)
    if vintage is not None and vintage != as_of:
        text += f"；预警、风险分与异常按 {month_label(vintage)} 的评估（年末、中期与最新时点）"
    return text


def layout(**query):
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return html.Div([page_header("风险预警"), not_ready()])
    vintages = read.vintages(wh)
    view = risk_view(wh, query)
    as_of, reading = view["as_of"], view["reading"]
    names = {c: n for c, n in cities().select("region_code", "name_zh").iter_rows()}
    body = []
    if read_risk.has_risk(wh):
        warnings = read_risk.warnings(wh, **view, target_set=target_set_of(query))
        city = query.get("city")
        shown = warnings.filter(pl.col("region_code") == city) if city else warnings
        counts = warnings.group_by("severity_rank").len().sort("severity_rank")
        summary = html.Div(
            [
                html.Span([severity_badge(rank), f" {n} 条"], className="me-3")
                for rank, n in counts.iter_rows()
            ],
            className="mb-2",
        )
        drill = _drill(warnings, query["warning"], view) if query.get("warning") else None
        if read_risk.risk_vintage(wh, as_of) is None:
            first = read_risk.risk_vintages(wh)
            since = f"，最早一次为 {month_label(first[0])}" if first else ""
            summary = dbc.Alert(
                f"截至 {month_label(as_of)} 尚未进行预警评估（预警按年末、中期与最新时点评估"
                f"{since}）。",
                color="info",
                className="py-2",
            )
        body += [
            summary,
            drill,
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    export_header(
                                        "13 市 × 领域 风险分（可能性 × 影响，0–100；"
                                        "点击城市筛选预警）",
                                        "risk_scores",
                                        query,
                                    )
                                ),
                                dbc.CardBody(
                                    dcc.Graph(
                                        id=RISK_HEATMAP,
                                        figure=heatmap_figure(
                                            read_risk.risk_scores(wh, **view), names
                                        ),
                                        config={"displaylogo": False},
                                    ),
                                    className="p-1",
                                ),
                            ],
                            className="h-100",
                        ),
                        lg=5,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    export_header(
                                        f"预警清单（{shown.height} 条"
                                        + (f"，{region_name(city)}" if city else "")
                                        + "，按级别排序）",
                                        "warnings",
                                        query,
                                    )
                                ),
                                dbc.CardBody(_warnings_table(shown, query), className="p-1"),
                            ],
                            className="h-100",
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
        ]
    else:
        body += [
            dbc.Alert(
                "尚未生成预警：运行 `databrain forecast`（含风险评估）后显示。", color="info"
            ),
            dcc.Graph(id=RISK_HEATMAP, style={"display": "none"}),  # keeps the callback whole
        ]
    body.append(_anomalies(query, view))
    body.append(_hotline(query, view))
    return html.Div(
        [
            page_header(
                "风险预警",
                _subtitle(wh, as_of, reading),
                right=_controls(vintages, as_of, reading),
            ),
            *body,
        ]
    )


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(RISK_HEATMAP, "clickData"),
    Input(RISK_HOTLINE_REGION, "value"),
    Input(RISK_HOTLINE_CATEGORY, "value"),
    Input(RISK_AS_OF, "value"),
    Input(RISK_READING, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def risk_state_to_url(click, region, category, as_of, reading, search):
    """Put the heatmap city, the hotline region and category, the as-of month and the reading
    into the URL."""
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    trigger = ctx.triggered_id
    if trigger == RISK_HEATMAP and click and click.get("points"):
        code = click["points"][0].get("customdata")
        query["city"] = None if code == query.get("city") else code
        query.pop("warning", None)
    elif trigger == RISK_HOTLINE_REGION:
        query["hotline"] = None if region == PROVINCE_CODE else region
    elif trigger == RISK_HOTLINE_CATEGORY:
        query["category"] = category
    elif trigger == RISK_AS_OF:
        query["as_of"] = as_of
        query.pop("warning", None)
    elif trigger == RISK_READING:
        query["reading"] = None if reading == DEFAULT_READING else reading
        query.pop("warning", None)
    new = to_search(query)
    return dash.no_update if new == (search or "") else new
