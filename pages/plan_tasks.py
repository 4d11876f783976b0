"""重点任务 ``/plan-tasks``: the plan's tasks by chapter with their milestones per year (as in 七
推进计划), each milestone's progress and evidence as reported at the as-of; 滞后 first in the
counts. State in the URL: ``set``, ``as_of``, ``status``, ``unit``."""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, ctx, html

from datasets.warehouse import shared_warehouse
from indicators import plan_tasks, read
from indicators.text import month_label
from indicators.views import cockpit_state
from pages import _ids
from pages._components import (
    as_of_in_url,
    as_of_key,
    as_of_options,
    badge,
    dropdown,
    not_ready,
    page_header,
    stat_card,
    to_search,
)

dash.register_page(
    __name__, path="/plan-tasks", name="重点任务", title="数据大脑 · 重点任务", order=1.5
)

PLAN_AS_OF = "plan-tasks-as-of"
PLAN_STATUS = "plan-tasks-status"
PLAN_UNIT = "plan-tasks-unit"
COLOUR = {"已完成": "success", "推进中": "primary", "未启动": "secondary", "滞后": "danger"}
ALL = "all"


def _cell(row: dict | None) -> html.Td:
    if row is None:
        return html.Td("")
    return html.Td(
        [
            html.Div(row["milestone"], className="small", style={"minWidth": "7rem"}),
            badge(row["progress"], COLOUR[row["progress"]], **{"data-progress": row["progress"]}),
        ],
        title=row["evidence"] or "",
        **{"data-milestone": f"{row['task_id']}|{row['milestone_year']}"},
    )


def _table(frame: pl.DataFrame) -> html.Div:
    if frame.is_empty():
        return html.P("没有符合条件的任务。", className="text-muted", id="plan-tasks-empty")
    years = sorted(frame["milestone_year"].unique().to_list())
    head = html.Thead(
        html.Tr(
            [html.Th("章节"), html.Th("任务"), html.Th("牵头单位")]
            + [html.Th(f"{y} 年") for y in years]
        )
    )
    body = []
    for task_id, rows in frame.group_by("task_id", maintain_order=True):
        by_year = {r["milestone_year"]: r for r in rows.iter_rows(named=True)}
        first = rows.row(0, named=True)
        body.append(
            html.Tr(
                [
                    html.Td(first["chapter"], className="text-nowrap"),
                    html.Td(
                        [
                            html.Div(first["task"], className="fw-semibold"),
                            html.Div(first["chapter_title"], className="small text-muted"),
                        ],
                        style={"minWidth": "10rem"},  # a phone scrolls the years sideways
                    ),
                    html.Td(
                        [
                            first["lead_unit"],
                            html.Div(first["supporting_units"] or "", className="small text-muted"),
                        ],
                        style={"minWidth": "6rem"},
                    ),
                ]
                + [_cell(by_year.get(y)) for y in years],
                **{"data-task": task_id[0]},
            )
        )
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", bordered=True, responsive=True, id="plan-tasks-table"
    )


def layout(**query):
    state = cockpit_state(shared_warehouse(), query)
    if state is None:
        return html.Div([page_header("重点任务"), not_ready()])
    frame = plan_tasks.milestones(shared_warehouse(), state["set"], state["as_of"])
    if frame.is_empty():
        return html.Div(
            [
                page_header("重点任务"),
                dbc.Alert(
                    "数据仓库中还没有该规划的重点任务台账（数据集 plan_tasks）。", color="info"
                ),
            ]
        )
    counts = plan_tasks.counts(frame)
    units = sorted(frame["lead_unit"].unique().to_list())
    status, unit = query.get("status"), query.get("unit")
    shown = frame
    if status in plan_tasks.STATUSES:
        shown = shown.filter(
            pl.col("task_id").is_in(
                frame.filter(pl.col("progress") == status)["task_id"].unique().to_list()
            )
        )
    if unit in units:
        shown = shown.filter(pl.col("lead_unit") == unit)
    cards = dbc.Row(
        [
            dbc.Col(stat_card(s, str(counts[s]), "个里程碑"), xs=6, md=3)
            for s in ("滞后", "推进中", "已完成", "未启动")
        ],
        className="g-2 mb-3",
        id="plan-tasks-counts",
    )
    controls = [
        dropdown(
            id=PLAN_STATUS,
            options=[{"label": "全部进展", "value": ALL}]
            + [{"label": f"含{s}里程碑的任务", "value": s} for s in plan_tasks.STATUSES],
            value=status if status in plan_tasks.STATUSES else ALL,
            clearable=False,
            style={"minWidth": "12rem"},
        ),
        dropdown(
            id=PLAN_UNIT,
            options=[{"label": "全部牵头单位", "value": ALL}]
            + [{"label": u, "value": u} for u in units],
            value=unit if unit in units else ALL,
            clearable=False,
            style={"minWidth": "10rem"},
        ),
        dropdown(
            id=PLAN_AS_OF,
            options=as_of_options(read.vintages(shared_warehouse())),
            value=as_of_key(state["as_of"]),
            clearable=False,
            style={"minWidth": "10rem"},
        ),
    ]
    return html.Div(
        [
            page_header(
                "重点任务与里程碑",
                f"{state['ts'].name_zh} · 截至 {month_label(state['as_of'])} 的最新进展报告；"
                "里程碑年度已过而未完成的显示为滞后。悬停查看佐证材料。",
                right=controls,
            ),
            cards,
            _table(shown),
        ]
    )


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(PLAN_STATUS, "value"),
    Input(PLAN_UNIT, "value"),
    Input(PLAN_AS_OF, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def plan_tasks_state_to_url(status, unit, as_of, search):
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if ctx.triggered_id == PLAN_STATUS:
        query["status"] = None if status == ALL else status
    elif ctx.triggered_id == PLAN_UNIT:
        query["unit"] = None if unit == ALL else unit
    else:
        query["as_of"] = as_of_in_url(as_of)
    new = to_search(query)
    return dash.no_update if new == (search or "") else new
