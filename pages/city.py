"""城市 `/city/<code>`: one 设区市 — its targets, its rank among the 13, strengths and gaps,
and its 县(市、区) on a map.

URL: ``/city/<code>`` (a city's GB/T 2260 code, e.g. ``/city/320700``); query ``as_of``
(YYYY-MM), ``set`` (target set), ``layer`` (the county map's indicator). Everything is read from
the materialised tables (target_progress, composite_index, league_table, indicator_values).
"""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets import boundaries
from datasets.regions import cities
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS, default_catalog
from indicators.county import (
    COUNTY_LAYERS,
    county_frame,
    county_layers,
    county_period_label,
    county_ranking,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    lagging_targets,
    progress_at_verdict,
    progress_words,
)
from pages import _ids
from pages._components import (
    BINDING_LABELS,
    STATUS_STYLE,
    as_of_key,
    as_of_options,
    export_buttons,
    export_header,
    fmt_value,
    month_label,
    not_ready,
    since_line,
    target_figure,
    to_search,
    verdict_badge,
    verdict_summary,
)

dash.register_page(
    __name__,
    path_template="/city/<code>",
    name="城市",
    title="数据大脑 · 城市",
    order=2,
    nav_href="/city/320100",
)

CITY_TITLE = "city-title"
CITY_SELECT = "city-select"
CITY_AS_OF = "city-as-of"
CITY_SET = "city-set"
CITY_LAYER = "city-layer"
CITY_SUMMARY = "city-summary"
CITY_TARGETS = "city-targets"
CITY_RANKS = "city-ranks"
CITY_ALL_RANKS = "city-all-ranks"
CITY_STRENGTHS = "city-strengths"
CITY_GAPS = "city-gaps"
CITY_COUNTY_MAP = "city-county-map"
CITY_COUNTY_GRAPH = "city-county-graph"
CITY_COUNTY_TABLE = "city-county-table"
CITY_UNKNOWN = "city-unknown"

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
COMPOSITE = "综合"
N_CITIES = 13
# Units whose totals grow with a city's size: a low rank there is scale, not performance.
SCALE_UNITS = {"亿元", "个", "件", "项", "万张", "家", "类", "万人", "人", "起"}
MAP_HEIGHT = 420


# --- pure helpers ------------------------------------------------------------------------------


def rank_text(rank: int | None, n: int = N_CITIES) -> str:
    """'第 3/13' (— when unranked)."""
    return "—" if rank is None else f"第 {rank}/{n}"


