"""数据管理 `/data`: what is loaded, where it came from, how good it is, and uploading a file.

Uploads go through the same validated, atomic ingestion as ``databrain ingest`` and recompute
the indicators. Data quality (completeness, timeliness, soft-rule violations, a score) comes
from :mod:`datasets.quality`, measured once per warehouse version.
"""

from __future__ import annotations

import base64
import binascii

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

import pipeline
from datasets import config
from datasets.ingest import for_web
from datasets.jobs import Busy
from datasets.quality import cached_quality, compute_record, overall_score
from datasets.schema import load_schemas
from datasets.summary import cached_status
from datasets.warehouse import shared_warehouse
from pages import _auth, _ids
from pages._components import card_table, export_header, fmt_int

dash.register_page(__name__, path="/data", name="数据管理", title="数据大脑 · 数据管理", order=90)

DATA_QUALITY = "data-quality-table"
DATA_QUALITY_WRAP = "data-quality-wrap"
DATA_QUALITY_SCORE = "data-quality-score"
DATA_COMPUTE = "data-compute-card"
DATA_COMPUTE_WRAP = "data-compute-wrap"
DATA_VERSION = "data-version"
TIMELY_STYLE = {  # label: (colour, symbol) — colour-blind-safe, never colour alone
    "及时": ("#009E73", "✔"),
    "滞后": ("#D55E00", "▲"),
    "—": ("#8C8C8C", "○"),
}

MAX_UPLOAD_BYTES = config.upload_limit_mb() * 1024 * 1024
UPLOAD_JOB = "data-upload-job"  # the running upload job's key and file name
UPLOAD_POLL = "data-upload-poll"
UPLOAD_CANCEL = "data-upload-cancel"
TYPE_WORDS = {
    "string": "文本",
    "enum": "枚举",
    "region": "区划代码",
    "integer": "整数",
    "number": "数值",
    "date": "日期",
    "timestamp": "时间",
    "boolean": "是/否",
}


PERIOD_NOTE = (
    "业务时期：各行所属时期的最早与最晚值，按每个数据集的时期列计（如事项按“列入清单日期”，"
    "统计表按统计年月）。下方“数据质量”中的“数据截至”是所有日期列里最新的一天"
    "（如事项的“实现日期”、工单的“办结时间”），所以可能晚于业务时期的终点；"
    "两者都不是入库时间，入库时间见“最近加载”。"
)


def _period_basis(schema) -> tuple[str, int]:
    """What a dataset's period is read from, and how many characters of an ISO date show it
    (年月 tables show ``2026-10``, yearly ones ``2025``, dated ones the day)."""
    names = schema.column_names
    if "year" in names:
        return ("统计年月", 7) if "month" in names else ("统计年度", 4)
    return schema.column(schema.period_column).label, 10


def _period_text(start: str | None, end: str | None, width: int) -> str:
    return f"{(start or '—')[:width]} ~ {(end or '—')[:width]}"


def version_text(warehouse) -> str:
    """The line under the title naming the warehouse's current version."""
    return (
        f"数据仓库：{warehouse.path.name}（版本 {warehouse.version() or '—'}）。"
        "每次加载生成新版本并原子切换，页面不会读到加载一半的数据。"
    )


def status_table(warehouse) -> html.Div:
    """Datasets with rows, synthetic rows, business period, files and last load, and what the
    period means beside the quality table's 数据截至."""
    header = ["数据集", "行数", "其中模拟数据", "业务时期", "文件数", "最近加载"]
    schemas = load_schemas()
    body = []
    for d in cached_status(warehouse):
        basis, width = _period_basis(schemas[d["dataset"]])
        period = [
            html.Div(_period_text(d["period_start"], d["period_end"], width)),
            html.Div(f"按{basis}", className="small text-muted"),
        ]
        body.append(
            html.Tr(
                [
                    html.Td(html.Div(d["title"], title=d["dataset"])),
                    html.Td(
                        fmt_int(d["rows"]), className="text-end", **{"data-dataset": d["dataset"]}
                    ),
                    html.Td(fmt_int(d["synthetic_rows"]), className="text-end"),
                    html.Td(period, className="text-nowrap", **{"data-period": d["dataset"]}),
                    html.Td(len(d["files"]), className="text-end"),
                    html.Td(
                        (d["last_loaded_at"] or "—").replace("T", " "), className="text-nowrap"
                    ),
                ]
            )
        )
    table = card_table(
        header,
        body,
        size="sm",
        hover=True,
        responsive=True,
        striped=True,
        id=_ids.DATA_STATUS,
    )
    return html.Div([table, html.P(PERIOD_NOTE, className="small text-muted mb-0")])


