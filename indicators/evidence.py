"""What a 督办事项 is raised on, as the warehouse showed it then: the evidence snapshot kept with
the task (the indicator's value, target and status at the as-of, or the warning's message)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from indicators import read, read_risk


def target_evidence(
    warehouse,
    indicator: str,
    region: str,
    *,
    target_set: str = read.DEFAULT_TARGET_SET,
    as_of: dt.date | str | None = None,
) -> dict:
    """A target's standing for a region at ``as_of`` (default the newest vintage)."""
    when = read.resolve_as_of(warehouse, as_of)
    if when is None:
        raise ValueError("数据仓库尚未计算指标")
    rows = read.progress(warehouse, target_set, when, regions=[region]).filter(
        pl.col("indicator") == indicator
    )
    if rows.is_empty():
        raise ValueError(f"目标集 {target_set} 中没有指标 {indicator} 在地区 {region} 的进度")
    r = rows.row(0, named=True)
    return {
        "kind": "target",
        "as_of": when.isoformat(),
        "target_set": target_set,
        "indicator": indicator,
        "name_zh": r["name_zh"],
        "region_code": region,
        "unit": r["unit"],
        "value": r["current_value"],
        "target": r["target_value"],
        "status": r["status"],
        "status_label": r["status_label"],
        "responsible_units": r["responsible_units"],
    }


def warning_evidence(warehouse, key: str, *, as_of: dt.date | str | None = None) -> dict:
    """A warning in force at ``as_of``, by its key ``rule:region:indicator``."""
    rule, _, rest = key.partition(":")
    region, _, indicator = rest.partition(":")
    found = read_risk.warnings(warehouse, read.resolve_as_of(warehouse, as_of)).filter(
        (pl.col("rule_id") == rule)
        & (pl.col("region_code") == region)
        & (pl.col("indicator").fill_null("-") == (indicator or "-"))
    )
    if found.is_empty():
        raise ValueError(f"没有在当前生效的预警「{key}」")
    r = found.row(0, named=True)
    return {
        "kind": "warning",
        "as_of": r["as_of"].isoformat(),
        "key": key,
        "rule": r["rule_name"],
        "severity": r["severity_label"],
        "region_code": region,
        "indicator": r["indicator"],
        "message": r["message"],
        "responsible_units": r["responsible_units"],
    }
