"""The /targets page's summary, filters, target table and city × target grid."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import benchmarks
from indicators.catalog import DOMAINS, default_catalog
from indicators.read_targets import sort_rows
from indicators.text import time_label, value_time_label
from indicators.tracking import (
    FALLBACK_LABELS,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    IN_PROGRESS_VERDICTS,
    progress_at_verdict,
    progress_words,
    verdict_counts,
)
from pages._components import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    dropdown,
    fmt_value,
    month_label,
    since_line,
    status_badge,
    target_figure,
    verdict_badge,
    verdict_legend,
)
from pages._targets_figures import METHOD_SHORT, heatmap_figure
from pages._targets_state import (
    TARGETS_COUNT,
    TARGETS_DOMAIN,
    TARGETS_HEATMAP,
    TARGETS_HEATMAP_GRAPH,
    TARGETS_PHASE,
    TARGETS_STATUS,
    TARGETS_SUMMARY,
    TARGETS_TABLE,
    href,
    phase_title,
)


def labelled(label: str, control, id_: str) -> html.Div:
    return html.Div([html.Label(label, className="small text-muted mb-0", htmlFor=id_), control])


def summary(state: dict, rows: pl.DataFrame) -> html.Div:
    region = state["names"][state["city"]]
    parts = [html.H2(phase_title(state), className="section-title mb-1", id=TARGETS_PHASE)]
    for label, total, counts in verdict_counts(rows.to_dicts()):
        badges = [
            html.Span(
                dcc.Link(
                    [status_badge(v), html.Span(f" {n}", className="ms-1 me-2 fw-bold")],
                    href=href(state, status=[v], target=None),
                    className="text-reset text-decoration-none",
                    title=f"只看{STATUS_STYLE[v][0]}的目标",
                ),
                **{"data-status": v, "data-count": str(n), "data-group": label},
            )
            for v, n in counts
        ]
        parts.append(
            html.Div(
                [html.Span(f"{region} · {label} {total} 项：", className="me-1 fw-semibold")]
                + badges,
                className="d-flex flex-wrap align-items-center gap-1 mb-1"
                + (" targets-final-count" if label == "量化目标" and state["final"] else ""),
            )
        )
    parts.append(verdict_legend({v for v in rows["verdict"].to_list()}, className="mt-1"))
    return html.Div(parts, className="mb-3", id=TARGETS_SUMMARY)


# --- targets table -----------------------------------------------------------------------------


def progress_cell(row: dict):
    progress = progress_at_verdict(row)
    if row["target_value"] is None:
        return html.Span("定性目标", className="small text-muted")
    if progress is None:
        return html.Span("—", className="small text-muted")
    colour = STATUS_STYLE.get(row["verdict"], STATUS_STYLE["not_assessable"])[1]
    share = max(0.0, min(1.0, progress))
    return html.Div(
        [
            dbc.Progress(
                value=round(100 * share),
                className="progress-thin flex-grow-1",
                style={"--bs-progress-bar-bg": colour, "minWidth": "4rem"},
            ),
            html.Span(progress_words(progress), className="small fw-semibold targets-progress"),
        ],
        className="d-flex align-items-center gap-2",
        title=f"自基期起已完成目标的 {100 * progress:.1f}%",
    )


def _explain_details(row: dict, final: bool) -> html.Details:
    body = [html.Div(explanation(row), className="mb-1")]
    if row.get("since_text"):
        body.append(html.Div(row["since_text"] + "（截止后的数据，不改变评估结论）"))
    return html.Details(
        [
            html.Summary("计算过程", className="small text-primary"),
            html.Div(
                body, className="small text-muted targets-explain", style={"maxWidth": "28rem"}
            ),
        ],
        className="mt-1",
    )


MD_UP = "d-none d-md-table-cell"  # columns a phone leaves out (the name cell sums them up)


def fell_back(row: dict) -> bool:
    """Whether the target was read by a documented fallback rather than its own method."""
    used = row.get("method_used")
    return bool(used) and used != row["method"] and bool(row.get("fallback"))


def explanation(row: dict) -> str:
    """How the verdict was reached: the final assessment once there is one, else the tracking
    method's working."""
    if row["verdict"] in FINAL_VERDICTS:
        return row["final_explain"] or "—"
    return row["explain"] or "—"


def _value_when(r: dict) -> str:
    """When the value a verdict is about was observed: 2025 年末, or the latest period."""
    if r["verdict"] in FINAL_VERDICTS:
        return f"{int(r['target_year'])} 年末"
    return value_time_label(r["current_year"], r.get("compute_type"))


