"""领导驾驶舱 `/`: the whole plan on one screen — targets, map, lagging cities, the economy.

URL state: ``as_of`` (YYYY-MM), ``set`` (target set), ``city`` (region filter, from the map),
``layer`` (map colour: ``综合``/a domain composite, or an indicator code), ``screen=big`` (a
16:9 dark command-centre canvas), ``rotate`` (seconds between map layers on the big screen; 0
keeps still), ``refresh`` (seconds between data refreshes on the big screen, default 300).
Everything is read from the materialised indicator tables.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, quote

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets import boundaries
from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.readings import DEFAULT_READING, parse_reading
from indicators.verdict import (
    FINAL_VERDICTS,
    LAGGING_VERDICTS,
    cities_lagging_by_target,
    progress_at_verdict,
    progress_words,
)
from pages import _ids
from pages._components import (
    STATUS_STYLE,
    as_of_key,
    as_of_options,
    dropdown,
    export_header,
    figure,
    fmt_value,
    month_label,
    not_ready,
    page_header,
    reading_dropdown,
    severity_badge,
    since_line,
    target_figure,
    to_search,
    verdict_badge,
    verdict_summary,
    warning_key,
)

dash.register_page(__name__, path="/", name="领导驾驶舱", title="数据大脑 · 领导驾驶舱", order=0)

COCKPIT_CARDS = "cockpit-cards"
COCKPIT_MAP = "cockpit-map"
COCKPIT_LAGGING = "cockpit-lagging"
COCKPIT_ECONOMY = "cockpit-economy"
COCKPIT_AS_OF = "cockpit-as-of"
COCKPIT_LAYER = "cockpit-layer"
COCKPIT_CITY_CLEAR = "cockpit-city-clear"
COCKPIT_SUMMARY = "cockpit-summary"
COCKPIT_BIG = "cockpit-big"
COCKPIT_BIG_BODY = "cockpit-big-body"
COCKPIT_BIG_MAP = "cockpit-big-map"
COCKPIT_TICK = "cockpit-tick"
COCKPIT_STATE = "cockpit-state"
COCKPIT_WARNINGS = "cockpit-warnings"
COCKPIT_READING = "cockpit-reading"

JIANGSU_CENTER = {"lat": 32.95, "lon": 119.45}
ECONOMY = [  # (indicator, period type, short label)
    ("gdp_growth", "quarter", "GDP 增速"),
    ("fixed_asset_investment_growth", "month", "固定资产投资增速"),
    ("retail_sales_growth", "month", "社零总额增速"),
    ("budget_revenue_growth", "month", "一般公共预算收入增速"),
]
COMPOSITE = "综合"
# A MapLibre style with only a background layer: dark, and nothing to download.
DARK_MAP_STYLE = {
    "version": 8,
    "sources": {},
    "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#0b1526"}}
    ],
}


# --- pure helpers ------------------------------------------------------------------------------


def sparkline_svg(
    values: list[float | None],
    *,
    target: float | None = None,
    colour: str = "#0072B2",
    width: int = 120,
    height: int = 32,
) -> str:
    """A tiny line chart as an SVG data URI; the target, if given, is a dashed line."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and v == v]
    if len(points) < 2:
        return ""
    ys = [v for _, v in points] + ([target] if target is not None else [])
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)

    def xy(i: float, v: float) -> tuple[float, float]:
        return 2 + (width - 4) * i / n, height - 2 - (height - 4) * (v - lo) / span

    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    if target is not None:
        _, ty = xy(0, target)
        parts.append(
            f'<line x1="0" y1="{ty:.1f}" x2="{width}" y2="{ty:.1f}" stroke="#8C8C8C" '
            'stroke-width="1" stroke-dasharray="3,2"/>'
        )
    parts.append(
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/></svg>'
    )
    return "data:image/svg+xml;utf8," + quote("".join(parts))


