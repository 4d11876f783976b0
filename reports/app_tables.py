"""Every table the app shows, as an exportable :class:`~reports.tables.Table`.

One builder per table, ``builder(warehouse, query) -> AppTable``, where ``query`` is the page's
URL query (the keys and defaults the page itself resolves; the city page adds its path's
``code``). A builder reads through the read APIs only (:mod:`indicators.read`,
:mod:`indicators.read_risk`, :mod:`datasets.summary`, :mod:`datasets.quality`) and exports the
values the page shows: the same rows, filters and order, each value with its unit and the
catalog's decimals (progress and completeness as shares).

:func:`export` renders one table as CSV or as an Excel workbook with its 说明 sheet
(:func:`about`: the indicators shown and their source files, the as-of date, the target set,
the synthetic flag) and names the file (``目标进度_2026-11_模拟数据.xlsx``).

Nothing here imports Dash: ``pages/_exports.py`` calls :func:`export`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from datasets.quality import cached_quality, overall_score
from datasets.regions import PROVINCE_CODE, cities, region_name, region_table
from datasets.summary import cached_status
from indicators import economy as econ
from indicators import read, read_risk
from indicators.catalog import DOMAINS, STOCK_TYPES, default_catalog
from indicators.county import (
    COUNTY_LAYERS,
    county_frame,
    county_layers,
    county_period_label,
    county_ranking,
)
from indicators.periods import (
    latest_period,
    period_bounds,
    period_text,
    rank_values,
)
from indicators.read_targets import method_comparison, sort_rows
from indicators.readings import parse_reading
from indicators.text import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    month_label,
    time_label,
    value_time_label,
)
from indicators.verdict import FINAL_VERDICTS, progress_at_verdict
from indicators.views import IndicatorState, TargetsState, indicator_state, targets_state
from reports.tables import (
    Column,
    Provenance,
    Table,
    filename,
    provenance,
    to_csv,
    to_xlsx,
)

COMPOSITE = "综合"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class AppTable(Table):
    """A :class:`Table` as a page shows it, with what its 说明 sheet and file name need.

    ``datasets=None`` means every loaded dataset; ``every_load`` lists every loaded file in the
    说明 sheet (the /data tables), not only each dataset's newest.
    """

    stem: str = ""
    as_of: dt.date | None = None
    target_set: str | None = None
    region: str | None = None
    indicators: tuple[str, ...] = ()
    datasets: tuple[str, ...] | None = None
    every_load: bool = False
    extra: tuple[tuple[str, str], ...] = ()


# --- shared helpers ------------------------------------------------------------------------------


def _ym(d: dt.date) -> str:
    return f"{d:%Y-%m}"


def _split(value) -> list[str]:
    """``a,b`` (or a list) → [a, b]."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [v for v in str(value or "").split(",") if v]


def _stem(*parts: str) -> str:
    """A file name stem from its parts, without characters file systems refuse."""
    text = "_".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text)


def _region_names() -> dict[str, str]:
    """Province (全省) and the 13 cities, in code order."""
    names = dict(read.regions().select("region_code", "name_zh").iter_rows())
    names[PROVINCE_CODE] = "全省"
    return names


def _all_names() -> dict[str, str]:
    return dict(region_table().select("region_code", "name_zh").iter_rows())


def _target_set(query: dict):
    catalog = default_catalog()
    key = query.get("set") or read.DEFAULT_TARGET_SET
    return catalog.target_sets.get(key) or catalog.target_sets[read.DEFAULT_TARGET_SET]


def _target_set_text(ts) -> str:
    return f"{ts.name_zh}（{ts.document}；{ts.id}）"


def _as_of(warehouse, query: dict) -> dt.date:
    as_of = read.resolve_as_of(warehouse, query.get("as_of"))
    if as_of is None:
        raise ValueError("指标尚未计算：没有可导出的数据截至日期")
    return as_of


