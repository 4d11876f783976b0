"""Indicator computations in words: the catalog's ``compute`` declarations as Chinese clauses.

Used by the 指标库 page and by the exports' 说明 sheets (one place that says how a figure is made).
"""

from __future__ import annotations

import re

from datasets.schema import DatasetSchema, load_schemas

OVER_TIME = {"last": "末值", "sum": "求和", "mean": "平均"}
OVER_REGIONS = {"reported": "公布值", "sum": "各市求和", "mean": "各市平均"}
RECORD_NOUNS = {
    "service_items": "事项",
    "info_systems": "系统",
    "private_networks": "专网",
    "gov_apps": "应用",
    "enforcement_bodies": "执法主体",
    "data_sharing_requests": "共享申请",
    "scenarios": "场景",
    "hotline_tickets": "工单",
    "service_evaluations": "评价记录",
}


def _column_label(schema: DatasetSchema | None, name: str) -> str:
    if schema is not None and name in schema.column_names:
        return schema.column(name).label
    return name


def _column(schema: DatasetSchema | None, name: str) -> str:
    """``实现日期（achieved_date）``: the Chinese label with the column name, for tracing."""
    label = _column_label(schema, name)
    return name if label == name else f"{label}（{name}）"


_SQL_WORDS = [
    (re.compile(r"\bIS\s+NOT\s+NULL\b", re.I), " 非空"),
    (re.compile(r"\bIS\s+NULL\b", re.I), " 为空"),
    (re.compile(r"\bNOT\s+IN\b", re.I), "不属于"),
    (re.compile(r"\bIN\b", re.I), "属于"),
    (re.compile(r"\bAND\b", re.I), "且"),
    (re.compile(r"\bOR\b", re.I), "或"),
    (re.compile(r"<="), "≤"),
    (re.compile(r">="), "≥"),
    (re.compile(r"<>|!="), "≠"),
]


def where_text(sql: str | None, schema: DatasetSchema | None = None) -> str:
    """A dataset filter in words: ``NOT classified`` → ``是否涉密 = 否``; columns by their
    Chinese labels, operators as symbols, quoted values kept as written."""
    if not sql:
        return ""
    parts = re.split(r"('(?:[^']|'')*')", sql)  # odd parts are quoted strings
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
            continue
        text = re.sub(
            r"\bNOT\s+([a-z_][a-z0-9_]*)\b(?!\s*(?:IN|IS)\b)",
            lambda m: f"{m.group(1)} = 否",
            part,
        )
        for pattern, word in _SQL_WORDS:
            text = pattern.sub(word, text)
        text = re.sub(r"\b([a-z_][a-z0-9_]*)\b", lambda m: _column_label(schema, m.group(1)), text)
        out.append(text)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _scale_part(compute: dict) -> list[str]:
    scale = compute.get("scale")
    if scale in (None, 1, 1.0):
        return []
    return [f"×{scale:g}"]


def formula_parts(compute: dict, schemas: dict[str, DatasetSchema] | None = None) -> list[str]:
    """The computation of an indicator in Chinese, one clause per item, from its ``compute``
    declaration (the catalog's JSON): numerator, denominator, filter, scale, timing.

    >>> formula_parts({"type": "flow_count", "dataset": "hotline_tickets", "period": "created_at"})
    ['计数：按受理时间（created_at）归入时段的工单数']
    """
    schemas = load_schemas() if schemas is None else schemas
    kind = compute["type"]
    dataset = compute.get("dataset")
    schema = schemas.get(dataset) if dataset else None
    noun = RECORD_NOUNS.get(dataset or "", "记录")
    col = lambda name: _column(schema, name)  # noqa: E731
    parts: list[str] = []
    where = where_text(compute.get("where"), schema)

    if kind in ("stock_share", "stock_count"):
        end = compute.get("end")
        alive = f"，且{col(end)}为空或晚于时点" if end else ""
        counted = f"截至时点 {col(compute['event'])} 不晚于时点{alive}的{noun}数"
        if kind == "stock_count":
            parts.append(f"计数：{counted}")
        else:
            parts.append(f"分子：{counted}")
            parts.append(f"分母：{col(compute['start'])} 不晚于时点{alive}的{noun}数")
            if compute.get("measure") == "remaining":
                parts.append(
                    f"取值：分母 − 分子（截至时点尚无{_column_label(schema, compute['event'])}的{noun}数）"
                )
        if where:
            parts.append(f"筛选：{where}")
        if compute.get("measure") != "remaining":
            parts += _scale_part(compute)
        return parts

    if kind in ("flow_share", "flow_count"):
        period = f"按{col(compute['period'])}归入时段"
        if kind == "flow_count":
            parts.append(f"计数：{period}的{noun}数")
        else:
            den = compute.get("denominator") or {}
            num = compute["numerator"]
            den_where = where_text(den.get("where"), schema)
            den_text = f"{period}{f'、满足「{den_where}」' if den_where else ''}的{noun}数"
            if den.get("known"):
                den_text += f"（自{col(den['known'])}起计入）"
            num_where = where_text(num.get("where"), schema)
            num_text = f"其中满足「{num_where}」的{noun}数" if num_where else f"其中全部{noun}数"
            if num.get("known"):
                num_text += f"（自{col(num['known'])}起计入，时点前未发生的不计）"
            parts += [f"分子：{num_text}", f"分母：{den_text}"]
        if where:
            parts.append(f"筛选：{where}")
        return parts + _scale_part(compute)

    if kind in ("table_share", "table_sum"):
        if kind == "table_share":
            parts.append(f"分子：时段内各月 {col(compute['numerator'])} 之和")
            parts.append(f"分母：时段内各月 {col(compute['denominator'])} 之和")
        else:
            parts.append(f"合计：时段内各月 {col(compute['column'])} 之和")
        if where:
            parts.append(f"筛选：{where}")
        parts += _scale_part(compute)
        if compute.get("lag_days"):
            parts.append(
                f"发布滞后 {compute['lag_days']} 天（月末后 {compute['lag_days']} 天可得）"
            )
        return parts

    if kind == "statistic":
        parts.append(f"统计指标：{compute['indicator']}（统计长表）")
        if compute.get("denominator"):
            parts.append(f"分母：统计指标 {compute['denominator']}（时段内求和）")
        parts.append(f"时段汇总：{OVER_TIME[compute.get('over_time', 'last')]}")
        parts.append(f"地区汇总：{OVER_REGIONS[compute.get('over_regions', 'reported')]}")
        parts += _scale_part(compute)
        if compute.get("lag_days"):
            parts.append(f"发布滞后 {compute['lag_days']} 天")
        return parts

    raise ValueError(f"unknown compute type {kind!r}")


def formula_text(compute: dict, schemas: dict[str, DatasetSchema] | None = None) -> str:
    """:func:`formula_parts` joined into one line (for tables and reports)."""
    return "；".join(formula_parts(compute, schemas))
