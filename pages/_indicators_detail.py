"""One indicator on /indicators: its definition, the targets that use it, its values by region and its chart."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import dcc, html

from datasets.regions import PROVINCE_CODE, cities, counties, region_table
from datasets.schema import load_schemas
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import FREQUENCY_ORDER, STOCK_TYPES
from indicators.engine import PERIOD_TYPES
from indicators.formulas import (
    formula_parts,
)
from indicators.periods import (
    convert_key,
    latest_period,
    period_text,
    rank_values,
)
from indicators.text import value_time_label
from pages._components import (
    BINDING_LABELS,
    as_of_key,
    dropdown,
    export_buttons,
    export_header,
    fmt_value,
    method_note,
    month_label,
    since_line,
    target_figure,
    verdict_badge,
)
from pages._indicators_state import (
    FREQUENCY_LABELS,
    INDICATORS_CHART,
    INDICATORS_DETAIL,
    INDICATORS_FORMULA,
    INDICATORS_FROM,
    INDICATORS_PERIOD,
    INDICATORS_REGIONS,
    INDICATORS_TARGETS,
    INDICATORS_TO,
    INDICATORS_VALUES,
    KIND_COLOURS,
    KIND_LABELS,
    LINE_COLOURS,
    PERIOD_WORDS,
    POLARITY_LABELS,
    bounds_text,
    export_query,
    in_range,
    needs_secondary_axis,
    region_options,
)
from pages._small_multiples import MAX_LINES, Line, small_multiples


def definition(state: dict) -> list:
    row = state["row"]
    schemas = load_schemas()
    sources = [
        schemas[s].title if s in schemas else s for s in (row["sources"] or "").split(",") if s
    ]
    items = [
        ("单位", row["unit"]),
        ("方向", POLARITY_LABELS.get(row["polarity"], row["polarity"])),
        ("自然界限", bounds_text(row["lower_bound"], row["upper_bound"])),
        ("频度", FREQUENCY_LABELS[row["frequency"]]),
        ("数据来源", "、".join(sources)),
        ("汇总规则", (row["aggregation"] or "").split(" / ")[0]),
        ("规划条款", row["clause"]),
        ("责任单位", row["responsible_units"]),
        ("综合指数权重", f"{row['weight']:g}" if row["weight"] else "不计入综合指数"),
    ]
    return [
        item
        for label, value in items
        for item in (
            html.Dt(label, className="col-sm-3 col-4 fw-normal text-muted"),
            html.Dd(value, className="col-sm-9 col-8 mb-1", **{"data-field": label}),
        )
    ]


def targets_block(state: dict) -> html.Div:
    wh = shared_warehouse()
    code, as_of = state["code"], state["as_of"]
    blocks = []
    for set_id, set_name in read.target_sets(wh).iter_rows():
        frame = read.progress(wh, set_id, as_of, regions=[PROVINCE_CODE]).filter(
            pl.col("indicator") == code
        )
        for r in frame.iter_rows(named=True):
            unit, decimals = r["unit"], r["decimals"]
            target = (
                f"{int(r['target_year'])} 年目标 {fmt_value(r['target_value'], unit, decimals)}"
                if r["target_value"] is not None
                else f"{int(r['target_year'])} 年目标：{r['statement'] or '定性目标'}"
            )
            baseline = (
                f"基线 {int(r['baseline_year'])} 年 {fmt_value(r['baseline_value'], unit, decimals)}"
                if r["baseline_value"] is not None
                else f"基线 {int(r['baseline_year'])} 年"
            )
            assessed = r["verdict"] in ("final_achieved", "final_not_achieved")
            when = (
                f"{int(r['target_year'])} 年末"
                if assessed
                else value_time_label(r["current_year"], r.get("compute_type"))
            )
            blocks.append(
                html.Div(
                    [
                        html.Div(
                            [
                                html.Span(set_name, className="fw-semibold me-2"),
                                dbc.Badge(
                                    BINDING_LABELS.get(r["binding"], r["binding"]),
                                    color="dark",
                                    className="fw-normal me-2",
                                ),
                            ]
                        ),
                        html.Div(f"{target}；{baseline}", className="small"),
                        html.Div(
                            [
                                html.Span(f"全省（{when}）：", className="small me-1"),
                                target_figure(r, className="small fw-bold me-2"),
                                verdict_badge(r, text=True),
                                dcc.Link(
                                    "目标追踪 →",
                                    href=f"/targets?target={code}&as_of={as_of_key(as_of)}",
                                    className="small ms-2",
                                ),
                            ],
                            className="d-flex flex-wrap align-items-center",
                        ),
                        html.Div(
                            r.get("final_explain") or "",
                            className="small text-muted mt-1 target-final",
                        )
                        if assessed
                        else None,
                        since_line(r),
                        html.Div(f"条款：{r['target_clause']}", className="small text-muted"),
                    ],
                    className="mb-2",
                    **{"data-target-set": set_id},
                )
            )
    if not blocks:
        kind = KIND_LABELS.get(state["row"]["kind"], "")
        blocks = [
            html.Div(
                f"本指标不是规划的量化目标，作为{kind}指标展示。", className="small text-muted"
            )
        ]
    return html.Div(blocks, id=INDICATORS_TARGETS)


def detail(state: dict) -> html.Div:
    row = state["row"]
    compute = json.loads(row["compute"])
    formula = formula_parts(compute, trace=False)
    traced = formula_parts(compute)
    card = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(row["name_zh"], className="h4 mb-0 me-2"),
                        dbc.Badge(
                            KIND_LABELS[row["kind"]] + "指标",
                            color=KIND_COLOURS[row["kind"]],
                            className="me-1 fw-normal",
                        ),
                        dbc.Badge(
                            row["domain"],
                            color="light",
                            text_color="dark",
                            className="fw-normal border",
                        ),
                    ],
                    className="d-flex flex-wrap align-items-center gap-1",
                ),
                html.Div(row["name_en"], className="text-muted"),
                method_note(
                    html.Div(
                        [
                            "指标编码：",
                            html.Code(row["indicator"]),
                            "（导出文件、接口与数据表中以此标识本指标）",
                        ]
                    ),
                    html.Div("计算公式（含数据列名）："),
                    html.Ul([html.Li(p) for p in traced], className="mb-0"),
                    summary="方法说明 · 指标编码与数据列",
                ),
                html.P(row["description"], className="mb-2"),
                html.H3("计算公式", className="h6 fw-bold mt-3"),
                html.Ul(
                    [html.Li(p) for p in formula],
                    className="formula mb-2 small",
                    id=INDICATORS_FORMULA,
                    style={
                        "background": "#f4f6f9",
                        "borderRadius": ".4rem",
                        "padding": ".6rem 1.6rem",
                    },
                ),
                html.Dl(definition(state), className="row mb-2 small"),
                html.H3("关联目标", className="h6 fw-bold mt-3"),
                targets_block(state),
            ]
        ),
        className="mb-3",
    )
    return html.Div(card, id=INDICATORS_DETAIL, **{"data-indicator": row["indicator"]})


HEADER_CLASSES = {"地区": "", "13 市对比": "d-none d-md-table-cell"}


def value_bar(value: float | None, scale: float) -> html.Div | None:
    """A horizontal bar, its length the value's share of the largest city value."""
    if value is None or value != value or not scale:
        return None
    return html.Div(
        style={
            "width": f"{100 * abs(value) / scale:.1f}%",
            "height": ".55rem",
            "borderRadius": ".2rem",
            "background": "#0072B2" if value >= 0 else "#D55E00",
        },
        className="value-bar",
    )


