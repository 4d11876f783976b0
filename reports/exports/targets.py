"""The exports of /targets: the target table, the 13 cities of one target, the city × target grid and the methods compared."""

from __future__ import annotations

import polars as pl

from datasets.regions import PROVINCE_CODE
from indicators import read
from indicators.catalog import default_catalog
from indicators.read_targets import method_comparison, sort_rows
from indicators.text import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    time_label,
    value_time_label,
)
from indicators.verdict import FINAL_VERDICTS, progress_at_verdict
from indicators.views import TargetsState, targets_state
from reports.exports.common import (
    AppTable,
    _frame,
    _number,
    _stem,
    _target_set_text,
    _ym,
)
from reports.tables import (
    Column,
)

# --- /targets ------------------------------------------------------------------------------------


def _targets_state(warehouse, query: dict) -> TargetsState:
    """The /targets page's state (:func:`indicators.views.targets_state`, as the page reads it)."""
    state = targets_state(warehouse, query)
    if state is None:
        raise ValueError("指标尚未计算：没有可导出的数据截至日期")
    return state


def _target_columns(final: bool, target_year: int) -> tuple[Column, ...]:
    per_row = {"decimals_from": "decimals"}
    cols = (
        Column("region", "地区"),
        Column("region_code", "地区代码"),
        Column("name_zh", "指标"),
        Column("indicator", "指标代码"),
        Column("domain", "领域"),
        Column("binding_zh", "约束性/预期性"),
        Column("baseline_label", "基期"),
        _number("baseline_value", "基期值", **per_row),
        Column("shown_label", f"{target_year} 年末值时期" if final else "最新值时期"),
        _number("shown_value", "期末值（评估所据）" if final else "最新值", **per_row),
        Column("target_year_int", "目标年份", "year"),
        _number("target_value", "目标值", **per_row),
        Column("statement", "定性目标表述", width=30),
        Column("unit", "单位"),
        Column("progress", "进度", "share", decimals=1),
        Column("verdict_text", f"总结评估（{target_year} 年末）" if final else "状态", width=26),
        Column("method_zh", "方法"),
        Column("verdict_explain", "说明", width=60),
        Column("responsible_units", "责任单位", width=30),
    )
    if final:
        cols += (
            Column(
                "gap", "差距（目标值的单位，百分率为百分点；正为优于目标）", "number", decimals=3
            ),
            Column("first_reached_label", "首次达标"),
            Column("since_label", "截止后最新值时期"),
            _number("since_value", "截止后最新值（参考，不改变结论）", **per_row),
        )
    return cols


def _target_records(rows: list[dict], names: dict[str, str], final: bool) -> list[dict]:
    out = []
    for r in rows:
        quantified = r["target_value"] is not None
        record = {
            **r,
            "region": names.get(r["region_code"], r["region_code"]),
            "binding_zh": BINDING_LABELS.get(r["binding"], r["binding"] or ""),
            "baseline_label": time_label(r["baseline_year"]),
            "shown_label": f"{int(r['target_year'])} 年末"
            if r["verdict"] in FINAL_VERDICTS
            else value_time_label(r["current_year"], r.get("compute_type")),
            "progress": progress_at_verdict(r),
            "verdict_explain": r["final_explain"]
            if r["verdict"] in FINAL_VERDICTS
            else r["explain"],
            "target_year_int": int(r["target_year"]) if r["target_year"] is not None else None,
            "statement": None if quantified else (r["statement"] or "定性目标"),
            "method_zh": METHOD_LABELS.get(r["method"], r["method"]),
        }
        if final:
            since = bool(r.get("since_text"))
            record["gap"] = r["final_gap"]
            record["since_label"] = (
                value_time_label(r["current_year"], r.get("compute_type")) if since else None
            )
            record["since_value"] = r["current_value"] if since else None
            record["first_reached_label"] = (
                time_label(r["first_reached"])
                if r["first_reached"] is not None
                else ("规划期内从未达到目标" if r["final_status"] else None)
            )
        out.append(record)
    return out


