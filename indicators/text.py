"""Figures, dates and forecasts in words — shared by the pages and the reports."""

from __future__ import annotations

import calendar

from indicators.tracking import decimal_year_to_date

# Status colours: Okabe–Ito / Tol palette (distinguishable with colour-vision deficiency) and
# always shown with a symbol and words, never colour alone.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (label, colour, symbol)
    "achieved": ("已达成", "#009E73", "✔"),
    "on_track": ("进度正常", "#0072B2", "●"),
    "acceleration_needed": ("需加速", "#E69F00", "▲"),
    "limited_progress": ("进展有限", "#D55E00", "■"),
    "deterioration": ("退步", "#882255", "▼"),
    "not_assessable": ("无法评估", "#8C8C8C", "○"),
    "not_achieved": ("未达成", "#CC3311", "✘"),
    # the final assessment at the deadline (see indicators.verdict)
    "final_achieved": ("到期达成", "#009E73", "✔"),
    "final_not_achieved": ("到期未达成", "#CC3311", "✘"),
}
STATUS_ORDER = [
    "deterioration",
    "limited_progress",
    "acceleration_needed",
    "on_track",
    "achieved",
    "not_assessable",
]
METHOD_LABELS = {
    "ratio": "增速比值法（Eurostat/Open SDG）",
    "projection": "趋势外推法（UNSD）",
    "linear": "线性进度法（百分点）",
}
BINDING_LABELS = {"binding": "约束性", "expected": "预期性"}


def fmt_value(value: float | None, unit: str = "", decimals: int = 1) -> str:
    """A figure with its unit for people: 89.9%, 1,234 件, 12.3 万张, — when missing."""
    if value is None or value != value:  # None or NaN
        return "—"
    text = f"{value:,.{decimals}f}"
    if unit == "%":
        return text + "%"
    return f"{text} {unit}".rstrip()


def month_label(d) -> str:
    """2023-06-30 → 2023年6月 (a running month's date is shown in full)."""
    last = calendar.monthrange(d.year, d.month)[1]
    if d.day != last:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月"


def time_label(t: float | None) -> str:
    """A decimal year for people: 2020.0 → '2020 年'; 2025.832877 → '2026年10月'."""
    if t is None or t != t:
        return "—"
    if abs(t - round(t)) < 1e-6:
        return f"{round(t)} 年"
    return month_label(decimal_year_to_date(t))


FLOW_COMPUTE_TYPES = ("flow_share", "flow_count", "table_share", "table_sum")


def value_time_label(t: float | None, compute_type: str | None = None) -> str:
    """When a target's yearly value stands, said precisely: a completed year is '2025 年'; a
    running year is the year to date for a flow (summed over the period: '2026年1–10月') and the
    month end for a stock or a published level ('2026年10月末'), so the same figure is never
    labelled with a month whose own value differs."""
    if t is None or t != t:
        return "—"
    if abs(t - round(t)) < 1e-6:
        return f"{round(t)} 年"
    d = decimal_year_to_date(t)
    last = calendar.monthrange(d.year, d.month)[1]
    if compute_type in FLOW_COMPUTE_TYPES:
        span = f"{d.year}年1–{d.month}月" if d.month > 1 else f"{d.year}年1月"
        return span if d.day == last else f"{span}（截至 {d.day} 日）"
    return f"{d.year}年{d.month}月末" if d.day == last else month_label(d)


def rate_axis_range(
    values, *, bounds: tuple[float, float] = (0.0, 100.0), min_span: float = 20.0
) -> list[float]:
    """A rate axis that does not turn small moves into cliffs: it covers the data and at least
    ``min_span`` points (20 percentage points by default), anchored at the bound the data sit
    near and never beyond ``bounds``. 90.3–98.1 becomes 80–100, so a 1.5-point dip reads as
    the small move it is."""
    data = [v for v in values if v is not None and v == v]
    lo_bound, hi_bound = bounds
    if not data:
        return [lo_bound, hi_bound]
    lo, hi = min(data), max(data)
    pad = max(1.0, 0.05 * (hi - lo))
    lo, hi = lo - pad, hi + pad
    if hi - lo < min_span:
        middle = (lo + hi) / 2
        lo, hi = middle - min_span / 2, middle + min_span / 2
        if hi > hi_bound:
            lo, hi = hi_bound - min_span, hi_bound
        if lo < lo_bound:
            lo, hi = lo_bound, lo_bound + min_span
    lo, hi = max(lo_bound, lo), min(hi_bound, hi)
    step = 5.0
    return [step * (lo // step), min(hi_bound, step * -(-hi // step))]


def track_record_text(summary: dict) -> str:
    """The probabilities' track record in one paragraph: questions, Brier score, the base rate's
    Brier score and the skill score (Brier 1950; skill = 1 − Brier ÷ base-rate Brier)."""
    origins = summary.get("origins") or []
    span = (
        f"{origins[0][:7]} 至 {origins[-1][:7]} 的 {len(origins)} 个起点" if origins else "各起点"
    )
    skill = summary["skill"]
    if skill is None or summary.get("brier_base") is None:  # every answer the same: no skill
        return (
            f"用 {span}当时已知的数据预测“截止时能否达标”，共 {summary['n']} 个现已知道答案的"
            f"问题，Brier 分数 {summary['brier']:.3f}（越小越好）；各问题答案相同，无法计算技巧评分。"
        )
    verdict = "优于一律回答基准率" if skill > 0 else "未优于一律回答基准率，概率仅供参考"
    return (
        f"用 {span}当时已知的数据预测“截止时能否达标”，共 {summary['n']} 个现已知道答案的问题："
        f"Brier 分数 {summary['brier']:.3f}（越小越好），一律回答基准率 "
        f"{100 * summary['observed']:.0f}% 的 Brier 分数 {summary['brier_base']:.3f}，"
        f"技巧评分 {skill:.2f}（1 为完美，0 与基准率相同），{verdict}。"
        "可靠性图中各点越接近对角线，说明“预测 70%”的目标确有约七成达标。"
    )


def forecast_summary(model: dict, *, compute_type: str | None = None) -> str:
    """One Chinese sentence: model, backtest accuracy against naive, probability, expected date.
    A flow (``compute_type``) is judged on its deadline year's value, and the probability says
    so (全年), a stock on its value at the year end (年末)."""
    parts = [
        f"预测模型：{model['model_label']}（{model['as_of']:%Y年%m月} 时点，{model['n_obs']} 个月度观测）"
    ]
    if model.get("mase") is not None and model.get("naive_mase") is not None:
        verdict = "优于朴素预测" if model["beats_naive"] else "未优于朴素预测"
        parts.append(
            f"回测 MASE {model['mase']:.2f}（朴素预测 {model['naive_mase']:.2f}），{verdict}"
        )
    else:
        parts.append((model.get("note") or "未做回测").rstrip("。"))
    if model.get("probability") is not None:
        year = model["target_period"][:4]
        when = f"{year} 年全年" if compute_type in FLOW_COMPUTE_TYPES else f"{year} 年末"
        parts.append(f"按期（{when}）达标概率 {100 * model['probability']:.0f}%")
    if model.get("expected_period"):
        y, m = model["expected_period"].split("-")
        parts.append(f"预计 {y} 年 {int(m)} 月首次达到目标")
    return "；".join(parts) + "。"
