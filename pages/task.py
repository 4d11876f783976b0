"""One 督办事项 ``/tasks/<id>``: what it asks of whom by when, the evidence it was raised on, the
indicator's path since then, its 成效评估, the timeline of every step with its attachments, and
the steps this user may take now. ``/tasks/new`` raises one, prefilled from a warning
(``?warning=rule:region:indicator``) or a lagging target (``?indicator=…&region=…``).

Everything a step needs is checked on the server by :func:`datasets.supervision.transition`
(the state, the party, the comment, the attachment); the evidence of a new task is read again
from the warehouse when it is raised, never taken from the browser.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from datasets import config, supervision
from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.supervision import TaskError
from datasets.warehouse import shared_warehouse
from indicators import evidence as task_evidence
from indicators import read
from indicators.catalog import default_catalog
from indicators.text import fmt_value
from pages import _auth
from pages._components import list_group, list_item, page_header
from pages._task_badges import effect_badge, state_badge

dash.register_page(
    __name__,
    path_template="/tasks/<task_id>",
    name="督办事项",
    title="数据大脑 · 督办事项",
)

NEW = "new"
DEFAULT_DAYS = 30
REQUIREMENT = "请于截止日期前查明原因、提出整改措施并反馈进展，附相关材料。"


# ---------------------------------------------------------------------------------- new task


def _evidence_for(source: dict) -> dict | None:
    """The evidence a new task's source points at, read from the warehouse now."""
    wh = shared_warehouse()
    if source.get("warning"):
        return task_evidence.warning_evidence(wh, source["warning"])
    if source.get("indicator") and source.get("region"):
        return task_evidence.target_evidence(
            wh,
            source["indicator"],
            source["region"],
            target_set=source.get("target_set") or read.DEFAULT_TARGET_SET,
        )
    return None


def _suggested_title(ev: dict | None) -> str:
    if not ev:
        return ""
    where = region_name(ev["region_code"])
    if ev["kind"] == "warning":
        return f"{where}：{ev['rule']}"
    return f"{where}{ev['name_zh']}{ev.get('verdict_label') or ev['status_label']}"


def _units(ev: dict | None) -> list[str]:
    units = (ev or {}).get("responsible_units") or []
    return [u for u in units.split("、") if u] if isinstance(units, str) else list(units)


def _value(ev: dict, key: str) -> str:
    value = ev.get(key)
    if value is None:
        return "—"
    indicator = default_catalog().indicators.get(ev.get("indicator") or "")
    return fmt_value(value, ev.get("unit") or "", indicator.decimals if indicator else 1)


def evidence_card(ev: dict | None) -> dbc.Card | None:
    """The evidence snapshot, as it was when the task was raised."""
    if not ev:
        return None
    if ev.get("kind") == "warning":
        rows = [
            ("预警", f"{ev['rule']}（{ev['severity']}）"),
            ("内容", ev["message"]),
            ("地区", region_name(ev["region_code"])),
        ]
    else:
        rows = [
            ("指标", ev["name_zh"]),
            ("地区", region_name(ev["region_code"])),
            ("当时数值", _value(ev, "value")),
            ("目标", _value(ev, "target")),
            ("结论", ev.get("verdict_text") or ev.get("status_label") or "—"),
        ]
    rows.append(("数据截至", ev.get("as_of") or "—"))
    units = _units(ev)
    if units:
        rows.append(("责任单位", "、".join(units)))
    return dbc.Card(
        [
            dbc.CardHeader("发起依据（发起时的数据）"),
            dbc.CardBody(
                html.Dl(
                    [
                        x
                        for k, v in rows
                        for x in (html.Dt(k, className="col-4"), html.Dd(v, className="col-8"))
                    ],
                    className="row mb-0 small",
                )
            ),
        ],
        className="mb-3",
        id="task-evidence",
    )


