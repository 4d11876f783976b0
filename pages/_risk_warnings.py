"""The risk page's ids, the city × domain heatmap, the warnings table and a warning's drill-down."""

from __future__ import annotations

import datetime as dt
import json

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import dcc, html

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.readings import DEFAULT_READING
from pages._components import (
    as_of_key,
    card_table,
    duban_links,
    severity_badge,
    to_search,
    warning_key,
)

RISK_HEATMAP = "risk-heatmap"
RISK_WARNINGS = "risk-warnings"
RISK_DRILL = "risk-drill"
RISK_HOTLINE = "risk-hotline"
RISK_HOTLINE_REGION = "risk-hotline-region"
RISK_HOTLINE_CATEGORY = "risk-hotline-category"
RISK_SURGES = "risk-surges"
RISK_HOTLINE_CATEGORIES = "risk-hotline-categories"
RISK_HOTLINE_TREND = "risk-hotline-trend"
RISK_ANOMALIES = "risk-anomalies"
RISK_READING = "risk-reading"
RISK_AS_OF = "risk-as-of"


def heatmap_figure(scores: pl.DataFrame, names: dict[str, str]) -> go.Figure:
    """City × domain risk scores (0–100, darker = riskier), each cell labelled with its score."""
    city_codes = cities()["region_code"].to_list()
    domains = [d for d in DOMAINS if d in set(scores["domain"].to_list())]
    lookup = {(r, d): s for r, d, s in scores.select("region_code", "domain", "score").iter_rows()}
    z = [[lookup.get((c, d)) for d in domains] for c in city_codes]
    text = [["—" if v is None else f"{v:.0f}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=domains,
            y=[names.get(c, c) for c in city_codes],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#f7f4f9"], [0.5, "#df65b0"], [1, "#67001f"]],
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": "风险分"}, "thickness": 12},
            hovertemplate="%{y} · %{x}<br>风险分 %{z:.0f}<extra></extra>",
            customdata=[[c] * len(domains) for c in city_codes],
        )
    )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=460,
        yaxis={"autorange": "reversed"},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _warnings_table(frame: pl.DataFrame, query: dict) -> html.Div:
    catalog = default_catalog()
    if frame.is_empty():
        return html.Div("当前没有预警。", className="text-muted", id=RISK_WARNINGS)
    rows = []
    duban = duban_links()
    for r in frame.iter_rows(named=True):
        key = warning_key(r)
        name = catalog[r["indicator"]].name_zh if r.get("indicator") in catalog.indicators else "—"
        href = to_search({**query, "warning": key})
        rows.append(
            html.Tr(
                [
                    html.Td(severity_badge(r["severity_rank"], r.get("severity_label"))),
                    html.Td(
                        dcc.Link(region_name(r["region_code"]), href=f"/city/{r['region_code']}")
                    ),
                    html.Td(dcc.Link(r["rule_name"], href=href)),
                    html.Td(name),
                    html.Td(r["message"], className="small"),
                    html.Td(str(r["first_fired"] or "—"), className="text-nowrap small"),
                    html.Td(r.get("responsible_units") or "—", className="small text-muted"),
                    html.Td(duban(warning=key), className="text-nowrap"),
                ],
                className="table-active" if query.get("warning") == key else None,
                **{"data-warning": key},
            )
        )
    header = ["级别", "地区", "预警", "指标", "说明", "首次触发", "责任单位", "督办"]
    return html.Div(
        card_table(header, rows, size="sm", hover=True, responsive=True, className="mb-0"),
        id=RISK_WARNINGS,
    )