def _phone_summary(r: dict, final: bool) -> html.Div:
    """What a phone shows of a target under its name: verdict, value / target, progress."""
    unit, decimals = r["unit"], r["decimals"]
    quantified = r["target_value"] is not None
    target = (
        f"目标 {fmt_value(r['target_value'], unit, decimals)}（{int(r['target_year'])} 年）"
        if quantified
        else (r["statement"] or "定性目标")
    )
    return html.Div(
        [
            html.Div(
                verdict_badge(r, text=True),
                className="d-flex flex-wrap align-items-center gap-1 my-1",
            ),
            html.Div(
                [
                    html.Span(
                        f"{fmt_value(r['shown_value'], unit, decimals)}",
                        className="fw-bold me-1",
                    ),
                    html.Span(f"（{_value_when(r)}）· {target}"),
                ],
                className="small",
            ),
            progress_cell(r) if quantified else None,
        ],
        className="d-md-none",
    )


def _national(st: dict | None) -> html.Div | None:
    """A “全国领先” target's judged standing among the provinces, with its source."""
    if st is None:
        return None
    return html.Div(
        st["text"],
        className="small national-standing " + ("text-success" if st["leading"] else "text-danger"),
        title=f"来源：{st['source']}",
        **{"data-rank": str(st["rank"]), "data-leading": "true" if st["leading"] else "false"},
    )


def _target_row(state: dict, r: dict, national: dict | None = None) -> html.Tr:
    unit, decimals = r["unit"], r["decimals"]
    final = state["final"]
    quantified = r["target_value"] is not None
    domain_binding = f"{r['domain']} · {BINDING_LABELS.get(r['binding'], r['binding'] or '')}"
    cells = [
        html.Td(
            [
                dcc.Link(
                    r["name_zh"],
                    href=href(state, target=r["indicator"]),
                    className="fw-semibold targets-name",
                ),
                html.Div(domain_binding, className="small text-muted d-lg-none"),
                _phone_summary(r, final),
                _explain_details(r, final),
            ],
            style={"minWidth": "11rem"},
        ),
        html.Td(r["domain"], className="d-none d-lg-table-cell small text-nowrap"),
        html.Td(
            BINDING_LABELS.get(r["binding"], r["binding"] or ""),
            className="d-none d-lg-table-cell small text-nowrap",
        ),
        html.Td(
            [
                html.Div(fmt_value(r["baseline_value"], unit, decimals)),
                html.Div(time_label(r["baseline_year"]), className="small text-muted"),
            ],
            className=f"{MD_UP} text-nowrap",
        ),
        html.Td(
            [
                html.Div(target_figure(r), className="fw-bold targets-latest"),
                html.Div(_value_when(r), className="small text-muted"),
                since_line(r, className="small text-muted targets-since"),
            ],
            className=f"{MD_UP} text-nowrap",
        ),
        html.Td(
            [
                html.Div(fmt_value(r["target_value"], unit, decimals)),
                html.Div(f"{int(r['target_year'])} 年", className="small text-muted"),
            ]
            if quantified
            else html.Div(
                [r["statement"] or "定性目标", _national(national)],
                className="small",
                style={"minWidth": "8rem"},
            ),
            className=f"{MD_UP} text-nowrap" if quantified else MD_UP,
        ),
        html.Td(progress_cell(r), className=MD_UP, style={"minWidth": "8rem"}),
        html.Td(
            verdict_badge(r, text=True),
            className=f"{MD_UP} targets-status",
            title=explanation(r),
        ),
    ]
    cells += [
        html.Td(
            [
                html.Div(METHOD_SHORT.get(r["method"], r["method"])),
                html.Div(
                    "→ " + METHOD_SHORT.get(r["method_used"], r["method_used"]),
                    className="small text-muted",
                )
                if fell_back(r)
                else None,
            ],
            className=f"{MD_UP} small text-nowrap",
            title=METHOD_LABELS.get(r["method"], r["method"])
            + (f"；{FALLBACK_LABELS.get(r['fallback'], '')}" if fell_back(r) else ""),
        ),
        html.Td(
            r["responsible_units"],
            className=f"{MD_UP} small text-muted",
            style={"minWidth": "10rem", "maxWidth": "18rem"},
        ),
    ]
    return html.Tr(
        cells,
        className="table-active" if r["indicator"] == state["target"] else None,
        **{
            "data-indicator": r["indicator"],
            "data-status": r["verdict"],
            "data-final": r["final_status"] or "",
            "data-quantified": "true" if quantified else "false",
        },
    )


def filters(state: dict) -> html.Div:
    offered = [*FINAL_VERDICTS, *IN_PROGRESS_VERDICTS] if state["final"] else IN_PROGRESS_VERDICTS
    status_options = [
        {"label": f"{STATUS_STYLE[v][2]} {STATUS_STYLE[v][0]}", "value": v} for v in offered
    ]
    return html.Div(
        [
            labelled(
                "领域",
                dropdown(
                    id=TARGETS_DOMAIN,
                    options=[{"label": d, "value": d} for d in DOMAINS],
                    value=state["domain"],
                    placeholder="全部领域",
                    style={"minWidth": "10rem"},
                ),
                TARGETS_DOMAIN,
            ),
            labelled(
                "状态",
                dropdown(
                    id=TARGETS_STATUS,
                    options=status_options,
                    value=state["statuses"],
                    multi=True,
                    placeholder="全部状态",
                    style={"minWidth": "16rem"},
                ),
                TARGETS_STATUS,
            ),
            dcc.Link(
                "清除筛选",
                href=href(state, domain=None, status=None),
                className="small align-self-end mb-2",
            )
            if state["domain"] or state["statuses"]
            else None,
        ],
        className="d-flex flex-wrap gap-2 mb-2",
    )