def period_label(period: str) -> str:
    """'2026-09' (year to date) → '2026年1–9月'; '2026Q3' → '2026年前三季度'; '2025' → '2025年'."""
    if "Q" in period:
        year, q = period.split("Q")
        return f"{year}年" + {"1": "一季度", "2": "上半年", "3": "前三季度", "4": "全年"}[q]
    if "-" in period:
        year, month = period.split("-")
        return f"{year}年1–{int(month)}月" if int(month) > 1 else f"{year}年1月"
    return f"{period}年"


def _state(query: dict) -> dict | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    catalog = default_catalog()
    target_set = query.get("set") or read.DEFAULT_TARGET_SET
    if target_set not in catalog.target_sets:
        target_set = read.DEFAULT_TARGET_SET
    as_of = read.resolve_as_of(wh, query.get("as_of"))
    city = query.get("city") or PROVINCE_CODE
    if city not in set(cities()["region_code"]) | {PROVINCE_CODE}:
        city = PROVINCE_CODE
    layer = query.get("layer") or COMPOSITE
    if layer not in (COMPOSITE, *DOMAINS) and layer not in catalog.indicators:
        layer = COMPOSITE
    ts = catalog.target_sets[target_set]
    deadline = dt.date(ts.target_year, 12, 31)
    try:
        reading = parse_reading(query.get("reading"))
    except ValueError:
        reading = DEFAULT_READING
    return {
        "set": target_set,
        "as_of": as_of,
        "reading": reading,
        "newest": as_of == read.vintages(wh)[-1],
        "city": city,
        "layer": layer,
        "final": as_of >= deadline,
        "ts": ts,
        "big": query.get("screen") == "big",
        "rotate": int(query.get("rotate") or 0) if str(query.get("rotate") or "0").isdigit() else 0,
        "refresh": int(query.get("refresh") or 300)
        if str(query.get("refresh") or "300").isdigit()
        else 300,
    }


def _evaluation_label(state: dict) -> str:
    ts, as_of = state["ts"], state["as_of"]
    # a replay says which reading of "known then" it shows
    how = "" if state["newest"] else f"，{read.reading_label(state['reading'])}"
    if state["final"]:
        return f"总结评估（截至 {ts.target_year} 年末，数据至 {month_label(as_of)}{how}）"
    if ts.midterm_year and as_of.year == ts.midterm_year:
        return f"中期评估（{month_label(as_of)}{how}）"
    return f"实施监测（{month_label(as_of)}{how}）"


def _kpi_card(
    row: dict, history: pl.DataFrame, final: bool, big: bool, reading: str = DEFAULT_READING
) -> dbc.Col:
    unit = row["unit"]
    colour = STATUS_STYLE.get(row["verdict"], STATUS_STYLE["not_assessable"])[1]
    values = history["current_value"].to_list() if history.height else []
    spark = sparkline_svg(values, target=row["target_value"], colour=colour)
    progress = progress_at_verdict(row)
    share = None if progress is None else max(0.0, min(1.0, progress))
    assessed = row["verdict"] in FINAL_VERDICTS
    target_text = (
        f"目标 {fmt_value(row['target_value'], unit, 0 if unit != '%' else 0)}"
        f"（{int(row['target_year'])} 年）"
        if row["target_value"] is not None
        else (row.get("statement") or "定性目标")
    )
    body = [
        html.Div(row["name_zh"], className="kpi-name"),
        html.Div(
            [
                html.Span(
                    [
                        target_figure(row, className="kpi-value"),
                        html.Span(f" {int(row['target_year'])} 年末", className="small text-muted")
                        if assessed
                        else None,
                    ]
                ),
                html.Img(src=spark, className="kpi-spark", alt="") if spark else None,
            ],
            className="d-flex justify-content-between align-items-end",
        ),
        html.Div(target_text, className="kpi-target"),
        dbc.Progress(
            value=0 if share is None else round(100 * share),
            className="progress-thin my-1",
            style={"--bs-progress-bar-bg": colour},
        )
        if row["target_value"] is not None
        else None,
        html.Div(
            [
                verdict_badge(row, text=True),
                html.Span(
                    "" if progress is None or assessed else f"完成 {progress_words(progress)}",
                    className="small text-muted ms-1 kpi-progress",
                ),
            ],
            className="d-flex flex-wrap align-items-center gap-1",
        ),
        since_line(row, className="small text-muted kpi-since"),
    ]
    href = f"/targets?target={row['indicator']}&city={row['region_code']}&as_of={as_of_key(row['as_of'])}"
    if reading != DEFAULT_READING:  # the detail opens in the reading the card was read in
        href += f"&reading={reading}"
    return dbc.Col(
        html.Div(
            dcc.Link(
                dbc.Card(dbc.CardBody(body, className="p-2"), className="kpi-card h-100"),
                href=href,
                className="text-reset text-decoration-none",
                title=row["final_explain"] if assessed else row["explain"],
            ),
            className="h-100 kpi-item",
            **{"data-indicator": row["indicator"], "data-status": row["verdict"]},
        ),
        xs=6,
        md=4,
        xl=2 if not big else 6,
        className="kpi-col",
    )