def _risk_view(warehouse, query: dict) -> dict:
    """/risk's as-of (the latest vintage on or before the URL's) and reading, as the page
    reads them, for the read_risk calls of its exports."""
    return {
        "as_of": read.resolve_as_of(warehouse, query.get("as_of")),
        "reading": parse_reading(query.get("reading")),
    }


def _reading_extra(view: dict) -> tuple[tuple[str, str], ...]:
    return (("数据口径", read.reading_label(view["reading"])),)


def _number(name: str, header: str, unit: str = "", **kwargs) -> Column:
    return Column(name, header, "number", unit, **kwargs)


def _frame(records: list[dict], columns: tuple[Column, ...]) -> pl.DataFrame:
    """A frame of ``records`` with every declared column (an empty table keeps its header)."""
    schema = {
        c.name: {
            "number": pl.Float64,
            "share": pl.Float64,
            "integer": pl.Int64,
            "date": pl.Date,
            "month": pl.Date,
            "datetime": pl.Datetime,
        }.get(c.kind, pl.String)
        for c in columns
    }
    for c in columns:
        if c.decimals_from:
            schema.setdefault(c.decimals_from, pl.Int64)
    return pl.DataFrame(
        [{k: r.get(k) for k in schema} for r in records], schema=schema, strict=False
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
        Column("target_year_int", "目标年份", "integer"),
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


# --- /city/<code>, cockpit map -------------------------------------------------------------------


def _city(query: dict) -> tuple[str, str]:
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    code = query.get("code")
    if code not in names:
        raise ValueError(f"没有代码为「{code or ''}」的设区市")
    return code, names[code]


def city_ranks(warehouse, query: dict) -> AppTable:
    """/city/<code>: the city's rank among the 13 for every indicator, by domain then rank."""
    code, name = _city(query)
    as_of = _as_of(warehouse, query)
    ranks = read.city_ranks(warehouse, as_of, code)
    domain_order = {d: i for i, d in enumerate(DOMAINS)}
    ranks = (
        ranks.filter(pl.col("domain").is_in(list(DOMAINS)))
        .with_columns(_d=pl.col("domain").replace_strict(domain_order, return_dtype=pl.Int32))
        .sort("_d", "rank", "indicator")
    )
    columns = (
        Column("domain", "领域"),
        Column("name_zh", "指标"),
        Column("indicator", "指标代码"),
        Column("period", "时期"),
        _number("value", "数值", decimals_from="decimals"),
        Column("unit", "单位"),
        _number("score", "得分", "0–100"),
        Column("rank", "13 市位次", "integer"),
    )
    return AppTable(
        key="city_ranks",
        title=f"{name} · 13 市排名",
        frame=ranks,
        columns=columns,
        notes=(
            "位次 1 为 13 市最好（按指标方向）；得分为 13 市极差标准化（最好者 100）。",
            "规模指标（总量随城市体量增长，如亿元、件、个）的位次主要反映城市规模。",
        ),
        stem=_stem(name, "13市排名", _ym(as_of)),
        as_of=as_of,
        target_set=_target_set_text(_target_set(query)),
        region=name,
        indicators=tuple(ranks["indicator"].to_list()),
    )


def composite(warehouse, query: dict) -> AppTable:
    """The 13 cities' composite index (综合) and domain indices with ranks; sorted by the
    cockpit's map layer when it is a domain (default 综合)."""
    as_of = _as_of(warehouse, query)
    layer = query.get("layer") if query.get("layer") in (COMPOSITE, *DOMAINS) else COMPOSITE
    frame = read.composite(warehouse, as_of)
    present = set(frame["domain"].to_list())
    domains = [d for d in (COMPOSITE, *DOMAINS) if d in present]
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    by = {(r["region_code"], r["domain"]): r for r in frame.iter_rows(named=True)}
    records = []
    for code, name in names.items():
        record = {"region": name, "region_code": code}
        for i, d in enumerate(domains):
            r = by.get((code, d), {})
            record[f"score_{i}"] = r.get("score")
            record[f"rank_{i}"] = r.get("rank")
        records.append(record)
    sort_on = f"rank_{domains.index(layer)}" if layer in domains else None
    if sort_on:
        records.sort(key=lambda r: (r[sort_on] is None, r[sort_on] or 0, r["region_code"]))
    columns = (Column("region", "城市"), Column("region_code", "地区代码"))
    for i, d in enumerate(domains):
        columns += (
            _number(f"score_{i}", f"{d}指数", "0–100"),
            Column(f"rank_{i}", f"{d}位次", "integer"),
        )
    weighted = tuple(c for c, ind in default_catalog().indicators.items() if ind.weight > 0)
    return AppTable(
        key="composite",
        title="13 市综合与领域指数",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "指数按 13 市同口径指标打分（市间极差标准化，0–100，最好者 100），"
            "以指标目录中声明的权重加权；位次 1 为最好。",
        ),
        stem=_stem("综合指数", "13市", _ym(as_of)),
        as_of=as_of,
        region="13 个设区市",
        indicators=weighted,
        extra=(("排序", f"按{layer}位次"),),
    )