def target_table(state: dict, rows: pl.DataFrame) -> html.Div:
    wanted = set(state["statuses"])
    shown = [
        r
        for r in rows.iter_rows(named=True)
        if (state["domain"] is None or r["domain"] == state["domain"])
        and (not wanted or r["verdict"] in wanted)
    ]
    shown = sort_rows(shown, final=state["final"], order=state["order"])
    header = [
        "目标（点击查看详情）",
        "领域",
        "类型",
        "基期",
        f"{state['ts'].target_year} 年末值" if state["final"] else "最新",
        "目标值",
        "进度",
        f"总结评估（{state['ts'].target_year} 年末）" if state["final"] else "状态",
        "方法",
        "责任单位",
    ]
    lg_only = {"领域", "类型"}
    thead = html.Thead(
        html.Tr(
            [
                html.Th(
                    h,
                    className="d-none d-lg-table-cell"
                    if h in lg_only
                    else ("text-nowrap" if i == 0 else f"{MD_UP} text-nowrap"),
                )
                for i, h in enumerate(header)
            ]
        )
    )
    national = {}
    if state["city"] == PROVINCE_CODE:  # a rank among provinces is the province's
        national = {
            t.indicator: benchmarks.standing(shared_warehouse(), t.benchmark, state["as_of"])
            for t in state["ts"].targets
            if t.benchmark
        }
    body = [_target_row(state, r, national.get(r["indicator"])) for r in shown]
    if not body:
        body = [
            html.Tr(
                html.Td("没有符合筛选条件的目标。", colSpan=len(header), className="text-muted")
            )
        ]
    region = state["names"][state["city"]]
    return html.Div(
        [
            html.Div(
                f"{region} · 显示 {len(shown)} / {rows.height} 项目标（滞后的排在前面）",
                className="small text-muted mb-1",
                id=TARGETS_COUNT,
            ),
            dbc.Table(
                [thead, html.Tbody(body)],
                size="sm",
                hover=True,
                responsive=True,
                className="align-middle mb-1",
                id=TARGETS_TABLE,
            ),
            html.Div(
                "进度 = 自基期起已走完的份额（进度条截于 0–100%）；状态按所示方法判定，"
                "展开“计算过程”可见判定所用的数字。"
                + (
                    f"总结评估以 {state['ts'].target_year} 年末的数值与目标比较。"
                    if state["final"]
                    else ""
                ),
                className="small text-muted",
            ),
        ]
    )


# --- heatmap -----------------------------------------------------------------------------------


def status_grid(state: dict, frame: pl.DataFrame) -> html.Div:
    numeric = [
        t.indicator
        for t in state["ts"].targets
        if t.target is not None
        and (state["domain"] is None or default_catalog()[t.indicator].domain == state["domain"])
    ]
    regions = list(state["names"].items())
    fig = heatmap_figure(
        frame.filter(pl.col("indicator").is_in(numeric)),
        indicators=numeric,
        regions=regions,
        final=state["final"],
        selected_region=state["city"],
        selected_indicator=state["target"],
    )
    cells = frame.filter(pl.col("indicator").is_in(numeric))
    if state["final"]:
        what = (
            f"规划期已过：颜色与文字 = 总结评估（{state['ts'].target_year} 年末是否达到目标），"
            "悬停可见截止时的值与此后的数据"
        )
    else:
        what = "颜色、符号与文字 = 目标状态"
    legend = [verdict_legend(set(cells["verdict"].to_list()))]
    return html.Div(
        [
            html.Div(
                f"{len(regions)} 个地区 × {len(numeric)} 项量化目标 · {what} · "
                f"数据截至 {month_label(state['as_of'])} · 点击单元格查看该地区该目标",
                className="small text-muted mb-1",
            ),
            html.Div(
                dcc.Graph(
                    id=TARGETS_HEATMAP_GRAPH,
                    figure=fig,
                    config={"displaylogo": False, "displayModeBar": False},
                    style={"minWidth": "640px"},
                ),
                style={"overflowX": "auto"},
            ),
            html.Div(legend, className="d-flex flex-wrap gap-1 mt-1"),
        ],
        id=TARGETS_HEATMAP,
        **{"data-rows": str(len(regions)), "data-columns": str(len(numeric))},
    )


# --- detail ------------------------------------------------------------------------------------