def loads_table(warehouse) -> dbc.Table:
    """Provenance: every loaded file with its checksum, rows and load time (newest first)."""
    loads = [(d["dataset"], f) for d in cached_status(warehouse) for f in d["files"]]
    loads.sort(key=lambda x: x[1]["loaded_at"], reverse=True)
    header = ["加载时间", "文件", "数据集", "SHA-256", "行数", "新增", "替换"]
    body = [
        html.Tr(
            [
                html.Td(f["loaded_at"].replace("T", " "), className="text-nowrap"),
                html.Td(f["file_name"], className="file-name"),
                html.Td(html.Span(_title_of(ds), title=ds)),
                html.Td(html.Code(f["sha256"][:16] + "…", title=f["sha256"])),
                html.Td(fmt_int(f["rows"]), className="text-end"),
                html.Td(fmt_int(f["inserted"]), className="text-end"),
                html.Td(fmt_int(f["replaced"]), className="text-end"),
            ]
        )
        for ds, f in loads
    ]
    return card_table(
        header,
        body,
        size="sm",
        hover=True,
        responsive=True,
        id=_ids.DATA_LOADS,
    )


def _pct(share: float | None, decimals: int = 1) -> str:
    return "—" if share is None else f"{100 * share:.{decimals}f}%"


def _timely_badge(label: str) -> html.Span:
    colour, symbol = TIMELY_STYLE[label]
    return html.Span(
        [html.Span(symbol, className="status-symbol", **{"aria-hidden": "true"}), label],
        className="status-badge",
        style={"backgroundColor": colour},
        **{"data-timeliness": label},
    )


def _rules_cell(q: dict) -> list:
    if not q["rules"]:
        return [html.Span("未设规则", className="text-muted")]
    items = [
        html.Li(
            [
                html.Span("▲ " if r["count"] else "✔ ", **{"aria-hidden": "true"}),
                r["description"],
                html.Strong(f"：{fmt_int(r['count'])}", className="ms-1"),
            ],
            className="text-danger" if r["count"] else "text-muted",
            **{"data-rule": r["code"]},
        )
        for r in q["rules"]
    ]
    return [
        html.Div(
            f"{fmt_int(q['invalid_rows'])} 行违反规则",
            className="fw-bold" + (" text-danger" if q["invalid_rows"] else ""),
        ),
        html.Ul(items, className="small mb-0 ps-0 list-unstyled quality-rules"),
    ]