def _targets_notes(state: dict) -> tuple[str, ...]:
    notes = [
        "进度 = 自基期起已走完的份额（页面进度条截于 0–100%，此处为实际份额）；"
        "状态按所示方法判定，“说明”列为判定所用的数字。"
    ]
    if state["final"]:
        notes.append(
            f"总结评估以 {state['ts'].target_year} 年末的数值与目标比较；截止后的数据只作参考，"
            "不改变结论；定性目标没有数值目标，列其趋势读数。"
        )
    return tuple(notes)


def _filters_text(state: dict) -> tuple[tuple[str, str], ...]:
    parts = []
    if state["domain"]:
        parts.append(f"领域：{state['domain']}")
    if state["statuses"]:
        words = [STATUS_STYLE[s][0] for s in state["statuses"]]
        parts.append("状态：" + "、".join(words))
    method = METHOD_LABELS[state["method"]] if state["method"] else "各目标默认方法"
    out = [("评估方法", method), ("数据口径", read.reading_label(state["reading"]))]
    if parts:
        out.append(("筛选", "；".join(parts)))
    return tuple(out)


def targets(warehouse, query: dict) -> AppTable:
    """/targets: the region's targets as the page's table lists them (filters and order kept;
    ``order=plan`` lists them in plan order, as the city page does)."""
    state = _targets_state(warehouse, query)
    frame = read.progress(
        warehouse,
        state["ts"].id,
        state["as_of"],
        method=state["method"],
        regions=[state["city"]],
        reading=state["reading"],
    )
    wanted = set(state["statuses"])
    rows = [
        r
        for r in frame.iter_rows(named=True)
        if (state["domain"] is None or r["domain"] == state["domain"])
        and (not wanted or r["verdict"] in wanted)
    ]
    if query.get("order") == "plan":  # the city page lists its targets in plan order
        rows.sort(key=lambda r: state["order"].get(r["indicator"], 99))
    else:
        rows = sort_rows(rows, final=state["final"], order=state["order"])
    columns = _target_columns(state["final"], state["ts"].target_year)
    region = state["names"][state["city"]]
    return AppTable(
        key="targets",
        title=f"{region}的规划目标",
        frame=_frame(_target_records(rows, state["names"], state["final"]), columns),
        columns=columns,
        notes=_targets_notes(state),
        stem=_stem(
            "目标进度",
            "" if state["city"] == PROVINCE_CODE else region,
            state["domain"] or "",
            _ym(state["as_of"]),
        ),
        as_of=state["as_of"],
        target_set=_target_set_text(state["ts"]),
        region="江苏省（全省）" if state["city"] == PROVINCE_CODE else region,
        indicators=tuple(r["indicator"] for r in rows),
        extra=_filters_text(state),
    )


def target_cities(warehouse, query: dict) -> AppTable:
    """/targets detail: one target (``target``) in the 13 cities, lagging first."""
    state = _targets_state(warehouse, query)
    if state["target"] is None:
        raise ValueError("导出分市情况需要指定目标（target）")
    frame = read.progress(
        warehouse, state["ts"].id, state["as_of"], method=state["method"], reading=state["reading"]
    )
    rows = [
        r
        for r in frame.iter_rows(named=True)
        if r["indicator"] == state["target"] and r["region_code"] != PROVINCE_CODE
    ]
    rows = sort_rows(rows, final=state["final"], order={})
    columns = _target_columns(state["final"], state["ts"].target_year)
    name = default_catalog()[state["target"]].name_zh
    return AppTable(
        key="target_cities",
        title=f"13 个设区市 · {name}",
        frame=_frame(_target_records(rows, state["names"], state["final"]), columns),
        columns=columns,
        notes=_targets_notes(state),
        stem=_stem("分市目标进度", name, _ym(state["as_of"])),
        as_of=state["as_of"],
        target_set=_target_set_text(state["ts"]),
        region="13 个设区市",
        indicators=(state["target"],),
        extra=_filters_text(state)[:1],
    )