def _cards(state: dict, frame: pl.DataFrame, *, big: bool = False) -> dbc.Row:
    wh = shared_warehouse()
    region_rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    )
    history = read.history(wh, state["set"], state["city"], until=state["as_of"])
    if state["reading"] != DEFAULT_READING:
        history = history.clear()  # the sparkline's vintages are of the default reading
    order = {t.indicator: i for i, t in enumerate(state["ts"].targets)}
    cards = [
        _kpi_card(
            row,
            history.filter(pl.col("indicator") == row["indicator"]),
            state["final"],
            big,
            state["reading"],
        )
        for row in sorted(region_rows.iter_rows(named=True), key=lambda r: order[r["indicator"]])
    ]
    return dbc.Row(cards, className="g-2", id=COCKPIT_CARDS)


def _summary(state: dict, frame: pl.DataFrame) -> html.Div:
    return verdict_summary(
        frame.filter(pl.col("region_code") == state["city"]).to_dicts(),
        final=state["final"],
        target_year=state["ts"].target_year,
        id=COCKPIT_SUMMARY,
        head_class="cockpit-final-count",
        legend=not state["big"],  # the 16:9 canvas has no room; the badges carry words
    )


def _map_figure(state: dict, *, big: bool = False) -> go.Figure:
    wh = shared_warehouse()
    layer, as_of = state["layer"], state["as_of"]
    names = {c: n for c, n in cities().select("region_code", "name_zh").iter_rows()}
    catalog = default_catalog()
    if layer == COMPOSITE or layer in DOMAINS:
        frame = read.composite(wh, as_of, layer)
        value_col, title, unit, decimals, reverse = "score", f"{layer}指数", "分", 1, False
    else:
        frame = read.league(wh, as_of, layer)
        ind = catalog[layer]
        value_col, title, unit, decimals = "value", ind.name_zh, ind.unit, ind.decimals
        reverse = ind.polarity == "lower"
    frame = frame.with_columns(
        name=pl.col("region_code").replace_strict(names, default=pl.col("region_code"))
    )
    hover = [
        f"{n}<br>{title}：{fmt_value(v, unit, decimals)}<br>13 市第 {r} 名"
        for n, v, r in frame.select("name", value_col, "rank").iter_rows()
    ]
    fig = go.Figure(
        go.Choroplethmap(
            geojson=boundaries.geojson("city"),
            locations=frame["region_code"].to_list(),
            z=frame[value_col].to_list(),
            text=hover,
            hoverinfo="text",
            colorscale="Blues_r" if reverse else "Blues",
            marker_opacity=0.9,
            marker_line_width=0.8,
            marker_line_color="#ffffff" if big else "#5b6b7f",
            colorbar={
                "title": {"text": unit, "font": {"color": "#e6edf7" if big else "#1b2a41"}},
                "thickness": 12,
                "len": 0.7,
                "tickfont": {"color": "#e6edf7" if big else "#1b2a41"},
            },
        )
    )
    if state["city"] != PROVINCE_CODE:
        fig.add_trace(
            go.Choroplethmap(
                geojson=boundaries.geojson("city"),
                locations=[state["city"]],
                z=[0],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker_line_width=4,
                marker_line_color="#E69F00",
                hoverinfo="skip",
            )
        )
    style = "white-bg" if not big else DARK_MAP_STYLE
    fig.update_layout(
        map={"style": style, "center": JIANGSU_CENTER, "zoom": 5.5 if not big else 6.0},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        clickmode="event",
    )
    return fig