def quality_table(warehouse) -> html.Div:
    """One row per dataset: completeness (and the weakest column), data end and timeliness,
    soft-rule violations and the quality score, with the warehouse's overall score above."""
    quality = cached_quality(warehouse)
    overall = overall_score(quality)
    header = ["数据集", "完整性", "数据截至", "及时性", "一致性规则", "质量得分"]
    body = []
    for q in quality:
        if not q["rows"]:
            body.append(
                html.Tr(
                    [
                        html.Td(html.Div(q["title"], title=q["dataset"])),
                        html.Td("尚未加载", colSpan=5, className="text-muted"),
                    ],
                    **{"data-dataset": q["dataset"]},
                )
            )
            continue
        weakest = (
            f"最弱：{q['weakest_label']} {_pct(q['weakest_share'])}"
            if q["weakest_column"]
            else "各列齐全"
        )
        exempt = "；".join(f"{k}（{v}）" for k, v in q["meaningful_empty"].items())
        body.append(
            html.Tr(
                [
                    html.Td(html.Div(q["title"], title=q["dataset"])),
                    html.Td(
                        [
                            html.Div(_pct(q["completeness"]), className="fw-bold"),
                            html.Div(weakest, className="small text-muted"),
                        ],
                        title=f"不计入完整性：{exempt}" if exempt else None,
                        className="text-nowrap",
                    ),
                    html.Td(
                        [
                            html.Div(q["data_end"].isoformat() if q["data_end"] else "—"),
                            html.Div(
                                f"入库时已滞后 {q['days_behind_load']} 天"
                                if q["days_behind_load"] is not None
                                else "",
                                className="small text-muted",
                            ),
                        ],
                        className="text-nowrap",
                    ),
                    html.Td(
                        [
                            _timely_badge(q["timeliness"]),
                            html.Div(
                                f"距今 {q['days_behind_today']} 天（阈值 {q['threshold_days']} 天）",
                                className="small",
                            ),
                            html.Div(q["cadence"], className="small text-muted"),
                        ],
                        style={"minWidth": "11rem"},
                    ),
                    html.Td(_rules_cell(q), style={"minWidth": "18rem"}),
                    html.Td(
                        f"{q['score']:.1f}",
                        className="text-end fw-bold quality-score",
                    ),
                ],
                **{"data-dataset": q["dataset"]},
            )
        )
    table = card_table(
        header,
        body,
        size="sm",
        hover=True,
        responsive=True,
        id=DATA_QUALITY,
        className="align-middle mb-1",
    )
    summary = html.Div(
        [
            html.Span("数据质量总分 ", className="text-muted"),
            html.Span(
                "—" if overall is None else f"{overall:.1f}",
                className="fs-4 fw-bold",
                id=DATA_QUALITY_SCORE,
            ),
            html.Span(" / 100", className="text-muted me-3"),
            html.Span(
                "各数据集得分的平均；得分 = 40% 完整性 + 30% 有效性（1 − 违规行占比）"
                " + 30% 及时性（阈值内为满分，超过后线性递减，至 3 倍阈值为 0）。",
                className="small text-muted",
            ),
        ],
        className="mb-2",
    )
    note = html.P(
        "完整性只计应有值的单元格：空值本身有含义的列（如“实现日期”为空表示尚未实现）不计入，"
        "“满意度”只在已办结工单中计入；鼠标悬停在完整性上可见不计入的列。"
        "数据截至：各日期列的最新日期，统计表与好差评表取最新时期的期末，"
        "可能晚于“已加载数据集”中业务时期的终点。"
        "未通过模式校验的文件整体拒收、不会入库，此处的规则检查的是通过校验但前后不一致的行。",
        className="small text-muted mb-0",
    )
    return html.Div([summary, table, note])


def compute_card_body(warehouse) -> html.Div:
    """When indicators were last computed, up to which date, from which catalog, how long."""
    record = compute_record(warehouse)
    if record is None:
        return html.Div("指标尚未计算。", className="text-muted", id=DATA_COMPUTE)
    rows = [
        ("计算时间", record["computed_at"].isoformat(sep=" ", timespec="seconds")),
        ("数据截至", record["data_end"].isoformat()),
        ("指标值行数", fmt_int(record["value_rows"])),
        ("计算用时", f"{record['seconds']:.1f} 秒"),
        (
            "指标目录指纹",
            html.Code(record["catalog_sha256"][:16] + "…", title=record["catalog_sha256"]),
        ),
    ]
    return html.Div(
        [
            html.Dl(
                [
                    item
                    for label, value in rows
                    for item in (
                        html.Dt(label, className="col-5 fw-normal text-muted"),
                        html.Dd(value, className="col-7 mb-1"),
                    )
                ],
                className="row mb-1 small",
            ),
            html.P(
                "每次加载数据后自动重算全部指标；指纹随指标目录中的定义变化。",
                className="small text-muted mb-0",
            ),
        ],
        id=DATA_COMPUTE,
    )


