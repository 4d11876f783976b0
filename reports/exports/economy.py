"""The export of /economy: the selected indicator's table."""

from __future__ import annotations

from datasets.regions import cities
from indicators import economy as econ
from reports.exports.common import (
    AppTable,
    _as_of,
    _frame,
    _number,
    _stem,
    _ym,
)
from reports.tables import (
    Column,
)

# --- /economy ------------------------------------------------------------------------------------


def economy(warehouse, query: dict) -> AppTable:
    """/economy: the comparison table — the province, then the chosen cities by rank, with the
    last periods' values (newest first) and, for a level (亿元), growth and share of 13 cities."""
    state = econ.resolve_view(warehouse, query)
    state["as_of"] = _as_of(warehouse, query)
    data = {**state, **econ.load_view(warehouse, state)}
    ind, latest = data["ind"], data["latest"]
    ytd = "year to date" in ind.name_en.lower()
    level = ind.unit == "亿元"

    def label(period: str) -> str:
        through = data["through"] if period == latest and data["running"] else None
        return econ.economy_period_text(period, ytd=ytd, through=through)

    shown = data["range"][-econ.TABLE_PERIODS :]
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    records = []
    for row in econ.comparison_rows({**data, "names": names}, data):
        record = {
            "region": row["name"],
            "region_code": row["region_code"],
            "rank": row["rank"],
            "growth": row["growth"],
            "share": row["share"],
        }
        record |= {f"p{i}": v for i, v in enumerate(row["values"])}
        records.append(record)
    columns = (Column("region", "地区"), Column("region_code", "地区代码"))
    columns += (Column("rank", "位次", "integer"),)
    if level:
        columns += (_number("growth", "同比", "%"), _number("share", "占 13 市", "%"))
    columns += tuple(
        _number(f"p{i}", label(p), ind.unit, decimals=ind.decimals)
        for i, p in reversed(list(enumerate(shown)))
    )
    direction = {"higher": "数值越高越好", "lower": "数值越低越好"}.get(
        ind.polarity, "按数值从高到低"
    )
    latest_text = label(latest) if latest else "—"
    notes = [f"数值单位：{ind.unit}；位次为{latest_text} 13 市排名（{direction}）。"]
    if level:
        notes.append(
            f"同比 = 本期值 ÷ 上年同期值 − 1；占 13 市 = 本市值 ÷ 13 市合计；均为{latest_text}。"
        )
    return AppTable(
        key="economy",
        title=f"{ind.name_zh} · 近 {min(econ.TABLE_PERIODS, len(data['range']))} 期对比与位次",
        frame=_frame(records, columns),
        columns=columns,
        notes=tuple(notes),
        stem=_stem("经济运行", ind.name_zh, _ym(data["as_of"])),
        as_of=data["as_of"],
        region="江苏省与 13 个设区市",
        indicators=(data["indicator"],),
        extra=(("口径", {"month": "按月", "quarter": "按季度", "year": "按年"}[data["period"]]),),
    )
