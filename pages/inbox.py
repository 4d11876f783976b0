"""消息 ``/inbox``: a user's notifications — new, returned and answered 督办事项, reminders,
escalations, the daily digest and subscribed reports — newest first, the unread marked. Opening
the page marks them read (the navbar badge counts the unread)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from datasets import notify
from pages import _auth
from pages._components import badge, list_group, list_item, page_header

dash.register_page(__name__, path="/inbox", name="消息", title="数据大脑 · 消息")

SHOWN = 200


def _item(r: dict) -> dbc.ListGroupItem:
    unread = r["read_at"] is None
    link = r["link"]
    subject = html.Strong(r["subject"]) if unread else html.Span(r["subject"])
    return list_item(
        [
            html.Div(
                [
                    badge(
                        notify.KINDS.get(r["kind"], r["kind"]),
                        "primary" if unread else "secondary",
                        className="me-2",
                    ),
                    dcc.Link(subject, href=link)
                    if link and not link.startswith("/inbox/")
                    else subject,
                    html.Span(
                        f"{r['at']:%Y-%m-%d %H:%M} UTC", className="float-end small text-muted"
                    ),
                ]
            ),
            html.Div(r["body"], className="small mt-1", style={"whiteSpace": "pre-line"})
            if r["body"]
            else None,
            html.A("下载报告", href=link, className="small")
            if link and link.startswith("/inbox/")
            else None,
        ],
        className="inbox-unread" if unread else None,
        **{"data-kind": r["kind"], "data-unread": "1" if unread else "0"},
    )


def layout(**_query):
    user = _auth.current_account()
    if user is None:
        return html.Div([page_header("消息"), html.P("未登录。", className="text-muted")])
    messages = notify.inbox(user.username, limit=SHOWN)
    unread = messages.filter(messages["read_at"].is_null()).height
    notify.mark_read(user.username, messages["id"].to_list())
    body = (
        list_group([_item(r) for r in messages.iter_rows(named=True)], id="inbox-list")
        if messages.height
        else html.P("暂无消息。", className="text-muted", id="inbox-empty")
    )
    return html.Div(
        [
            page_header(
                "消息",
                f"未读 {unread} 条（打开本页即标为已读）。督办事项与提醒也发送到账号绑定的邮箱。",
            ),
            body,
        ]
    )