def _new_layout(query: dict):
    user = _auth.current_account()
    if not supervision.can_raise(user):
        return html.Div(
            [
                page_header("发起督办"),
                dbc.Alert(
                    "只有省级督办人（省级分析员、系统管理员）可以发起督办。",
                    color="warning",
                    id="task-new-denied",
                ),
            ]
        )
    source = {k: query.get(k) for k in ("warning", "indicator", "region", "target_set")}
    try:
        ev = _evidence_for(source)
    except (ValueError, FileNotFoundError) as err:
        return html.Div([page_header("发起督办"), dbc.Alert(str(err), color="danger")])
    region = (ev or {}).get("region_code") or query.get("region")
    city_options = [{"label": "江苏省（全省）", "value": "320000"}] + [
        {"label": n, "value": c} for c, n in cities().select("region_code", "name_zh").iter_rows()
    ]
    units = _units(ev)
    # a city's task is the city's to handle (its 市用户 sign it); a province's, the first
    # provincial unit responsible
    provincial = [u for u in units if not u.startswith("各")]
    unit = provincial[0] if region == PROVINCE_CODE and provincial else ""
    due = config.today() + dt.timedelta(days=DEFAULT_DAYS)
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Label("标题"),
                dbc.Input(id="task-title", value=_suggested_title(ev), maxLength=200),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("承办地区", className="mt-2"),
                                dbc.Select(
                                    id="task-region",
                                    options=city_options,
                                    value=region,
                                    disabled=bool(ev),
                                ),
                            ],
                            md=6,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("承办单位", className="mt-2"),
                                dbc.Input(
                                    id="task-unit",
                                    value=unit,
                                    list="task-unit-options",
                                    placeholder="留空由承办地区办理，或填写单位，如 省政务办",
                                ),
                                html.Datalist(
                                    [html.Option(value=u) for u in units], id="task-unit-options"
                                ),
                            ],
                            md=6,
                        ),
                    ]
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("截止日期", className="mt-2"),
                                dbc.Input(id="task-due", type="date", value=due.isoformat()),
                            ],
                            md=6,
                        ),
                        dbc.Col(
                            [
                                dbc.Label("优先级", className="mt-2"),
                                dbc.Select(
                                    id="task-priority",
                                    options=[
                                        {"label": v, "value": k}
                                        for k, v in supervision.PRIORITIES.items()
                                    ],
                                    value="high"
                                    if (ev or {}).get("kind") == "warning"
                                    else "medium",
                                ),
                            ],
                            md=6,
                        ),
                    ]
                ),
                dbc.Label("督办要求", className="mt-2"),
                dbc.Textarea(id="task-requirement", value=REQUIREMENT, rows=3),
                html.Div(id="task-create-feedback", className="mt-2"),
                dbc.Button("发起督办", id="task-create", color="primary", className="mt-2"),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            page_header("发起督办", "承办的市用户或部门用户将在站内信和邮件中收到通知。"),
            dcc.Store(id="task-source", data=source),
            dcc.Location(id="task-go", refresh=True),
            dbc.Row([dbc.Col(form, lg=7), dbc.Col(evidence_card(ev), lg=5)], className="g-3"),
        ]
    )


@callback(
    Output("task-create-feedback", "children"),
    Output("task-go", "href"),
    Input("task-create", "n_clicks"),
    State("task-source", "data"),
    State("task-title", "value"),
    State("task-region", "value"),
    State("task-unit", "value"),
    State("task-due", "value"),
    State("task-priority", "value"),
    State("task-requirement", "value"),
    prevent_initial_call=True,
)
def create(clicks, source, title, region, unit, due, priority, requirement):
    if not clicks:
        raise dash.exceptions.PreventUpdate
    user = _auth.current_account()
    if not supervision.can_raise(user):
        _auth.audit("task_create", result="denied")
        return dbc.Alert("只有省级督办人可以发起督办。", color="danger"), dash.no_update
    source = source if isinstance(source, dict) else {}
    try:
        ev = _evidence_for(source)
        deadline = dt.date.fromisoformat(str(due or ""))
        made = supervision.create_task(
            title=str(title or ""),
            due=deadline,
            creator=user.username,
            indicator=(ev or {}).get("indicator"),
            region=(ev or {}).get("region_code") or (str(region) if region else None),
            unit=(str(unit).strip() or None) if unit else None,
            requirement=str(requirement or ""),
            priority=str(priority or "medium"),
            source=(ev or {}).get("kind", "manual"),
            source_ref=source.get("warning")
            or (f"{ev['target_set']}:{ev['indicator']}:{ev['region_code']}" if ev else None),
            evidence=ev,
        )
    except (TaskError, ValueError) as err:
        message = str(err) if "isoformat" not in str(err) else "截止日期应为 YYYY-MM-DD"
        return dbc.Alert(message, color="danger"), dash.no_update
    return None, f"/tasks/{made.id}"


# ------------------------------------------------------------------------------- task detail