def _title_of(dataset: str) -> str:
    schema = load_schemas().get(dataset)
    return schema.title if schema is not None else dataset


def schema_reference() -> dbc.Accordion:
    """Each dataset's columns, so a person preparing a file knows what is expected."""
    items = []
    for s in load_schemas().values():
        rows = [
            html.Tr(
                [
                    html.Td(html.Code(c.name)),
                    html.Td(c.label),
                    html.Td(TYPE_WORDS[c.type]),
                    html.Td("是" if c.required else ""),
                    html.Td("、".join(c.values) if c.values else (c.unit or "")),
                ]
            )
            for c in s.columns
        ]
        table = dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [html.Th(h) for h in ["列名", "中文表头", "类型", "必填", "允许值 / 单位"]]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
            className="mb-1",
        )
        key = "、".join(s.key)
        items.append(
            dbc.AccordionItem(
                [
                    html.P(s.description, className="small text-muted"),
                    html.P(f"主键：{key}", className="small"),
                    html.P(
                        f"数据集编码：{s.name}（命令行导入与数据表中以此标识本数据集）",
                        className="small",
                    ),
                    table,
                ],
                title=s.title,
            )
        )
    return dbc.Accordion(items, start_collapsed=True, flush=True)


def layout(**_query):
    warehouse = shared_warehouse()
    exists = warehouse.exists()
    options = [{"label": "自动识别（按表头）", "value": "auto"}] + [
        {"label": s.title, "value": s.name} for s in load_schemas().values()
    ]
    may_upload = _auth.current_scope().can("upload")
    upload = dbc.Card(
        [
            dbc.CardHeader("上传数据文件"),
            dbc.CardBody(
                html.P(
                    "当前角色不能上传数据；上传与入库由数据管理员或系统管理员进行。",
                    className="small text-muted mb-0",
                    id="data-upload-denied",
                )
            ),
        ],
        className="mb-3",
    )
    if may_upload:
        upload = dbc.Card(
            [
                dbc.CardHeader("上传数据文件"),
                dbc.CardBody(
                    [
                        html.P(
                            "支持 CSV（UTF-8 或 GB18030）、XLSX、Parquet。文件经与命令行 `databrain ingest` 相同的校验后整体入库；"
                            "未通过校验时不加载任何数据，并列出问题所在的行和列。",
                            className="small text-muted",
                        ),
                        dbc.Label(
                            "数据集", html_for=_ids.DATA_UPLOAD_DATASET, className="small mb-1"
                        ),
                        dbc.Select(
                            id=_ids.DATA_UPLOAD_DATASET,
                            options=options,
                            value="auto",
                            className="mb-2",
                        ),
                        dcc.Upload(
                            id=_ids.DATA_UPLOAD,
                            children=html.Div(["拖放文件到此处，或 ", html.A("选择文件")]),
                            className="upload-box",
                            multiple=False,
                            max_size=MAX_UPLOAD_BYTES,
                        ),
                        html.Div(id=_ids.DATA_UPLOAD_RESULT, className="mt-3"),
                        dcc.Store(id=UPLOAD_JOB),
                        dcc.Interval(id=UPLOAD_POLL, interval=700, disabled=True),
                    ]
                ),
            ],
            className="mb-3",
        )
    status = status_table(warehouse) if exists else dbc.Alert("数据仓库尚未建立。", color="info")
    loads = loads_table(warehouse) if exists else None
    return html.Div(
        [
            html.H1("数据管理", className="page-title"),
            html.P(version_text(warehouse), className="text-muted", id=DATA_VERSION),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Card(
                                [
                                    dbc.CardHeader(
                                        export_header("已加载数据集", "datasets", {})
                                        if exists
                                        else "已加载数据集"
                                    ),
                                    dbc.CardBody(html.Div(status, id="data-status-wrap")),
                                ],
                                className="mb-3",
                            ),
                            dbc.Card(
                                [
                                    dbc.CardHeader(
                                        export_header("加载记录（数据来源）", "loads", {})
                                        if exists
                                        else "加载记录（数据来源）"
                                    ),
                                    dbc.CardBody(
                                        html.Div(
                                            loads, id="data-loads-wrap", className="loads-scroll"
                                        )
                                    ),
                                ],
                                className="mb-3",
                            ),
                        ],
                        xl=8,
                    ),
                    dbc.Col(
                        [
                            dbc.Card(
                                [
                                    dbc.CardHeader("指标计算"),
                                    dbc.CardBody(
                                        compute_card_body(warehouse) if exists else None,
                                        id=DATA_COMPUTE_WRAP,
                                    ),
                                ],
                                className="mb-3",
                            ),
                            upload,
                            dbc.Card(
                                [dbc.CardHeader("数据集模式"), dbc.CardBody(schema_reference())]
                            ),
                        ],
                        xl=4,
                    ),
                ]
            ),
            dbc.Card(
                [
                    dbc.CardHeader(
                        export_header("数据质量", "quality", {}) if exists else "数据质量"
                    ),
                    dbc.CardBody(
                        quality_table(warehouse) if exists else None, id=DATA_QUALITY_WRAP
                    ),
                ],
                className="mb-3 mt-1",
            ),
        ]
    )


