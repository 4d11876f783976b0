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
import json
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.readings import DEFAULT_READING, parse_reading
from indicators.text import rate_axis_range
from pages import _ids
from pages._components import (
    as_of_key,
    as_of_options,
    dropdown,
    export_buttons,
    export_header,
    month_label,
    not_ready,
    page_header,
    severity_badge,
    to_search,
    warning_key,
)

dash.register_page(__name__, path="/risk", name="风险预警", title="数据大脑 · 风险预警", order=5)

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
                ],
                className="table-active" if query.get("warning") == key else None,
                **{"data-warning": key},
            )
        )
    header = ["级别", "地区", "预警", "指标", "说明", "首次触发", "责任单位"]
    return html.Div(
        dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
            size="sm",
            hover=True,
            responsive=True,
            className="mb-0",
        ),
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
    "scores": "异常分（z）",
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
        return "异常点"
    if value == "level_shift":
        return "水平突变"
    return str(value)


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
    header = ["月份", "地区", "指标", "类型", "方向", "实际 / 预期", "异常分"]
    return dbc.Card(
        [
            dbc.CardHeader(
                export_header(
                    "异常检测：各月度序列最近的异常点与水平突变（STL 稳健分解，前 20）",
                    "anomalies",
                    query,
                )
            ),
            dbc.CardBody(
                dbc.Table(
                    [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
                    size="sm",
                    responsive=True,
                    className="small mb-0",
                ),
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


def _reading(query: dict) -> str:
    try:
        return parse_reading(query.get("reading"))
    except ValueError:
        return DEFAULT_READING


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
        "预警规则以数据声明（models/rules/early_warning.yaml）"
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
    as_of = read.resolve_as_of(wh, query.get("as_of"))
    reading = _reading(query)
    view = {"as_of": as_of, "reading": reading}
    names = {c: n for c, n in cities().select("region_code", "name_zh").iter_rows()}
    body = []
    if read_risk.has_risk(wh):
        warnings = read_risk.warnings(wh, **view)
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


__all__ = ["heatmap_figure", "layout", "severity_badge", "warning_key"]
