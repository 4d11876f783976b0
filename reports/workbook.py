"""The evaluation report as an Excel workbook: the same :class:`Report` as the PDF, as tables.

Sheets: 目标评估 (every target: baseline, latest, target, progress, status, final assessment),
目标排名 (13-city league tables; a city's workbook holds only its own rows and ranks), 综合指数,
目标状态 (city × target statuses), 预测 (each target's forecast at year ends, with model and
backtest accuracy), 风险预警, and 说明 (target set, as-of, evaluation kind, indicator definitions,
source files with SHA-256, the synthetic flag). Values are the warehouse's, unrounded, with
number formats showing the catalog's decimals.
"""

from __future__ import annotations

import polars as pl

from indicators.text import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    time_label,
    value_time_label,
)
from indicators.verdict import FINAL_VERDICTS, progress_at_verdict
from reports.content import SUPERVISION_COLUMNS, Report
from reports.tables import Column, Table, to_xlsx


def _label(status: str | None) -> str | None:
    return STATUS_STYLE[status][0] if status in STATUS_STYLE else None


def targets_table(report: Report) -> Table:
    """One row per target of the report's region."""
    rows = []
    for b in report.blocks:
        r = b.row
        assessed = r["verdict"] in FINAL_VERDICTS
        rows.append(
            {
                "indicator": r["indicator"],
                "name_zh": r["name_zh"],
                "domain": r["domain"],
                "binding": BINDING_LABELS.get(r["binding"], r["binding"]),
                "unit": r["unit"],
                "decimals": r["decimals"],
                "baseline_when": time_label(r["baseline_year"]),
                "baseline_value": r["baseline_value"],
                "current_when": f"{int(r['target_year'])} 年末"
                if assessed
                else value_time_label(r["current_year"], r.get("compute_type")),
                "current_value": r["shown_value"],
                "since_when": value_time_label(r["current_year"], r.get("compute_type"))
                if r.get("since_text")
                else None,
                "since_value": r["current_value"] if r.get("since_text") else None,
                "target_year": int(r["target_year"]) if r["target_year"] else None,
                "target_value": r["target_value"],
                "statement": r["statement"],
                "progress": progress_at_verdict(r),
                "verdict": r["verdict_text"],
                "method": METHOD_LABELS.get(r["method"], r["method"]),
                "explain": r.get("final_explain") if assessed else r["explain"],
                "final_gap": r.get("final_gap"),
                "rank": b.rank,
                "responsible_units": r["responsible_units"],
                "clause": r["target_clause"],
            }
        )
    columns = [
        Column("name_zh", "目标指标", width=24),
        Column("indicator", "指标代码", width=26),
        Column("domain", "领域"),
        Column("binding", "类型"),
        Column("unit", "单位"),
        Column("baseline_when", "基期"),
        Column("baseline_value", "基期值", "number", decimals_from="decimals"),
        Column("current_when", "期末值时间" if report.phase.final else "最新值时间"),
        Column(
            "current_value",
            "期末值（评估所据）" if report.phase.final else "最新值",
            "number",
            decimals_from="decimals",
        ),
        Column("target_year", "目标年", "year"),
        Column("target_value", "目标值", "number", decimals_from="decimals"),
        Column("statement", "定性目标", width=24),
        Column("progress", "完成进度", "share"),
        Column(
            "verdict",
            f"总结评估（{report.target_year} 年末）" if report.phase.final else "状态",
            width=26,
        ),
        Column("method", "评估方法", width=22),
        Column("explain", "评估说明", width=60),
    ]
    if report.phase.final:
        columns += [
            Column(
                "final_gap",
                "到期差距（目标值的单位，百分率为百分点；正数为优于目标）",
                "number",
                decimals=3,
            ),
            Column("since_when", "截止后最新值时间"),
            Column(
                "since_value",
                "截止后最新值（参考，不改变结论）",
                "number",
                decimals_from="decimals",
            ),
        ]
    if report.is_city:
        columns.append(Column("rank", "13 市排名", "integer"))
    columns += [
        Column("responsible_units", "责任单位", width=30),
        Column("clause", "规划条款", width=50),
    ]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return Table("targets", "目标评估", frame, tuple(columns))