def strengths_and_weaknesses(
    ranks: pl.DataFrame, *, best: int = 3, worst: int = N_CITIES - 2
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Indicators ranked ``best`` or better (strengths) and ``worst`` or worse (weaknesses).

    ``ranks`` has ``indicator, rank`` (1 = best of 13) and whatever else to show; strengths come
    best first, weaknesses worst first.
    """
    strong = ranks.filter(pl.col("rank") <= best).sort("rank", "indicator")
    weak = ranks.filter(pl.col("rank") >= worst).sort("rank", "indicator", descending=[True, False])
    return strong, weak


def county_view(features: list[dict], width: int = 280, height: int = MAP_HEIGHT - 20) -> dict:
    """Map centre and zoom that fit the features' bounding box into a ``width``×``height`` box.

    Web-Mercator: at zoom z the world is 512·2^z px wide, so
    z = log2(px · 360 / (512 · span)). The default box is a phone's card less the colour bar, so the counties fit
    on every screen.
    """
    lons, lats = [], []

    def walk(coords):
        if coords and isinstance(coords[0], int | float):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    if not lons:
        return {"center": {"lat": 32.95, "lon": 119.45}, "zoom": 5.6}
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(east - west, 1e-6)
    lat_span = max((merc(north) - merc(south)) * 180 / math.pi, 1e-6)
    zoom = min(
        math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))
    )
    mid = math.degrees(math.atan(math.sinh((merc(north) + merc(south)) / 2)))
    return {"center": {"lat": mid, "lon": (west + east) / 2}, "zoom": round(zoom - 0.1, 2)}


# --- state -------------------------------------------------------------------------------------


def _city_names() -> dict[str, str]:
    return dict(cities().select("region_code", "name_zh").iter_rows())


def _state(code: str, query: dict) -> dict | None:
    """Resolve the path and query into the view state (None when nothing is computed yet)."""
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    catalog = default_catalog()
    target_set = query.get("set") or read.DEFAULT_TARGET_SET
    if target_set not in catalog.target_sets:
        target_set = read.DEFAULT_TARGET_SET
    ts = catalog.target_sets[target_set]
    as_of = read.resolve_as_of(wh, query.get("as_of"))
    layer = query.get("layer")
    return {
        "code": code,
        "name": _city_names()[code],
        "set": target_set,
        "ts": ts,
        "as_of": as_of,
        "final": as_of >= dt.date(ts.target_year, 12, 31),
        "layer": layer if layer in COUNTY_LAYERS else None,
        "query": {k: v for k, v in query.items() if k in ("as_of", "set", "layer")},
    }


def _evaluation_label(state: dict) -> str:
    ts, as_of = state["ts"], state["as_of"]
    if state["final"]:
        return f"总结评估（截至 {ts.target_year} 年末，数据至 {month_label(as_of)}）"
    if ts.midterm_year and as_of.year == ts.midterm_year:
        return f"中期评估（{month_label(as_of)}）"
    return f"实施监测（{month_label(as_of)}）"


def _export_query(state: dict, **extra) -> dict:
    """The page's state for its export buttons (the city, as-of pinned to the one shown)."""
    return {"code": state["code"], "set": state["set"], "as_of": as_of_key(state["as_of"]), **extra}


def _target_href(state: dict, indicator: str) -> str:
    return "/targets" + to_search(
        {"target": indicator, "city": state["code"], "as_of": as_of_key(state["as_of"])}
    )


# --- header, summary ---------------------------------------------------------------------------


def _header(state: dict, composite: pl.DataFrame) -> dbc.Row:
    wh = shared_warehouse()
    sets = read.target_sets(wh)
    controls = [
        html.Div(
            [
                html.Label("城市", className="small text-muted mb-0", htmlFor=CITY_SELECT),
                dcc.Dropdown(
                    labels=DROPDOWN_LABELS,
                    id=CITY_SELECT,
                    options=[{"label": n, "value": c} for c, n in _city_names().items()],
                    value=state["code"],
                    clearable=False,
                    style={"minWidth": "9rem", "overflow": "hidden"},
                ),
            ]
        ),
        html.Div(
            [
                html.Label("数据截至", className="small text-muted mb-0", htmlFor=CITY_AS_OF),
                dcc.Dropdown(
                    labels=DROPDOWN_LABELS,
                    id=CITY_AS_OF,
                    options=as_of_options(read.vintages(wh)),
                    value=as_of_key(state["as_of"]),
                    clearable=False,
                    style={"minWidth": "10rem", "overflow": "hidden"},
                ),
            ]
        ),
        html.Div(
            [
                html.Label("目标集", className="small text-muted mb-0", htmlFor=CITY_SET),
                dcc.Dropdown(
                    labels=DROPDOWN_LABELS,
                    id=CITY_SET,
                    options=[
                        {"label": n, "value": s}
                        for s, n in sets.select("target_set", "target_set_name").iter_rows()
                    ],
                    value=state["set"],
                    clearable=False,
                    style={"minWidth": "14rem", "overflow": "hidden"},
                ),
            ],
            # one target set: nothing to choose, but the control stays for the callback
            style={"display": "none"} if sets.height <= 1 else None,
        ),
    ]
    overall = composite.filter(pl.col("domain") == COMPOSITE)
    rank = overall["rank"][0] if overall.height else None
    subtitle = f"{state['ts'].name_zh}（{state['ts'].document}）· {_evaluation_label(state)}" + (
        f" · 综合指数 13 市{rank_text(rank)}" if rank else ""
    )
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.H1(f"{state['name']} · 城市画像", className="page-title", id=CITY_TITLE),
                    html.P(subtitle, className="text-muted mb-2"),
                ],
                md=True,
            ),
            dbc.Col(controls, md="auto", className="d-flex align-items-end gap-2 flex-wrap"),
        ],
        className="mb-2 align-items-end",
    )


