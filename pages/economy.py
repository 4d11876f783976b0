"""经济运行 `/economy`: the province's economy at a glance and the 13 cities compared.

URL state: ``indicator`` (a 经济运行 indicator, default ``gdp_growth``), ``period``
(``month``/``quarter``/``year``; default the indicator's own frequency, coarser allowed),
``cities`` (comma list of city codes; default all 13), ``as_of`` (YYYY-MM: only what was known
then), ``from``/``to`` (period range of the trend and the table). Values come from
``indicator_values`` as known at ``as_of`` (``indicators.engine.values_as_of``).
"""

from __future__ import annotations

import datetime as dt
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
from indicators.economy import (  # noqa: F401  (page-facing names; tests import them here)
    DEFAULT_INDICATOR,
    DEFAULT_SPAN,
    DOMAIN,
    QUARTER_WORDS,
    QUARTER_YTD,
    TABLE_PERIODS,
    city_shares,
    coarse_period,
    comparable_prior,
    comparison_rows,
    economy_indicators,
    load_view,
    period_text,
    prior_period,
    rank_values,
    resolve_view,
    yoy_growth,
)
from pages import _ids
from pages._components import (
    as_of_key,
    as_of_options,
    export_header,
    month_label,
    not_ready,
    page_header,
    to_search,
)

dash.register_page(__name__, path="/economy", name="经济运行", title="数据大脑 · 经济运行", order=3)

ECONOMY_KPIS = "economy-kpis"
ECONOMY_INDICATOR = "economy-indicator"
ECONOMY_PERIOD = "economy-period"
ECONOMY_CITIES = "economy-cities"
ECONOMY_AS_OF = "economy-as-of"
ECONOMY_FROM = "economy-from"
ECONOMY_TO = "economy-to"
ECONOMY_LEVELS = "economy-levels"
ECONOMY_GROWTH = "economy-growth"
ECONOMY_SHARES = "economy-shares"
ECONOMY_TREND = "economy-trend"
ECONOMY_TABLE = "economy-table"
ECONOMY_NOTE = "economy-note"

# Dash 4 dropdowns speak English unless told otherwise.
DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "全不选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除选择",
    "no_options_found": "没有匹配的选项",
}
KPIS = [  # (indicator, period type) of the province strip
    ("gdp_growth", "quarter"),
    ("fixed_asset_investment_growth", "month"),
    ("retail_sales_growth", "month"),
    ("budget_revenue_growth", "month"),
    ("cpi", "month"),
    ("unemployment_rate", "month"),
]
PERIOD_WORDS = {"month": "月", "quarter": "季度", "year": "年"}
DEFAULT_FROM_WORDS = {"month": "近 24 个月", "quarter": "近 12 个季度", "year": "近 10 年"}
SELECTED, OTHER, PROVINCE_COLOUR = "#0072B2", "#A6C8E0", "#1b2a41"
PALETTE = [  # Okabe–Ito, then Tol's muted: distinguishable lines for up to 13 cities
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#117733",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
]
GRAPH_CONFIG = {"displaylogo": False}
# Dash 4 dropdowns hold a 208 px focus input that would stick out of narrow ones.
NO_OVERFLOW = {"overflow": "hidden"}


# --- pure helpers ------------------------------------------------------------------------------


def fmt_number(value: float | None, unit: str, decimals: int) -> str:
    """A figure with its unit (an index such as CPI carries none: 上年同月=100 goes in labels)."""
    if value is None or value != value:
        return "—"
    text = f"{value:,.{decimals}f}"
    if unit == "%":
        return text + "%"
    if "=" in unit:
        return text
    return f"{text} {unit}"


def change_text(delta: float | None, unit: str) -> str:
    """A change against a year earlier: percentage points for rates, points for an index."""
    if delta is None or delta != delta:
        return "上年同期无数据"
    word = "个百分点" if unit == "%" else ("点" if "=" in unit else unit)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return f"比上年同期 {sign}{abs(delta):.1f} {word}"


# --- state -------------------------------------------------------------------------------------


def _indicators() -> dict:
    return economy_indicators()