def league_table(report: Report) -> Table:
    """Cities' values and ranks for every target indicator (a city: its own rows only)."""
    rows = [
        {
            "indicator": lt.indicator,
            "name_zh": lt.name_zh,
            "unit": lt.unit,
            "decimals": lt.decimals,
            "period": lt.period,
            "rank": r["rank"],
            "city": r["name_zh"],
            "region_code": r["region_code"],
            "value": r["value"],
            "score": r["score"],
        }
        for lt in report.league
        for r in lt.rows
    ]
    columns = (
        Column("name_zh", "指标", width=24),
        Column("unit", "单位"),
        Column("period", "年度"),
        Column("rank", "排名（共 13 市）", "integer"),
        Column("city", "城市"),
        Column("region_code", "地区代码"),
        Column("value", "数值", "number", decimals_from="decimals"),
        Column("score", "得分（0–100）", "number", decimals=1),
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "indicator": pl.String,
            "name_zh": pl.String,
            "unit": pl.String,
            "decimals": pl.Int64,
            "period": pl.String,
            "rank": pl.Int64,
            "city": pl.String,
            "region_code": pl.String,
            "value": pl.Float64,
            "score": pl.Float64,
        },
    )
    return Table("league", "目标排名", frame, columns)


def composite_table(report: Report) -> Table:
    frame = report.composite
    if frame.is_empty():
        frame = pl.DataFrame(
            schema={
                "domain": pl.String,
                "name_zh": pl.String,
                "region_code": pl.String,
                "score": pl.Float64,
                "rank": pl.Int64,
                "indicators_used": pl.Int64,
            }
        )
    columns = (
        Column("domain", "领域（综合 = 总指数）"),
        Column("rank", "排名（共 13 市）", "integer"),
        Column("name_zh", "城市"),
        Column("region_code", "地区代码"),
        Column("score", "指数（0–100）", "number", decimals=1),
        Column("indicators_used", "参与指标数", "integer"),
    )
    return Table("composite", "综合指数", frame, columns)


def heatmap_table(report: Report) -> Table:
    """City × target verdicts (the final assessment where there is one, after the deadline)."""
    frame = report.heatmap.with_columns(
        verdict_zh=pl.col("verdict").replace_strict(
            {s: v[0] for s, v in STATUS_STYLE.items()}, default=None
        ),
    )
    columns = [
        Column("name_zh", "城市"),
        Column("region_code", "地区代码"),
        Column("indicator_name", "目标指标", width=24),
        Column(
            "verdict_zh", f"总结评估（{report.target_year} 年末）" if report.phase.final else "状态"
        ),
    ]
    return Table("heatmap", "目标状态", frame, tuple(columns))