def _summary(state: dict, frame: pl.DataFrame) -> html.Div:
    return verdict_summary(
        frame.to_dicts(),
        final=state["final"],
        target_year=state["ts"].target_year,
        id=CITY_SUMMARY,
        head_class="city-final-count",
    )


# --- targets -----------------------------------------------------------------------------------


def _col(children, *, xs: int, md: int, className: str = "", **kwargs) -> html.Div:
    """A grid column as a plain Div (dbc.Col takes no title or data-* attributes)."""
    return html.Div(children, className=f"col-{xs} col-md-{md} {className}".strip(), **kwargs)


def _targets(state: dict, frame: pl.DataFrame) -> html.Div:
    order = {t.indicator: i for i, t in enumerate(state["ts"].targets)}
    rows = sorted(frame.iter_rows(named=True), key=lambda r: order.get(r["indicator"], 99))
    final = state["final"]
    deadline = state["ts"].target_year
    # A grid, not a table: on a phone each target wraps into a small card of its own.
    widths = {"name": 4, "values": 3, "progress": 2, "status": 3}
    labels = {
        "name": "目标（点击查看详情）",
        "values": f"{deadline} 年末值 / 目标值" if final else "当前值 / 目标值",
        "progress": "进度",
        "status": f"总结评估（{deadline} 年末）" if final else "状态",
    }
    header = html.Div(
        [html.Div(labels[k], className=f"col-md-{w}") for k, w in widths.items()],
        className="row d-none d-md-flex small text-muted fw-semibold border-bottom pb-1 mb-1 g-2",
    )

    def tag(text):  # a label shown only where the header row is hidden
        return html.Span(text, className="d-md-none text-muted small me-1")

    items = []
    for r in rows:
        unit, decimals = r["unit"], r["decimals"]
        quantified = r["target_value"] is not None
        progress = progress_at_verdict(r)
        colour = STATUS_STYLE.get(r["verdict"], STATUS_STYLE["not_assessable"])[1]
        cols = [
            _col(
                [
                    dcc.Link(
                        r["name_zh"],
                        href=_target_href(state, r["indicator"]),
                        className="fw-semibold",
                    ),
                    html.Span(
                        " · " + BINDING_LABELS.get(r["binding"], r["binding"] or ""),
                        className="small text-muted",
                    ),
                ],
                xs=12,
                md=widths["name"],
                title=r["final_explain"] if r["verdict"] in FINAL_VERDICTS else r["explain"],
            ),
            _col(
                [
                    target_figure(r, className="fw-bold me-1 city-target-current"),
                    html.Span(
                        f"/ {fmt_value(r['target_value'], unit, decimals)}"
                        f"（{int(r['target_year'])}）"
                        if quantified
                        else f"/ {r['statement'] or '定性目标'}",
                        className="small text-muted",
                    ),
                    since_line(r, className="small text-muted city-target-since"),
                ],
                xs=12,
                md=widths["values"],
            ),
            _col(
                [
                    tag("进度"),
                    html.Span(progress_words(progress), className="small"),
                    dbc.Progress(
                        value=round(100 * max(0.0, min(1.0, progress))),
                        className="progress-thin",
                        color=colour,
                        style={"minWidth": "4rem"},
                    )
                    if progress is not None
                    else None,
                ],
                xs=4,
                md=widths["progress"],
            ),
            _col(
                [tag("总结" if final else "状态"), verdict_badge(r, text=True)],
                xs=8,
                md=widths["status"],
                className="city-target-final" if final else "",
                **{"data-final": r["final_status"] or ""},
            ),
        ]
        items.append(
            html.Div(
                cols,
                className="row g-2 py-2 border-bottom align-items-center city-target",
                **{"data-indicator": r["indicator"], "data-status": r["verdict"]},
            )
        )
    return html.Div(
        [
            header,
            *items,
            html.Div(
                "进度 = 自基期起已完成的份额；状态按目标追踪方法判定（悬停目标名查看计算过程）。"
                + (f"总结评估以 {deadline} 年末的数值与目标比较。" if final else ""),
                className="small text-muted mt-2",
            ),
        ],
        id=CITY_TARGETS,
    )