def _indicator_figure(task) -> dcc.Graph | None:
    """The indicator's path at each data vintage, the target, and the day the task was raised."""
    ev = task.evidence or {}
    if not task.indicator or not task.region_code:
        return None
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    target_set = ev.get("target_set") or read.DEFAULT_TARGET_SET
    path = read.history(wh, target_set, task.region_code).filter(
        pl.col("indicator") == task.indicator
    )
    if path.is_empty():
        return None
    raised = dt.date.fromisoformat(ev["as_of"]) if ev.get("as_of") else task.created_at.date()
    path = path.filter(pl.col("as_of") >= raised - dt.timedelta(days=400))
    fig = go.Figure(
        go.Scatter(
            x=path["as_of"].to_list(),
            y=path["current_value"].to_list(),
            mode="lines+markers",
            name="指标值",
            line={"color": "#1f4e79", "width": 2},
        )
    )
    target = path["target_value"].drop_nulls()
    if target.len():
        fig.add_hline(
            y=target[-1],
            line_dash="dash",
            line_color="#2e7d32",
            annotation_text=f"目标 {target[-1]:g}",
            annotation_position="top left",
        )
    fig.add_vline(x=raised.isoformat(), line_dash="dot", line_color="#c62828")
    fig.add_annotation(
        x=raised.isoformat(),
        y=1,
        yref="paper",
        text="发起督办",
        showarrow=False,
        font={"color": "#c62828"},
        xanchor="left",
        yanchor="bottom",
    )
    fig.update_layout(
        template="plotly_white",
        height=260,
        margin={"l": 40, "r": 10, "t": 24, "b": 30},
        showlegend=False,
        yaxis_title=ev.get("unit") or None,
    )
    return dcc.Graph(figure=fig, config={"displayModeBar": False}, id="task-indicator-figure")


def _effect_card(task) -> dbc.Card:
    judged = supervision.assessments(task.id)
    if not judged:
        body = html.P("尚未评估：发起后有新数据入库时评估。", className="small text-muted mb-0")
    else:
        last = judged[-1]
        d = last["detail"]
        numbers = (
            f"发起时 {d['before']:g} → 现在 {d['now']:g}（目标 {d['target']:g}）"
            if all(isinstance(d.get(k), int | float) for k in ("before", "now", "target"))
            else (
                "预警仍在，但指标已达到目标"
                if d.get("target_met")
                else "预警仍在"
                if d.get("in_force")
                else "预警已解除"
                if "in_force" in d
                else ""
            )
        )
        occasions = {"close": "办结时", "load": "数据入库后"}
        body = html.Div(
            [
                effect_badge({"effect": last["verdict"], "effect_zh": last["verdict_zh"]}),
                html.Span(f" {numbers}", className="small"),
                html.Div(
                    f"{occasions.get(last['occasion'], '')}评估，数据截至 {last['as_of'] or '—'}；"
                    f"共评估 {len(judged)} 次",
                    className="small text-muted mt-1",
                ),
            ]
        )
    return dbc.Card(
        [dbc.CardHeader("成效评估"), dbc.CardBody(body)], className="mb-3", id="task-effect"
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} 字节"
    return f"{n / 1024:.0f} KB" if n < 1048576 else f"{n / 1048576:.1f} MB"


def _timeline(task) -> dbc.Card:
    items = []
    for e in supervision.timeline(task.id):
        files = [
            html.A(
                f"附件：{a['name']}（{_size(a['size'])}）",
                href=f"/tasks/attachment/{a['id']}",
                className="d-block small",
                **{"data-attachment": str(a["id"])},
            )
            for a in e["attachments"]
        ]
        items.append(
            list_item(
                [
                    html.Div(
                        [
                            html.Strong(e["action_zh"]),
                            f" → {e['to_zh']}",
                            html.Span(
                                f"{e['at'][:16].replace('T', ' ')} UTC · {e['actor']}",
                                className="float-end small text-muted",
                            ),
                        ]
                    ),
                    html.Div(e["comment"], className="small mt-1") if e["comment"] else None,
                    *files,
                ],
                **{"data-action": e["action"]},
            )
        )
    return dbc.Card(
        [dbc.CardHeader("办理过程"), list_group(items, flush=True)],
        className="mb-3",
        id="task-timeline",
    )


def available(task, user) -> list[tuple[str, str]]:
    """The steps this user may take on the task now: (action id, Chinese name)."""
    if user is None:
        return []
    mine = supervision.parties(task, user)
    return [
        (a, t.name_zh)
        for a, t in supervision.load_lifecycle().transitions.items()
        if task.state in t.from_ and mine & set(t.parties)
    ]