def forecast_table(report: Report) -> Table:
    rows = []
    for b in report.blocks:
        m = b.forecast_model
        if not m:
            continue
        for f in b.forecast:
            if f["period_end"].month != 12:
                continue
            rows.append(
                {
                    "name_zh": b.row["name_zh"],
                    "unit": b.row["unit"],
                    "decimals": b.row["decimals"],
                    "model": m["model_label"],
                    "made": m["as_of"],
                    "mase": m["mase"],
                    "naive_mase": m["naive_mase"],
                    "probability": m["probability"],
                    "period": f["period"],
                    "mean": f["mean"],
                    "lo80": f["lo80"],
                    "hi80": f["hi80"],
                    "lo95": f["lo95"],
                    "hi95": f["hi95"],
                }
            )
    schema = {
        "name_zh": pl.String,
        "unit": pl.String,
        "decimals": pl.Int64,
        "model": pl.String,
        "made": pl.Date,
        "mase": pl.Float64,
        "naive_mase": pl.Float64,
        "probability": pl.Float64,
        "period": pl.String,
        "mean": pl.Float64,
        "lo80": pl.Float64,
        "hi80": pl.Float64,
        "lo95": pl.Float64,
        "hi95": pl.Float64,
    }
    columns = (
        Column("name_zh", "目标指标", width=24),
        Column("unit", "单位"),
        Column("period", "预测月份"),
        Column("mean", "预测中位值", "number", decimals_from="decimals"),
        Column("lo80", "80% 下限", "number", decimals_from="decimals"),
        Column("hi80", "80% 上限", "number", decimals_from="decimals"),
        Column("lo95", "95% 下限", "number", decimals_from="decimals"),
        Column("hi95", "95% 上限", "number", decimals_from="decimals"),
        Column("model", "模型", width=26),
        Column("made", "预测时点", "month"),
        Column("mase", "回测 MASE", "number", decimals=2),
        Column("naive_mase", "朴素预测 MASE", "number", decimals=2),
        Column("probability", "按期达标概率", "share", decimals=0),
    )
    return Table("forecasts", "预测", pl.DataFrame(rows, schema=schema), columns)


def risks_table(report: Report) -> Table:
    frame = report.risks
    columns = (
        Column("severity_label", "级别"),
        Column("name_zh", "地区"),
        Column("rule_name", "规则", width=20),
        Column("message", "说明", width=70),
        Column("responsible_units", "责任单位", width=30),
        Column("first_fired", "首次触发", "month"),
    )
    if frame.is_empty():
        frame = pl.DataFrame(schema={c.name: pl.String for c in columns})
    return Table("risks", "风险预警", frame, columns)


def supervision_table(report: Report) -> Table | None:
    """督办 per 承办 region (only when there are tasks)."""
    if report.supervision.is_empty():
        return None
    columns = tuple(
        Column(k, v, width=14) if k == "name_zh" else Column(k, v, "integer")
        for k, v in SUPERVISION_COLUMNS.items()
    )
    return Table("supervision", "督办", report.supervision, columns)


def plan_tasks_table(report: Report) -> Table | None:
    """重点任务与里程碑 (the province's report, when the warehouse has the ledger)."""
    frame = report.plan_tasks
    if frame.is_empty():
        return None
    columns = (
        Column("chapter", "章节"),
        Column("task", "任务", width=36),
        Column("lead_unit", "牵头单位", width=16),
        Column("supporting_units", "配合单位", width=24),
        Column("milestone_year", "年度", "year"),
        Column("milestone", "里程碑", width=36),
        Column("progress", "进展"),
        Column("evidence", "佐证材料", width=40),
        Column("reported_date", "报告日期", "date"),
    )
    return Table("plan_tasks", "重点任务", frame, columns)


def report_tables(report: Report) -> list[Table]:
    """The report's sheets, in order."""
    tables = [targets_table(report), league_table(report), composite_table(report)]
    tables += [heatmap_table(report), forecast_table(report), risks_table(report)]
    extra = [supervision_table(report), plan_tasks_table(report)]
    return tables + [t for t in extra if t is not None]


def render_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook (bytes), with its 说明 sheet."""
    about = report.provenance
    extra = (
        ("评估类型", f"{report.phase.name}（{report.title}）"),
        ("规划期", f"基期 {report.baseline_year} 年末 → 目标年 {report.target_year} 年末"),
        ("方法", "目标进度：增速比值法 / 趋势外推法 / 线性进度法（见 docs/tracking-methods.md）"),
    )
    if report.is_city:
        extra += (("范围", f"只含{report.region_name}的数值，及其在 13 个设区市中的排名"),)
    from dataclasses import replace

    return to_xlsx(report_tables(report), replace(about, title=report.title, extra=extra))