def _layer_options() -> list[dict]:
    catalog = default_catalog()
    options = [{"label": f"{COMPOSITE}指数（13 市）", "value": COMPOSITE}]
    options += [{"label": f"{d}指数", "value": d} for d in DOMAINS]
    options += [
        {"label": f"指标：{i.name_zh}", "value": i.code}
        for i in catalog.indicators.values()
        if i.kind == "target"
    ]
    return options


def _city_lagging(state: dict, frame: pl.DataFrame) -> html.Div:
    """For one city: its own targets that lag (or were not achieved), worst first."""
    rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    )
    rows = rows.filter(pl.col("verdict").is_in(list(LAGGING_VERDICTS)))
    if rows.is_empty():
        return html.Div(
            f"{region_name(state['city'])}没有{'未达成' if state['final'] else '滞后'}的目标。",
            className="text-muted",
            id=COCKPIT_LAGGING,
        )
    items = [
        html.Li(
            [
                html.Div(
                    [
                        dcc.Link(
                            r["name_zh"],
                            href=f"/targets?target={r['indicator']}&city={state['city']}",
                            className="fw-bold me-2",
                        ),
                        verdict_badge(r, text=True),
                    ]
                ),
                html.Div(
                    f"{_value_words(r)}，目标 {fmt_value(r['target_value'], r['unit'], 0)}",
                    className="small",
                ),
                html.Div(
                    f"责任单位：{r['responsible_units']}",
                    className="small text-muted text-truncate",
                ),
            ],
            className="mb-2 lagging-item",
            **{"data-indicator": r["indicator"]},
        )
        for r in rows.sort("judged_progress", nulls_last=True).iter_rows(named=True)
    ]
    return html.Ol(items, className="ps-4 mb-0", id=COCKPIT_LAGGING)


def _value_words(r: dict) -> str:
    """The value a verdict is about: 2025 年末 94.8% after the deadline, 当前 62.0% before."""
    shown = fmt_value(r["shown_value"], r["unit"], r["decimals"])
    if r["verdict"] in FINAL_VERDICTS:
        return f"{int(r['target_year'])} 年末 {shown}"
    return f"当前 {shown}"