def league(warehouse, query: dict) -> AppTable:
    """A 13-city league table of one indicator (``indicator``, or the cockpit map's ``layer``)."""
    catalog = default_catalog()
    code = query.get("indicator") or query.get("layer")
    if code not in catalog.indicators:
        raise ValueError(f"指标「{code or ''}」不在指标目录中")
    ind = catalog[code]
    as_of = _as_of(warehouse, query)
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    frame = read.league(warehouse, as_of, code).with_columns(
        region=pl.col("region_code").replace_strict(names, default=pl.col("region_code"))
    )
    columns = (
        Column("rank", "位次", "integer"),
        Column("region", "城市"),
        Column("region_code", "地区代码"),
        Column("period", "时期"),
        _number("value", ind.name_zh, ind.unit, decimals=ind.decimals),
        _number("score", "得分", "0–100"),
    )
    return AppTable(
        key="league",
        title=f"13 市排名 · {ind.name_zh}",
        frame=frame,
        columns=columns,
        notes=("位次 1 为 13 市最好（按指标方向）；得分为市间极差标准化（最好者 100）。",),
        stem=_stem("13市排名", ind.name_zh, _ym(as_of)),
        as_of=as_of,
        region="13 个设区市",
        indicators=(code,),
    )


def county_values(warehouse, query: dict) -> AppTable:
    """/city/<code>: the city's counties on the county map's layer (``layer``, else the first
    with data) at ``as_of``, ranked within the city, as the county table lists them."""
    code, name = _city(query)
    as_of = _as_of(warehouse, query)
    names, frame = county_frame(warehouse, code, as_of)
    wanted = query.get("layer") if query.get("layer") in COUNTY_LAYERS else None
    _, layer = county_layers(frame, wanted)
    if layer is None:
        raise ValueError(f"截至 {month_label(as_of)}，{name}所辖县（市、区）尚无县级指标数据")
    ind = default_catalog()[layer]
    rows = county_ranking(frame, layer, ind.polarity)
    period = county_period_label(rows, as_of)
    records = [
        {**r, "county": names[r["region_code"]], "period_zh": period}
        for r in rows.iter_rows(named=True)
    ]
    rank_word = "本市位次" if ind.polarity != "neutral" else "按数值由高到低"
    columns = (
        Column("county", "县（市、区）"),
        Column("region_code", "地区代码"),
        _number("value", ind.name_zh, ind.unit, decimals=ind.decimals),
        Column("rank", rank_word, "integer"),
        Column("period_zh", "时期"),
    )
    missing = len(names) - rows.height
    notes = [f"{rows.height} 个县（市、区）有数据，位次 1 为本市最好（按指标方向）。"]
    if missing > 0:
        notes.append(f"{missing} 个县（市、区）无数据。")
    return AppTable(
        key="county_values",
        title=f"{name}各县（市、区） · {ind.name_zh}",
        frame=_frame(records, columns),
        columns=columns,
        notes=tuple(notes),
        stem=_stem(name, "各县", ind.name_zh, _ym(as_of)),
        as_of=as_of,
        region=f"{name}所辖县（市、区）",
        indicators=(layer,),
        extra=(("时期", period),),
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


# --- /risk ---------------------------------------------------------------------------------------


def warnings(warehouse, query: dict) -> AppTable:
    """/risk: the early warnings, most severe first (one city when the heatmap filters)."""
    catalog = default_catalog()
    columns = (
        Column("severity_zh", "级别"),
        Column("region", "地区"),
        Column("region_code", "地区代码"),
        Column("domain", "领域"),
        Column("rule_name", "预警"),
        Column("indicator_zh", "指标"),
        Column("message", "说明", width=70),
        Column("first_fired", "首次触发", "date"),
        Column("responsible_units", "责任单位", width=30),
    )
    city = query.get("city")
    view = _risk_view(warehouse, query)
    records, as_of = [], None
    if read_risk.has_risk(warehouse):
        frame = read_risk.warnings(warehouse, view["as_of"], reading=view["reading"])
        as_of = frame["as_of"].max() if frame.height else None
        if city:
            frame = frame.filter(pl.col("region_code") == city)
        names = _all_names()
        for r in frame.iter_rows(named=True):
            ind = r.get("indicator")
            records.append(
                {
                    **r,
                    "severity_zh": f"{r.get('severity_label') or '低'}风险",
                    "region": names.get(r["region_code"], r["region_code"]),
                    "indicator_zh": catalog[ind].name_zh if ind in catalog.indicators else "—",
                    "responsible_units": r.get("responsible_units") or "—",
                }
            )
    shown = sorted({r["indicator"] for r in records if r.get("indicator") in catalog.indicators})
    region = _all_names().get(city) if city else None
    return AppTable(
        key="warnings",
        title="预警清单",
        frame=_frame(records, columns),
        columns=columns,
        notes=("按级别（高、中、低）排序；预警规则以数据声明：models/rules/early_warning.yaml。",),
        stem=_stem("预警清单", region or "", _ym(as_of) if as_of else ""),
        as_of=as_of,
        region=region or "江苏省与 13 个设区市",
        indicators=tuple(shown),
        extra=(("预警规则", "models/rules/early_warning.yaml"), *_reading_extra(view)),
    )


def anomalies(warehouse, query: dict) -> AppTable:
    """/risk: the most recent and strongest anomalies of monthly series (the page's 20)."""
    columns = (
        Column("period", "月份"),
        Column("region", "地区"),
        Column("region_code", "地区代码"),
        Column("name_zh", "指标"),
        Column("kind_zh", "类型"),
        Column("series", "序列"),
        Column("direction", "方向"),
        _number("value", "实际值", decimals_from="decimals"),
        _number("expected", "预期值", decimals_from="decimals"),
        Column("unit", "单位"),
        _number("score", "异常分"),
    )
    city = query.get("city")
    view = _risk_view(warehouse, query)
    frame = read_risk.anomalies(warehouse, region=city, **view)
    names = _all_names()
    records = [
        {**r, "region": names.get(r["region_code"], r["region_code"])}
        for r in frame.iter_rows(named=True)
    ]
    as_of = read_risk.risk_vintage(warehouse, view["as_of"]) or view["as_of"]
    region = names.get(city) if city else None
    return AppTable(
        key="anomalies",
        title="异常检测",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "各月度序列最近的异常点与水平突变（STL 稳健分解），按月份新近与异常分排序，前 20。",
        ),
        stem=_stem("异常检测", region or "", _ym(as_of) if as_of else ""),
        as_of=as_of,
        region=region or "江苏省与 13 个设区市",
        indicators=tuple(dict.fromkeys(r["indicator"] for r in records)),
        extra=_reading_extra(view),
    )


