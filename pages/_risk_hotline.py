"""The risk page's anomaly list and the 12345 hotline section (surges, categories, trend)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.warehouse import shared_warehouse
from indicators import read_risk
from indicators.text import rate_axis_range
from pages._components import (
    card_table,
    dropdown,
    export_buttons,
    export_header,
    method_note,
)
from pages._risk_warnings import (
    RISK_ANOMALIES,
    RISK_HOTLINE,
    RISK_HOTLINE_CATEGORIES,
    RISK_HOTLINE_CATEGORY,
    RISK_HOTLINE_REGION,
    RISK_HOTLINE_TREND,
    RISK_SURGES,
    ym,
)


def _anomalies(query: dict, view: dict) -> dbc.Card | None:
    frame = read_risk.anomalies(shared_warehouse(), region=query.get("city"), **view)
    if frame.is_empty():
        return None
    rows = [
        html.Tr(
            [
                html.Td(r["period"], className="text-nowrap"),
                html.Td(region_name(r["region_code"]), className="text-nowrap"),
                html.Td(r["name_zh"]),
                html.Td(f"{r['kind_zh']}（{r['series']}）"),
                html.Td(r["direction"]),
                html.Td(
                    f"{r['value']:,.{r['decimals']}f} / 预期 {r['expected']:,.{r['decimals']}f}"
                    f" {'' if r['unit'] == '%' else r['unit']}",
                    className="text-nowrap",
                ),
                html.Td(f"{r['score']:.1f}", className="text-end"),
            ]
        )
        for r in frame.iter_rows(named=True)
    ]
    header = ["月份", "地区", "指标", "类型", "方向", "实际 / 预期", "偏离程度"]
    return dbc.Card(
        [
            dbc.CardHeader(
                export_header(
                    "异常月份：各月度序列最近的单月异常与水平突变（最显著的 20 个）",
                    "anomalies",
                    query,
                )
            ),
            dbc.CardBody(
                [
                    card_table(header, rows, size="sm", responsive=True, className="small mb-0"),
                    method_note(
                        "每个月度序列先按季节与趋势拟合出“预期”（STL 稳健分解，周期 12 个月），"
                        "实际值偏离预期超过噪声的数倍记为单月异常，序列整体抬升或回落记为水平突变。"
                        "偏离程度 = 偏离 ÷ 噪声标准差（统计上的 z 值），越大越不寻常。"
                    ),
                ],
                className="p-1",
            ),
        ],
        className="mb-3",
        id=RISK_ANOMALIES,
    )


def _caption(text: str, table: str, query: dict, className: str = "small text-muted") -> html.Div:
    """A caption over a chart or table of the hotline section, with that table's exports."""
    return html.Div(
        [html.Span(text, className=f"{className} me-auto"), export_buttons(table, query)],
        className="d-flex flex-wrap align-items-center gap-1 mb-1",
    )