def _is_level(ind) -> bool:
    return ind.unit == "亿元"


def _is_ytd(ind) -> bool:
    return "year to date" in ind.name_en.lower()


def _state(query: dict) -> dict | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    state = resolve_view(wh, query)
    state["names"] = dict(cities().select("region_code", "name_zh").iter_rows())
    return state


def _export_query(state: dict) -> dict:
    """The page's state for its export buttons (the as-of pinned to the one shown)."""
    return {
        "indicator": state["indicator"],
        "period": state["period"],
        "cities": None if len(state["cities"]) == len(state["all_cities"]) else state["cities"],
        "as_of": as_of_key(state["as_of"]),
        "from": state["from"],
        "to": state["to"],
    }


def _load(state: dict) -> dict:
    """The selected indicator's values as known at ``as_of``, with growth, shares and labels."""
    return load_view(shared_warehouse(), state)


def _label(state: dict, data: dict, period: str) -> str:
    through = data["through"] if period == data["latest"] and data["running"] else None
    return period_text(period, ytd=_is_ytd(state["ind"]), through=through)


# --- KPI strip ---------------------------------------------------------------------------------


def kpi_rows(warehouse, as_of: dt.date) -> list[dict]:
    """The province's latest value of each KPI with its period and the change on a year before."""
    inds = _indicators()
    out = []
    by_type: dict[str, list[str]] = {}
    for code, period_type in KPIS:
        by_type.setdefault(period_type, []).append(code)
    frames = {
        t: read.latest_values(warehouse, as_of, codes, PROVINCE_CODE, t)
        for t, codes in by_type.items()
    }
    for code, period_type in KPIS:
        rows = frames[period_type].filter(pl.col("indicator") == code)
        ind = inds[code]
        if rows.is_empty():
            out.append(
                {"indicator": code, "ind": ind, "value": None, "period": None, "delta": None}
            )
            continue
        last = rows.row(-1, named=True)
        before = rows.filter(pl.col("period") == prior_period(last["period"]))
        delta = last["value"] - before["value"][0] if before.height else None
        out.append(
            {
                "indicator": code,
                "ind": ind,
                "value": last["value"],
                "period": last["period"],
                "delta": delta,
            }
        )
    return out


def _kpi_strip(state: dict) -> dbc.Row:
    cols = []
    for row in kpi_rows(shared_warehouse(), state["as_of"]):
        ind = row["ind"]
        unit_note = f"（{ind.unit}）" if "=" in ind.unit else ""
        period = period_text(row["period"], ytd=_is_ytd(ind)) if row["period"] else "暂无数据"
        delta = row["delta"]
        arrow = "" if delta is None else ("▲ " if delta > 0 else ("▼ " if delta < 0 else "■ "))
        body = [
            html.Div(ind.name_zh + unit_note, className="kpi-name"),
            html.Div(
                fmt_number(row["value"], ind.unit, ind.decimals),
                className="kpi-value",
                **{"data-indicator": row["indicator"]},
            ),
            html.Div(period, className="kpi-target economy-kpi-period"),
            html.Div(
                arrow + change_text(delta, ind.unit),
                className="small economy-kpi-change",
                style={"color": "#5b6b7f"},
                **{"data-indicator": row["indicator"]},
            ),
        ]
        cols.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(body, className="p-2"),
                    className="kpi-card h-100",
                    id={"type": "economy-kpi", "indicator": row["indicator"]},
                ),
                xs=6,
                md=4,
                xl=2,
            )
        )
    return dbc.Row(cols, className="g-2 mb-3", id=ECONOMY_KPIS)


# --- figures -----------------------------------------------------------------------------------


def _bar_layout(fig: go.Figure, x_title: str, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 8, "r": 16, "t": 30, "b": 40},
        xaxis={"title": {"text": x_title}, "tickformat": ",", "automargin": True},
        yaxis={"automargin": True, "autorange": "reversed"},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"size": 12},
    )
    fig.update_xaxes(gridcolor="#e3e8ef", zerolinecolor="#8C8C8C")
    return fig