def _lagging(state: dict, frame: pl.DataFrame, *, big: bool = False) -> html.Div:
    if state["city"] != PROVINCE_CODE:
        return _city_lagging(state, frame)
    items = cities_lagging_by_target(frame, final=state["final"], limit=4 if big else 5)
    if not items:
        return html.Div("各市均无滞后目标。", className="text-muted", id=COCKPIT_LAGGING)
    blocks = []
    for item in items:
        first = item["rows"].row(0, named=True)
        unit, decimals = first["unit"], first["decimals"]
        province = item["province"]
        cities_text = [
            html.Span(
                [
                    dcc.Link(region_name(r["region_code"]), href=f"/city/{r['region_code']}"),
                    f" {fmt_value(r['shown_value'], unit, decimals)}",
                ],
                className="me-2 text-nowrap",
            )
            for r in item["rows"].head(3 if big else 4).iter_rows(named=True)
        ]
        more = item["count"] - min(3 if big else 4, item["count"])
        blocks.append(
            html.Li(
                [
                    html.Div(
                        [
                            dcc.Link(
                                first["name_zh"],
                                href=f"/targets?target={item['indicator']}",
                                className="fw-bold me-2",
                            ),
                            verdict_badge(province) if province else None,
                            html.Span(
                                f" 全省目标 {fmt_value(province['target_value'], unit, 0)}"
                                if province
                                else "",
                                className="small text-muted ms-1",
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Span(
                                f"{item['count']} 市{'未达成' if state['final'] else '滞后'}：",
                                className="small",
                            ),
                            *cities_text,
                            html.Span(f"等 {more} 市" if more > 0 else "", className="small"),
                        ],
                        className="small",
                    ),
                    html.Div(
                        f"责任单位：{first['responsible_units']}",
                        className="small text-muted text-truncate",
                        title=first["responsible_units"],
                    ),
                ],
                className="mb-2 lagging-item",
                **{"data-indicator": item["indicator"]},
            )
        )
    return html.Ol(blocks, className="ps-4 mb-0", id=COCKPIT_LAGGING)


def _economy(state: dict, *, big: bool = False) -> dbc.Row:
    wh = shared_warehouse()
    catalog = default_catalog()
    cols = []
    for code, period_type, label in ECONOMY:
        frame = read.latest_values(
            wh, state["as_of"], [code], state["city"], period_type, reading=state["reading"]
        )
        ind = catalog[code]
        if frame.is_empty():
            value, note, spark, period = None, "暂无数据", "", None
        else:
            last = frame.row(-1, named=True)
            value, period = last["value"], last["period"]
            note = period_label(last["period"])
            spark = sparkline_svg(frame["value"].tail(12).to_list(), colour="#0072B2")
        cols.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="kpi-name"),
                            html.Div(
                                [
                                    figure(
                                        value,
                                        ind.unit,
                                        ind.decimals,
                                        indicator=code,
                                        region=state["city"],
                                        period=period,
                                        className="kpi-value",
                                    ),
                                    html.Img(src=spark, className="kpi-spark", alt="")
                                    if spark
                                    else None,
                                ],
                                className="d-flex justify-content-between align-items-end",
                            ),
                            html.Div(note, className="kpi-target"),
                        ],
                        className="p-2",
                    ),
                    className="kpi-card h-100",
                    id={"type": "economy-card", "indicator": code},
                ),
                xs=6,
                md=6 if big else 3,
            )
        )
    return dbc.Row(cols, className="g-2", id=COCKPIT_ECONOMY)


def _top_warnings(state: dict, limit: int = 5) -> html.Div | None:
    """The most severe early warnings (for the selected city, or everywhere), linked to /risk."""
    wh = shared_warehouse()
    if not read_risk.has_risk(wh):
        return None
    frame = read_risk.warnings(wh, state["as_of"], reading=state["reading"])
    if state["city"] != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == state["city"])
    if frame.is_empty():
        items = [html.Li("当前没有预警。", className="text-muted")]
    else:
        items = [
            html.Li(
                [
                    severity_badge(r["severity_rank"]),
                    " ",
                    dcc.Link(
                        f"{region_name(r['region_code'])} · {r['rule_name']}",
                        href=f"/risk?warning={warning_key(r)}",
                        className="fw-bold",
                    ),
                    html.Div(r["message"], className="small text-muted"),
                ],
                className="mb-2",
                **{"data-warning": warning_key(r)},
            )
            for r in frame.head(limit).iter_rows(named=True)
        ]
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(
                            f"风险预警 · 共 {frame.height} 条（按级别，截至 "
                            f"{month_label(state['as_of'])}）"
                        ),
                        dcc.Link(
                            "全部预警 →",
                            href="/risk"
                            + to_search(
                                {
                                    "as_of": None if state["newest"] else as_of_key(state["as_of"]),
                                    "reading": None
                                    if state["reading"] == DEFAULT_READING
                                    else state["reading"],
                                }
                            ),
                            className="small",
                        ),
                    ],
                    className="d-flex justify-content-between",
                )
            ),
            dbc.CardBody(html.Ul(items, className="list-unstyled mb-0")),
        ],
        className="mt-3",
        id=COCKPIT_WARNINGS,
    )