# --- ranks -------------------------------------------------------------------------------------


def _rank_colour(rank: int | None) -> str:
    if rank is None:
        return "#5b6b7f"
    if rank <= 3:
        return STATUS_STYLE["achieved"][1]
    if rank >= N_CITIES - 2:
        return STATUS_STYLE["limited_progress"][1]
    return "#1b2a41"


def _ranks(state: dict, composite: pl.DataFrame, indicator_ranks: pl.DataFrame) -> html.Div:
    by_domain = {r["domain"]: r for r in composite.iter_rows(named=True)}
    body = []
    for domain in (COMPOSITE, *DOMAINS):
        r = by_domain.get(domain)
        if r is None:
            continue
        score = r["score"]
        body.append(
            html.Tr(
                [
                    html.Td(
                        f"{domain}指数",
                        className="text-nowrap" + (" fw-bold" if domain == COMPOSITE else ""),
                    ),
                    html.Td(
                        html.Div(
                            html.Div(
                                style={
                                    "width": f"{max(0.0, min(100.0, score or 0)):.0f}%",
                                    "height": "100%",
                                    "background": "#0072B2",
                                }
                            ),
                            style={"background": "#e3e8ef", "height": ".55rem", "minWidth": "5rem"},
                            title=f"得分 {score:.1f}",
                        ),
                        className="align-middle w-50",
                    ),
                    html.Td(f"{score:.1f}", className="text-end"),
                    html.Td(
                        rank_text(r["rank"]),
                        className="text-end text-nowrap fw-bold",
                        style={"color": _rank_colour(r["rank"])},
                        **{"data-rank": str(r["rank"])},
                    ),
                ],
                **{"data-domain": domain},
            )
        )
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("领域"),
                        html.Th("得分（0–100）"),
                        html.Th(""),
                        html.Th("13 市位次", className="text-end"),
                    ]
                )
            ),
            html.Tbody(body),
        ],
        size="sm",
        className="mb-1",
    )
    return html.Div(
        [
            table if body else html.Div("该日期尚无综合指数。", className="text-muted"),
            html.Div(
                f"综合与领域指数按 13 市同口径指标打分（0–100，最好者 100）加权；数据截至 "
                f"{month_label(state['as_of'])}。",
                className="small text-muted mb-2",
            ),
            _all_ranks(state, indicator_ranks),
        ],
        id=CITY_RANKS,
    )


def _all_ranks(state: dict, ranks: pl.DataFrame) -> html.Details:
    rows = []
    for domain in DOMAINS:
        part = ranks.filter(pl.col("domain") == domain).sort("rank", "indicator")
        if part.is_empty():
            continue
        rows.append(html.Tr(html.Td(domain, colSpan=3, className="table-light fw-bold small")))
        rows += [
            html.Tr(
                [
                    html.Td(r["name_zh"]),
                    html.Td(fmt_value(r["value"], r["unit"], r["decimals"]), className="text-end"),
                    html.Td(
                        rank_text(r["rank"]),
                        className="text-end text-nowrap",
                        style={"color": _rank_colour(r["rank"])},
                    ),
                ],
                **{"data-indicator": r["indicator"]},
            )
            for r in part.iter_rows(named=True)
        ]
    return html.Details(
        [
            html.Summary(f"全部指标 13 市排名（{ranks.height} 项）", className="small"),
            html.Div(
                export_buttons("city_ranks", _export_query(state)),
                className="d-flex justify-content-end mt-1",
            ),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("指标"),
                                html.Th("数值", className="text-end"),
                                html.Th("位次", className="text-end"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                className="mt-1 small",
            ),
        ],
        id=CITY_ALL_RANKS,
    )


# --- strengths and gaps ------------------------------------------------------------------------


