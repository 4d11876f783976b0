"""督办中心 ``/tasks``: the 督办事项 a user may see — a city's or unit's own, everything for the
province's roles — overdue first, filtered by view (mine / all), state, city and lateness, with
the counts of open and overdue tasks per 承办单位, and the ledger as Excel.

The rows come from :func:`datasets.supervision.ledger`, the same rows the Excel ledger writes.
Which tasks a user sees is decided in :mod:`datasets.supervision` (``can_see``), not here.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from datasets import config, supervision
from datasets.regions import cities
from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse
from pages import _auth
from pages._components import list_group, list_item, page_header, stat_card
from pages._task_badges import badge, effect_badge, state_badge
from reports.ledger import ledger_workbook

dash.register_page(__name__, path="/tasks", name="督办中心", title="数据大脑 · 督办中心", order=5.5)

ALL = "all"
TASKS_FILTERS = "tasks-filters"
TASKS_TABLE = "tasks-table"
TASKS_EXPORT = "tasks-export"
TASKS_DOWNLOAD = "tasks-download"
_auth.require_for_output(TASKS_DOWNLOAD, "export")

VIEWS = {"all": "全部可见", "mine": "我发起的", "assigned": "我承办的"}


def selected(user, view: str | None, state: str | None, region: str | None, late: bool, today):
    """The tasks a filter selects among those the user may see, overdue first."""
    found = supervision.list_tasks(user=user, today=today)
    if view == "mine" and user is not None:
        found = [t for t in found if t.created_by == user.username]
    elif view == "assigned" and user is not None:
        found = [t for t in found if "assignee" in supervision.parties(t, user)]
    if state and state != ALL:
        found = [t for t in found if t.state == state]
    if region and region != ALL:
        found = [t for t in found if supervision.city_of(t.region_code) == region]
    if late:
        found = [t for t in found if t.overdue(today)]
    return found


def _table(rows: list[dict]) -> html.Div:
    if not rows:
        return html.P("没有符合条件的督办事项。", className="text-muted", id="tasks-empty")
    wide = "d-none d-md-table-cell"  # a phone keeps the task, its assignee, state and deadline
    heads = [
        ("编号", wide),
        ("事项", ""),
        ("承办", ""),
        ("状态", ""),
        ("截止", ""),
        ("督办人", wide),
        ("成效", wide),
    ]
    head = html.Thead(html.Tr([html.Th(h, className=c or None) for h, c in heads]))
    body = [
        html.Tr(
            [
                html.Td(f"#{r['id']}", className=wide),
                html.Td(
                    [
                        dcc.Link(r["title"], href=f"/tasks/{r['id']}"),
                        html.Div(r["subject_zh"], className="small text-muted"),
                    ]
                ),
                html.Td(r["assignee"]),
                html.Td(state_badge(r)),
                html.Td([r["due"], html.Div(r["late_zh"], className="small text-danger")]),
                html.Td(r["created_by"], className=wide),
                html.Td(effect_badge(r), className=wide),
            ],
            className="table-danger" if r["overdue"] else None,
            **{"data-task": str(r["id"])},
        )
        for r in rows
    ]
    return dbc.Table(
        [head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="tasks-table"
    )


def _by_unit(rows: list[dict]) -> html.Div:
    """Open and overdue tasks per 承办单位, most overdue first."""
    counts: dict[str, list[int]] = {}
    for r in rows:
        if r["state"] == "closed":
            continue
        c = counts.setdefault(r["assignee"], [0, 0])
        c[0] += 1
        c[1] += r["overdue"]
    if not counts:
        return html.Div()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    return dbc.Card(
        [
            dbc.CardHeader("按承办单位（在办 / 逾期）"),
            list_group(
                [
                    list_item(
                        [
                            html.Span(unit),
                            html.Span(
                                [
                                    badge(f"在办 {n}", "primary"),
                                    badge(f"逾期 {late}", "danger") if late else None,
                                ],
                                className="float-end",
                            ),
                        ],
                        **{"data-unit": unit},
                    )
                    for unit, (n, late) in ordered
                ],
                flush=True,
            ),
        ],
        id="tasks-by-unit",
    )


def _summary(found, today) -> dbc.Row:
    c = supervision.counts(found, today)
    cards = [
        ("在办", c["open"], "待签收、办理中、已反馈、退回重办"),
        ("逾期", c["overdue"], "截止日期已过而未办结"),
        ("已升级", c["escalated"], "逾期满期限，已报省领导"),
        ("已办结", c["closed"], f"共 {c['total']} 件"),
    ]
    return dbc.Row(
        [dbc.Col(stat_card(t, str(n), note), xs=6, md=3) for t, n, note in cards],
        className="g-2 mb-3",
        id="tasks-summary",
    )


def _choice(id_: str, options: dict[str, str], value, everything: str | None = "全部"):
    opts = [{"label": everything, "value": ALL}] if everything else []
    opts += [{"label": v, "value": k} for k, v in options.items()]
    return dbc.Select(id=id_, options=opts, value=value if value in options else opts[0]["value"])


def _labelled(label: str, control, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small text-muted mb-0"), control], xs=6, md=width)


def layout(**query):
    user = _auth.current_account()
    today = config.today()
    lifecycle = supervision.load_lifecycle()
    visible = supervision.list_tasks(user=user, today=today)
    states = {s: spec.name_zh for s, spec in lifecycle.states.items()}
    city_names = dict(cities().select("region_code", "name_zh").iter_rows())
    own_city = _auth.current_scope().city
    if own_city:
        city_names = {own_city: city_names[own_city]}
    views = VIEWS if supervision.can_raise(user) else {"all": "全部可见"}
    right = [
        dbc.Button("发起督办", href="/tasks/new", color="primary", size="sm", id="tasks-new")
        if supervision.can_raise(user)
        else None,
        dbc.Button("导出台账 Excel", id=TASKS_EXPORT, color="secondary", size="sm")
        if _auth.current_scope().can("export")
        else None,
    ]
    filters = dbc.Row(
        [
            _labelled("范围", _choice("tasks-view", views, query.get("view"), None), 2),
            _labelled("状态", _choice("tasks-state", states, query.get("state")), 2),
            _labelled("设区市", _choice("tasks-region", city_names, query.get("region")), 2),
            _labelled(
                "逾期",
                dbc.Checklist(
                    id="tasks-late",
                    options=[{"label": "只看逾期", "value": "1"}],
                    value=["1"] if query.get("late") else [],
                    switch=True,
                ),
                2,
            ),
        ],
        className="g-2 mb-3",
        id=TASKS_FILTERS,
    )
    return html.Div(
        [
            page_header(
                "督办中心",
                "由风险预警与滞后目标发起，承办单位签收、反馈，督办人审核办结；"
                "每次数据入库后按指标评估成效。逾期在前。",
                right=[r for r in right if r is not None],
            ),
            _summary(visible, today),
            filters,
            dbc.Row(
                [
                    dbc.Col(html.Div(id=TASKS_TABLE), lg=9),
                    dbc.Col(_by_unit(supervision.ledger(visible, today)), lg=3),
                ],
                className="g-3",
            ),
            dcc.Download(id=TASKS_DOWNLOAD),
        ]
    )


def _late(value) -> bool:
    return bool(value) and "1" in value


@callback(
    Output(TASKS_TABLE, "children"),
    Input("tasks-view", "value"),
    Input("tasks-state", "value"),
    Input("tasks-region", "value"),
    Input("tasks-late", "value"),
)
def show_tasks(view, state, region, late):
    today = config.today()
    found = selected(_auth.current_account(), view, state, region, _late(late), today)
    return _table(supervision.ledger(found, today))


@callback(
    Output(TASKS_DOWNLOAD, "data"),
    Input(TASKS_EXPORT, "n_clicks"),
    State("tasks-view", "value"),
    State("tasks-state", "value"),
    State("tasks-region", "value"),
    State("tasks-late", "value"),
    prevent_initial_call=True,
)
def export_ledger(clicks, view, state, region, late):
    if not clicks:
        raise dash.exceptions.PreventUpdate
    today = config.today()
    user = _auth.current_account()
    rows = supervision.ledger(selected(user, view, state, region, _late(late), today), today)
    wh = shared_warehouse()
    data = ledger_workbook(
        rows,
        today=today,
        who=user.username if user else "",
        synthetic=wh.exists() and is_synthetic(wh),
    )
    _auth.audit("export", target="督办台账.xlsx", detail={"rows": len(rows)})
    return dcc.send_bytes(data, f"督办台账_{today:%Y%m%d}.xlsx")


__all__ = ["selected"]
