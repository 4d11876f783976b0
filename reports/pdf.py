"""The evaluation report as a PDF: a :class:`~reports.content.Report` laid out in HTML
(``templates/report.html`` + ``report.css``) and printed by weasyprint with the system's Noto CJK
fonts embedded as subsets. Charts are SVG drawn here (:mod:`reports.charts`), so no
browser is needed to render. Same report → same bytes (fixed document dates, no clock).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import jinja2

from indicators import plan_tasks
from indicators.text import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    fmt_value,
    forecast_summary,
    month_label,
    time_label,
    track_record_text,
    value_time_label,
)
from indicators.tracking import DEFAULT_THRESHOLDS, decimal_year_to_date
from indicators.verdict import FINAL_VERDICTS, VERDICT_ORDER, progress_at_verdict, progress_words
from reports import charts
from reports.content import SUPERVISION_COLUMNS, Report, TargetBlock

TEMPLATES = Path(__file__).with_name("templates")
SHORT_LABELS = {  # heatmap cells are narrow
    "final_achieved": "达成",
    "final_not_achieved": "未达成",
    "achieved": "已达成",
    "on_track": "正常",
    "acceleration_needed": "加速",
    "limited_progress": "有限",
    "deterioration": "退步",
    "not_assessable": "—",
    "not_achieved": "未达成",
}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _badge(status: str | None) -> str:
    label, colour, symbol = STATUS_STYLE.get(status or "", STATUS_STYLE["not_assessable"])
    return f'<span class="badge" style="background:{colour}">{symbol} {label}</span>'


def _pct(share: float | None) -> str:
    return "—" if share is None or share != share else f"{100 * share:.1f}%"


def _rank(rank: int | None, n: int = 13) -> str:
    return "—" if rank is None else f"{rank}/{n}"


def _chart(block: TargetBlock, report: Report) -> str:
    row = block.row
    unit, decimals = row["unit"], row["decimals"]
    baseline = None
    if row["baseline_value"] is not None and row["baseline_year"] is not None:
        baseline = (block.required[0][0] if block.required else None, row["baseline_value"])
        if baseline[0] is None:
            baseline = (decimal_year_to_date(row["baseline_year"]), row["baseline_value"])
    target = None
    if row["target_value"] is not None:
        target = (dt.date(int(row["target_year"]), 12, 31), row["target_value"])
    return charts.path_chart(
        chart_id=f"c-{row['indicator']}",
        actual=block.actual,
        running=block.running,
        required=block.required,
        baseline=baseline,
        target=target,
        forecast=block.forecast or None,
        deadline=dt.date(report.target_year, 12, 31),
        unit=unit,
        decimals=decimals,
        y_title=f"{row['name_zh']}（{unit}）",
        height=215,
    )


def _block_context(block: TargetBlock, report: Report) -> dict:
    row = block.row
    unit, decimals = row["unit"], row["decimals"]
    quantified = row["target_value"] is not None
    assessed = row["verdict"] in FINAL_VERDICTS
    return {
        "indicator": row["indicator"],
        "name": row["name_zh"],
        "domain": row["domain"],
        "baseline": fmt_value(row["baseline_value"], unit, decimals),
        "baseline_when": time_label(row["baseline_year"]),
        "current": fmt_value(row["shown_value"], unit, decimals),
        "current_when": f"{int(row['target_year'])} 年末"
        if assessed
        else value_time_label(row["current_year"], row.get("compute_type")),
        "current_label": "期末" if assessed else "最新",
        "since": row.get("since_text"),
        "target": fmt_value(row["target_value"], unit, decimals)
        if quantified
        else (row["statement"] or "定性目标"),
        "target_short": fmt_value(row["target_value"], unit, decimals) if quantified else "定性",
        "target_when": f"{int(row['target_year'])} 年末" if row["target_year"] else "—",
        "progress": progress_words(progress_at_verdict(row)),
        "verdict": row["verdict"],
        "badge": _badge(row["verdict"]),
        "verdict_detail": (row["verdict_text"] or "")[len(row["verdict_label"] or "") :].lstrip(
            "，"
        ),
        "explain": (row.get("final_explain") if assessed else row["explain"]) or "—",
        "forecast_text": forecast_summary(
            block.forecast_model, compute_type=row.get("compute_type")
        )
        if block.forecast_model
        else None,
        "binding": BINDING_LABELS.get(row["binding"], row["binding"] or ""),
        "method": METHOD_LABELS.get(row["method"], row["method"]),
        "clause": row["target_clause"] or "—",
        "units": row["responsible_units"] or "—",
        "national": block.national["text"] if block.national else None,
        "national_source": block.national["source"] if block.national else None,
        "basis": row.get("city_targets_basis") if report.is_city else None,
        "rank": _rank(block.rank),
        "chart": _chart(block, report),
    }


def _heatmap_context(report: Report) -> tuple[list[str], list[dict]]:
    frame = report.heatmap
    order = [b.indicator for b in report.blocks]
    names = {b.indicator: b.row["name_zh"] for b in report.blocks}
    present = [i for i in order if i in set(frame["indicator"].to_list())]
    cells = {(r["region_code"], r["indicator"]): r for r in frame.to_dicts()}
    rows = []
    for code, name in frame.select("region_code", "name_zh").unique(maintain_order=True).rows():
        out = []
        for ind in present:
            r = cells.get((code, ind))
            status = (r or {}).get("verdict")
            label, colour, symbol = STATUS_STYLE.get(status or "", STATUS_STYLE["not_assessable"])
            out.append(
                {
                    "colour": colour,
                    "symbol": symbol,
                    "label": label,
                    "short": SHORT_LABELS.get(status, "—"),
                }
            )
        rows.append({"name": name, "cells": out})
    return [names[i] for i in present], rows


def _composite_context(report: Report) -> tuple[list[str], list]:
    frame = report.composite
    if frame.is_empty():
        return [], []
    if report.is_city:
        return [], [
            {
                "domain": r["domain"] + ("（综合）" if r["domain"] == "综合" else ""),
                "score": f"{r['score']:.1f}",
                "rank": _rank(r["rank"]),
                "used": r["indicators_used"],
            }
            for r in frame.sort("domain").to_dicts()
        ]
    domains = ["综合"] + sorted(d for d in set(frame["domain"].to_list()) if d != "综合")
    cells = {(r["region_code"], r["domain"]): r for r in frame.to_dicts()}
    overall = frame.filter(frame["domain"] == "综合").sort("rank")
    rows = []
    for code, name in overall.select("region_code", "name_zh").rows():
        row = []
        for d in domains:
            c = cells.get((code, d))
            row.append("—" if c is None else f"{c['score']:.1f}（{c['rank']}）")
        rows.append({"name": name, "cells": row})
    return domains, rows


def context(report: Report) -> dict:
    """Everything the template shows, as formatted text (the template computes nothing)."""
    blocks = [_block_context(b, report) for b in report.blocks]
    by_indicator = {b["indicator"]: b for b in blocks}
    groups = []
    for group, total, present in report.verdict_groups():
        items = []
        for verdict, n in present:
            label, colour, symbol = STATUS_STYLE[verdict]
            items.append(
                {"status": verdict, "n": n, "label": label, "colour": colour, "symbol": symbol}
            )
        groups.append({"label": group, "total": total, "counts": items})
    counts = [c for g in groups for c in g["counts"]]
    finals = report.final_counts()
    finals["total"] = finals["achieved"] + finals["not_achieved"]
    lagging = [
        f"{b.row['name_zh']}（{b.row['verdict_text']}）"
        for b in report.blocks
        if b.row["verdict"]
        in ("final_not_achieved", "deterioration", "limited_progress", "acceleration_needed")
    ]
    heat_headers, heat_rows = _heatmap_context(report)
    composite_domains, composite = _composite_context(report)
    leagues = [
        {
            "name": lt.name_zh,
            "unit": lt.unit,
            "domain": lt.domain,
            "period": f"{lt.period} 年"
            if lt.period and len(lt.period) == 4
            else (lt.period or "—"),
            "rows": [
                {
                    "rank": _rank(r["rank"]) if report.is_city else r["rank"],
                    "name": r["name_zh"],
                    "value": fmt_value(r["value"], lt.unit, lt.decimals),
                    "score": "—" if r["score"] is None else f"{r['score']:.1f}",
                }
                for r in lt.rows
            ],
        }
        for lt in report.league
    ]
    risks_frame = report.risks
    risks = [
        {
            "severity": r["severity_label"],
            "region": r["name_zh"] or r["region_code"] or "—",
            "rule": r["rule_name"],
            "message": r["message"],
            "units": r["responsible_units"] or "—",
            "first": month_label(r["first_fired"]) if r["first_fired"] else "—",
        }
        for r in risks_frame.head(12).to_dicts()
    ]
    forecasts = []
    for b in report.blocks:
        m = b.forecast_model
        if not m:
            continue
        forecasts.append(
            {
                "name": b.row["name_zh"],
                "model": m["model_label"],
                "as_of": month_label(m["as_of"]),
                "n_obs": m["n_obs"],
                "mase": "—" if m["mase"] is None else f"{m['mase']:.2f}",
                "naive": "—" if m["naive_mase"] is None else f"{m['naive_mase']:.2f}",
                "beats": "—" if m["beats_naive"] is None else ("是" if m["beats_naive"] else "否"),
                "probability": _pct(m["probability"]),
            }
        )
    about = report.provenance
    definitions = about.indicators.to_dicts() if about.indicators.height else []
    sources = [
        {**s, "loaded_at": f"{s['loaded_at']:%Y-%m-%d %H:%M}", "rows": f"{s['rows']:,}"}
        for s in (about.sources.to_dicts() if about.sources.height else [])
    ]
    created = (about.computed_at or dt.datetime(report.as_of.year, report.as_of.month, 1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    bar = charts.status_bar(
        counts=[
            (f"{c['symbol']} {c['label']}", c["n"], c["colour"])
            for g in groups
            if g["label"] == "量化目标"
            for c in g["counts"]
        ]
    )
    default_method = METHOD_LABELS.get(
        report.blocks[0].row["method"] if report.blocks else "ratio", "增速比值法"
    )
    return {
        "r": report,
        "css": (TEMPLATES / "report.css").read_text(encoding="utf-8")
        + (
            '@page { @top-right { content: "模拟数据 · 仅供演示"; font-size: 7.5pt; '
            "color: #9c0006; font-weight: bold; } }"
            if report.synthetic
            else ""
        ),
        "created": created,
        "as_of_text": month_label(report.as_of),
        "data_version": about.data_version or "—",
        "n_quantified": sum(b.quantified for b in report.blocks),
        "blocks": blocks,
        "domains": [
            (domain, [by_indicator[b.indicator] for b in items])
            for domain, items in report.domains()
        ],
        "counts": counts,
        "groups": groups,
        "finals": finals,
        "colours": {s: STATUS_STYLE[s][1] for s in STATUS_STYLE},
        "lagging": lagging,
        "status_bar": bar,
        "default_method": default_method,
        "heat_headers": heat_headers,
        "heat_rows": heat_rows,
        "legend": [
            {
                "label": STATUS_STYLE[s][0],
                "colour": STATUS_STYLE[s][1],
                "symbol": STATUS_STYLE[s][2],
            }
            for s in VERDICT_ORDER
            if s in set(report.heatmap["verdict"].to_list()) | set(report.status_counts())
        ],
        "composite_domains": composite_domains,
        "composite": composite,
        "leagues": leagues,
        "risks": risks,
        "plan_counts": plan_tasks.counts(report.plan_tasks) if report.plan_tasks.height else None,
        "plan_lagging": plan_tasks.lagging(report.plan_tasks).to_dicts()
        if report.plan_tasks.height
        else [],
        "duban_headers": list(SUPERVISION_COLUMNS.values()),
        "duban_rows": [[r[k] for k in SUPERVISION_COLUMNS] for r in report.supervision.to_dicts()],
        "risk_total": risks_frame.height,
        "risks_as_of": month_label(report.risks_as_of) if report.risks_as_of else "—",
        "thresholds": [
            {"name": METHOD_LABELS[m], **{k: f"{v:g}" for k, v in DEFAULT_THRESHOLDS[m].items()}}
            for m in ("ratio", "projection", "linear")
        ],
        "forecasts": forecasts,
        "track_record": track_record_text(report.track_record) if report.track_record else None,
        "track_bins": [
            {
                "range": f"{100 * b['bin_lo']:.0f}–{100 * b['bin_hi']:.0f}%",
                "n": b["n"],
                "predicted": _pct(b["mean_predicted"]),
                "observed": _pct(b["observed"]),
                "gap": f"{100 * (b['observed'] - b['mean_predicted']):+.1f}",
                "few": b["n"] < 20,
            }
            for b in report.track_record_bins
        ],
        "about_lines": about.lines(),
        "definitions": definitions,
        "sources": sources,
    }


def report_html(report: Report) -> str:
    """The report as one self-contained HTML document (CSS and SVG inline)."""
    return _environment().get_template("report.html").render(**context(report))


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4, CJK fonts embedded)."""
    import weasyprint

    html = report_html(report)
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        pdf_identifier=f"{report.target_set}-{report.region_code}-{report.as_of}".encode(),
        uncompressed_pdf=False,
    )
