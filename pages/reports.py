"""报告导出 `/reports`: the plan's evaluation report (PDF or Excel) for a target set, a region and
an as-of month, rendered in its own process with progress, then downloaded.

URL state: ``set`` (target set), ``region`` (320000 or a city code), ``as_of`` (YYYY-MM),
``format`` (``pdf``/``xlsx``). Rendering goes through :mod:`reports.jobs`: the
callback only starts (or joins) a job and a poll shows its progress, so a long render never
holds a web worker; the same data and parameters reuse the finished file.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import default_catalog
from pages import _auth, _ids
from pages._components import (
    as_of_in_url,
    as_of_key,
    as_of_options,
    dropdown,
    method_note,
    month_label,
    not_ready,
    page_header,
    to_search,
)
from pages._reports_subscriptions import register as register_subscriptions
from pages._reports_subscriptions import subscriptions_card
from reports import jobs
from reports.content import phase

dash.register_page(__name__, path="/reports", name="报告导出", title="数据大脑 · 报告导出", order=6)

REPORTS_SET = "reports-set"
REPORTS_REGION = "reports-region"
REPORTS_AS_OF = "reports-as-of"
REPORTS_FORMAT = "reports-format"
REPORTS_PREVIEW = "reports-preview"
REPORTS_START = "reports-start"
REPORTS_JOB = "reports-job"
REPORTS_POLL = "reports-poll"
REPORTS_PROGRESS = "reports-progress"
REPORTS_MESSAGE = "reports-message"
REPORTS_LINK = "reports-download"
REPORTS_CLI = "reports-cli"

FORMAT_LABELS = {"pdf": "PDF 报告", "xlsx": "Excel 工作簿"}
POLL_MS = 600
_auth.require_for_output(REPORTS_JOB, "export")
register_subscriptions(REPORTS_SET, REPORTS_REGION, REPORTS_FORMAT)


def _regions() -> dict[str, str]:
    """The regions this user may have a report of: a city user only its own city."""
    city_names = dict(cities().select("region_code", "name_zh").iter_rows())
    scope = _auth.current_scope()
    if scope.regions is not None:
        return {scope.city: city_names[scope.city]} if scope.city in city_names else {}
    names = {PROVINCE_CODE: "江苏省（全省）", **city_names}
    names[jobs.ALL_REGIONS] = "全省与 13 市各一份（ZIP）"
    return names


def _state(query: dict) -> dict | None:
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    catalog = default_catalog()
    target_set = query.get("set") if query.get("set") in catalog.target_sets else None
    target_set = target_set or read.default_target_set()
    names = _regions()
    if not names:
        return None
    region = query.get("region") if query.get("region") in names else next(iter(names))
    fmt = query.get("format") if query.get("format") in FORMAT_LABELS else "pdf"
    as_of = read.resolve_as_of(wh, query.get("as_of"))
    ts = catalog.target_sets[target_set]
    return {
        "set": target_set,
        "ts": ts,
        "region": region,
        "region_name": names[region],
        "format": fmt,
        "as_of": as_of,
        "as_of_given": bool(query.get("as_of")),
        "phase": phase(ts.target_year, ts.midterm_year, as_of),
        "names": names,
    }


def _title(state: dict) -> str:
    base = f"{state['ts'].name_zh}{state['phase'].report_title}"
    if state["region"] == jobs.ALL_REGIONS:
        return f"{base}（全省及 13 个设区市，14 份）"
    return base if state["region"] == PROVINCE_CODE else f"{state['region_name']}·{base}"


def _preview(state: dict) -> html.Div:
    if state["region"] == PROVINCE_CODE:
        scope = "全省目标、13 个设区市排名与城市 × 目标热力图、全省风险预警"
    elif state["region"] == jobs.ALL_REGIONS:
        scope = (
            "全省一份与每市一份（每份只含本地区数据及其 13 市排名），打包为 ZIP，附 manifest.json"
        )
    else:
        scope = f"只含{state['region_name']}的数值、预测与预警，以及其在 13 个设区市中的排名"
    return html.Div(
        [
            html.Div(
                [
                    html.Span("将生成：", className="text-muted"),
                    html.Strong(f"《{_title(state)}》"),
                ],
                className="mb-1",
            ),
            html.Div(
                f"{state['phase'].name} · 数据截至 {month_label(state['as_of'])} · "
                f"{FORMAT_LABELS[state['format']]} · {scope}",
                className="small text-muted",
            ),
        ],
        id=REPORTS_PREVIEW,
        className="mb-3",
        **{"data-phase": state["phase"].kind},
    )


def _cli(state: dict) -> str:
    return (
        f"databrain report --target-set {state['set']} --as-of {state['as_of']:%Y-%m} "
        f"--all-cities --format {state['format']} -o reports/"
    )


def _labelled(label: str, control, id_: str) -> html.Div:
    return html.Div(
        [html.Label(label, className="small text-muted mb-0", htmlFor=id_), control],
        className="mb-2",
    )


def _controls(state: dict) -> dbc.Card:
    may_export = _auth.current_scope().can("export")
    wh = shared_warehouse()
    sets = read.target_sets(wh)
    body = [
        dbc.Row(
            [
                dbc.Col(
                    _labelled(
                        "目标集（规划）",
                        dropdown(
                            id=REPORTS_SET,
                            options=[
                                {"label": n, "value": s}
                                for s, n in sets.select("target_set", "target_set_name").iter_rows()
                            ],
                            value=state["set"],
                            clearable=False,
                        ),
                        REPORTS_SET,
                    ),
                    md=5,
                ),
                dbc.Col(
                    _labelled(
                        "地区",
                        dropdown(
                            id=REPORTS_REGION,
                            options=[{"label": n, "value": c} for c, n in state["names"].items()],
                            value=state["region"],
                            clearable=False,
                        ),
                        REPORTS_REGION,
                    ),
                    md=3,
                ),
                dbc.Col(
                    _labelled(
                        "数据截至",
                        dropdown(
                            id=REPORTS_AS_OF,
                            options=as_of_options(read.vintages(wh)),
                            value=as_of_key(state["as_of"]),
                            clearable=False,
                        ),
                        REPORTS_AS_OF,
                    ),
                    md=2,
                ),
                dbc.Col(
                    _labelled(
                        "格式",
                        dbc.RadioItems(
                            id=REPORTS_FORMAT,
                            options=[{"label": v, "value": k} for k, v in FORMAT_LABELS.items()],
                            value=state["format"],
                            inline=True,
                        ),
                        REPORTS_FORMAT,
                    ),
                    md=2,
                ),
            ],
            className="g-2",
        ),
        _preview(state),
        html.Div(
            [
                dbc.Button(
                    "生成报告",
                    id=REPORTS_START,
                    color="primary",
                    className="me-3",
                    disabled=not may_export,
                    title=None if may_export else "当前角色不能导出报告",
                ),
                html.A(
                    "下载报告",
                    id=REPORTS_LINK,
                    href="",
                    className="btn btn-success d-none",
                    **{"download": ""},
                ),
            ],
            className="d-flex align-items-center flex-wrap gap-2 mb-2",
        ),
        dbc.Progress(
            id=REPORTS_PROGRESS,
            value=0,
            label="",
            className="mb-1 d-none",
            style={"height": "1.4rem"},
        ),
        html.Div(id=REPORTS_MESSAGE, className="small text-muted", **{"aria-live": "polite"}),
        dcc.Store(id=REPORTS_JOB),
        dcc.Interval(id=REPORTS_POLL, interval=POLL_MS, disabled=True),
    ]
    return dbc.Card([dbc.CardHeader("报告设置"), dbc.CardBody(body)], className="mb-3")


def _about(state: dict) -> dbc.Row:
    contents = [
        "封面（规划、评估类型、地区、数据截至、数据版本）",
        "总体情况：达成 / 进度正常 / 需加速 / 进展有限 / 退步的目标数，截止后为到期达成与未达成",
        "分领域评估：每个目标的实际路径、达标所需路径、预测与 80%/95% 区间、状态与说明",
        "13 市比较：综合与分领域指数、目标指标排名、城市 × 目标状态热力图（城市报告只含本市及其排名）",
        "风险预警：按级别排序的预警与责任单位",
        "督办落实：按承办地区的发起、办结、逾期与成效评估（有督办事项时）",
        "附录：评估方法公式与阈值、预测模型与回测精度、指标定义、数据文件与 SHA-256",
    ]
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader("报告内容"),
                        dbc.CardBody(
                            html.Ul([html.Li(c) for c in contents], className="small mb-0")
                        ),
                    ],
                    className="h-100",
                ),
                lg=7,
                className="mb-3",
            ),
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader("批量生成与定时任务"),
                        dbc.CardBody(
                            [
                                html.P(
                                    "全省与 13 市各一份，每份只含本地区数据；可由系统管理员设为定时生成，"
                                    "也可在下方“订阅”中按月或每次数据更新后自动送达。",
                                    className="small mb-1",
                                ),
                                html.P(
                                    "同一数据与截至时点生成的报告数字相同，每批附文件清单与校验值。",
                                    className="small text-muted mb-0",
                                ),
                                method_note(
                                    "给系统管理员：以下命令可放入 cron 定时运行，输出目录中附 "
                                    "manifest.json（文件、地区、SHA-256）。",
                                    html.Pre(
                                        _cli(state),
                                        className="small mb-1 text-wrap",
                                        id=REPORTS_CLI,
                                    ),
                                ),
                            ]
                        ),
                    ],
                    className="h-100",
                ),
                lg=5,
                className="mb-3",
            ),
        ],
        className="g-3",
    )


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("报告导出"), not_ready()])
    return html.Div(
        [
            page_header(
                "报告导出",
                "规划动态监测、中期评估与总结评估报告：选择目标集、地区、数据截至月份与格式，生成后下载。",
            ),
            _controls(state),
            subscriptions_card(),
            _about(state),
        ]
    )


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(REPORTS_SET, "value"),
    Input(REPORTS_REGION, "value"),
    Input(REPORTS_AS_OF, "value"),
    Input(REPORTS_FORMAT, "value"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def reports_state_to_url(target_set, region, as_of, fmt, search):
    """Put the chosen target set, region, as-of and format into the URL."""
    if len(ctx.triggered_prop_ids) != 1:
        return dash.no_update  # the page's first render fires every input at once
    query = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    query.update(
        {
            "set": None if target_set == read.default_target_set() else target_set,
            "region": None if region == PROVINCE_CODE else region,
            "format": None if fmt == "pdf" else fmt,
        }
    )
    if ctx.triggered_id == REPORTS_AS_OF:
        query["as_of"] = as_of_in_url(as_of)
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


@callback(
    Output(REPORTS_JOB, "data"),
    Output(REPORTS_POLL, "disabled"),
    Output(REPORTS_MESSAGE, "children"),
    Output(REPORTS_LINK, "className", allow_duplicate=True),
    Input(REPORTS_START, "n_clicks"),
    State(REPORTS_SET, "value"),
    State(REPORTS_REGION, "value"),
    State(REPORTS_AS_OF, "value"),
    State(REPORTS_FORMAT, "value"),
    prevent_initial_call=True,
)
def reports_start(_clicks, target_set, region, as_of, fmt):
    """Start (or join) the render job; the poll takes over."""
    try:
        key = jobs.start(
            shared_warehouse(),
            target_set=target_set,
            region=region,
            as_of=as_of,
            fmt=fmt,
            scope=_auth.current_scope(),
        )
        _auth.audit("report", target=f"{target_set}.{fmt}", region=region, detail={"as_of": as_of})
    except ValueError as exc:
        return (
            None,
            True,
            html.Span(f"无法生成：{exc}", className="text-danger"),
            "btn btn-success d-none",
        )
    return key, False, "已提交，正在生成…", "btn btn-success d-none"


@callback(
    Output(REPORTS_PROGRESS, "value"),
    Output(REPORTS_PROGRESS, "label"),
    Output(REPORTS_PROGRESS, "className"),
    Output(REPORTS_MESSAGE, "children", allow_duplicate=True),
    Output(REPORTS_LINK, "href"),
    Output(REPORTS_LINK, "className"),
    Output(REPORTS_LINK, "children"),
    Output(REPORTS_POLL, "disabled", allow_duplicate=True),
    Input(REPORTS_POLL, "n_intervals"),
    State(REPORTS_JOB, "data"),
    prevent_initial_call=True,
)
def reports_poll(_n, key):
    """Show the job's progress; when it is done, offer the file."""
    hidden = "btn btn-success d-none"
    s = jobs.status(key or "")
    state = s.get("state")
    if state == "done":
        size = f"{s.get('bytes', 0) / 1024:,.0f} KB"
        return (
            100,
            "100%",
            "mb-1",
            f"已生成《{s.get('title', '')}》（{size}）。",
            f"/reports/download/{key}",
            "btn btn-success",
            f"下载 {s['file']}",
            True,
        )
    if state == "error":
        return (
            0,
            "",
            "mb-1 d-none",
            html.Span(f"生成失败：{s.get('error', '未知错误')}", className="text-danger"),
            "",
            hidden,
            "下载报告",
            True,
        )
    if state == "missing":
        return 0, "", "mb-1 d-none", "任务不存在，请重新生成。", "", hidden, "下载报告", True
    if state == "cancelled":  # e.g. the service was restarted while it rendered
        return 0, "", "mb-1 d-none", "生成已中止，请重新生成。", "", hidden, "下载报告", True
    done, total = s.get("done", 0), max(s.get("total", 1), 1)
    pct = round(100 * done / total)
    return pct, f"{pct}%", "mb-1", s.get("message", "生成中…"), "", hidden, "下载报告", False


__all__ = ["layout"]