def _rank_item(r: dict) -> html.Li:
    return html.Li(
        [
            html.Span(r["name_zh"], className="fw-semibold me-2"),
            html.Span(
                rank_text(r["rank"]),
                className="fw-bold me-2 text-nowrap",
                style={"color": _rank_colour(r["rank"])},
            ),
            html.Span(
                f"{fmt_value(r['value'], r['unit'], r['decimals'])}（{r['period']}）",
                className="me-2 text-nowrap",
            ),
            html.Span(r["domain"], className="badge text-bg-light"),
        ],
        className="mb-1",
        **{"data-indicator": r["indicator"], "data-rank": str(r["rank"])},
    )


def _rank_list(frame: pl.DataFrame, empty: str) -> html.Div:
    """Performance indicators one per line; size-driven totals (规模指标) on one line after."""
    if frame.is_empty():
        return html.Div(empty, className="text-muted mb-2")
    is_scale = pl.col("unit").is_in(list(SCALE_UNITS))
    performance, scale = frame.filter(~is_scale), frame.filter(is_scale)
    parts = []
    if performance.height:
        parts.append(
            html.Ul(
                [_rank_item(r) for r in performance.iter_rows(named=True)], className="ps-3 mb-1"
            )
        )
    if scale.height:
        parts.append(
            html.Div(
                [
                    html.Span(
                        "规模指标（总量随城市体量增长）：",
                        className="text-muted",
                        title="排名主要反映城市规模，而非工作成效",
                    ),
                    *[
                        html.Span(
                            [
                                r["name_zh"],
                                " ",
                                html.Span(
                                    rank_text(r["rank"]),
                                    className="fw-bold",
                                    style={"color": _rank_colour(r["rank"])},
                                ),
                                f"（{fmt_value(r['value'], r['unit'], r['decimals'])}）",
                            ],
                            className="me-2 d-inline-block",
                            **{"data-indicator": r["indicator"], "data-rank": str(r["rank"])},
                        )
                        for r in scale.iter_rows(named=True)
                    ],
                ],
                className="small mb-2 ps-3",
            )
        )
    return html.Div(parts)


def _strengths(state: dict, strong: pl.DataFrame) -> html.Div:
    content = _rank_list(strong, "没有排在 13 市前三的指标。")
    return html.Div(
        [
            html.Div(
                f"13 市排名前三的指标（{strong.height} 项，数据截至 {month_label(state['as_of'])}）",
                className="small text-muted mb-1",
            ),
            content,
        ],
        id=CITY_STRENGTHS,
    )


def _lag_item(state: dict, r: dict) -> html.Li:
    unit, decimals = r["unit"], r["decimals"]
    assessed = r["verdict"] in FINAL_VERDICTS
    progress = progress_at_verdict(r)
    when = f"{int(r['target_year'])} 年末" if assessed else "当前"
    parts = [
        dcc.Link(
            r["name_zh"], href=_target_href(state, r["indicator"]), className="fw-semibold me-2"
        ),
        verdict_badge(r, text=True),
        html.Div(
            f"{when} {fmt_value(r['shown_value'], unit, decimals)}，目标 "
            f"{fmt_value(r['target_value'], unit, decimals)}"
            + ("" if progress is None or assessed else f"，完成 {progress_words(progress)}")
            + (f"；{r['since_text']}" if r.get("since_text") else ""),
            className="small",
        ),
    ]
    return html.Li(
        parts,
        className="mb-2 city-lagging",
        title=r["final_explain"] if assessed else r["explain"],
        **{"data-indicator": r["indicator"], "data-final": r["final_status"] or ""},
    )


def _gaps(state: dict, weak: pl.DataFrame, lagging: pl.DataFrame) -> html.Div:
    weak_block = _rank_list(weak, "没有排在 13 市后三位的指标。")
    lag_block = (
        html.Ul([_lag_item(state, r) for r in lagging.iter_rows(named=True)], className="ps-3 mb-0")
        if lagging.height
        else html.Div("没有滞后的规划目标。", className="text-muted")
    )
    lag_title = (
        f"到期未达成的规划目标（截至 {state['ts'].target_year} 年末）"
        if state["final"]
        else "进度滞后的规划目标"
    )
    return html.Div(
        [
            html.Div(
                f"13 市排名后三位的指标（{weak.height} 项）", className="small text-muted mb-1"
            ),
            weak_block,
            html.Div(f"{lag_title}（{lagging.height} 项）", className="small text-muted mb-1"),
            lag_block,
        ],
        id=CITY_GAPS,
    )


