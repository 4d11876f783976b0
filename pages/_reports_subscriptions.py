"""报告订阅 on /reports: the signed-in user's subscriptions — the report chosen above (target set,
region, format) on a schedule — with a form to add one and a button to end each. Delivery is
:func:`reports.subscriptions.run_due` (``databrain notify run-due``); who may subscribe to what is
checked there, not here."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html

from datasets.regions import region_name
from pages import _auth
from pages._components import list_group, list_item
from reports import subscriptions

SUBS_LIST = "subs-list"
SUBS_ADD = "subs-add"
SUBS_SCHEDULE = "subs-schedule"
SUBS_CRON = "subs-cron"
SUBS_FEEDBACK = "subs-feedback"
CUSTOM = "cron"
FORMATS = {"pdf": "PDF", "xlsx": "Excel"}


def _listing(username: str) -> html.Div:
    mine = subscriptions.listed(username)
    if not mine:
        return html.P("尚未订阅。", className="small text-muted mb-0", id="subs-empty")
    return list_group(
        [
            list_item(
                [
                    html.Span(
                        f"{region_name(s.region_code)} · {FORMATS.get(s.format, s.format)} · "
                        f"{s.schedule_zh}"
                    ),
                    html.Span(
                        f"上次：{s.last_run_at:%Y-%m-%d %H:%M}" if s.last_run_at else "尚未投递",
                        className="small text-muted ms-2",
                    ),
                    dbc.Button(
                        "退订",
                        id={"type": "subs-cancel", "id": s.id},
                        size="sm",
                        color="link",
                        className="float-end py-0",
                    ),
                ],
                **{"data-subscription": str(s.id)},
            )
            for s in mine
        ],
        flush=True,
    )


def subscriptions_card() -> dbc.Card | None:
    user = _auth.current_account()
    if user is None or not _auth.current_scope().can("export"):
        return None
    options = [{"label": v, "value": k} for k, v in subscriptions.SCHEDULES.items()]
    options.append({"label": "自定义（cron 表达式）", "value": CUSTOM})
    return dbc.Card(
        [
            dbc.CardHeader("报告订阅：按周期生成上方所选报告，发送到站内信与邮箱"),
            dbc.CardBody(
                [
                    html.Div(_listing(user.username), id=SUBS_LIST, className="mb-2"),
                    dbc.Row(
                        [
                            dbc.Col(
                                dbc.Select(id=SUBS_SCHEDULE, options=options, value="after_load"),
                                md=4,
                            ),
                            dbc.Col(
                                dbc.Input(
                                    id=SUBS_CRON, placeholder="如 0 8 1 * *（每月 1 日 8 时）"
                                ),
                                md=4,
                            ),
                            dbc.Col(dbc.Button("订阅", id=SUBS_ADD, color="secondary"), md="auto"),
                        ],
                        className="g-2",
                    ),
                    html.Div(id=SUBS_FEEDBACK, className="small mt-2"),
                ]
            ),
        ],
        className="my-3",
        id="subs-card",
    )


def register(set_id: str, region_id: str, format_id: str) -> None:
    """The callbacks, reading the report chosen in the page's controls."""
    _auth.require_for_output(SUBS_LIST, "export")

    @callback(
        Output(SUBS_LIST, "children"),
        Output(SUBS_FEEDBACK, "children"),
        Input(SUBS_ADD, "n_clicks"),
        Input({"type": "subs-cancel", "id": ALL}, "n_clicks"),
        State(set_id, "value"),
        State(region_id, "value"),
        State(format_id, "value"),
        State(SUBS_SCHEDULE, "value"),
        State(SUBS_CRON, "value"),
        prevent_initial_call=True,
    )
    def change_subscriptions(add, cancels, target_set, region, fmt, schedule, cron):
        user = _auth.current_account()
        trigger = ctx.triggered_id
        if user is None or trigger is None:
            raise dash.exceptions.PreventUpdate
        if isinstance(trigger, dict):
            if not any(cancels or []):
                raise dash.exceptions.PreventUpdate
            subscriptions.cancel(int(trigger.get("id", 0)), user.username)
            return _listing(user.username), "已退订。"
        if not add:
            raise dash.exceptions.PreventUpdate
        if not _auth.current_scope().can("export"):
            return dash.no_update, html.Span("当前账号不能订阅报告。", className="text-danger")
        try:
            made = subscriptions.subscribe(
                user.username,
                target_set=str(target_set or ""),
                region=str(region or ""),
                fmt=str(fmt or ""),
                schedule=str(cron or "") if schedule == CUSTOM else str(schedule or ""),
            )
        except ValueError as err:
            return dash.no_update, html.Span(str(err), className="text-danger")
        return _listing(
            user.username
        ), f"已订阅：{region_name(made.region_code)}，{made.schedule_zh}。"