def targets_heatmap(warehouse, query: dict) -> AppTable:
    """/targets heatmap: province and 13 cities × quantified targets, each cell the status the
    page shows (after the deadline the final assessment 达成/未达成 where there is one)."""
    state = _targets_state(warehouse, query)
    catalog = default_catalog()
    numeric = [
        t.indicator
        for t in state["ts"].targets
        if t.target is not None
        and (state["domain"] is None or catalog[t.indicator].domain == state["domain"])
    ]
    frame = read.progress(
        warehouse, state["ts"].id, state["as_of"], method=state["method"], reading=state["reading"]
    )
    lookup = {(r["region_code"], r["indicator"]): r for r in frame.iter_rows(named=True)}
    records = []
    for code, name in state["names"].items():
        record = {"region": name, "region_code": code}
        for ind in numeric:
            r = lookup.get((code, ind))
            record[ind] = None if r is None else r["verdict_label"]
        records.append(record)
    columns = (
        Column("region", "地区"),
        Column("region_code", "地区代码"),
        *(Column(ind, catalog[ind].name_zh) for ind in numeric),
    )
    what = (
        f"规划期已过：单元格为总结评估（{state['ts'].target_year} 年末是否达到目标）"
        if state["final"]
        else "单元格为目标状态"
    )
    return AppTable(
        key="targets_heatmap",
        title="13 市 × 目标 · 状态一览",
        frame=_frame(records, columns),
        columns=columns,
        notes=(f"{len(records)} 个地区 × {len(numeric)} 项量化目标；{what}；空白为无数据。",),
        stem=_stem("目标状态一览", state["domain"] or "", _ym(state["as_of"])),
        as_of=state["as_of"],
        target_set=_target_set_text(state["ts"]),
        region="江苏省与 13 个设区市",
        indicators=tuple(numeric),
        extra=_filters_text(state),
    )


def target_methods(warehouse, query: dict) -> AppTable:
    """/targets detail: one target (``target``) in the page's region by every tracking method,
    the default method first, as the detail's 三种方法对比 lists them."""
    state = _targets_state(warehouse, query)
    if state["target"] is None:
        raise ValueError("导出方法对比需要指定目标（target）")
    ts, as_of, city, target = state["ts"], state["as_of"], state["city"], state["target"]
    shown = read.progress(warehouse, ts.id, as_of, method=state["method"], regions=[city])
    shown = shown.filter(pl.col("indicator") == target)
    current = shown["method"][0] if shown.height else None  # the method the detail shows
    records = [
        {
            **m,
            "method_zh": METHOD_LABELS.get(m["method"], m["method"]),
            "default_zh": "是" if m["is_default_method"] else "否",
            "current_zh": "当前" if m["method"] == current else None,
            "status_zh": STATUS_STYLE.get(m["status"], STATUS_STYLE["not_assessable"])[0],
        }
        for m in method_comparison(warehouse, ts.id, as_of, target, city).iter_rows(named=True)
    ]
    columns = (
        Column("method_zh", "方法"),
        Column("method", "方法代码"),
        Column("default_zh", "默认方法"),
        Column("current_zh", "本页所用"),
        Column("status_zh", "状态"),
        _number("ratio", "比值（实际 ÷ 所需）", decimals=2),
        Column("progress", "进度", "share", decimals=0),
        Column("explain", "说明", width=70),
    )
    name = default_catalog()[target].name_zh
    region = state["names"][city]
    return AppTable(
        key="target_methods",
        title=f"{name} · {region} · 三种方法对比",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "同一目标按各追踪方法的评估：比值为实际进度 ÷ 达标所需进度（1 及以上为进度正常）；"
            "进度 = 自基期起已走完的份额。方法说明见 docs/tracking-methods.md。",
        ),
        stem=_stem("目标方法对比", name, "" if city == PROVINCE_CODE else region, _ym(as_of)),
        as_of=as_of,
        target_set=_target_set_text(ts),
        region="江苏省（全省）" if city == PROVINCE_CODE else region,
        indicators=(target,),
        extra=_filters_text(state)[:1],
    )
