"""The city page's sections: header, summary, its targets, ranks, strengths and gaps."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS
from indicators.verdict import (
    FINAL_VERDICTS,
    progress_at_verdict,
    progress_words,
)
from indicators.views import COMPOSITE
from pages._city_state import (
    CITY_ALL_RANKS,
    CITY_AS_OF,
    CITY_GAPS,
    CITY_RANKS,
    CITY_SELECT,
    CITY_SET,
    CITY_STRENGTHS,
    CITY_SUMMARY,
    CITY_TARGETS,
    CITY_TITLE,
    N_CITIES,
    SCALE_UNITS,
    _city_names,
    _evaluation_label,
    _export_query,
    _target_href,
    rank_text,
)
from pages._components import (
    BINDING_LABELS,
    DROPDOWN_LABELS,
    STATUS_STYLE,
    as_of_key,
    as_of_options,
    duban_links,
    export_buttons,
    fmt_value,
    month_label,
    since_line,
    target_figure,
    verdict_badge,
    verdict_summary,
)


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


def _lag_item(state: dict, r: dict, duban) -> html.Li:
    unit, decimals = r["unit"], r["decimals"]
    assessed = r["verdict"] in FINAL_VERDICTS
    progress = progress_at_verdict(r)
    when = f"{int(r['target_year'])} 年末" if assessed else "当前"
    parts = [
        dcc.Link(
            r["name_zh"], href=_target_href(state, r["indicator"]), className="fw-semibold me-2"
        ),
        verdict_badge(r, text=True),
        duban(indicator=r["indicator"], region=state["code"], target_set=state["set"]),
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
    duban = duban_links()
    lag_block = (
        html.Ul(
            [_lag_item(state, r, duban) for r in lagging.iter_rows(named=True)],
            className="ps-3 mb-0",
        )
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
