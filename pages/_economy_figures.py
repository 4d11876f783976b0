"""The economy page's KPI strip, figures and table."""

from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.economy import (
    TABLE_PERIODS,
    city_shares,
    comparison_rows,
    economy_period_text,
    prior_period,
)
from pages._economy_state import (
    ECONOMY_KPIS,
    ECONOMY_TABLE,
    KPIS,
    OTHER,
    PALETTE,
    PERIOD_WORDS,
    PROVINCE_COLOUR,
    SELECTED,
    _indicators,
    _is_level,
    _is_ytd,
    _label,
    change_text,
    fmt_number,
)
from pages._small_multiples import MAX_LINES, Line, small_multiples

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
        period = (
            economy_period_text(row["period"], ytd=_is_ytd(ind)) if row["period"] else "暂无数据"
        )
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
            # the value at the bar's base, away from the reference line near its end
            textposition="inside",
            insidetextanchor="start",
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
            layer="below",
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
    level = _is_level(ind)
    if len(state["cities"]) > MAX_LINES:
        return _trend_panels(state, rows, level)
    fig = go.Figure()
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


def _trend_panels(state: dict, rows: pl.DataFrame, level: bool) -> go.Figure:
    """Many cities: a panel each against the province (rates) or the 13 cities' average
    (levels, whose sum the province is)."""
    ind, names = state["ind"], state["names"]

    def line(name: str, part: pl.DataFrame) -> Line:
        part = part.sort("period")
        values = part["value"].to_list()
        hover = [
            f"{name} {p}：{fmt_number(v, ind.unit, ind.decimals)}"
            for p, v in zip(part["period"].to_list(), values, strict=True)
        ]
        return Line(name, part["period"].to_list(), values, hover)

    lines = [
        line(names[code], rows.filter(pl.col("region_code") == code))
        for code in state["cities"]
        if rows.filter(pl.col("region_code") == code).height
    ]
    cities_only = rows.filter(pl.col("region_code").is_in(list(state["all_cities"])))
    if level:
        reference = line("13 市平均", cities_only.group_by("period").agg(pl.col("value").mean()))
    else:
        province = rows.filter(pl.col("region_code") == PROVINCE_CODE)
        reference = line("全省", province) if province.height else None
    fig = small_multiples(
        lines,
        reference,
        y_title=f"{ind.name_zh}（{_axis_unit(ind)}）",
        shared_y=not level,
    )
    fig.update_xaxes(type="category", nticks=4)
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
