"""The exports of /risk: warnings, anomalies, risk scores and the 12345 tables."""

from __future__ import annotations

import datetime as dt

import polars as pl

from datasets.regions import PROVINCE_CODE, cities, region_name
from indicators import read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.views import region_names, risk_view, target_set_of
from reports.exports.common import (
    AppTable,
    _all_names,
    _frame,
    _number,
    _reading_extra,
    _stem,
    _ym,
)
from reports.tables import (
    Column,
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
    view = risk_view(warehouse, query)
    records, as_of = [], None
    if read_risk.has_risk(warehouse):
        frame = read_risk.warnings(warehouse, **view, target_set=target_set_of(query))
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
    view = risk_view(warehouse, query)
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
    view = risk_view(warehouse, query)
    if read_risk.has_risk(warehouse):
        scores = read_risk.risk_scores(warehouse, view["as_of"], reading=view["reading"])
        warnings = read_risk.warnings(warehouse, **view, target_set=target_set_of(query))
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
    if code not in region_names():
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
    view = risk_view(warehouse, query)
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
    view = risk_view(warehouse, query)
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
    view = risk_view(warehouse, query)
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
