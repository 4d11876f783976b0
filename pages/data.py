"""数据管理 `/data`: what is loaded, where it came from, and uploading a file.

Uploads go through the same validated, atomic ingestion as ``databrain ingest``.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from datasets.ingest import IngestError, ingest
from datasets.schema import load_schemas
from datasets.summary import cached_status
from datasets.warehouse import shared_warehouse
from indicators.engine import materialise
from pages import _ids
from pages._components import fmt_int

dash.register_page(__name__, path="/data", name="数据管理", title="数据大脑 · 数据管理", order=90)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
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


def status_table(warehouse) -> dbc.Table:
    """Datasets with rows, synthetic rows, period coverage, files and last load."""
    header = ["数据集", "行数", "其中模拟数据", "时期覆盖", "文件数", "最近加载"]
    body = []
    for d in cached_status(warehouse):
        period = f"{d['period_start'] or '—'} ~ {d['period_end'] or '—'}"
        body.append(
            html.Tr(
                [
                    html.Td([html.Div(d["title"]), html.Code(d["dataset"], className="small")]),
                    html.Td(
                        fmt_int(d["rows"]), className="text-end", **{"data-dataset": d["dataset"]}
                    ),
                    html.Td(fmt_int(d["synthetic_rows"]), className="text-end"),
                    html.Td(period, className="text-nowrap"),
                    html.Td(len(d["files"]), className="text-end"),
                    html.Td(
                        (d["last_loaded_at"] or "—").replace("T", " "), className="text-nowrap"
                    ),
                ]
            )
        )
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
        size="sm",
        hover=True,
        responsive=True,
        striped=True,
        id=_ids.DATA_STATUS,
    )


def loads_table(warehouse) -> dbc.Table:
    """Provenance: every loaded file with its checksum, rows and load time (newest first)."""
    loads = [(d["dataset"], f) for d in cached_status(warehouse) for f in d["files"]]
    loads.sort(key=lambda x: x[1]["loaded_at"], reverse=True)
    header = ["加载时间", "文件", "数据集", "SHA-256", "行数", "新增", "替换"]
    body = [
        html.Tr(
            [
                html.Td(f["loaded_at"].replace("T", " "), className="text-nowrap"),
                html.Td(f["file_name"]),
                html.Td(html.Code(ds)),
                html.Td(html.Code(f["sha256"][:16] + "…", title=f["sha256"])),
                html.Td(fmt_int(f["rows"]), className="text-end"),
                html.Td(fmt_int(f["inserted"]), className="text-end"),
                html.Td(fmt_int(f["replaced"]), className="text-end"),
            ]
        )
        for ds, f in loads
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
        size="sm",
        hover=True,
        responsive=True,
        id=_ids.DATA_LOADS,
    )


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
                    table,
                ],
                title=f"{s.title}（{s.name}）",
            )
        )
    return dbc.Accordion(items, start_collapsed=True, flush=True)


def layout(**_query):
    warehouse = shared_warehouse()
    exists = warehouse.exists()
    options = [{"label": "自动识别（按表头）", "value": "auto"}] + [
        {"label": f"{s.title}（{s.name}）", "value": s.name} for s in load_schemas().values()
    ]
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
                    dbc.Select(
                        id=_ids.DATA_UPLOAD_DATASET, options=options, value="auto", className="mb-2"
                    ),
                    dcc.Upload(
                        id=_ids.DATA_UPLOAD,
                        children=html.Div(["拖放文件到此处，或 ", html.A("选择文件")]),
                        className="upload-box",
                        multiple=False,
                        max_size=MAX_UPLOAD_BYTES,
                    ),
                    dcc.Loading(html.Div(id=_ids.DATA_UPLOAD_RESULT, className="mt-3")),
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
            html.P(
                f"数据仓库：{warehouse.path.name}（版本 {warehouse.version() or '—'}）。每次加载生成新版本并原子切换，页面不会读到加载一半的数据。",
                className="text-muted",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Card(
                                [
                                    dbc.CardHeader("已加载数据集"),
                                    dbc.CardBody(html.Div(status, id="data-status-wrap")),
                                ],
                                className="mb-3",
                            ),
                            dbc.Card(
                                [
                                    dbc.CardHeader("加载记录（数据来源）"),
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
                            upload,
                            dbc.Card(
                                [dbc.CardHeader("数据集模式"), dbc.CardBody(schema_reference())]
                            ),
                        ],
                        xl=4,
                    ),
                ]
            ),
        ]
    )


@callback(
    Output(_ids.DATA_UPLOAD_RESULT, "children"),
    Output("data-status-wrap", "children"),
    Output("data-loads-wrap", "children"),
    Input(_ids.DATA_UPLOAD, "contents"),
    State(_ids.DATA_UPLOAD, "filename"),
    State(_ids.DATA_UPLOAD_DATASET, "value"),
    prevent_initial_call=True,
)
def upload_file(contents, filename, dataset):
    """Validate and load an uploaded file; show its result and the refreshed status."""
    if not contents or not filename:
        raise dash.exceptions.PreventUpdate
    _header, _, payload = contents.partition(",")
    data = base64.b64decode(payload)
    warehouse = shared_warehouse()
    with tempfile.TemporaryDirectory(prefix="databrain-upload-") as tmp:
        path = Path(tmp) / f"upload{Path(filename).suffix.lower()}"
        path.write_bytes(data)
        try:
            results = ingest(
                [path],
                None if dataset in (None, "", "auto") else dataset,
                warehouse=warehouse,
                display_names=[filename],
                after_load=materialise,
            )
        except IngestError as err:
            issues = err.issues[:50]
            more = err.total - len(issues)
            message = dbc.Alert(
                [
                    html.H5(
                        f"文件「{filename}」未通过校验：共 {err.total} 处问题，数据仓库未作任何更改。",
                        className="alert-heading",
                    ),
                    html.Ul(
                        [html.Li(str(i)) for i in issues], className="mb-0 small upload-issues"
                    ),
                    html.P(f"……另有 {more} 处问题未列出", className="small mb-0")
                    if more > 0
                    else None,
                ],
                color="danger",
                id="upload-error",
            )
            return message, dash.no_update, dash.no_update
    message = dbc.Alert(
        [
            html.Strong("加载成功："),
            html.Ul([html.Li(r.summary()) for r in results], className="mb-0 small"),
        ],
        color="success",
        id="upload-success",
    )
    return message, status_table(warehouse), loads_table(warehouse)