def _city_bars(
    frame: pl.DataFrame,
    state: dict,
    column: str,
    unit: str,
    decimals: int,
    x_title: str,
    reference: tuple[str, float | None] | None = None,
) -> go.Figure:
    """Horizontal bars of ``column`` per city, best first; chosen cities in the darker colour."""
    names = state["names"]
    rows = frame.filter(pl.col(column).is_not_null()).sort(column, descending=True)
    chosen = set(state["cities"])
    colours = [
        SELECTED if (c in chosen or len(chosen) == len(names)) else OTHER
        for c in rows["region_code"]
    ]
    texts = [fmt_number(v, unit, decimals) for v in rows[column]]
    fig = go.Figure(
        go.Bar(
            x=rows[column].to_list(),
            y=[names.get(c, "全省") for c in rows["region_code"]],
            orientation="h",
            marker_color=colours,
            text=texts,
            textposition="auto",
            hovertemplate="%{y}：%{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    if reference and reference[1] is not None:
        label, value = reference
        fig.add_vline(
            x=value,
            line_dash="dash",
            line_color=PROVINCE_COLOUR,
            annotation_text=f"{label} {fmt_number(value, unit, decimals)}",
            annotation_position="top",
            annotation_font_size=11,
        )
    return _bar_layout(fig, x_title, 60 + 26 * max(rows.height, 1))


def _axis_unit(ind) -> str:
    return ind.unit if ind.unit else "数值"


def levels_figure(state: dict, data: dict) -> go.Figure:
    """The selected indicator by city at the latest period, with the province as a reference."""
    ind = state["ind"]
    latest = data["latest"]
    rows = data["values"].filter(pl.col("period") == latest)
    province = rows.filter(pl.col("region_code") == PROVINCE_CODE)["value"]
    city_rows = rows.filter(pl.col("region_code") != PROVINCE_CODE)
    if city_rows.is_empty():  # a province-only series (unemployment)
        city_rows = rows
        reference = None
    elif _is_level(ind):
        mean = city_rows["value"].mean()
        reference = ("13 市平均", mean)
    else:
        reference = ("全省", province[0] if province.len() else None)
    return _city_bars(
        city_rows,
        state,
        "value",
        ind.unit,
        ind.decimals,
        f"{ind.name_zh}（{_axis_unit(ind)}）",
        reference,
    )


def growth_figure(state: dict, data: dict) -> go.Figure:
    """Year-on-year growth by city at the latest period, with the province's growth."""
    ind = state["ind"]
    rows = data["growth"].filter(pl.col("period") == data["latest"])
    province = rows.filter(pl.col("region_code") == PROVINCE_CODE)["growth"]
    return _city_bars(
        rows.filter(pl.col("region_code") != PROVINCE_CODE),
        state,
        "growth",
        "%",
        1,
        f"{ind.name_zh}同比增长（%）",
        ("全省", province[0] if province.len() else None),
    )


def shares_figure(state: dict, data: dict) -> go.Figure:
    """Each city's share of the 13 cities' sum at the latest period."""
    ind = state["ind"]
    rows = city_shares(
        data["values"].filter(pl.col("period") == data["latest"]), state["all_cities"]
    )
    return _city_bars(rows, state, "share", "%", 1, f"占 13 市合计比重（%）·{ind.name_zh}")


def trend_figure(state: dict, data: dict) -> go.Figure:
    """Lines over the chosen period range for the chosen cities and the province."""
    ind = state["ind"]
    names = state["names"]
    rows = data["values"].filter(pl.col("period").is_in(data["range"]))
    fig = go.Figure()
    level = _is_level(ind)
    for i, code in enumerate(state["cities"]):
        series = rows.filter(pl.col("region_code") == code).sort("period")
        if series.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=series["period"].to_list(),
                y=series["value"].to_list(),
                name=names[code],
                mode="lines+markers",
                marker_size=4,
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                hovertemplate=f"{names[code]} %{{x}}：%{{y:,.{ind.decimals}f}}<extra></extra>",
            )
        )
    province = rows.filter(pl.col("region_code") == PROVINCE_CODE).sort("period")
    if province.height:
        fig.add_trace(
            go.Scatter(
                x=province["period"].to_list(),
                y=province["value"].to_list(),
                name="全省（右轴）" if level and fig.data else "全省",
                mode="lines",
                line={
                    "color": PROVINCE_COLOUR,
                    "width": 3,
                    "dash": "dash" if fig.data else "solid",
                },
                yaxis="y2" if level and fig.data else "y",
                hovertemplate=f"全省 %{{x}}：%{{y:,.{ind.decimals}f}}<extra></extra>",
            )
        )
    unit = _axis_unit(ind)
    layout = {
        "height": 420,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "xaxis": {
            "title": {"text": f"时期（{PERIOD_WORDS[state['period']]}）"},
            "type": "category",
            "automargin": True,
        },
        "yaxis": {
            "title": {"text": f"{ind.name_zh}（{unit}）"},
            "tickformat": ",",
            "automargin": True,
        },
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    if level and len(fig.data) > 1:
        layout["yaxis2"] = {
            "title": {"text": f"全省（{unit}）"},
            "overlaying": "y",
            "side": "right",
            "tickformat": ",.0f",
            "tickmode": "auto",
            "showgrid": False,
            "automargin": True,
        }
    fig.update_layout(**layout)
    fig.update_yaxes(gridcolor="#e3e8ef")
    return fig


# --- table -------------------------------------------------------------------------------------


def _table(state: dict, data: dict) -> html.Div:
    ind = state["ind"]
    shown = data["range"][-TABLE_PERIODS:]
    level = _is_level(ind)
    latest = _label(state, data, data["latest"])
    # Rank and the newest period first: on a phone they are what shows before scrolling.
    head = [html.Th("地区"), html.Th("位次", className="text-end text-nowrap")]
    if level:
        head += [
            html.Th("同比", className="text-end text-nowrap"),
            html.Th("占 13 市", className="text-end text-nowrap"),
        ]
    head += [
        html.Th(_label(state, data, p), className="text-end text-nowrap") for p in reversed(shown)
    ]
    body = []
    for row in comparison_rows(state, data):
        rank = row["rank"]
        province = row["region_code"] == PROVINCE_CODE
        cells = [
            html.Td(row["name"], className="text-nowrap" + (" fw-bold" if province else "")),
            html.Td(
                "—" if rank is None else f"第 {rank}/13",
                className="text-end text-nowrap",
                **{"data-rank": "" if rank is None else str(rank)},
            ),
        ]
        if level:
            cells += [
                html.Td(fmt_number(row["growth"], "%", 1), className="text-end text-nowrap"),
                html.Td(fmt_number(row["share"], "%", 1), className="text-end text-nowrap"),
            ]
        cells += [
            html.Td(
                "—" if v is None else f"{v:,.{ind.decimals}f}",
                className="text-end text-nowrap",
            )
            for v in reversed(row["values"])
        ]
        body.append(html.Tr(cells, **{"data-region": row["region_code"]}))
    direction = {"higher": "数值越高越好", "lower": "数值越低越好"}.get(
        ind.polarity, "按数值从高到低"
    )
    return html.Div(
        [
            dbc.Table(
                [html.Thead(html.Tr(head)), html.Tbody(body)],
                bordered=False,
                hover=True,
                size="sm",
                responsive=True,
                striped=True,
                className="mb-1",
                id=ECONOMY_TABLE,
            ),
            html.Div(
                f"数值单位：{ind.unit}"
                + (f"；位次为{latest} 13 市排名（{direction}）" if len(body) > 1 else "")
                + (f"；同比、占 13 市合计比重为{latest}，单位 %" if level else ""),
                className="small text-muted",
            ),
        ]
    )


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
                "数据来源：数据仓库中的经济统计长表（economic_stats），按指标库定义汇总；"
                "所有数值均按所选“数据截至”日期当时已发布的版本。",
                className="small text-muted",
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


__all__ = [
    "city_shares",
    "comparable_prior",
    "layout",
    "period_text",
    "prior_period",
    "rank_values",
    "yoy_growth",
]