# --- county map --------------------------------------------------------------------------------


def _county_figure(names: dict[str, str], rows: pl.DataFrame, ind, geojson: dict) -> go.Figure:
    features = [f for f in geojson["features"] if f["id"] in names]
    view = county_view(features)
    codes = rows["region_code"].to_list()
    values = rows["value"].to_list()
    ranks = rows["rank"].to_list()
    hover = [
        f"{names[c]}<br>{ind.name_zh}：{fmt_value(v, ind.unit, ind.decimals)}<br>本市第 {k}/{len(codes)}"
        for c, v, k in zip(codes, values, ranks, strict=True)
    ]
    scale = {"higher": "Blues", "lower": "Blues_r"}.get(ind.polarity, "Purples")
    fig = go.Figure(
        go.Choroplethmap(
            geojson={"type": "FeatureCollection", "features": features},
            locations=codes,
            z=values,
            text=hover,
            hoverinfo="text",
            colorscale=scale,
            marker_opacity=0.9,
            marker_line_width=1,
            marker_line_color="#5b6b7f",
            colorbar={"title": {"text": ind.unit}, "thickness": 12, "len": 0.8},
        )
    )
    fig.update_layout(
        map={"style": "white-bg", "center": view["center"], "zoom": view["zoom"]},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=MAP_HEIGHT,
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _county(state: dict) -> tuple[str | None, html.Div]:
    """The county map and table, and the layer they show (None without county data)."""
    catalog = default_catalog()
    names, frame = county_frame(shared_warehouse(), state["code"], state["as_of"])
    available, layer = county_layers(frame, state["layer"])
    selector = dcc.Dropdown(
        labels=DROPDOWN_LABELS,
        id=CITY_LAYER,
        options=[{"label": catalog[c].name_zh, "value": c} for c in available],
        value=layer,
        clearable=False,
        disabled=not available,
        placeholder="无县级指标",
        style={"minWidth": "14rem", "overflow": "hidden"},
    )
    if layer is None:
        body = dbc.Alert(
            f"截至 {month_label(state['as_of'])}，{state['name']}所辖 {len(names)} 个县（市、区）"
            "尚无县级指标数据（县级数据目前来自 12345 热线工单与掌上执法台账）。",
            color="light",
            className="mb-0",
        )
        return None, html.Div([selector, body], id=CITY_COUNTY_MAP)
    ind = catalog[layer]
    rows = county_ranking(frame, layer, ind.polarity)
    period_label = county_period_label(rows, state["as_of"])
    rank_word = "本市位次" if ind.polarity != "neutral" else "按数值由高到低"
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("县（市、区）"),
                        html.Th(f"{ind.name_zh}", className="text-end"),
                        html.Th(rank_word, className="text-end"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(names[r["region_code"]]),
                            html.Td(
                                fmt_value(r["value"], ind.unit, ind.decimals),
                                className="text-end text-nowrap",
                            ),
                            html.Td(f"{r['rank']}/{rows.height}", className="text-end"),
                        ],
                        **{"data-region": r["region_code"]},
                    )
                    for r in rows.iter_rows(named=True)
                ]
            ),
        ],
        size="sm",
        className="small mb-0",
        id=CITY_COUNTY_TABLE,
    )
    missing = len(names) - rows.height
    return layer, html.Div(
        [
            html.Div(
                [
                    selector,
                    html.Span(
                        f"{ind.name_zh} · {period_label}（{ind.unit}）",
                        className="small text-muted",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id=CITY_COUNTY_GRAPH,
                            figure=_county_figure(names, rows, ind, boundaries.geojson("county")),
                            config={"displaylogo": False, "scrollZoom": False},
                            style={"height": f"{MAP_HEIGHT}px"},
                        ),
                        lg=6,
                    ),
                    dbc.Col(table, lg=6),
                ],
                className="g-2",
            ),
            html.Div(
                f"{ind.description}"
                + (f"{missing} 个县（市、区）无数据。" if missing > 0 else "")
                + f"数据截至 {month_label(state['as_of'])}。",
                className="small text-muted mt-1",
            ),
        ],
        id=CITY_COUNTY_MAP,
    )