def _month_zh(d: dt.date) -> str:
    """2026-08-01 → 2026年8月 (the risk page's months)."""
    return f"{d.year}年{d.month}月"


def risk_scores(warehouse, query: dict) -> AppTable:
    """/risk heatmap: the 13 cities × domains' risk scores (0–100, shown as whole numbers), the
    warnings behind each cell and the strongest of them; cities in code order, then domains."""
    catalog = default_catalog()
    columns = (
        Column("region", "城市"),
        Column("region_code", "地区代码"),
        Column("domain", "领域"),
        _number("score", "风险分", "0–100", decimals=0),
        Column("warnings", "预警数", "integer"),
        Column("high", "高风险", "integer"),
        Column("medium", "中风险", "integer"),
        Column("low", "低风险", "integer"),
        Column("top_rule_name", "主要预警"),
        Column("top_message", "主要预警说明", width=70),
    )
    records, as_of, shown = [], None, []
    view = _risk_view(warehouse, query)
    if read_risk.has_risk(warehouse):
        scores = read_risk.risk_scores(warehouse, view["as_of"], reading=view["reading"])
        warnings = read_risk.warnings(warehouse, view["as_of"], reading=view["reading"])
        rule_names = dict(warnings.select("rule_id", "rule_name").unique("rule_id").iter_rows())
        names = dict(cities().select("region_code", "name_zh").iter_rows())
        by_cell = {(r["region_code"], r["domain"]): r for r in scores.iter_rows(named=True)}
        domains = [d for d in DOMAINS if d in set(scores["domain"].to_list())]
        for code, name in names.items():
            for domain in domains:
                r = by_cell.get((code, domain), {})
                records.append(
                    {
                        **r,
                        "region": name,
                        "region_code": code,
                        "domain": domain,
                        "top_rule_name": rule_names.get(r.get("top_rule"), r.get("top_rule")),
                    }
                )
        as_of = scores["as_of"].max() if scores.height else None
        behind = warnings.filter(pl.col("region_code").is_in(list(names)))
        shown = sorted({i for i in behind["indicator"].to_list() if i in catalog.indicators})
    return AppTable(
        key="risk_scores",
        title="13 市 × 领域 风险分",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            "风险分 = 100 ×（1 − Π（1 − 可能性 × 影响）），按该市该领域的各条预警合成（0–100，"
            "越高风险越大）；可能性按预警级别（高 1.0、中 0.6、低 0.3），影响按指标在领域指数中的"
            "权重与目标约束性。公式见 models/risk.py。",
        ),
        stem=_stem("风险分", "13市", _ym(as_of) if as_of else ""),
        as_of=as_of,
        region="13 个设区市",
        indicators=tuple(shown),
        extra=(("预警规则", "models/rules/early_warning.yaml"), *_reading_extra(view)),
    )