def _drill(frame: pl.DataFrame, key: str, view: dict) -> dbc.Card | None:
    match = [r for r in frame.iter_rows(named=True) if warning_key(r) == key]
    if not match:
        return None
    r = match[0]
    evidence = json.loads(r["evidence"]) if r.get("evidence") else {}
    drill = json.loads(r["drill"]) if r.get("drill") else {}
    wh = shared_warehouse()
    fig = go.Figure()
    title = ""
    region = drill.get("region") or r["region_code"]
    if drill.get("category"):
        series = read_risk.hotline_monthly(wh, region, drill["category"], **view)
        title = f"{region_name(region)} · 12345「{drill['category']}」月度工单量（件）"
        fig.add_trace(
            go.Bar(
                x=series["month"].to_list(),
                y=series["tickets"].to_list(),
                name="工单量",
                marker_color="#0072B2",
            )
        )
        months = set(drill.get("months") or [])
        flagged = series.filter(
            pl.col("month").map_elements(lambda d: f"{d:%Y-%m}" in months, return_dtype=pl.Boolean)
        )
        if flagged.height:
            fig.add_trace(
                go.Scatter(
                    x=flagged["month"].to_list(),
                    y=flagged["tickets"].to_list(),
                    mode="markers",
                    name="异常月份",
                    marker={"color": "#882255", "size": 12, "symbol": "triangle-up"},
                )
            )
    elif r.get("indicator"):
        indicator = r["indicator"]
        ind = default_catalog()[indicator]
        series = read.series(
            wh, indicator, [region], view["as_of"], period_type="month", reading=view["reading"]
        )
        title = f"{region_name(region)} · {ind.name_zh}（{ind.unit}），按月"
        fig.add_trace(
            go.Scatter(
                x=series["period_end"].to_list(),
                y=series["value"].to_list(),
                mode="lines",
                name=ind.name_zh,
                line={"color": "#0072B2"},
            )
        )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=320,
        legend={"orientation": "h", "y": -0.2},
        paper_bgcolor="rgba(0,0,0,0)",
    )
    facts = [
        html.Tr(
            [html.Th(EVIDENCE_LABELS.get(k, k), className="text-muted fw-normal"), html.Td(_fmt(v))]
        )
        for k, v in evidence.items()
    ] + [
        html.Tr(
            [
                html.Th(f"下钻：{EVIDENCE_LABELS.get(k, k)}", className="text-muted fw-normal"),
                html.Td(_fmt(v)),
            ]
        )
        for k, v in drill.items()
    ]
    extra = _drill_tables(r, drill, region, view)
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(
                            [
                                severity_badge(r["severity_rank"]),
                                " ",
                                r["rule_name"],
                                " · ",
                                region_name(r["region_code"]),
                            ]
                        ),
                        dcc.Link(
                            "× 关闭",
                            href=to_search(
                                {
                                    "as_of": as_of_key(view["as_of"]),
                                    "reading": None
                                    if view["reading"] == DEFAULT_READING
                                    else view["reading"],
                                }
                            )
                            or "?",
                            className="btn btn-sm btn-outline-secondary",
                        ),
                    ],
                    className="d-flex justify-content-between align-items-center",
                )
            ),
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                html.P(r["message"]),
                                html.Div(title, className="small text-muted"),
                                dcc.Graph(figure=fig, config={"displaylogo": False}),
                            ]
                            if fig.data
                            else [html.P(r["message"])],
                            lg=7,
                        ),
                        dbc.Col(
                            [
                                html.Div("证据与下钻", className="fw-semibold small mb-1"),
                                dbc.Table(html.Tbody(facts), size="sm", className="small"),
                                *extra,
                            ],
                            lg=5,
                        ),
                    ]
                )
            ),
        ],
        className="mb-3 border-primary",
        id=RISK_DRILL,
    )


def ym(d: dt.date) -> str:
    """2026-08-01 → 2026年8月 (a month, not a day)."""
    return f"{d.year}年{d.month}月"


EVIDENCE_LABELS = {
    "category": "类别",
    "months": "月份",
    "values": "实际值",
    "expected": "预期值",
    "scores": "偏离程度（噪声标准差的倍数）",
    "kinds": "异常类型",
    "max_ratio": "最大倍数",
    "unit": "单位",
    "dataset": "数据集",
    "table": "数据表",
    "indicator": "指标",
    "region": "地区",
    "value": "数值",
    "target": "目标",
    "gap": "差距",
    "gap_share": "差距占目标",
    "probability": "达标概率",
    "threshold": "阈值",
    "status": "状态",
    "since": "起始",
    "stalled_months": "停滞月数",
    "prior_rate": "此前每月新增",
    "peak": "历史最高",
    "current": "当前值",
    "share_indicator": "对应比率指标",
    "share": "当前比率",
    "share_target": "目标比率",
    "final_status": "总结评估",
    "target_year": "目标年",
    "value_at_deadline": "期末值",
    "days_behind": "滞后天数",
    "latest": "最新数据",
    "model": "预测模型",
    "target_period": "目标期",
}


OPEN_ITEM_INDICATOR = {
    "systems_on_cloud": "system_cloud_rate",
    "systems_not_on_cloud": "system_cloud_rate",
}


def _drill_tables(r: dict, drill: dict, region: str, view: dict) -> list:
    """The data behind a warning: counties of a hotline surge, outstanding registry rows."""
    wh = shared_warehouse()
    out = []
    if drill.get("category") and drill.get("months") and region != PROVINCE_CODE:
        counties = read_risk.hotline_by_county(
            wh, region, drill["category"], drill["months"], **view
        )
        if counties.height:
            out.append(
                html.Div(
                    f"各县（市、区）「{drill['category']}」工单量（{'、'.join(drill['months'])}）",
                    className="fw-semibold small mt-2",
                )
            )
            out.append(
                dbc.Table(
                    html.Tbody(
                        [
                            html.Tr([html.Td(n), html.Td(f"{t:,} 件", className="text-end")])
                            for _, n, t in counties.iter_rows()
                        ]
                    ),
                    size="sm",
                    className="small",
                    id="risk-drill-counties",
                )
            )
    indicator = OPEN_ITEM_INDICATOR.get(r.get("indicator"), r.get("indicator"))
    items = read_risk.open_items(wh, [indicator] if indicator else [], region, **view)
    if items.height:
        total = items["total"][0]
        out.append(
            html.Div(
                f"尚未完成的台账记录（共 {total} 条，按建立时间列前 {items.height} 条）",
                className="fw-semibold small mt-2",
            )
        )
        out.append(
            dbc.Table(
                [
                    html.Thead(
                        html.Tr([html.Th(h) for h in ["编码", "名称", "部门", "建立/列入"]])
                    ),
                    html.Tbody(
                        [
                            html.Tr([html.Td(i), html.Td(n), html.Td(d), html.Td(str(since))])
                            for _, i, n, d, since, _ in items.iter_rows()
                        ]
                    ),
                ],
                size="sm",
                responsive=True,
                className="small",
                id="risk-drill-items",
            )
        )
    return out


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return "、".join(_fmt(v) for v in value)
    if value == "spike":
        return "单月异常"
    if value == "level_shift":
        return "水平突变"
    return str(value)