_auth.require_for_output(UPLOAD_JOB, "upload")  # starting, polling and (below) cancelling a load
_auth.require_for_output(UPLOAD_POLL, "upload")


@callback(
    Output(UPLOAD_JOB, "data"),
    Output(UPLOAD_POLL, "disabled", allow_duplicate=True),
    Output(_ids.DATA_UPLOAD_RESULT, "children", allow_duplicate=True),
    Input(_ids.DATA_UPLOAD, "contents"),
    State(_ids.DATA_UPLOAD, "filename"),
    State(_ids.DATA_UPLOAD_DATASET, "value"),
    prevent_initial_call=True,
)
def upload_file(contents, filename, dataset):
    """Start the job that validates and loads the uploaded file, and return at once: the
    page polls the job (:func:`poll_upload`)."""
    if not contents or not filename:
        raise dash.exceptions.PreventUpdate
    _header, _, payload = contents.partition(",")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return _refused(f"「{filename}」的内容无法读取（上传数据不完整），请重新上传。")
    if len(data) > MAX_UPLOAD_BYTES:
        return _refused(
            f"「{filename}」有 {len(data) / 1024 / 1024:,.0f} MB，超过上传上限 "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB；请拆分文件，或由管理员用命令行加载。"
        )
    try:
        key = pipeline.start_load(
            shared_warehouse(),
            data,
            filename,
            None if dataset in (None, "", "auto") else dataset,
            actor=_auth.current_username(),
        )
    except Busy as busy:
        return _refused(f"「{filename}」未能开始加载：{busy}", color="warning")
    job = {"key": key, "filename": filename}
    return job, False, upload_progress(filename, {"state": "queued", "message": "排队中"})


def _refused(text: str, *, color: str = "danger") -> tuple:
    """An upload not started: no job, polling off, the reason."""
    return dash.no_update, True, dbc.Alert(text, color=color)


def upload_progress(filename: str, s: dict) -> dbc.Alert:
    done, total = s.get("done") or 0, s.get("total") or 1
    return dbc.Alert(
        [
            html.Div(f"「{filename}」：{s.get('message') or '进行中'}", className="small mb-2"),
            dbc.Progress(
                value=max(5, round(100 * done / max(total, 1))),
                striped=True,
                animated=True,
                style={"height": "6px"},
            ),
            dbc.Button("取消", id=UPLOAD_CANCEL, size="sm", color="link", className="px-0 small"),
        ],
        color="info",
        id="upload-progress",
    )


