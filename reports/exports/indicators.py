"""The exports of /indicators: an indicator's values by region and its series."""

from __future__ import annotations

import json

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from indicators import read
from indicators.catalog import STOCK_TYPES
from indicators.periods import (
    latest_period,
    period_bounds,
    period_text,
    rank_values,
)
from indicators.views import IndicatorState, indicator_state
from reports.exports.common import (
    AppTable,
    _all_names,
    _frame,
    _number,
    _stem,
    _ym,
)
from reports.tables import (
    Column,
)

# --- /indicators ---------------------------------------------------------------------------------


def _indicator_state(warehouse, query: dict) -> IndicatorState:
    """The /indicators page's state for its selected indicator (``code``), as the page reads it
    (:func:`indicators.views.indicator_state`)."""
    state = indicator_state(warehouse, query)
    if state is None:
        raise ValueError("指标尚未计算：没有可导出的数据截至日期")
    if state["code"] is None:
        raise ValueError(f"指标「{query.get('code') or ''}」不在指标目录中")
    return state


def _is_share(row: dict) -> bool:
    return row["compute_type"] in ("stock_share", "flow_share", "table_share") or bool(
        json.loads(row["compute"]).get("denominator")
    )


def indicator_values(warehouse, query: dict) -> AppTable:
    """/indicators: the selected indicator's latest value in the province and each city, with
    the 13-city rank (and numerator and denominator for a share), as the values table shows."""
    state = _indicator_state(warehouse, query)
    row = state["row"]
    frame = read.series(warehouse, state["code"], [], state["as_of"], period_type=state["period"])
    province_rows = frame.filter(pl.col("region_code") == PROVINCE_CODE)
    period = latest_period(
        province_rows if province_rows.height else frame,
        stock=row["compute_type"] in STOCK_TYPES,
    )
    names = _all_names()
    city_codes = cities()["region_code"].to_list()
    at = frame.filter(pl.col("period") == period) if period else frame.clear()
    by_region = {r["region_code"]: r for r in at.iter_rows(named=True)}
    values = [by_region.get(c, {}).get("value") for c in city_codes]
    ranks = dict(zip(city_codes, rank_values(values, row["polarity"]), strict=True))
    order = sorted(city_codes, key=lambda c: (ranks[c] is None, ranks[c] or 0, c))
    records = []
    for code in [PROVINCE_CODE, *order]:
        r = by_region.get(code, {})
        records.append(
            {
                "rank": ranks.get(code),
                "region_code": code,
                "region": names.get(code, code),
                "period": period_text(period) if period else None,
                "value": r.get("value"),
                "numerator": r.get("numerator"),
                "denominator": r.get("denominator"),
                "complete": None if not r else ("是" if r["complete"] else "否"),
            }
        )
    share = _is_share(row)
    columns = (
        Column("rank", "排名", "integer"),
        Column("region_code", "地区代码"),
        Column("region", "地区"),
        Column("period", "时期"),
        _number("value", row["name_zh"], row["unit"], decimals=row["decimals"]),
    )
    if share:
        columns += (
            _number("numerator", "分子", decimals=0),
            _number("denominator", "分母", decimals=0),
        )
    columns += (Column("complete", "时期已结束"),)
    polarity = {"higher": "越高越好", "lower": "越低越好"}.get(row["polarity"])
    return AppTable(
        key="indicator_values",
        title=f"各地区最新值 · {row['name_zh']}",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "排名为 13 市排名，1 为最好（" + polarity + "）"
            if polarity
            else "排名为 13 市按数值从高到低（无方向指标）",
        ),
        stem=_stem(row["name_zh"], "各地区最新值", _ym(state["as_of"])),
        as_of=state["as_of"],
        region="江苏省与 13 个设区市",
        indicators=(state["code"],),
        extra=(("口径", {"month": "月度", "quarter": "季度", "year": "年度"}[state["period"]]),),
    )


def indicator_series(warehouse, query: dict) -> AppTable:
    """/indicators chart: the values behind the chart — the chosen regions (``regions``), period
    type and range (``from``/``to``), as known at ``as_of``; by region, then period."""
    state = _indicator_state(warehouse, query)
    row = state["row"]
    frame = read.series(warehouse, state["code"], [], state["as_of"], period_type=state["period"])
    frame = frame.filter(pl.col("region_code").is_in(state["regions"]))
    if state["from"]:
        frame = frame.filter(pl.col("period_start") >= period_bounds(state["from"])[0])
    if state["to"]:
        frame = frame.filter(pl.col("period_end") <= period_bounds(state["to"])[1])
    names = _all_names()
    frame = frame.sort("region_code", "period").with_columns(
        region=pl.col("region_code").replace_strict(names, default=pl.col("region_code")),
        complete_zh=pl.when(pl.col("complete")).then(pl.lit("是")).otherwise(pl.lit("否")),
    )
    columns = (
        Column("region_code", "地区代码"),
        Column("region", "地区"),
        Column("period", "时期"),
        Column("period_start", "起始日", "date"),
        Column("period_end", "截止日", "date"),
        _number("value", row["name_zh"], row["unit"], decimals=row["decimals"]),
        _number("numerator", "分子", decimals=0),
        _number("denominator", "分母", decimals=0),
        Column("complete_zh", "时期已结束"),
    )
    if not _is_share(row):
        columns = tuple(c for c in columns if c.name not in ("numerator", "denominator"))
    period_word = {"month": "月度", "quarter": "季度", "year": "年度"}[state["period"]]
    span = f"{state['from'] or '最早'} 至 {state['to'] or '最新'}"
    return AppTable(
        key="indicator_series",
        title=f"走势 · {row['name_zh']}",
        frame=frame,
        columns=columns,
        notes=("时期未结束的数值为截至时点的水平（当期至今）。",),
        stem=_stem(row["name_zh"], f"走势{period_word}", _ym(state["as_of"])),
        as_of=state["as_of"],
        region="、".join(names.get(c, c) for c in state["regions"]),
        indicators=(state["code"],),
        extra=(("口径", period_word), ("时期范围", span)),
    )
