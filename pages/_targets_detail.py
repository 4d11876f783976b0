"""One target in detail on /targets: its numbers, the methods compared, the final assessment, the 13 cities, and the track record of its probability."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import default_catalog
from indicators.read_targets import method_comparison, sort_rows
from indicators.readings import DEFAULT_READING
from indicators.text import forecast_summary, time_label, track_record_text
from indicators.tracking import (
    FALLBACK_LABELS,
    value_at_deadline,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    LAGGING_VERDICTS,
)
from indicators.verdict import gap_text as verdict_gap_text
from pages._components import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    duban_links,
    export_buttons,
    fmt_value,
    month_label,
    status_badge,
    target_figure,
    verdict_badge,
)
from pages._targets_figures import (
    METHOD_SHORT,
    NUMBER_LABELS,
    add_forecast,
    city_figure,
    detail_figure,
    format_number,
    track_record_figure,
)
from pages._targets_state import (
    TARGET_DETAIL,
    TARGET_DETAIL_CHART,
    TARGET_DETAIL_CITIES,
    TARGET_DETAIL_CITY_CHART,
    TARGET_DETAIL_CLOSE,
    TARGET_DETAIL_FINAL,
    TARGET_DETAIL_METHODS,
    TARGET_DETAIL_NUMBERS,
    TARGET_TRACK_RECORD,
    TARGET_TRACK_RECORD_CHART,
    export_query,
    href,
)
from pages._targets_table import explanation, fell_back, progress_cell


def _numbers_table(row: dict) -> dbc.Table:
    numbers = json.loads(row["numbers"] or "{}")
    body = [
        html.Tr(
            [
                html.Td(NUMBER_LABELS.get(k, k), className="small"),
                html.Td(
                    format_number(k, v, row["unit"], row["decimals"]),
                    className="small text-end text-nowrap fw-semibold",
                ),
            ],
            **{"data-key": k},
        )
        for k, v in numbers.items()
    ]
    if not body:
        body = [html.Tr(html.Td("本次评估没有可计算的关键数。", className="small text-muted"))]
    return dbc.Table([html.Tbody(body)], size="sm", className="mb-2", id=TARGET_DETAIL_NUMBERS)


def _methods_table(state: dict, row: dict) -> html.Div:
    frame = method_comparison(
        shared_warehouse(), state["set"], state["as_of"], row["indicator"], state["city"]
    )
    if frame.height <= 1:
        return html.Div(id=TARGET_DETAIL_METHODS)
    body = [
        html.Tr(
            [
                html.Td(
                    METHOD_SHORT.get(m["method"], m["method"])
                    + ("（默认）" if m["is_default_method"] else ""),
                    className="small text-nowrap",
                    title=METHOD_LABELS.get(m["method"], m["method"]),
                ),
                html.Td(status_badge(m["status"]), title=m["explain"] or ""),
                html.Td(
                    "—" if m["ratio"] is None else f"比值 {m['ratio']:.2f}",
                    className="small text-nowrap",
                ),
                html.Td(
                    dcc.Link(
                        "改用此法",
                        href=href(state, method=m["method"]),
                        className="small text-nowrap",
                    )
                    if m["method"] != row["method"]
                    else html.Span("当前", className="small text-muted")
                ),
            ],
            **{"data-method": m["method"]},
        )
        for m in frame.iter_rows(named=True)
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Span("三种方法对比", className="small fw-semibold me-auto"),
                    export_buttons("target_methods", export_query(state)),
                ],
                className="d-flex flex-wrap align-items-center gap-1 mb-1",
            ),
            dbc.Table([html.Tbody(body)], size="sm", responsive=True, className="mb-2"),
        ],
        id=TARGET_DETAIL_METHODS,
    )


def _track_record_block() -> html.Details | None:
    """The probabilities' track record: Brier score against the base rate, and reliability."""
    summary, bins = read.track_record(shared_warehouse())
    if summary is None:
        return None
    return html.Details(
        [
            html.Summary("达标概率的历史检验（Brier 分数与可靠性图）", className="small"),
            html.Div(
                [
                    html.P(track_record_text(summary), className="small mb-1"),
                    dcc.Graph(
                        id=TARGET_TRACK_RECORD_CHART,
                        figure=track_record_figure(bins),
                        config={"displaylogo": False, "displayModeBar": False},
                    ),
                ]
            ),
        ],
        className="mt-2",
        id=TARGET_TRACK_RECORD,
    )


