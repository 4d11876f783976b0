"""指标库 `/indicators`: every catalog indicator — definition, formula, sources, owners, targets,
each region's latest value and a chart of any regions over any periods, as known at an as-of.

URL state: ``code`` (the selected indicator), ``domain`` (list filter), ``q`` (search text over
names, code and definition), ``regions`` (comma list of region codes for the chart; default the
province and the 13 cities), ``period`` (``month``/``quarter``/``year``, no finer than the
indicator's frequency), ``from``/``to`` (period keys such as ``2021``, ``2021Q1`` or
``2021-01``, any granularity), ``as_of`` (YYYY-MM). Everything is read from the materialised
tables (``catalog_indicators``, ``indicator_values``, ``target_progress``).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, cities, counties, region_table
from datasets.schema import load_schemas
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS, FREQUENCY_ORDER, STOCK_TYPES
from indicators.engine import PERIOD_TYPES
from indicators.formulas import (  # noqa: F401  (re-exported: tests and helpers use them here)
    OVER_REGIONS,
    OVER_TIME,
    RECORD_NOUNS,
    formula_parts,
    where_text,
)
from indicators.periods import (  # noqa: F401  (page-facing names; tests import them here)
    convert_key,
    latest_period,
    period_bounds,
    period_key,
    period_text,
    rank_values,
    series_view,
)
from indicators.text import value_time_label
from indicators.views import IndicatorState, indicator_state
from pages import _ids
from pages._components import (
    BINDING_LABELS,
    as_of_key,
    as_of_options,
    dropdown,
    export_buttons,
    export_header,
    figure,
    fmt_value,
    month_label,
    not_ready,
    page_header,
    since_line,
    target_figure,
    to_search,
    verdict_badge,
)

dash.register_page(__name__, path="/indicators", name="指标库", title="数据大脑 · 指标库", order=4)

INDICATORS_LIST = "indicators-list"
INDICATORS_COUNT = "indicators-count"
INDICATORS_SEARCH = "indicators-search"
INDICATORS_DOMAIN = "indicators-domain"
INDICATORS_AS_OF = "indicators-as-of"
INDICATORS_DETAIL = "indicator-detail"
INDICATORS_FORMULA = "indicator-formula"
INDICATORS_TARGETS = "indicator-targets"
INDICATORS_VALUES = "indicator-values"
INDICATORS_CHART = "indicator-chart"
INDICATORS_REGIONS = "indicators-regions"
INDICATORS_PERIOD = "indicators-period"
INDICATORS_FROM = "indicators-from"
INDICATORS_TO = "indicators-to"
INDICATORS_OVERVIEW = "indicators-overview"
INDICATORS_SCROLL = "indicators-scroll-done"

KIND_LABELS = {"target": "目标", "context": "背景", "monitor": "监测"}
KIND_COLOURS = {"target": "primary", "context": "secondary", "monitor": "info"}
POLARITY_LABELS = {"higher": "越高越好", "lower": "越低越好", "neutral": "无方向"}
FREQUENCY_LABELS = {"month": "月度", "quarter": "季度", "year": "年度"}
PERIOD_WORDS = {"month": "月", "quarter": "季", "year": "年"}
# Okabe–Ito colours for the 13 cities and the province (black), distinguishable in print too.
LINE_COLOURS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#A6761D",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#661100",
    "#6699CC",
    "#888888",
]
SECONDARY_AXIS_RATIO = 3.0


# --- pure helpers ------------------------------------------------------------------------------


def filter_catalog(frame: pl.DataFrame, q: str = "", domain: str | None = None) -> pl.DataFrame:
    """Catalog rows matching the search text (name, English name, code or definition,
    case-insensitive) and the domain, in catalog order."""
    if domain:
        frame = frame.filter(pl.col("domain") == domain)
    q = (q or "").strip().lower()
    if q:
        text = pl.concat_str(
            [pl.col(c).fill_null("") for c in ("name_zh", "name_en", "indicator", "description")],
            separator=" ",
        ).str.to_lowercase()
        frame = frame.filter(text.str.contains(q, literal=True))
    return frame


def needs_secondary_axis(province: float | None, others: list[float | None]) -> bool:
    """Put the province on its own (right) axis when it dwarfs every other region shown
    (a total next to its parts), so the other lines stay readable."""
    rest = [abs(v) for v in others if v is not None and v == v]
    if province is None or not rest or max(rest) == 0:
        return False
    return abs(province) > SECONDARY_AXIS_RATIO * max(rest)


def bounds_text(lower: float | None, upper: float | None) -> str:
    """Natural bounds for people: ``0 – 100``, ``≥ 0``, ``≤ 1``, ``无``."""
    fmt = lambda v: f"{v:g}"  # noqa: E731
    if lower is not None and upper is not None:
        return f"{fmt(lower)} – {fmt(upper)}"
    if lower is not None:
        return f"≥ {fmt(lower)}"
    if upper is not None:
        return f"≤ {fmt(upper)}"
    return "无"


def _region_options(available: set[str]) -> list[dict]:
    table = region_table()
    names = dict(table.select("region_code", "name_zh").iter_rows())
    options = [{"label": "江苏省（全省）", "value": PROVINCE_CODE}]
    options += [
        {"label": n, "value": c} for c, n in cities().select("region_code", "name_zh").iter_rows()
    ]
    county_rows = counties().filter(pl.col("region_code").is_in(sorted(available)))
    options += [
        {"label": f"{n}（{names.get(city, city)}）", "value": c}
        for c, n, city in county_rows.select("region_code", "name_zh", "city_code").iter_rows()
    ]
    return options


def _state(query: dict) -> IndicatorState | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    return indicator_state(shared_warehouse(), query)


def _url_params(state: dict) -> dict:
    """The state as URL parameters (defaults left out)."""
    return {
        "code": state["code"],
        "domain": state["domain"],
        "q": state["q"],
        "regions": state["regions"] if state.get("regions_given") else None,
        "period": state["period"]
        if state["code"] and state["period"] != state["row"]["frequency"]
        else None,
        "from": state["from"],
        "to": state["to"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
    }


def _export_query(state: dict) -> dict:
    """The view's query for its export buttons, the as-of pinned to the one shown."""
    return {**_url_params(state), "as_of": as_of_key(state["as_of"])}