def _hotline(query: dict, view: dict) -> dbc.Card:
    wh = shared_warehouse()
    region = query.get("hotline") or PROVINCE_CODE
    category = query.get("category") or None
    window = read_risk.hotline_window(wh, **view)
    if window is None:
        return dbc.Card(dbc.CardBody("没有 12345 工单数据。"), id=RISK_HOTLINE)
    first, last = window
    by_cat = read_risk.hotline_by_category(wh, region, first, last, **view)
    monthly = read_risk.hotline_monthly(wh, region, category, **view)
    surges = read_risk.hotline_surges(wh, **view).head(read_risk.SURGES_SHOWN)
    scanned = [m for m in surges["month"].to_list() if m is not None]
    region_options = [{"label": "江苏省（全省）", "value": PROVINCE_CODE}] + [
        {"label": n, "value": c} for c, n in cities().select("region_code", "name_zh").iter_rows()
    ]
    cat_fig = go.Figure(
        go.Bar(
            x=by_cat["tickets"].to_list()[::-1],
            y=by_cat["category"].to_list()[::-1],
            orientation="h",
            marker_color="#0072B2",
            text=[f"{t:,}" for t in by_cat["tickets"].to_list()[::-1]],
            textposition="outside",
            hovertemplate="%{y}：%{x:,} 件<extra></extra>",
        )
    )
    cat_fig.update_layout(
        template="plotly_white",
        margin={"l": 10, "r": 30, "t": 10, "b": 10},
        height=420,
        xaxis={"title": {"text": "工单量（件）"}},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    trend = go.Figure()
    trend.add_trace(
        go.Bar(
            x=monthly["month"].to_list(),
            y=monthly["tickets"].to_list(),
            name="工单量（件）",
            marker_color="#9fc5e8",
        )
    )
    trend.add_trace(
        go.Scatter(
            x=monthly["month"].to_list(),
            y=monthly["on_time_rate"].to_list(),
            name="按时办结率（%）",
            yaxis="y2",
            line={"color": "#009E73"},
        )
    )
    trend.add_trace(
        go.Scatter(
            x=monthly["month"].to_list(),
            y=monthly["satisfaction_rate"].to_list(),
            name="满意率（%）",
            yaxis="y2",
            line={"color": "#D55E00"},
        )
    )
    rates = rate_axis_range(
        monthly["on_time_rate"].to_list() + monthly["satisfaction_rate"].to_list()
    )
    trend.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=320,
        yaxis={"title": {"text": "工单量（件）"}},
        # rates on a stated range of at least 20 points: a small dip stays small
        yaxis2={
            "title": {"text": f"%（纵轴 {rates[0]:.0f}–{rates[1]:.0f}）"},
            "overlaying": "y",
            "side": "right",
            "range": rates,
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 5 if rates[1] - rates[0] <= 40 else 10,
            "showgrid": False,
        },
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    surge_rows = [
        html.Tr(
            [
                html.Td(region_name(c)),
                html.Td(cat),
                html.Td(ym(month)),
                html.Td(f"{t:,}", className="text-end"),
                html.Td("—" if e is None else f"{e:,.1f}", className="text-end"),
                html.Td(
                    "—" if ratio is None else f"{ratio:.1f}×",
                    className="text-end fw-bold" if (ratio or 0) >= 2 else "text-end",
                ),
            ],
            **{"data-surge": f"{c}:{cat}:{month:%Y-%m}"},
        )
        for c, cat, month, t, e, ratio in surges.select(
            "region_code", "category", "month", "tickets", "expected", "ratio"
        ).iter_rows()
    ]
    surge_until = max(scanned) if scanned else last
    return dbc.Card(
        [
            dbc.CardHeader("12345 热线分析"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                dropdown(
                                    id=RISK_HOTLINE_REGION,
                                    options=region_options,
                                    value=region,
                                    clearable=False,
                                ),
                                md=4,
                            ),
                            dbc.Col(
                                dropdown(
                                    id=RISK_HOTLINE_CATEGORY,
                                    options=[
                                        {"label": c, "value": c}
                                        for c in by_cat["category"].to_list()
                                    ],
                                    value=category,
                                    placeholder="全部类别",
                                ),
                                md=4,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    _caption(
                                        f"{region_name(region)} · 近 12 个月各类别工单量"
                                        f"（{ym(first)}–{ym(last)}）",
                                        "hotline_categories",
                                        query,
                                    ),
                                    dcc.Graph(
                                        id=RISK_HOTLINE_CATEGORIES,
                                        figure=cat_fig,
                                        config={"displaylogo": False},
                                    ),
                                ],
                                lg=5,
                            ),
                            dbc.Col(
                                [
                                    _caption(
                                        f"{region_name(region)} · {category or '全部类别'} · "
                                        "月度工单量、按时办结率、满意率",
                                        "hotline_monthly",
                                        query,
                                    ),
                                    dcc.Graph(
                                        id=RISK_HOTLINE_TREND,
                                        figure=trend,
                                        config={"displaylogo": False},
                                    ),
                                ],
                                lg=7,
                            ),
                        ]
                    ),
                    html.Div(
                        _caption(
                            f"诉求激增：近 6 个月（至 {ym(surge_until)}）各市各类别单月工单量与其预期"
                            f"（按此前各月的趋势与季节拟合，与预警、异常检测同一口径）之比的最大值"
                            f"（前 {read_risk.SURGES_SHOWN}）",
                            "hotline_surges",
                            query,
                            className="fw-semibold small",
                        ),
                        className="mt-2",
                    ),
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(h)
                                        for h in [
                                            "城市",
                                            "类别",
                                            "月份",
                                            "当月",
                                            "预期（当月）",
                                            "倍数",
                                        ]
                                    ]
                                )
                            ),
                            html.Tbody(surge_rows),
                        ],
                        size="sm",
                        responsive=True,
                        className="small",
                        id=RISK_SURGES,
                    ),
                ]
            ),
        ],
        id=RISK_HOTLINE,
        className="mb-3",
    )