def _final_block(state: dict, row: dict) -> html.Div | None:
    if not state["final"] or row["target_value"] is None:
        return None
    unit, decimals = row["unit"], row["decimals"]
    if not row["final_status"]:
        return dbc.Alert(
            "规划期末之前没有观测值，无法作总结评估。", color="light", id=TARGET_DETAIL_FINAL
        )
    at_deadline = value_at_deadline(row["target_value"], row["final_gap"], row["polarity"])
    gap = row["final_gap"]
    amount = verdict_gap_text(gap, unit, decimals)
    gap_text = "恰好达到目标" if gap == 0 else ("优于目标 " if gap > 0 else "距目标差 ") + amount
    reached = (
        f"{time_label(row['first_reached'])}首次达到目标"
        if row["first_reached"] is not None
        else "规划期内从未达到目标"
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        f"总结评估（{int(row['target_year'])} 年末）：", className="fw-semibold"
                    ),
                    verdict_badge(row, big=True),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-1",
            ),
            html.Ul(
                [
                    html.Li(
                        f"期末值 {fmt_value(at_deadline, unit, decimals)}，"
                        f"目标 {fmt_value(row['target_value'], unit, decimals)}"
                    ),
                    html.Li(gap_text),
                    html.Li(reached),
                    html.Li(row["since_text"] + "（不改变评估结论）")
                    if row.get("since_text")
                    else None,
                ],
                className="small mb-1 ps-3",
            ),
            html.Div(row["final_explain"] or "", className="small text-muted"),
        ],
        className="border rounded p-2 mb-2",
        style={"--bs-border-color": STATUS_STYLE[row["verdict"]][1], "borderWidth": "2px"},
        id=TARGET_DETAIL_FINAL,
        **{"data-final": row["final_status"]},
    )


def _cities_block(state: dict, frame: pl.DataFrame, row: dict) -> html.Div:
    rows = [
        r
        for r in frame.filter(
            (pl.col("indicator") == row["indicator"]) & (pl.col("region_code") != PROVINCE_CODE)
        ).iter_rows(named=True)
    ]
    rows = sort_rows(rows, final=state["final"], order={})
    names = state["names"]
    unit, decimals = row["unit"], row["decimals"]
    quantified = row["target_value"] is not None
    final = state["final"] and quantified
    header = [
        "城市",
        f"{int(row['target_year'])} 年末值" if final else "当前值",
        "目标",
        "进度",
        "总结评估" if final else "状态",
        "",
    ]
    sm_up = "d-none d-sm-table-cell"  # a phone keeps city, values and statuses
    body = []
    for r in rows:
        cells = [
            html.Td(
                dcc.Link(names[r["region_code"]], href=f"/city/{r['region_code']}"),
                className="text-nowrap",
            ),
            html.Td(
                target_figure(r),
                className="text-nowrap fw-semibold",
                title=r.get("since_text") or "",
            ),
            html.Td(
                fmt_value(r["target_value"], unit, decimals) if quantified else "—",
                className="text-nowrap",
            ),
            html.Td(progress_cell(r), className=sm_up, style={"minWidth": "7rem"}),
            html.Td(verdict_badge(r, text=True), title=explanation(r)),
        ]
        cells.append(
            html.Td(
                dcc.Link(
                    "在本页查看",
                    href=href(state, city=r["region_code"]),
                    className="small text-nowrap",
                )
                if r["region_code"] != state["city"]
                else html.Span("当前", className="small text-muted"),
                className=sm_up,
            )
        )
        body.append(
            html.Tr(
                cells,
                className="table-active" if r["region_code"] == state["city"] else None,
                **{
                    "data-region": r["region_code"],
                    "data-status": r["verdict"],
                    "data-final": r["final_status"] or "",
                },
            )
        )
    basis = row.get("city_targets_basis")
    return html.Div(
        [
            html.Div(
                [
                    html.H3(
                        f"13 个设区市 · {row['name_zh']}（{unit}），"
                        f"数据截至 {month_label(state['as_of'])}",
                        className="h6 fw-semibold mb-0 me-auto",
                    ),
                    export_buttons("target_cities", export_query(state)),
                ],
                className="d-flex flex-wrap align-items-center gap-1 mb-2",
            ),
            dbc.Alert(["各市目标为分解示例：", basis], color="light", className="small py-1 mb-2")
            if basis
            else None,
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id=TARGET_DETAIL_CITY_CHART,
                            figure=city_figure(rows, names=names),
                            config={"displaylogo": False, "displayModeBar": False},
                        ),
                        lg=5,
                    ),
                    dbc.Col(
                        dbc.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th(
                                                h,
                                                className=f"{sm_up} text-nowrap"
                                                if h in ("进度", "")
                                                else "text-nowrap",
                                            )
                                            for h in header
                                        ]
                                    )
                                ),
                                html.Tbody(body),
                            ],
                            size="sm",
                            responsive=True,
                            hover=True,
                            className="align-middle small mb-0",
                        ),
                        lg=7,
                    ),
                ],
                className="g-2",
            ),
        ],
        id=TARGET_DETAIL_CITIES,
    )