def _series(state: dict) -> pl.DataFrame:
    """The selected indicator's values for every region at the state's period type and as-of."""
    wh = shared_warehouse()
    return read.series(wh, state["code"], [], state["as_of"], period_type=state["period"])


def _in_range(frame: pl.DataFrame, state: dict) -> pl.DataFrame:
    if state["from"]:
        frame = frame.filter(pl.col("period_start") >= period_bounds(state["from"])[0])
    if state["to"]:
        frame = frame.filter(pl.col("period_end") <= period_bounds(state["to"])[1])
    return frame


# --- building blocks ---------------------------------------------------------------------------


def _latest_province(state: dict) -> dict[str, tuple[float | None, str | None]]:
    """Each indicator's latest province value (at its own frequency) and its period."""
    wh = shared_warehouse()
    catalog = state["catalog"]
    out: dict[str, tuple[float | None, str | None]] = {}
    stock = dict(catalog.select("indicator", "compute_type").iter_rows())
    for freq in PERIOD_TYPES:
        codes = catalog.filter(pl.col("frequency") == freq)["indicator"].to_list()
        if not codes:
            continue
        frame = read.latest_values(wh, state["as_of"], codes, PROVINCE_CODE, freq)
        for code in codes:
            rows = frame.filter(pl.col("indicator") == code)
            period = latest_period(rows, stock=stock[code] in STOCK_TYPES)
            if period is None:
                out[code] = (None, None)
                continue
            out[code] = (rows.filter(pl.col("period") == period)["value"][0], period)
    return out


def _list_table(state: dict) -> html.Div:
    catalog = state["catalog"]
    shown = filter_catalog(catalog, state["q"], state["domain"])
    latest = _latest_province(state)
    base = _url_params(state)
    rows = []
    for r in shown.iter_rows(named=True):
        value, period = latest.get(r["indicator"], (None, None))
        href = "/indicators" + to_search(
            {
                **base,
                "code": r["indicator"],
                "regions": None,
                "period": None,
                "from": None,
                "to": None,
            }
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [
                            dcc.Link(
                                r["name_zh"], href=href, className="fw-semibold indicator-link"
                            ),
                            html.Div(
                                html.Code(
                                    r["indicator"],
                                    className="text-muted",
                                    style={"fontSize": ".72rem", "wordBreak": "break-all"},
                                )
                            ),
                        ]
                    ),
                    html.Td(r["domain"], className="text-nowrap small d-none d-sm-table-cell"),
                    html.Td(
                        dbc.Badge(
                            KIND_LABELS[r["kind"]],
                            color=KIND_COLOURS[r["kind"]],
                            className="fw-normal",
                        ),
                    ),
                    html.Td(
                        [
                            html.Div(
                                figure(
                                    value,
                                    r["unit"],
                                    r["decimals"],
                                    indicator=r["indicator"],
                                    region=PROVINCE_CODE,
                                    period=period,
                                ),
                                className="text-nowrap",
                            ),
                            html.Div(
                                period_text(period) if period else "",
                                className="small text-muted text-nowrap",
                            ),
                        ],
                        className="text-end",
                    ),
                ],
                className="table-active" if r["indicator"] == state["code"] else None,
                **{"data-indicator": r["indicator"]},
            )
        )
    if not rows:
        rows = [html.Tr(html.Td("没有匹配的指标。", colSpan=4, className="text-muted"))]
    return html.Div(
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th("指标"),
                            html.Th("领域", className="d-none d-sm-table-cell"),
                            html.Th("类型", className="text-nowrap"),
                            html.Th("全省最新值（单位）", className="text-end"),
                        ]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
            hover=True,
            className="mb-0 indicators-table",
            id=INDICATORS_LIST,
        ),
        style={"maxHeight": "75vh", "overflowY": "auto", "overflowX": "auto"},
        className="indicators-scroll",
    )


def _filters(state: dict) -> html.Div:
    counts = dict(state["catalog"].group_by("domain").len().iter_rows())
    shown = filter_catalog(state["catalog"], state["q"], state["domain"]).height
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(
                            id=INDICATORS_SEARCH,
                            type="search",
                            value=state["q"],
                            placeholder="搜索指标名称、编码或口径（回车确认）",
                            debounce=True,
                        ),
                        xs=12,
                        sm=7,
                        className="mb-2",
                    ),
                    dbc.Col(
                        dropdown(
                            id=INDICATORS_DOMAIN,
                            options=[
                                {"label": f"{d}（{counts.get(d, 0)}）", "value": d} for d in DOMAINS
                            ],
                            value=state["domain"],
                            placeholder="全部领域",
                            clearable=True,
                        ),
                        xs=12,
                        sm=5,
                        className="mb-2",
                    ),
                ],
                className="g-2",
            ),
            html.Div(
                f"显示 {shown} / {state['catalog'].height} 项指标",
                className="small text-muted mb-1",
                id=INDICATORS_COUNT,
            ),
        ]
    )


def _overview(state: dict) -> dbc.Card:
    catalog = state["catalog"]
    rows = []
    for d in DOMAINS:
        part = catalog.filter(pl.col("domain") == d)
        kinds = dict(part.group_by("kind").len().iter_rows())
        rows.append(
            html.Tr(
                [
                    html.Td(dcc.Link(d, href="/indicators" + to_search({"domain": d}))),
                    html.Td(part.height, className="text-end"),
                    *[html.Td(kinds.get(k, 0), className="text-end") for k in KIND_LABELS],
                ]
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader("指标体系概览"),
            dbc.CardBody(
                [
                    html.P(
                        f"指标库共 {catalog.height} 项指标、{len(DOMAINS)} 个领域。"
                        "目标指标对应规划中的量化或定性目标；背景指标描述基础情况；监测指标用于日常运行与风险监测。"
                        "点击左侧任一指标，查看定义、计算公式、数据来源、责任单位、各地区最新值与走势。",
                        className="small",
                    ),
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th("领域"),
                                        html.Th("指标数", className="text-end"),
                                        *[
                                            html.Th(v, className="text-end")
                                            for v in KIND_LABELS.values()
                                        ],
                                    ]
                                )
                            ),
                            html.Tbody(rows),
                        ],
                        size="sm",
                        className="mb-0",
                    ),
                ]
            ),
        ],
        id=INDICATORS_OVERVIEW,
    )


def _definition(state: dict) -> list:
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


def _targets(state: dict) -> html.Div:
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


def _detail(state: dict) -> html.Div:
    row = state["row"]
    compute = json.loads(row["compute"])
    formula = formula_parts(compute)
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
                html.Div(html.Code(row["indicator"]), className="small mb-2"),
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
                html.Dl(_definition(state), className="row mb-2 small"),
                html.H3("关联目标", className="h6 fw-bold mt-3"),
                _targets(state),
            ]
        ),
        className="mb-3",
    )
    return html.Div(card, id=INDICATORS_DETAIL, **{"data-indicator": row["indicator"]})


HEADER_CLASSES = {"地区": "", "13 市对比": "d-none d-md-table-cell"}


def _bar(value: float | None, scale: float) -> html.Div | None:
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


def _values_table(state: dict, frame: pl.DataFrame) -> dbc.Card:
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
                _bar(r.get("value"), scale) if code != PROVINCE_CODE else None,
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
                        export_buttons("indicator_values", _export_query(state)),
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


def _figure(state: dict, frame: pl.DataFrame) -> go.Figure:
    row = state["row"]
    unit, decimals = row["unit"], row["decimals"]
    names = dict(region_table().select("region_code", "name_zh").iter_rows())
    shown = _in_range(frame.filter(pl.col("region_code").is_in(state["regions"])), state)
    last = {
        code: part.sort("period")["value"][-1]
        for (code,), part in shown.group_by("region_code")
        if part.height
    }
    secondary = PROVINCE_CODE in last and needs_secondary_axis(
        last.get(PROVINCE_CODE), [v for c, v in last.items() if c != PROVINCE_CODE]
    )
    fig = go.Figure()
    tick = {"month": "%Y-%m", "quarter": "%Y-%m", "year": "%Y"}[state["period"]]
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


def _chart(state: dict, frame: pl.DataFrame) -> dbc.Card:
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
                        options=_region_options(available),
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
            dbc.CardHeader(export_header("走势", "indicator_series", _export_query(state))),
            dbc.CardBody(
                [
                    controls,
                    dcc.Graph(
                        id=INDICATORS_CHART,
                        figure=_figure(state, frame),
                        config={"displaylogo": False, "responsive": True},
                    ),
                    html.Div(
                        "空心点为截至时点尚未结束的时期；"
                        "全省数值远大于各地区（总量与分量）时放在右轴。数据来源：指标库口径计算的 indicator_values。",
                        className="small text-muted",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


# --- layout ------------------------------------------------------------------------------------


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("指标库"), not_ready()])
    wh = shared_warehouse()
    controls = [
        html.Span("截至", className="small text-muted"),
        dropdown(
            id=INDICATORS_AS_OF,
            options=as_of_options(read.vintages(wh)),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
    ]
    header = page_header(
        "指标库",
        f"{state['catalog'].height} 项指标 · {len(DOMAINS)} 个领域：口径、计算公式、数据来源、责任单位与各地区数值"
        f"（截至 {month_label(state['as_of'])}）",
        controls,
    )
    left = dbc.Card(
        [
            dbc.CardHeader("指标目录"),
            dbc.CardBody(
                [_filters(state), _list_table(state), dcc.Store(id=INDICATORS_SCROLL)],
                className="p-2",
            ),
        ],
        className="mb-3",
        style={
            "position": "sticky",
            "top": ".5rem",
        },  # the catalog stays in view beside a long detail
    )
    selected = state["code"] is not None
    if not selected:
        # the chart's controls are inputs of the page's one URL callback: keep them present
        hidden = html.Div(
            [
                dcc.Dropdown(id=INDICATORS_REGIONS, multi=True),
                dbc.RadioItems(id=INDICATORS_PERIOD, options=[]),
                dcc.Dropdown(id=INDICATORS_FROM),
                dcc.Dropdown(id=INDICATORS_TO),
            ],
            hidden=True,
        )
        right = [_overview(state), hidden]
    else:
        frame = _series(state)
        right = [_detail(state), _chart(state, frame), _values_table(state, frame)]
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col(
                        left,
                        xs={"size": 12, "order": 2 if selected else 1},
                        lg={"size": 5, "order": 1},
                        xxl=4,
                    ),
                    dbc.Col(
                        right,
                        xs={"size": 12, "order": 1 if selected else 2},
                        lg={"size": 7, "order": 2},
                        xxl=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


# --- callbacks ---------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(INDICATORS_SEARCH, "value"),
    Input(INDICATORS_DOMAIN, "value"),
    Input(INDICATORS_AS_OF, "value"),
    Input(INDICATORS_REGIONS, "value"),
    Input(INDICATORS_PERIOD, "value"),
    Input(INDICATORS_FROM, "value"),
    Input(INDICATORS_TO, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def indicators_state_to_url(q, domain, as_of, regions, period, from_, to, search):
    """Put the list filters, as-of, chart regions, period type and range into the URL."""
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    trigger = ctx.triggered_id
    if trigger == INDICATORS_SEARCH:
        query["q"] = (q or "").strip()
    elif trigger == INDICATORS_DOMAIN:
        query["domain"] = domain
    elif trigger == INDICATORS_AS_OF:
        # the newest vintage is the default: leave it out (the as-of dropdown also reports
        # its value when it first renders, which must not pin the URL to today's vintage)
        newest = as_of_options(read.vintages(shared_warehouse()))[0]["value"]
        query["as_of"] = None if as_of == newest and "as_of" not in query else as_of
    elif trigger == INDICATORS_REGIONS:
        query["regions"] = list(regions or [])
    elif trigger == INDICATORS_PERIOD:
        query["period"] = period
        query["from"] = convert_key(query.get("from"), period)
        query["to"] = convert_key(query.get("to"), period, end=True)
    elif trigger == INDICATORS_FROM:
        query["from"] = from_
    elif trigger == INDICATORS_TO:
        query["to"] = to
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


# Scroll the catalog list to the selected indicator after each render (browser-side only).
clientside_callback(
    """
    function (_id) {
        setTimeout(function () {
            var row = document.querySelector("#indicators-list tr.table-active");
            var box = row && row.closest(".indicators-scroll");
            if (box) {
                var top = row.getBoundingClientRect().top - box.getBoundingClientRect().top;
                box.scrollTop += top - box.clientHeight / 3;
            }
        }, 0);
        return window.dash_clientside.no_update;
    }
    """,
    Output(INDICATORS_SCROLL, "data"),
    Input(INDICATORS_LIST, "id"),
)


__all__ = [
    "bounds_text",
    "convert_key",
    "filter_catalog",
    "formula_parts",
    "latest_period",
    "layout",
    "needs_secondary_axis",
    "period_bounds",
    "period_key",
    "period_text",
    "rank_values",
    "where_text",
]