# --- layouts -----------------------------------------------------------------------------------


def _unknown(code: str | None) -> html.Div:
    links = [
        dcc.Link(n, href=f"/city/{c}", className="btn btn-outline-primary btn-sm me-2 mb-2")
        for c, n in _city_names().items()
    ]
    return html.Div(
        [
            html.H1("城市", className="page-title"),
            dbc.Alert(
                [
                    html.Div(
                        f"没有找到代码为「{code or ''}」的设区市。"
                        "城市页使用设区市的行政区划代码（如南京市 320100），请从下列 13 个设区市中选择：",
                        className="mb-2",
                    ),
                    html.Div(links),
                ],
                color="warning",
                id=CITY_UNKNOWN,
            ),
        ]
    )


def _card(header, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], **kwargs)


def layout(code=None, **query):
    if code not in _city_names():
        return _unknown(code)
    state = _state(code, query)
    if state is None:
        return html.Div([html.H1(_city_names()[code], className="page-title"), not_ready()])
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], regions=[code])
    composite = read.composite(wh, state["as_of"]).filter(pl.col("region_code") == code)
    indicator_ranks = read.city_ranks(wh, state["as_of"], code)
    strong, weak = strengths_and_weaknesses(indicator_ranks)
    lagging = lagging_targets(frame, final=state["final"])
    layer, county = _county(state)
    county_title = f"{state['name']}各县（市、区）"
    return html.Div(
        [
            _header(state, composite),
            _summary(state, frame),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            export_header(
                                f"{state['name']}的规划目标",
                                "targets",
                                _export_query(state, city=code, order="plan"),
                            ),
                            _targets(state, frame),
                            className="h-100",
                        ),
                        xl=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(
                            export_header("13 市排名", "composite", _export_query(state)),
                            _ranks(state, composite, indicator_ranks),
                            className="h-100",
                        ),
                        xl=5,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card("优势", _strengths(state, strong), className="h-100"),
                        lg=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card("短板", _gaps(state, weak, lagging), className="h-100"),
                        lg=6,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            _card(
                export_header(county_title, "county_values", _export_query(state, layer=layer))
                if layer
                else county_title,
                county,
                className="mb-3",
            ),
            html.P(
                "数据来源：数据仓库中的目标进度、13 市排名与综合指数表，以及县级指标值，"
                "均按所选“数据截至”日期当时已知的数据。",
                className="small text-muted",
            ),
        ]
    )


# --- callback ----------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "href", allow_duplicate=True),
    Input(CITY_SELECT, "value"),
    Input(CITY_AS_OF, "value"),
    Input(CITY_SET, "value"),
    Input(CITY_LAYER, "value"),
    State(_ids.PAGES_LOCATION, "pathname"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def city_state_to_url(city, as_of, target_set, layer, pathname, search):
    """Put the chosen city (path) and the page's controls (query) into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    path = pathname or "/city"
    if trigger == CITY_SELECT and city:
        path = f"/city/{city}"
    elif trigger == CITY_AS_OF:
        newest = as_of_key(read.vintages(shared_warehouse())[-1])
        query["as_of"] = None if as_of == newest and "as_of" not in query else as_of
    elif trigger == CITY_SET:
        query["set"] = None if target_set == read.DEFAULT_TARGET_SET else target_set
    elif trigger == CITY_LAYER:
        query["layer"] = layer
    new = path + to_search(query)
    return dash.no_update if new == (pathname or "") + (search or "") else new


__all__ = [
    "county_view",
    "layout",
    "rank_text",
    "strengths_and_weaknesses",
]