# --- layouts -----------------------------------------------------------------------------------


def _desktop(state: dict) -> html.Div:
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], reading=state["reading"])
    region = "全省" if state["city"] == PROVINCE_CODE else region_name(state["city"])
    vintages = read.vintages(wh)
    controls = [
        dropdown(
            id=COCKPIT_AS_OF,
            options=as_of_options(vintages),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
        reading_dropdown(COCKPIT_READING, state["reading"], minWidth="11rem"),
        dropdown(
            id=COCKPIT_LAYER,
            options=_layer_options(),
            value=state["layer"],
            clearable=False,
            style={"minWidth": "14rem"},
        ),
        dbc.Button(
            "全省",
            id=COCKPIT_CITY_CLEAR,
            color="secondary",
            outline=True,
            size="sm",
            disabled=state["city"] == PROVINCE_CODE,
        ),
        dbc.Button(
            "大屏",
            href=to_search({"screen": "big", "as_of": as_of_key(state["as_of"]), "rotate": 20}),
            color="dark",
            size="sm",
            external_link=True,
        ),
    ]
    return html.Div(
        [
            page_header(
                f"领导驾驶舱 · {region}",
                f"{state['ts'].name_zh}（{state['ts'].document}）· {_evaluation_label(state)}",
                controls,
            ),
            _summary(state, frame),
            _cards(state, frame),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    export_header(
                                        "13 个设区市 · 点击城市筛选全页",
                                        # the map's table: the composite index, or one
                                        # indicator's 13-city league table
                                        "composite"
                                        if state["layer"] in (COMPOSITE, *DOMAINS)
                                        else "league",
                                        {
                                            "as_of": as_of_key(state["as_of"]),
                                            "layer": state["layer"],
                                        },
                                    )
                                ),
                                dbc.CardBody(
                                    dcc.Graph(
                                        id=COCKPIT_MAP,
                                        figure=_map_figure(state),
                                        config={"displaylogo": False, "scrollZoom": False},
                                        style={"height": "460px"},
                                    ),
                                    className="p-1",
                                ),
                            ],
                            className="h-100",
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    (
                                        f"到期未达成的目标（截至 {state['ts'].target_year} 年末）"
                                        if state["final"]
                                        else "滞后的目标"
                                    )
                                    + (
                                        "与城市"
                                        if state["city"] == PROVINCE_CODE
                                        else f" · {region}"
                                    )
                                ),
                                dbc.CardBody(_lagging(state, frame)),
                            ],
                            className="h-100",
                        ),
                        lg=5,
                        className="mb-3",
                    ),
                ],
                className="g-3 mt-1",
            ),
            html.H2(f"经济运行 · {region}", className="section-title"),
            _economy(state),
            _top_warnings(state),
            html.P(
                "数据来源：数据仓库中的事项级台账与统计长表，按指标库（indicators/catalog）定义计算；"
                "状态判定方法见目标追踪页。",
                className="small text-muted mt-3",
            ),
        ]
    )


