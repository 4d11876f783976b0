"""Indicator computations in words: the catalog's ``compute`` declarations as Chinese clauses.

Used by the 指标库 page and by the exports' 说明 sheets (one place that says how a figure is made).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from datasets.schema import DatasetSchema, load_schemas
from indicators.compute import (
    Compute,
    FlowCount,
    FlowShare,
    Statistic,
    StockCount,
    StockShare,
    TableShare,
    parse_compute,
)

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


def _scale_part(c: Compute) -> list[str]:
    scale = getattr(c, "scale", 1.0)
    if scale == 1:
        return []
    return [f"×{scale:g}"]


def formula_parts(
    compute: Compute | Mapping,
    schemas: dict[str, DatasetSchema] | None = None,
    *,
    trace: bool = True,
) -> list[str]:
    """The computation of an indicator in Chinese, one clause per item, from its ``compute``
    declaration (a typed variant, or the catalog's mapping): numerator, denominator, filter,
    scale, timing.

    >>> formula_parts({"type": "flow_count", "dataset": "hotline_tickets", "period": "created_at"})
    ['计数：按受理时间（created_at）归入时段的工单数']
    """
    schemas = load_schemas() if schemas is None else schemas
    c = parse_compute(compute)
    if isinstance(c, Statistic):
        if trace:
            parts = [f"统计指标：{c.indicator}（统计长表）"]
            if c.denominator:
                parts.append(f"分母：统计指标 {c.denominator}（时段内求和）")
        else:
            parts = ["取自统计部门发布的数据（统计长表）"]
            if c.denominator:
                parts.append("分母：同表中的相应总量（时段内求和）")
        parts.append(f"时段汇总：{OVER_TIME[c.over_time]}")
        parts.append(f"地区汇总：{OVER_REGIONS[c.over_regions]}")
        parts += _scale_part(c)
        if c.lag_days:
            parts.append(f"发布滞后 {c.lag_days} 天")
        return parts

    schema = schemas.get(c.dataset)
    noun = RECORD_NOUNS.get(c.dataset, "记录")
    # with trace, each column's name follows its label (for analysts tracing the data)
    col = lambda name: _column(schema, name) if trace else _column_label(schema, name)  # noqa: E731
    parts = []
    where = where_text(c.where, schema)

    if isinstance(c, StockShare | StockCount):
        alive = f"，且{col(c.end)}为空或晚于时点" if c.end else ""
        counted = f"截至时点 {col(c.event)} 不晚于时点{alive}的{noun}数"
        remaining = isinstance(c, StockShare) and c.measure == "remaining"
        if isinstance(c, StockCount):
            parts.append(f"计数：{counted}")
        else:
            parts.append(f"分子：{counted}")
            parts.append(f"分母：{col(c.start)} 不晚于时点{alive}的{noun}数")
            if remaining:
                parts.append(
                    f"取值：分母 − 分子（截至时点尚无{_column_label(schema, c.event)}的{noun}数）"
                )
        if where:
            parts.append(f"筛选：{where}")
        if not remaining:
            parts += _scale_part(c)
        return parts

    if isinstance(c, FlowShare | FlowCount):
        period = f"按{col(c.period)}归入时段"
        if isinstance(c, FlowCount):
            parts.append(f"计数：{period}的{noun}数")
        else:
            den, num = c.denominator, c.numerator
            den_where = where_text(den.where, schema)
            den_text = f"{period}{f'、满足「{den_where}」' if den_where else ''}的{noun}数"
            if den.known:
                den_text += f"（自{col(den.known)}起计入）"
            num_where = where_text(num.where, schema)
            num_text = f"其中满足「{num_where}」的{noun}数" if num_where else f"其中全部{noun}数"
            if num.known:
                num_text += f"（自{col(num.known)}起计入，时点前未发生的不计）"
            parts += [f"分子：{num_text}", f"分母：{den_text}"]
        if where:
            parts.append(f"筛选：{where}")
        return parts + _scale_part(c)

    if isinstance(c, TableShare):
        parts.append(f"分子：时段内各月 {col(c.numerator)} 之和")
        parts.append(f"分母：时段内各月 {col(c.denominator)} 之和")
    else:
        parts.append(f"合计：时段内各月 {col(c.column)} 之和")
    if where:
        parts.append(f"筛选：{where}")
    parts += _scale_part(c)
    if c.lag_days:
        parts.append(f"发布滞后 {c.lag_days} 天（月末后 {c.lag_days} 天可得）")
    return parts


def formula_text(
    compute: Compute | Mapping, schemas: dict[str, DatasetSchema] | None = None
) -> str:
    """:func:`formula_parts` joined into one line (for tables and reports)."""
    return "；".join(formula_parts(compute, schemas))