def _hotline_region(query: dict) -> str:
    """The hotline section's region (``hotline``; the province when absent)."""
    code = query.get("hotline") or PROVINCE_CODE
    if code not in _region_names():
        raise ValueError(f"12345 热线分析没有代码为「{code}」的地区（应为全省或设区市）")
    return code


def _hotline_window(warehouse, view: dict) -> tuple[dt.date, dt.date]:
    window = read_risk.hotline_window(warehouse, view["as_of"], reading=view["reading"])
    if window is None:
        raise ValueError("没有 12345 工单数据")
    return window


def _hotline_columns() -> tuple[Column, ...]:
    catalog = default_catalog()
    return (
        Column("tickets", "工单量", "integer", "件"),
        _number(
            "on_time_rate", "按时办结率", "%", decimals=catalog["hotline_on_time_rate"].decimals
        ),
        _number(
            "satisfaction_rate",
            "满意率",
            "%",
            decimals=catalog["hotline_satisfaction_rate"].decimals,
        ),
    )


HOTLINE_INDICATORS = ("hotline_tickets", "hotline_on_time_rate", "hotline_satisfaction_rate")
HOTLINE_RATES = "按时办结率 = 按时办结的工单 ÷ 工单量；满意率 = 满意与基本满意 ÷ 已评价的工单。"


