"""审计日志 ``/audit``: who signed in, uploaded, exported and changed accounts, for 系统管理员.

The entries come from the operational store (:func:`datasets.accounts.audit_entries`), newest
first, filtered by user, action, result and a start date (``user``, ``action``, ``result``,
``since`` in the URL), with a CSV export of what is shown. Other roles get a notice, and the
callbacks refuse them on the server (:mod:`pages._auth`).
"""

from __future__ import annotations

import datetime as dt
import re

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from datasets import accounts
from datasets.schema import load_schemas
from pages import _auth
from pages._components import page_header
from reports.tables import neutralise

dash.register_page(__name__, path="/audit", name="审计日志", title="审计日志 · 数据大脑")

ACTIONS = {
    "login": "登录",
    "logout": "退出",
    "denied": "越权请求",
    "upload": "上传文件",
    "ingest": "入库",
    "export": "导出表格",
    "report": "生成报告",
    "download": "下载报告",
    "user_add": "新建账号",
    "user_disable": "停用账号",
    "user_passwd": "设置密码",
    "task_create": "发起督办",
    "task_sign": "签收督办",
    "task_answer": "反馈督办",
    "task_return": "退回重办",
    "task_close": "办结督办",
    "plan_save": "保存规划",
    "plan_download": "下载规划草案",
    "subscription_run": "发送订阅报告",
}


def _action(code: str) -> html.Span:
    """An action in words; its code stays in the tooltip for whoever needs it."""
    return html.Span(ACTIONS.get(code, "其他操作"), title=code)


def _target(target: str | None) -> html.Span | str:
    """A dataset named by its title (the table name in the tooltip); a file by the name its
    owner gave it; other objects as logged."""
    schema = load_schemas().get(target or "")
    if schema is not None:
        return html.Span(schema.title, title=target)
    if target and FILE_NAME.search(target):
        return html.Span(target, className="file-name")
    return target or ""


RESULTS = {"ok": "成功", "failed": "失败", "denied": "拒绝"}
SHOWN = 500
FILE_NAME = re.compile(r"\.[A-Za-z0-9]{2,5}$")  # an uploaded, exported or downloaded file
ALL = "all"
AUDIT_FILTERS = "audit-filters"
AUDIT_TABLE = "audit-table"
AUDIT_EXPORT = "audit-export"
AUDIT_DOWNLOAD = "audit-download"
_auth.require_for_output(AUDIT_TABLE, "admin")
_auth.require_for_output(AUDIT_DOWNLOAD, "admin")


def entries(user: str | None, action: str | None, result: str | None, since: str | None):
    """The audit entries a filter selects, newest first (at most :data:`SHOWN` on screen)."""
    try:
        start = dt.datetime.fromisoformat(since) if since else None
    except ValueError:
        start = None
    log = accounts.audit_entries(since=start, actor=(user or "").strip() or None, action=action)
    return log.filter(pl.col("result") == result) if result else log


def _table(log: pl.DataFrame) -> html.Div:
    if log.is_empty():
        return html.P("没有符合条件的记录。", className="text-muted")
    head = html.Thead(
        html.Tr(
            [html.Th(h) for h in ("时间（UTC）", "用户", "操作", "结果", "对象", "地区", "来源 IP")]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(f"{r['at']:%Y-%m-%d %H:%M:%S}", className="text-nowrap"),
                html.Td(r["actor"] or "—"),
                html.Td(_action(r["action"])),
                html.Td(
                    RESULTS.get(r["result"], r["result"]),
                    className="" if r["result"] == "ok" else "text-danger",
                ),
                html.Td(_target(r["target"])),
                html.Td(r["region_code"] or ""),
                html.Td(r["ip"] or ""),
            ]
        )
        for r in log.head(SHOWN).iter_rows(named=True)
    ]
    note = f"共 {log.height} 条" + (
        f"，显示最新 {SHOWN} 条（导出含全部）" if log.height > SHOWN else ""
    )
    return html.Div(
        [
            html.P(note, className="small text-muted"),
            dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, responsive=True),
        ]
    )


def _choice(id_: str, everything: str, labels: dict[str, str], value: str | None) -> dbc.Select:
    """A filter over ``labels`` (id → Chinese), ``everything`` first; an unknown value is all."""
    options = [{"label": everything, "value": ALL}]
    options += [{"label": v, "value": k} for k, v in labels.items()]
    return dbc.Select(id=id_, options=options, value=value if value in labels else ALL)


def _labelled(label: str, control, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small text-muted mb-0"), control], md=width)


def layout(**query):
    if not _auth.current_scope().can("admin"):
        return html.Div(
            [
                page_header("审计日志"),
                dbc.Alert("审计日志仅限系统管理员查看。", color="warning", id="audit-denied"),
            ]
        )
    user_box = dbc.Input(id="audit-user", placeholder="全部用户", value=query.get("user"))
    filters = dbc.Row(
        [
            _labelled("用户", user_box, 3),
            _labelled("操作", _choice("audit-action", "全部操作", ACTIONS, query.get("action")), 3),
            _labelled("结果", _choice("audit-result", "全部结果", RESULTS, query.get("result")), 2),
            _labelled(
                "起始日期（UTC）",
                dbc.Input(id="audit-since", type="date", value=query.get("since")),
                2,
            ),
            dbc.Col(
                dbc.Button("导出 CSV", id=AUDIT_EXPORT, color="secondary", size="sm"),
                md=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-3",
        id=AUDIT_FILTERS,
    )
    return html.Div(
        [
            page_header("审计日志", "登录、上传与入库、导出与报告下载、账号变更；只增不改。"),
            filters,
            html.Div(id=AUDIT_TABLE),
            dcc.Download(id=AUDIT_DOWNLOAD),
        ]
    )


@callback(
    Output(AUDIT_TABLE, "children"),
    Input("audit-user", "value"),
    Input("audit-action", "value"),
    Input("audit-result", "value"),
    Input("audit-since", "value"),
)
def show_entries(user, action, result, since):
    return _table(entries(user, _chosen(action), _chosen(result), since))


def _chosen(value: str | None) -> str | None:
    return None if value in (None, "", ALL) else value


@callback(
    Output(AUDIT_DOWNLOAD, "data"),
    Input(AUDIT_EXPORT, "n_clicks"),
    State("audit-user", "value"),
    State("audit-action", "value"),
    State("audit-result", "value"),
    State("audit-since", "value"),
    prevent_initial_call=True,
)
def export_entries(clicks, user, action, result, since):
    if not clicks:
        raise dash.exceptions.PreventUpdate
    log = entries(user, _chosen(action), _chosen(result), since)
    _auth.audit("export", target="审计日志.csv", detail={"rows": log.height})
    text = [c for c, t in log.schema.items() if t == pl.String]
    log = log.with_columns(pl.col(c).map_elements(neutralise, return_dtype=pl.String) for c in text)
    data = log.write_csv().encode("utf-8-sig")
    return dcc.send_bytes(data, f"审计日志_{dt.date.today():%Y%m%d}.csv")