def _actions(task, user) -> dbc.Card | None:
    steps = available(task, user)
    if not steps:
        return None
    limit = supervision.attachment_limit()
    return dbc.Card(
        [
            dbc.CardHeader("办理"),
            dbc.CardBody(
                [
                    dbc.Textarea(id="task-comment", rows=3, placeholder="说明（反馈与退回须填写）"),
                    dcc.Upload(
                        html.Div(
                            [
                                "拖入或",
                                html.A("选择附件"),
                                f"（PDF、Word、Excel、图片、文本，≤ {limit // 1048576} MB）",
                            ]
                        ),
                        id="task-upload",
                        max_size=limit,
                        className="upload-box small mt-2",
                    ),
                    html.Div(id="task-upload-name", className="small text-muted"),
                    html.Div(
                        [
                            dbc.Button(
                                name,
                                id={"type": "task-action", "action": action},
                                color="danger" if action == "return" else "primary",
                                className="me-2 mt-2",
                            )
                            for action, name in steps
                        ]
                    ),
                    html.Div(id="task-action-feedback", className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
        id="task-actions",
    )


def _detail_layout(task_id: str):
    user = _auth.current_account()
    task = supervision.get_task(int(task_id)) if task_id.isdigit() else None
    if task is None or (user is not None and not supervision.can_see(task, user)):
        return html.Div(
            [
                page_header("督办事项"),
                dbc.Alert(f"没有督办事项 #{task_id}。", color="warning", id="task-missing"),
            ]
        )
    today = config.today()
    row = supervision.ledger([task], today)[0]
    info = [
        ("承办", task.assignee),
        ("督办人", task.created_by),
        ("截止日期", f"{task.due}" + (f"（{row['late_zh']}）" if row["late_zh"] else "")),
        ("优先级", row["priority_zh"]),
        ("来源", row["source_zh"]),
        ("发起时间", f"{task.created_at:%Y-%m-%d %H:%M} UTC"),
        ("督办要求", task.requirement or "—"),
    ]
    chart = _indicator_figure(task)
    return html.Div(
        [
            page_header(
                f"#{task.id} {task.title}",
                right=[
                    state_badge(row),
                    dbc.Button("返回督办中心", href="/tasks", color="link", size="sm"),
                ],
            ),
            dcc.Store(id="task-id", data=task.id),
            dcc.Location(id="task-reload", refresh=True),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Card(
                                [
                                    dbc.CardHeader("事项"),
                                    dbc.CardBody(
                                        html.Dl(
                                            [
                                                x
                                                for k, v in info
                                                for x in (
                                                    html.Dt(k, className="col-3"),
                                                    html.Dd(v, className="col-9"),
                                                )
                                            ],
                                            className="row mb-0 small",
                                        )
                                    ),
                                ],
                                className="mb-3",
                                id="task-info",
                            ),
                            dbc.Card(
                                [dbc.CardHeader("指标走势（发起前后）"), dbc.CardBody(chart)],
                                className="mb-3",
                            )
                            if chart is not None
                            else None,
                            _effect_card(task),
                            evidence_card(task.evidence),
                        ],
                        lg=7,
                    ),
                    # the steps to take come first on a phone
                    dbc.Col(
                        [_actions(task, user), _timeline(task)],
                        lg=5,
                        className="order-first order-lg-last",
                    ),
                ],
                className="g-3",
            ),
        ]
    )


def layout(task_id: str = "", **query):
    if task_id == NEW:
        return _new_layout(query)
    return _detail_layout(str(task_id))


@callback(
    Output("task-upload-name", "children"),
    Input("task-upload", "filename"),
    prevent_initial_call=True,
)
def show_upload(name):
    return f"已选附件：{name}" if name else ""


def _decoded(contents: str | None, name: str | None) -> tuple[str, bytes] | None:
    if not contents or not name:
        return None
    try:
        return str(name), base64.b64decode(str(contents).partition(",")[2], validate=True)
    except (binascii.Error, ValueError) as err:
        raise TaskError(f"附件「{name}」无法读取") from err


@callback(
    Output("task-action-feedback", "children"),
    Output("task-reload", "href"),
    Input({"type": "task-action", "action": ALL}, "n_clicks"),
    State("task-id", "data"),
    State("task-comment", "value"),
    State("task-upload", "contents"),
    State("task-upload", "filename"),
    prevent_initial_call=True,
)
def act(clicks, task_id, comment, contents, filename):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        raise dash.exceptions.PreventUpdate
    user = _auth.current_account()
    if user is None or not isinstance(task_id, int):
        raise dash.exceptions.PreventUpdate
    action = str(trigger.get("action"))
    try:
        moved = supervision.transition(
            task_id,
            action,
            user,
            comment=str(comment or ""),
            attachment=_decoded(contents, filename),
            ip=_auth.client_ip(),
        )
    except TaskError as err:
        return dbc.Alert(str(err), color="danger"), dash.no_update
    if action == "close":
        wh = shared_warehouse()
        if wh.exists() and read.ready(wh):
            task_evidence.assess_task(wh, moved, occasion="close")
    return None, f"/tasks/{task_id}"