def hotline_categories(warehouse, query: dict) -> AppTable:
    """/risk 12345 hotline: the region's (``hotline``) tickets per category over the section's
    months, most tickets first, with on-time and satisfaction rates."""
    code = _hotline_region(query)
    view = _risk_view(warehouse, query)
    first, last = _hotline_window(warehouse, view)
    frame = read_risk.hotline_by_category(warehouse, code, first, last, **view)
    columns = (Column("category", "类别"), *_hotline_columns())
    region = region_name(code)
    span = f"{_month_zh(first)}–{_month_zh(last)}"
    return AppTable(
        key="hotline_categories",
        title=f"{region} · 近 12 个月各类别工单量",
        frame=_frame(frame.to_dicts(), columns),
        columns=columns,
        notes=(f"{span}各类别工单合计，按工单量从多到少。", HOTLINE_RATES),
        stem=_stem("12345热线", "各类别工单量", region, _ym(last)),
        as_of=view["as_of"],
        region=region,
        indicators=HOTLINE_INDICATORS,
        extra=(("时间范围", span), *_reading_extra(view)),
    )


def hotline_monthly(warehouse, query: dict) -> AppTable:
    """/risk 12345 hotline: the region's (``hotline``) monthly tickets, on-time and satisfaction
    rates of one category (``category``) or all, as the section's trend chart plots them."""
    code = _hotline_region(query)
    category = query.get("category") or None
    view = _risk_view(warehouse, query)
    frame = read_risk.hotline_monthly(warehouse, code, category, **view)
    columns = (Column("month", "月份", "month"), *_hotline_columns())
    region = region_name(code)
    last = frame["month"].max() if frame.height else None
    return AppTable(
        key="hotline_monthly",
        title=f"{region} · {category or '全部类别'} · 月度工单",
        frame=_frame(frame.to_dicts(), columns),
        columns=columns,
        notes=("工单按受理月份计。", HOTLINE_RATES),
        stem=_stem("12345热线", "月度", region, category or "", _ym(last) if last else ""),
        as_of=view["as_of"],
        region=region,
        indicators=HOTLINE_INDICATORS,
        extra=(("类别", category or "全部类别"), *_reading_extra(view)),
    )


def hotline_surges(warehouse, query: dict) -> AppTable:
    """/risk 12345 hotline: the strongest city × category surges of the last 6 months (the
    page's 10): the month's tickets against the volume expected for that month (the seasonal-
    trend fit the surge warning and the anomaly list also show)."""
    view = _risk_view(warehouse, query)
    _, last = _hotline_window(warehouse, view)
    frame = read_risk.hotline_surges(warehouse, last, **view).head(read_risk.SURGES_SHOWN)
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    records = [
        {**r, "region": names.get(r["region_code"], r["region_code"])}
        for r in frame.iter_rows(named=True)
    ]
    columns = (
        Column("region", "城市"),
        Column("region_code", "地区代码"),
        Column("category", "类别"),
        Column("month", "月份", "month"),
        Column("tickets", "当月", "integer", "件"),
        _number("expected", "预期（趋势与季节拟合）", "件"),
        _number("ratio", "倍数"),
    )
    return AppTable(
        key="hotline_surges",
        title="12345 诉求激增",
        frame=_frame(records, columns),
        columns=columns,
        notes=(
            f"近 6 个月（至 {_month_zh(last)}）各市各类别单月工单量与当月预期量（趋势与季节的稳健"
            f"拟合，预警与异常清单所示同一数值）之比的最大值，按倍数从大到小，"
            f"前 {read_risk.SURGES_SHOWN}。",
        ),
        stem=_stem("12345热线", "诉求激增", _ym(last)),
        as_of=view["as_of"],
        region="13 个设区市",
        indicators=("hotline_tickets",),
        extra=_reading_extra(view),
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
        return econ.period_text(period, ytd=ytd, through=through)

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


# --- /data ---------------------------------------------------------------------------------------


def _when(text: str | None) -> dt.datetime | None:
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
            "last_loaded_at": _when(d["last_loaded_at"]),
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
        {"dataset": d["dataset"], **f, "loaded_at": _when(f["loaded_at"])}
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


# --- registry and rendering ----------------------------------------------------------------------

BUILDERS: dict[str, Callable[[object, dict], AppTable]] = {
    "targets": targets,
    "target_cities": target_cities,
    "targets_heatmap": targets_heatmap,
    "target_methods": target_methods,
    "city_ranks": city_ranks,
    "county_values": county_values,
    "composite": composite,
    "league": league,
    "indicator_values": indicator_values,
    "indicator_series": indicator_series,
    "warnings": warnings,
    "anomalies": anomalies,
    "risk_scores": risk_scores,
    "hotline_categories": hotline_categories,
    "hotline_monthly": hotline_monthly,
    "hotline_surges": hotline_surges,
    "economy": economy,
    "datasets": datasets,
    "loads": loads,
    "quality": quality,
}


def build(warehouse, key: str, query: dict) -> AppTable:
    """The table ``key`` for a page's URL ``query``."""
    if key not in BUILDERS:
        raise KeyError(f"没有名为 {key!r} 的表，可选：{', '.join(BUILDERS)}")
    return BUILDERS[key](warehouse, dict(query or {}))


def _every_load(warehouse) -> pl.DataFrame:
    """Every loaded file (not only each dataset's newest), for the /data tables' 说明 sheet."""
    records = [
        {
            "dataset": d["dataset"],
            "file_name": f["file_name"],
            "sha256": f["sha256"],
            "rows": f["rows"],
            "loaded_at": _when(f["loaded_at"]),
        }
        for d in cached_status(warehouse)
        for f in d["files"]
    ]
    schema = {
        "dataset": pl.String,
        "file_name": pl.String,
        "sha256": pl.String,
        "rows": pl.Int64,
        "loaded_at": pl.Datetime,
    }
    return pl.DataFrame(records, schema=schema, orient="row").sort("dataset", "loaded_at")


def about(warehouse, table: AppTable) -> Provenance:
    """The table's 说明: its indicators' definitions, their source files, as-of, target set."""
    info = provenance(
        warehouse,
        title=table.title,
        indicators=list(table.indicators) or None,
        datasets=None if table.datasets is None else list(table.datasets),
        as_of=table.as_of,
        target_set=table.target_set,
        region=table.region,
        extra=(("导出表", table.key), *table.extra),
    )
    if table.every_load:
        info = replace(info, sources=_every_load(warehouse))
    return info


def export(warehouse, key: str, query: dict, fmt: str) -> tuple[bytes, str]:
    """(file bytes, file name) of table ``key`` as ``csv`` or ``xlsx`` for a page's query."""
    if fmt not in FORMATS:
        raise ValueError(f"导出格式应为 {' 或 '.join(FORMATS)}，而不是 {fmt!r}")
    table = build(warehouse, key, query)
    info = about(warehouse, table)
    data = to_csv(table) if fmt == "csv" else to_xlsx([table], info)
    return data, filename(table.stem or key, fmt, synthetic=info.synthetic)


__all__ = [
    *BUILDERS,
    "AppTable",
    "BUILDERS",
    "about",
    "build",
    "county_frame",
    "county_layers",
    "county_period_label",
    "county_ranking",
    "export",
]