def _big_body(state: dict, tick: int = 0) -> html.Div:
    """The big-screen canvas body; ``tick`` advances the map layer when rotating."""
    layers = [COMPOSITE, *DOMAINS]
    if state["rotate"]:
        state = {**state, "layer": layers[tick % len(layers)]}
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], reading=state["reading"])
    return html.Div(
        [
            html.Div(
                [
                    html.H2("规划目标", className="big-section"),
                    _summary(state, frame),
                    _cards(state, frame, big=True),
                ],
                className="big-left",
            ),
            html.Div(
                [
                    html.H2(
                        f"13 市 · {state['layer']}" + ("指数" if state["layer"] in layers else ""),
                        className="big-section",
                    ),
                    dcc.Graph(
                        id=COCKPIT_BIG_MAP,
                        figure=_map_figure(state, big=True),
                        config={"displaylogo": False, "scrollZoom": False, "responsive": True},
                        className="big-map",
                    ),
                ],
                className="big-center",
            ),
            html.Div(
                [
                    html.H2(
                        "到期未达成的目标与城市" if state["final"] else "滞后目标与城市",
                        className="big-section",
                    ),
                    _lagging(state, frame, big=True),
                    html.H2("经济运行", className="big-section mt-3"),
                    _economy(state, big=True),
                ],
                className="big-right",
            ),
        ],
        className="big-body",
    )


def _big(state: dict) -> html.Div:
    synthetic = is_synthetic(shared_warehouse())
    return html.Div(
        [
            dcc.Store(
                id=COCKPIT_STATE,
                data={
                    "set": state["set"],
                    "as_of": state["as_of"].isoformat(),
                    "city": state["city"],
                    "layer": state["layer"],
                    "rotate": state["rotate"],
                    "reading": state["reading"],
                },
            ),
            dcc.Interval(
                id=COCKPIT_TICK,
                interval=1000 * (state["rotate"] or state["refresh"]),
                n_intervals=0,
            ),
            html.Div(
                [
                    html.H1("江苏数字政府 · 数据大脑", className="big-title"),
                    html.Div(
                        [
                            html.Span(_evaluation_label(state), className="me-3"),
                            html.Span("模拟数据", className="big-synthetic") if synthetic else None,
                        ],
                        className="big-meta",
                    ),
                ],
                className="big-header",
            ),
            html.Div(_big_body(state), id=COCKPIT_BIG_BODY),
        ],
        className="big-canvas",
        id=COCKPIT_BIG,
    )


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("领导驾驶舱"), not_ready()])
    return _big(state) if state["big"] else _desktop(state)


# --- callbacks ---------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(COCKPIT_AS_OF, "value"),
    Input(COCKPIT_READING, "value"),
    Input(COCKPIT_LAYER, "value"),
    Input(COCKPIT_MAP, "clickData"),
    Input(COCKPIT_CITY_CLEAR, "n_clicks"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def cockpit_state_to_url(as_of, reading, layer, click, _clear, search):
    """Put the cockpit's controls and the clicked city into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    if trigger == COCKPIT_AS_OF:
        newest = read.vintages(shared_warehouse())[-1]
        # the dropdown reports its initial value after rendering: the newest vintage is the
        # default and stays out of the URL (no second render, links keep meaning "latest")
        query["as_of"] = None if as_of == as_of_key(newest) else as_of
    elif trigger == COCKPIT_READING:
        query["reading"] = None if reading == DEFAULT_READING else reading
    elif trigger == COCKPIT_LAYER:
        query["layer"] = None if layer == COMPOSITE else layer
    elif trigger == COCKPIT_MAP and click and click.get("points"):
        code = click["points"][0].get("location")
        query["city"] = None if code == query.get("city") else code
    elif trigger == COCKPIT_CITY_CLEAR:
        query["city"] = None
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


@callback(
    Output(COCKPIT_BIG_BODY, "children"),
    Input(COCKPIT_TICK, "n_intervals"),
    State(COCKPIT_STATE, "data"),
    prevent_initial_call=True,
)
def big_screen_tick(n, data):
    """Refresh the big screen's data and, when rotating, move to the next map layer."""
    query = {k: v for k, v in data.items() if k != "rotate"} | {
        "as_of": data["as_of"][:7],
        "rotate": str(data["rotate"]),
        "screen": "big",
    }
    state = _state(query)
    if state is None:
        raise dash.exceptions.PreventUpdate
    return _big_body(state, n or 0)


__all__ = ["layout", "period_label", "sparkline_svg"]
