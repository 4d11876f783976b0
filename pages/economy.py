"""经济运行 `/economy`: the province's economy at a glance and the 13 cities compared.

URL state: ``indicator`` (a 经济运行 indicator, default ``gdp_growth``), ``period``
(``month``/``quarter``/``year``; default the indicator's own frequency, coarser allowed),
``cities`` (comma list of city codes; default all 13), ``as_of`` (YYYY-MM: only what was known
then), ``from``/``to`` (period range of the trend and the table). Values come from
``indicator_values`` as known at ``as_of`` (``indicators.engine.values_as_of``).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import FREQUENCY_ORDER
from indicators.economy import (
    DEFAULT_INDICATOR,
    TABLE_PERIODS,
)
from pages import _ids
from pages._components import (
    DROPDOWN_LABELS,
    as_of_key,
    as_of_options,
    export_header,
    method_note,
    month_label,
    not_ready,
    page_header,
    to_search,
)
from pages._economy_figures import (
    _axis_unit,
    _kpi_strip,
    _table,
    growth_figure,
    levels_figure,
    shares_figure,
    trend_figure,
)
from pages._economy_state import (
    DEFAULT_FROM_WORDS,
    ECONOMY_AS_OF,
    ECONOMY_CITIES,
    ECONOMY_FROM,
    ECONOMY_GROWTH,
    ECONOMY_INDICATOR,
    ECONOMY_LEVELS,
    ECONOMY_NOTE,
    ECONOMY_PERIOD,
    ECONOMY_SHARES,
    ECONOMY_TABLE,
    ECONOMY_TO,
    ECONOMY_TREND,
    GRAPH_CONFIG,
    NO_OVERFLOW,
    PERIOD_WORDS,
    _export_query,
    _indicators,
    _is_level,
    _label,
    _load,
    _state,
    fmt_number,
)

dash.register_page(__name__, path="/economy", name="经济运行", title="数据大脑 · 经济运行", order=3)

# --- layout ------------------------------------------------------------------------------------


def _controls(state: dict, data: dict) -> dbc.Card:
    inds = _indicators()
    ind = state["ind"]
    period_options = [
        {
            "label": f"按{PERIOD_WORDS[t]}",
            "value": t,
            "disabled": FREQUENCY_ORDER[t] < FREQUENCY_ORDER[ind.frequency],
        }
        for t in ("month", "quarter", "year")
    ]
    period_choices = [{"label": p, "value": p} for p in data["periods"]]
    names = state["names"]
    chosen = None if len(state["cities"]) == len(state["all_cities"]) else state["cities"]

    def field(label, control, **cols):
        return dbc.Col([html.Label(label, className="small text-muted mb-1"), control], **cols)

    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    field(
                        "指标",
                        dcc.Dropdown(
                            labels=DROPDOWN_LABELS,
                            id=ECONOMY_INDICATOR,
                            style=NO_OVERFLOW,
                            options=[
                                {"label": f"{i.name_zh}（{i.unit}）", "value": c}
                                for c, i in inds.items()
                            ],
                            value=state["indicator"],
                            clearable=False,
                        ),
                        xs=12,
                        lg=4,
                    ),
                    field(
                        "时期",
                        dbc.RadioItems(
                            id=ECONOMY_PERIOD,
                            options=period_options,
                            value=state["period"],
                            inline=True,
                            className="pt-1",
                        ),
                        xs=12,
                        md=6,
                        lg=2,
                    ),
                    field(
                        "城市（趋势与表格）",
                        dcc.Dropdown(
                            labels=DROPDOWN_LABELS,
                            id=ECONOMY_CITIES,
                            style=NO_OVERFLOW,
                            options=[{"label": n, "value": c} for c, n in names.items()],
                            value=chosen,
                            multi=True,
                            placeholder="全部 13 市",
                        ),
                        xs=12,
                        md=6,
                        lg=3,
                    ),
                    field(
                        "起",
                        dcc.Dropdown(
                            labels=DROPDOWN_LABELS,
                            id=ECONOMY_FROM,
                            style=NO_OVERFLOW,
                            options=period_choices,
                            value=data["from"],
                            clearable=True,
                            placeholder=DEFAULT_FROM_WORDS[state["period"]],
                        ),
                        xs=6,
                        lg="auto",
                        style={"minWidth": "8rem"},
                    ),
                    field(
                        "止",
                        dcc.Dropdown(
                            labels=DROPDOWN_LABELS,
                            id=ECONOMY_TO,
                            style=NO_OVERFLOW,
                            options=period_choices,
                            value=data["to"],
                            clearable=True,
                            placeholder="最新",
                        ),
                        xs=6,
                        lg="auto",
                        style={"minWidth": "8rem"},
                    ),
                ],
                className="g-2 align-items-end",
            ),
            className="p-2",
        ),
        className="mb-3",
    )


def _card(header, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body, className="p-2")], **kwargs)


def _graph(graph_id: str, figure: go.Figure, caption: str) -> list:
    return [
        dcc.Graph(
            id=graph_id,
            figure=figure,
            config=GRAPH_CONFIG,
            style={"height": f"{figure.layout.height}px"},
        ),
        html.Div(caption, className="small text-muted"),
    ]


def _province_only(state: dict, data: dict, source: str) -> list:
    """A series published for the province alone (unemployment): its value, no city bars."""
    ind = state["ind"]
    rows = data["values"].filter(pl.col("period") == data["latest"])
    value = rows["value"][0] if rows.height else None
    return [
        html.Div(
            [
                html.Div(
                    fmt_number(value, ind.unit, ind.decimals), className="stat-value display-6"
                ),
                html.Div(f"全省 · {_label(state, data, data['latest'])}", className="text-muted"),
                html.Div("本指标仅发布全省数据，无分市比较。", className="small mt-2"),
            ],
            id=ECONOMY_LEVELS,
            className="py-3 text-center",
        ),
        html.Div(source, className="small text-muted"),
    ]


def _desktop(state: dict) -> html.Div:
    wh = shared_warehouse()
    data = _load(state)
    ind = state["ind"]
    as_of_text = month_label(state["as_of"])
    controls = [
        html.Label("数据截至", className="small text-muted mb-0 align-self-center"),
        dcc.Dropdown(
            labels=DROPDOWN_LABELS,
            id=ECONOMY_AS_OF,
            options=as_of_options(read.vintages(wh)),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem", "overflow": "hidden"},
        ),
    ]
    header = page_header(
        "经济运行",
        f"全省与 13 个设区市 · 按 {as_of_text} 时已发布的数据（同比、占比由数值计算）",
        controls,
    )
    if data["latest"] is None:
        return html.Div(
            [
                header,
                html.H2("全省主要指标", className="section-title"),
                _kpi_strip(state),
                _controls(state, data),
                dbc.Alert(f"截至 {as_of_text}，{ind.name_zh}尚无数据。", color="info"),
                html.Div(id=ECONOMY_LEVELS),
                html.Div(id=ECONOMY_TREND),
                html.Div(id=ECONOMY_TABLE),
            ]
        )
    latest_text = _label(state, data, data["latest"])
    unit = _axis_unit(ind)
    source = f"数据截至 {as_of_text}；{ind.description}"
    range_text = f"{data['range'][0]} 至 {data['range'][-1]}" if data["range"] else "—"
    province_only = data["values"].filter(pl.col("region_code") != PROVINCE_CODE).is_empty()
    levels_header = f"{ind.name_zh} · {latest_text}（{unit}）" + (
        "" if province_only else " · 13 市由高到低"
    )
    top = dbc.Row(
        [
            dbc.Col(
                _card(
                    levels_header,
                    _province_only(state, data, source)
                    if province_only
                    else _graph(
                        ECONOMY_LEVELS,
                        levels_figure(state, data),
                        ("虚线为 13 市平均。" if _is_level(ind) else "虚线为全省。") + source,
                    ),
                    className="h-100",
                ),
                lg=6,
                className="mb-3",
            ),
            dbc.Col(
                _card(
                    f"{ind.name_zh} · 趋势 {range_text}（{unit}）",
                    _graph(
                        ECONOMY_TREND,
                        trend_figure(state, data),
                        f"所选城市与全省，按{PERIOD_WORDS[state['period']]}；"
                        + ("全省为合计，读右轴。" if _is_level(ind) else "")
                        + f"数据截至 {as_of_text}。",
                    ),
                    className="h-100",
                ),
                lg=6,
                className="mb-3",
            ),
        ],
        className="g-3",
    )
    if _is_level(ind) and not province_only:
        middle = dbc.Row(
            [
                dbc.Col(
                    _card(
                        f"同比增长 · {latest_text}（%）",
                        _graph(
                            ECONOMY_GROWTH,
                            growth_figure(state, data),
                            "同比增长 = 本期值 ÷ 上年同期值 − 1"
                            + (
                                "；期中数据与上年同期相同月份比较"
                                if data["running"] and data["through"]
                                else ""
                            )
                            + f"；虚线为全省。数据截至 {as_of_text}。",
                        ),
                        className="h-100",
                    ),
                    lg=6,
                    className="mb-3",
                ),
                dbc.Col(
                    _card(
                        f"占 13 市合计比重 · {latest_text}（%）",
                        _graph(
                            ECONOMY_SHARES,
                            shares_figure(state, data),
                            f"比重 = 本市值 ÷ 13 市合计 × 100%。数据截至 {as_of_text}。",
                        ),
                        className="h-100",
                    ),
                    lg=6,
                    className="mb-3",
                ),
            ],
            className="g-3",
        )
    else:
        middle = html.P(
            f"{ind.name_zh}本身是增速、指数或比率，不再计算同比与占比；"
            "可选择地区生产总值、社会消费品零售总额、一般公共预算收入或进出口总额查看。",
            className="small text-muted",
            id=ECONOMY_NOTE,
        )
    return html.Div(
        [
            header,
            html.H2("全省主要指标", className="section-title"),
            _kpi_strip(state),
            _controls(state, data),
            top,
            middle,
            _card(
                export_header(
                    f"{ind.name_zh} · 近 {min(TABLE_PERIODS, len(data['range']))} 期对比与位次",
                    "economy",
                    _export_query(state),
                ),
                _table(state, data),
                className="mb-3",
            ),
            html.P(
                "数据来源：数据仓库中的经济统计数据，按指标库定义汇总；"
                "所有数值均按所选“数据截至”日期当时已发布的版本。",
                className="small text-muted mb-0",
            ),
            method_note(
                "数据表：economic_stats（经济统计长表），经指标引擎汇总为 indicator_values。"
            ),
        ]
    )


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("经济运行"), not_ready()])
    return _desktop(state)


# --- callback ----------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(ECONOMY_INDICATOR, "value"),
    Input(ECONOMY_PERIOD, "value"),
    Input(ECONOMY_CITIES, "value"),
    Input(ECONOMY_AS_OF, "value"),
    Input(ECONOMY_FROM, "value"),
    Input(ECONOMY_TO, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def economy_state_to_url(indicator, period, chosen, as_of, start, end, search):
    """Put the economy page's controls into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    if trigger == ECONOMY_INDICATOR:
        query["indicator"] = None if indicator == DEFAULT_INDICATOR else indicator
        for key in ("period", "from", "to"):  # ranges differ between indicators
            query.pop(key, None)
    elif trigger == ECONOMY_PERIOD:
        query["period"] = period
        query.pop("from", None)
        query.pop("to", None)
    elif trigger == ECONOMY_CITIES:
        all_codes = cities()["region_code"].to_list()
        keep = [c for c in all_codes if c in (chosen or [])]
        query["cities"] = None if len(keep) in (0, len(all_codes)) else keep
    elif trigger == ECONOMY_AS_OF:
        newest = as_of_key(read.vintages(shared_warehouse())[-1])
        query["as_of"] = None if as_of == newest and "as_of" not in query else as_of
    elif trigger == ECONOMY_FROM:
        query["from"] = start
    elif trigger == ECONOMY_TO:
        query["to"] = end
    new = to_search(query)
    return dash.no_update if new == (search or "") else new