def upload_error(filename: str, s: dict) -> dbc.Alert:
    """The refused file's problems, with the validator's hints in this page's terms."""
    issues = [for_web(i) for i in s.get("issues") or []]
    more = (s.get("issue_total") or len(issues)) - len(issues)
    heading = for_web(s["error"]) if s.get("error") else f"「{filename}」未能加载"
    return dbc.Alert(
        [
            html.H5(heading, className="alert-heading"),
            html.Ul([html.Li(i) for i in issues], className="mb-0 small upload-issues")
            if issues
            else None,
            html.P(f"……另有 {more} 处问题未列出", className="small mb-0") if more > 0 else None,
        ],
        color="danger",
        id="upload-error",
    )


def upload_success(s: dict, *, still_running: bool, after: str = "done"):
    """What was loaded; a note while the forecast runs, or if it was cancelled or failed."""
    note = None
    if still_running:
        note = f"{s.get('message') or ''}……"
    elif after == "cancelled":
        note = "预测与预警的更新已取消；可在命令行运行 databrain forecast。"
    elif after == "error":
        note = f"数据已加载，但随后的预测与预警更新失败（{s.get('error') or '原因不明'}）；可在命令行运行 databrain forecast。"
    elif s.get("forecast_job"):
        note = "预测与预警正在后台更新（不影响继续上传），完成后各页面自动使用新的预测。"
    return dbc.Alert(
        [
            html.Strong("加载成功："),
            html.Ul([html.Li(line) for line in s.get("summaries") or []], className="mb-0 small"),
            html.P(note, className="small mb-0 mt-1 text-muted") if note else None,
        ],
        color="success",
        id="upload-success",
    )


@callback(
    Output(_ids.DATA_UPLOAD_RESULT, "children"),
    Output(UPLOAD_POLL, "disabled"),
    Output("data-status-wrap", "children"),
    Output("data-loads-wrap", "children"),
    Output(DATA_QUALITY_WRAP, "children"),
    Output(DATA_COMPUTE_WRAP, "children"),
    Output(DATA_VERSION, "children"),
    Output(UPLOAD_JOB, "data", allow_duplicate=True),
    Input(UPLOAD_POLL, "n_intervals"),
    State(UPLOAD_JOB, "data"),
    prevent_initial_call=True,
)
def poll_upload(_ticks, job):
    """Show the upload job's progress; once the file is in, what was loaded and the refreshed
    tables (once), and stop polling when the job has ended. The version line follows every
    version the job makes (the load's, then the forecast's)."""
    if not job:
        raise dash.exceptions.PreventUpdate
    warehouse = shared_warehouse()
    s = pipeline.load_status(job["key"], warehouse)
    state = s["state"]
    unchanged = (dash.no_update,) * 6
    loaded = s.get("summaries") is not None  # the file went in, whatever came after
    if state == "error" and not loaded:
        return upload_error(job["filename"], s), True, *unchanged
    if state == "cancelled" and not loaded:
        return cancelled(), True, *unchanged
    if state == "missing":
        return upload_error(job["filename"], {"error": "找不到该上传任务"}), True, *unchanged
    if s.get("summaries") is None:
        return upload_progress(job["filename"], s), False, *unchanged
    running = state in ("queued", "running")
    message = upload_success(s, still_running=running, after=state)
    version = version_text(warehouse)
    if job.get("shown"):  # the tables were refreshed when the file went in
        return message, not running, *unchanged[:4], version, dash.no_update
    tables = (
        status_table(warehouse),
        loads_table(warehouse),
        quality_table(warehouse),
        compute_card_body(warehouse),
    )
    return message, not running, *tables, version, {**job, "shown": True}


@callback(
    Output(UPLOAD_POLL, "disabled", allow_duplicate=True),
    Input(UPLOAD_CANCEL, "n_clicks"),
    State(UPLOAD_JOB, "data"),
    prevent_initial_call=True,
)
def cancel_upload(clicks, job):
    """Cancel the running upload job (a load that has not finished changes nothing); the
    next poll shows the outcome."""
    if not clicks or not job:
        raise dash.exceptions.PreventUpdate
    pipeline.cancel_load(job["key"], shared_warehouse())
    return False


def cancelled() -> dbc.Alert:
    return dbc.Alert("已取消，数据仓库未作更改。", color="secondary", id="upload-cancelled")