def values_table(state: dict, frame: pl.DataFrame) -> dbc.Card:
    row = state["row"]
    unit, decimals = row["unit"], row["decimals"]
    province_rows = frame.filter(pl.col("region_code") == PROVINCE_CODE)
    period = latest_period(
        province_rows if province_rows.height else frame,
        stock=row["compute_type"] in STOCK_TYPES,
    )
    names = dict(region_table().select("region_code", "name_zh").iter_rows())
    city_codes = cities()["region_code"].to_list()
    at = frame.filter(pl.col("period") == period) if period else frame.clear()
    by_region = {r["region_code"]: r for r in at.iter_rows(named=True)}
    city_values = [by_region.get(c, {}).get("value") for c in city_codes]
    ranks = dict(zip(city_codes, rank_values(city_values, row["polarity"]), strict=True))
    share = row["compute_type"] in ("stock_share", "flow_share", "table_share") or bool(
        json.loads(row["compute"]).get("denominator")
    )
    header = ["排名", "地区", "数值", "13 市对比"] + (["分子", "分母"] if share else [])
    scale = max((abs(v) for v in city_values if v is not None and v == v), default=0.0)

    def line(code: str, rank) -> html.Tr:
        r = by_region.get(code, {})
        cells = [
            html.Td("—" if rank is None else rank, className="text-end"),
            html.Td(names.get(code, code)),
            html.Td(
                fmt_value(r.get("value"), unit, decimals),
                className="text-end fw-semibold value-cell",
            ),
            html.Td(
                value_bar(r.get("value"), scale) if code != PROVINCE_CODE else None,
                className="d-none d-md-table-cell align-middle",
                style={"width": "35%"},
            ),
        ]
        if share:
            cells += [
                html.Td(fmt_value(r.get("numerator"), "", 0), className="text-end small"),
                html.Td(fmt_value(r.get("denominator"), "", 0), className="text-end small"),
            ]
        return html.Tr(
            cells,
            className="table-light fw-bold" if code == PROVINCE_CODE else None,
            **{"data-region": code},
        )

    order = sorted(city_codes, key=lambda c: (ranks[c] is None, ranks[c] or 0, c))
    rank_note = (
        "排名按数值从高到低（无方向指标）"
        if row["polarity"] == "neutral"
        else f"排名 1 为最好（{POLARITY_LABELS[row['polarity']]}）"
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(
                            f"各地区最新值 · {period_text(period) if period else '暂无数据'}"
                        ),
                        export_buttons("indicator_values", export_query(state)),
                    ],
                    className="d-flex flex-wrap justify-content-between align-items-center gap-1",
                )
            ),
            dbc.CardBody(
                [
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(
                                            h,
                                            className=HEADER_CLASSES.get(h, "text-end"),
                                            style={"width": "4.5rem"} if h == "排名" else None,
                                        )
                                        for h in header
                                    ]
                                )
                            ),
                            html.Tbody(
                                [line(PROVINCE_CODE, None), *[line(c, ranks[c]) for c in order]]
                            ),
                        ],
                        size="sm",
                        hover=True,
                        responsive=True,
                        className="mb-1",
                        id=INDICATORS_VALUES,
                    ),
                    html.Div(
                        f"{row['name_zh']}（{unit}）· {PERIOD_WORDS[state['period']]}度口径 · "
                        f"截至 {month_label(state['as_of'])}已知数据。{rank_note}。"
                        + (
                            "本期尚未结束，数值为截至时点的水平。"
                            if at.height and not at["complete"].all()
                            else ""
                        ),
                        className="small text-muted",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def chart_figure(state: dict, frame: pl.DataFrame) -> go.Figure:
    row = state["row"]
    unit, decimals = row["unit"], row["decimals"]
    names = dict(region_table().select("region_code", "name_zh").iter_rows())
    shown = in_range(frame.filter(pl.col("region_code").is_in(state["regions"])), state)
    last = {
        code: part.sort("period")["value"][-1]
        for (code,), part in shown.group_by("region_code")
        if part.height
    }
    secondary = PROVINCE_CODE in last and needs_secondary_axis(
        last.get(PROVINCE_CODE), [v for c, v in last.items() if c != PROVINCE_CODE]
    )
    tick = {"month": "%Y-%m", "quarter": "%Y-%m", "year": "%Y"}[state["period"]]
    if len([c for c in state["regions"] if c != PROVINCE_CODE]) > MAX_LINES:
        return _chart_panels(state, shown, names, secondary, tick)
    fig = go.Figure()
    for i, code in enumerate(state["regions"]):
        part = shown.filter(pl.col("region_code") == code).sort("period")
        if part.is_empty():
            continue
        province = code == PROVINCE_CODE
        name = names.get(code, code) + ("（右轴）" if province and secondary else "")
        hover = [
            f"{names.get(code, code)}<br>{period_text(p)}：{fmt_value(v, unit, decimals)}"
            + ("" if done else "（本期未结束）")
            for p, v, done in part.select("period", "value", "complete").iter_rows()
        ]
        fig.add_trace(
            go.Scatter(
                x=part["period_start"].to_list(),
                y=part["value"].to_list(),
                name=name,
                mode="lines+markers",
                line={
                    "width": 3.5 if province else 1.6,
                    "color": "#1b2a41" if province else LINE_COLOURS[(i - 1) % len(LINE_COLOURS)],
                },
                marker={
                    # many periods: only the running (open) period is marked
                    "size": [
                        (5 if part.height < 40 else 0) if d else 8
                        for d in part["complete"].to_list()
                    ],
                    "symbol": [
                        "circle" if d else "circle-open" for d in part["complete"].to_list()
                    ],
                },
                text=hover,
                hoverinfo="text",
                yaxis="y2" if province and secondary else "y",
            )
        )
    range_text = "全部时期"
    if state["from"] or state["to"]:
        start = period_text(state["from"]) if state["from"] else "最早"
        end = period_text(state["to"]) if state["to"] else "最新"
        range_text = f"{start} – {end}"
    title = (
        f"<b>{row['name_zh']}</b>（{unit}）<br><span style='font-size:12px'>"
        f"按{PERIOD_WORDS[state['period']]} · {range_text} · 截至 {month_label(state['as_of'])}</span>"
    )
    fig.update_layout(
        title={
            "text": title,
            "font": {"size": 14},
            "x": 0,
            "xanchor": "left",
        },
        margin={"l": 10, "r": 10, "t": 56, "b": 10},
        height=440,
        paper_bgcolor="#fff",
        plot_bgcolor="#fff",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.12, "x": 0, "font": {"size": 11}},
        xaxis={"tickformat": tick, "gridcolor": "#eef1f5", "automargin": True},
        yaxis={
            "title": {"text": unit},
            "gridcolor": "#eef1f5",
            "automargin": True,
            "tickformat": f",.{decimals}~f",
        },
    )
    if secondary:
        fig.update_layout(
            yaxis2={
                "title": {"text": f"全省（{unit}）"},
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "automargin": True,
                "tickformat": f",.{decimals}~f",
            }
        )
    if not fig.data:
        fig.add_annotation(
            text="所选地区与时期没有数据", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return fig


def _chart_panels(state: dict, shown: pl.DataFrame, names: dict, secondary: bool, tick: str):
    """Many regions: a panel each against the province, or (for a total the regions add up
    to) each on its own axis."""
    row = state["row"]
    unit, decimals = row["unit"], row["decimals"]

    def line(code: str) -> Line:
        part = shown.filter(pl.col("region_code") == code).sort("period")
        hover = [
            f"{names.get(code, code)}<br>{period_text(p)}：{fmt_value(v, unit, decimals)}"
            for p, v in part.select("period", "value").iter_rows()
        ]
        return Line(
            names.get(code, code), part["period_start"].to_list(), part["value"].to_list(), hover
        )

    present = set(shown["region_code"].unique().to_list())
    lines = [line(c) for c in state["regions"] if c != PROVINCE_CODE and c in present]
    reference = line(PROVINCE_CODE) if PROVINCE_CODE in present and not secondary else None
    fig = small_multiples(
        lines,
        reference,
        y_title=unit,
        shared_y=not secondary,
        tickformat=f",.{decimals}~f",
    )
    fig.update_xaxes(tickformat=tick, nticks=4)
    fig.update_layout(
        title={
            "text": f"<b>{row['name_zh']}</b>（{unit}）· 每个地区一幅"
            + ("，虚线为全省" if reference else "，各自纵轴"),
            "font": {"size": 14},
            "x": 0,
            "xanchor": "left",
        },
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        showlegend=False,  # the title says what the dashed line is
        paper_bgcolor="#fff",
        plot_bgcolor="#fff",
    )
    return fig


def chart(state: dict, frame: pl.DataFrame) -> dbc.Card:
    row = state["row"]
    allowed = [p for p in PERIOD_TYPES if FREQUENCY_ORDER[p] >= FREQUENCY_ORDER[row["frequency"]]]
    periods = sorted(frame["period"].unique().to_list()) if frame.height else []
    period_options = [{"label": period_text(p), "value": p} for p in periods]
    available = set(frame["region_code"].unique().to_list()) if frame.height else set()
    has_counties = bool(available & set(counties()["region_code"].to_list()))
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(
                        "地区" + ("（可选县区）" if has_counties else ""), className="small mb-0"
                    ),
                    dropdown(
                        id=INDICATORS_REGIONS,
                        options=region_options(available),
                        value=state["regions"],
                        multi=True,
                        clearable=False,
                        placeholder="选择地区",
                        maxHeight=320,
                    ),
                ],
                xs=12,
                lg=6,
            ),
            dbc.Col(
                [
                    dbc.Label("时期类型", className="small mb-0"),
                    dbc.RadioItems(
                        id=INDICATORS_PERIOD,
                        options=[
                            {"label": PERIOD_WORDS[p], "value": p, "disabled": p not in allowed}
                            for p in PERIOD_TYPES
                        ],
                        value=state["period"],
                        inline=True,
                        className="pt-1",
                    ),
                ],
                xs=12,
                sm=4,
                lg=2,
            ),
            dbc.Col(
                [
                    dbc.Label("起", className="small mb-0"),
                    dropdown(
                        id=INDICATORS_FROM,
                        options=period_options,
                        value=convert_key(state["from"], state["period"]),
                        placeholder="最早",
                        clearable=True,
                    ),
                ],
                xs=6,
                sm=4,
                lg=2,
            ),
            dbc.Col(
                [
                    dbc.Label("止", className="small mb-0"),
                    dropdown(
                        id=INDICATORS_TO,
                        options=period_options,
                        value=convert_key(state["to"], state["period"], end=True),
                        placeholder="最新",
                        clearable=True,
                    ),
                ],
                xs=6,
                sm=4,
                lg=2,
            ),
        ],
        className="g-2 mb-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(export_header("走势", "indicator_series", export_query(state))),
            dbc.CardBody(
                [
                    controls,
                    dcc.Graph(
                        id=INDICATORS_CHART,
                        figure=chart_figure(state, frame),
                        config={"displaylogo": False, "responsive": True},
                    ),
                    html.Div(
                        "空心点为截至时点尚未结束的时期；"
                        "全省数值远大于各地区（总量与分量）时放在右轴。数据来源：按指标库口径计算的指标数值。",
                        className="small text-muted",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )
