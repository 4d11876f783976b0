"""The indicator catalog on /indicators: the searchable list with each indicator's latest province value, its filters and the domain overview."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS, STOCK_TYPES
from indicators.engine import PERIOD_TYPES
from indicators.periods import (
    latest_period,
    period_text,
)
from pages._components import (
    dropdown,
    figure,
    to_search,
)
from pages._indicators_state import (
    INDICATORS_COUNT,
    INDICATORS_DOMAIN,
    INDICATORS_LIST,
    INDICATORS_OVERVIEW,
    INDICATORS_SEARCH,
    KIND_COLOURS,
    KIND_LABELS,
    filter_catalog,
    url_params,
)


def latest_province(state: dict) -> dict[str, tuple[float | None, str | None]]:
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


def list_table(state: dict) -> html.Div:
    catalog = state["catalog"]
    shown = filter_catalog(catalog, state["q"], state["domain"])
    latest = latest_province(state)
    base = url_params(state)
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


def filters(state: dict) -> html.Div:
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


def overview(state: dict) -> dbc.Card:
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