def detail(state: dict, frame: pl.DataFrame) -> dbc.Card:
    names = state["names"]
    region = names[state["city"]]
    matches = frame.filter(
        (pl.col("indicator") == state["target"]) & (pl.col("region_code") == state["city"])
    )
    close = dcc.Link(
        "× 关闭详情",
        href=href(state, target=None),
        className="btn btn-sm btn-outline-secondary text-nowrap",
        id=TARGET_DETAIL_CLOSE,
    )
    if matches.is_empty():
        name = default_catalog()[state["target"]].name_zh
        return dbc.Card(
            [
                dbc.CardHeader(
                    html.Div(
                        [html.Span(f"{name} · {region}"), close],
                        className="d-flex justify-content-between align-items-center",
                    )
                ),
                dbc.CardBody(
                    dbc.Alert(
                        f"截至 {month_label(state['as_of'])}，{region}尚无该目标的评估数据。",
                        color="light",
                        className="mb-0",
                    )
                ),
            ],
            className="mb-3",
            id=TARGET_DETAIL,
        )
    row = matches.row(0, named=True)
    unit = row["unit"]
    quantified = row["target_value"] is not None
    series = read.series(
        shared_warehouse(),
        row["indicator"],
        [state["city"]],
        state["as_of"],
        reading=state["reading"],
    )
    fig = detail_figure(series, row, region_name=region, final=state["final"])
    model, forecast_rows = read.forecast(
        shared_warehouse(),
        row["indicator"],
        state["city"],
        state["as_of"],
        reading=state["reading"],
        target_set=state["set"],
    )
    if model is not None:
        add_forecast(fig, forecast_rows, unit=unit, decimals=row["decimals"])
    target_text = (
        f"目标 {fmt_value(row['target_value'], unit, row['decimals'])}（{int(row['target_year'])} 年末）"
        if quantified
        else f"定性目标：{row['statement'] or '—'}"
    )
    header = html.Div(
        [
            html.Div(
                [
                    html.H2(f"{row['name_zh']} · {region}", className="h5 mb-0 me-2 d-inline"),
                    verdict_badge(row, big=True),
                    duban_links()(
                        indicator=row["indicator"], region=state["city"], target_set=state["set"]
                    )
                    if row["verdict"] in LAGGING_VERDICTS
                    else None,
                ],
                className="d-flex flex-wrap align-items-center gap-1",
            ),
            close,
        ],
        className="d-flex justify-content-between align-items-start gap-2",
    )
    notes = []
    if not quantified:
        notes.append(
            dbc.Alert(
                [
                    html.Strong("定性目标："),
                    row["statement"] or "—",
                    "。规划没有给出数值目标，状态按实际增速与固定阈值判定（Open SDG 无目标方法），"
                    "图中不画达标路径。",
                ],
                color="info",
                className="small py-2 mb-2",
            )
        )
    if row["verdict"] == "not_assessable":
        notes.append(
            dbc.Alert(
                [html.Strong("无法评估："), row["explain"] or "—"],
                color="secondary",
                className="small py-2 mb-2",
                id="target-detail-not-assessable",
            )
        )
    info = html.Ul(
        [
            html.Li([html.Span("规划条款：", className="text-muted"), row["target_clause"] or "—"]),
            html.Li(
                [
                    html.Span("类型：", className="text-muted"),
                    BINDING_LABELS.get(row["binding"], row["binding"] or "—"),
                    html.Span(" · 领域：", className="text-muted"),
                    row["domain"],
                ]
            ),
            html.Li(
                [
                    html.Span("评估方法：", className="text-muted"),
                    METHOD_LABELS.get(row["method"], row["method"]),
                    "（本页所选）" if state["method"] else "（默认）",
                    f"；{FALLBACK_LABELS.get(row['fallback'], '')}，实际按"
                    f"{METHOD_LABELS.get(row['method_used'], row['method_used'])}"
                    if fell_back(row)
                    else "",
                ]
            ),
            html.Li([html.Span("责任单位：", className="text-muted"), row["responsible_units"]]),
        ],
        className="small ps-3 mb-2",
    )
    caption = (
        f"{row['name_zh']} · {region} · 年度值（{unit}；年末值，当年至今为最新值），"
        f"数据截至 {month_label(state['as_of'])}。基期 {time_label(row['baseline_year'])} "
        f"{fmt_value(row['baseline_value'], unit, row['decimals'])}，{target_text}。"
    )
    card = dbc.Card(
        [
            dbc.CardHeader(header),
            dbc.CardBody(
                [
                    *notes,
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.Div(caption, className="small text-muted mb-1"),
                                    dcc.Graph(
                                        id=TARGET_DETAIL_CHART,
                                        figure=fig,
                                        config={"displaylogo": False},
                                    ),
                                    html.Div(
                                        forecast_summary(
                                            model, compute_type=row.get("compute_type")
                                        ),
                                        className="small mt-1",
                                        id="target-detail-forecast",
                                    )
                                    if model is not None
                                    else None,
                                    # scored on outcomes known now: not part of a replay
                                    _track_record_block()
                                    if model is not None and state["newest"]
                                    else None,
                                ],
                                lg=7,
                            ),
                            dbc.Col(
                                [
                                    info,
                                    _final_block(state, row),
                                    html.Div("计算过程", className="small fw-semibold mb-1"),
                                    html.Div(
                                        explanation(row),
                                        className="small bg-light border rounded p-2 mb-2",
                                        id="target-detail-explain",
                                    ),
                                    *(
                                        [
                                            _numbers_table(row),
                                            # the stored comparison is of the default reading
                                            _methods_table(state, row)
                                            if state["reading"] == DEFAULT_READING
                                            else html.Div(id=TARGET_DETAIL_METHODS),
                                        ]
                                        if row["verdict"] not in FINAL_VERDICTS
                                        else [html.Div(id=TARGET_DETAIL_METHODS)]
                                    ),
                                ],
                                lg=5,
                            ),
                        ],
                        className="g-3 mb-2",
                    ),
                    _cities_block(state, frame, row),
                ]
            ),
        ],
        className="border-primary",
    )
    return html.Div(
        card,
        className="mb-3",
        id=TARGET_DETAIL,
        **{"data-indicator": row["indicator"], "data-region": state["city"]},
    )
