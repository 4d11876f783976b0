"""The exports of /data: datasets, loads and data quality."""

from __future__ import annotations

import datetime as dt

from datasets.quality import cached_quality, overall_score
from datasets.summary import cached_status
from reports.exports.common import (
    AppTable,
    _frame,
    _number,
    _stem,
)
from reports.tables import (
    Column,
)

# --- /data ---------------------------------------------------------------------------------------


def load_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def datasets(warehouse, query: dict) -> AppTable:
    """/data: every dataset of the schema with rows, demo rows, period coverage and loads."""
    records = [
        {
            "title": d["title"],
            "dataset": d["dataset"],
            "rows": d["rows"],
            "synthetic_rows": d["synthetic_rows"],
            "period_start": _day(d["period_start"]),
            "period_end": _day(d["period_end"]),
            "files": len(d["files"]),
            "last_loaded_at": load_time(d["last_loaded_at"]),
        }
        for d in cached_status(warehouse)
    ]
    columns = (
        Column("title", "数据集"),
        Column("dataset", "数据集代码"),
        Column("rows", "行数", "integer"),
        Column("synthetic_rows", "其中模拟数据", "integer"),
        Column("period_start", "时期起", "date"),
        Column("period_end", "时期止", "date"),
        Column("files", "文件数", "integer"),
        Column("last_loaded_at", "最近加载", "datetime"),
    )
    return AppTable(
        key="datasets",
        title="已加载数据集",
        frame=_frame(records, columns),
        columns=columns,
        stem=_stem("已加载数据集", warehouse.version()),
        every_load=True,
    )


def loads(warehouse, query: dict) -> AppTable:
    """/data: every loaded file with its SHA-256, rows and load time, newest first."""
    records = [
        {"dataset": d["dataset"], **f, "loaded_at": load_time(f["loaded_at"])}
        for d in cached_status(warehouse)
        for f in d["files"]
    ]
    records.sort(key=lambda r: r["loaded_at"], reverse=True)
    columns = (
        Column("loaded_at", "加载时间", "datetime"),
        Column("file_name", "文件"),
        Column("dataset", "数据集"),
        Column("sha256", "SHA-256", width=66),
        Column("rows", "行数", "integer"),
        Column("inserted", "新增", "integer"),
        Column("replaced", "替换", "integer"),
    )
    return AppTable(
        key="loads",
        title="加载记录（数据来源）",
        frame=_frame(records, columns),
        columns=columns,
        stem=_stem("加载记录", warehouse.version()),
        every_load=True,
    )


def quality(warehouse, query: dict) -> AppTable:
    """/data: each dataset's completeness, timeliness, rule violations and quality score."""
    found = cached_quality(warehouse)
    records = []
    for q in found:
        loaded = bool(q["rows"])
        rules = "；".join(f"{r['description']}：{r['count']:,}" for r in q["rules"]) or "未设规则"
        records.append(
            {
                **q,
                "weakest_label": q["weakest_label"] or ("各列齐全" if loaded else None),
                "timeliness": q["timeliness"] if loaded else "尚未加载",
                "rules_text": rules if loaded else None,
                "invalid_rows": q["invalid_rows"] if loaded else None,
            }
        )
    columns = (
        Column("title", "数据集"),
        Column("dataset", "数据集代码"),
        Column("rows", "行数", "integer"),
        Column("completeness", "完整性", "share"),
        Column("weakest_label", "最弱列"),
        Column("weakest_share", "最弱列完整性", "share"),
        Column("data_end", "数据截至", "date"),
        Column("days_behind_load", "入库时已滞后", "integer", "天"),
        Column("days_behind_today", "距今", "integer", "天"),
        Column("threshold_days", "及时性阈值", "integer", "天"),
        Column("cadence", "更新频率"),
        Column("timeliness", "及时性"),
        Column("invalid_rows", "违反规则行数", "integer"),
        Column("rules_text", "一致性规则", width=60),
        _number("score", "质量得分", "0–100"),
    )
    overall = overall_score(found)
    return AppTable(
        key="quality",
        title="数据质量",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "得分 = 40% 完整性 + 30% 有效性（1 − 违规行占比）+ 30% 及时性"
            "（阈值内为满分，超过后线性递减，至 3 倍阈值为 0）。",
            "完整性只计应有值的单元格：空值本身有含义的列（如“实现日期”为空表示尚未实现）不计入。",
        ),
        stem=_stem("数据质量", warehouse.version()),
        every_load=True,
        extra=(("数据质量总分", "—" if overall is None else f"{overall:.1f} / 100"),),
    )
