"""The /targets page's figures: the status heatmap, a target's path against the path required, its forecast fan, the 13 cities, and the track record of P(target met)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from indicators.text import time_label
from indicators.tracking import (
    decimal_year_to_date,
    required_path,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    VERDICT_ORDER,
    progress_at_verdict,
    progress_words,
    with_verdict,
)
from pages._components import (
    METHOD_LABELS,
    STATUS_STYLE,
    fmt_value,
)

HEATMAP_LABEL_WIDTH = 4  # characters per line of a heatmap column label
METHOD_SHORT = {k: v.split("（")[0] for k, v in METHOD_LABELS.items()}
REQUIRED_PATH_NAME = "达标所需路径"
ACTUAL_PATH_NAME = "实际值"
NUMBER_LABELS = {
    "cagr_actual": "实际年均增速",
    "cagr_required": "达标所需年均增速",
    "ratio": "比值（实际 ÷ 所需）",
    "projected_value": "按实际增速外推到目标年",
    "required_change": "达标所需变化（基期 → 目标）",
    "projected_change": "预计变化（基期 → 外推值）",
    "pace_actual": "实际年均进度",
    "pace_required": "达标所需年均进度",
    "expected_now": "按直线路径当前应达",
    "gap_pp": "领先（+）/ 落后（−）直线路径",
    "coefficient": "自然界限系数 C",
}


# --- pure helpers ------------------------------------------------------------------------------


def _pct(share: float) -> str:
    x = 100 * share
    digits = 1 if abs(x) >= 1 or x == 0 else (2 if abs(x) >= 0.1 else 3)
    return f"{x:.{digits}f}%"


def format_number(key: str, value: float | None, unit: str, decimals: int = 1) -> str:
    """A tracking method's key number (``numbers`` JSON) in words with its unit.

    Growth rates in per cent a year, paces in units (百分点 for rates) a year, changes signed.
    """
    if value is None or value != value:
        return "—（无定义）"
    points = "个百分点" if unit == "%" else unit
    if key.startswith("cagr"):
        return _pct(value) + "/年"
    if key == "ratio":
        return f"{value:.2f}"
    if key == "coefficient":
        return f"{value:.3f}"
    if key.startswith("pace"):
        return f"{value:.2f} {points}/年"
    if key in ("gap_pp", "required_change", "projected_change"):
        return f"{value:+.{max(decimals, 1)}f} {points}"
    return fmt_value(value, unit, decimals)


def wrap_label(text: str, width: int = 6) -> str:
    """Break a Chinese label into lines of ``width`` characters (plotly ``<br>``)."""
    return "<br>".join(text[i : i + width] for i in range(0, len(text), width))


def heatmap_figure(
    frame: pl.DataFrame,
    *,
    indicators: list[str],
    regions: list[tuple[str, str]],
    final: bool,
    selected_region: str | None = None,
    selected_indicator: str | None = None,
) -> go.Figure:
    """City × target grid coloured by status (categorical), symbol and words in every cell.

    ``frame``: progress rows (indicator, region_code, status, current_value, target_value,
    progress, final_status, name_zh, unit, decimals); ``regions``: (code, name) top to bottom.
    Every cell shows the target's one verdict (:mod:`indicators.verdict`): the tracking status
    before the deadline, the final assessment (到期达成/到期未达成) from it on, with the value
    at the deadline and what happened since in the hover. ``customdata`` is
    ``[region_code, indicator]``.
    """
    if "verdict" not in frame.columns:
        frame = with_verdict(frame)
    keys = list(VERDICT_ORDER)
    n = len(keys)
    scale = []
    for i, s in enumerate(keys):
        colour = STATUS_STYLE[s][1]
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    lookup = {(r["region_code"], r["indicator"]): r for r in frame.iter_rows(named=True)}
    names = {
        r["indicator"]: r["name_zh"]
        for r in frame.select("indicator", "name_zh").unique().iter_rows(named=True)
    }
    z, text, hover, custom = [], [], [], []
    for code, region in regions:
        zr, tr, hr, cr = [], [], [], []
        for ind in indicators:
            r = lookup.get((code, ind))
            cr.append([code, ind])
            if r is None:
                zr.append(None)
                tr.append("")
                hr.append(f"{region} · {names.get(ind, ind)}<br>无数据")
                continue
            shown = r["verdict"] if r["verdict"] in keys else "not_assessable"
            label, _colour, symbol = STATUS_STYLE[shown]
            tr.append(f"{symbol}<br>{label}")
            zr.append(keys.index(shown) + 0.5)
            unit, decimals = r["unit"], r["decimals"]
            progress = progress_at_verdict(r)
            at_deadline = shown in FINAL_VERDICTS
            lines = [
                f"<b>{region} · {r['name_zh']}</b>",
                f"{int(r['target_year'])} 年末 " if at_deadline else "当前 ",
            ]
            lines[-1] += (
                f"{fmt_value(r['shown_value'], unit, decimals)}，"
                f"目标 {fmt_value(r['target_value'], unit, decimals)}"
            )
            if not at_deadline:
                lines.append(f"进度 {progress_words(progress)}")
            lines.append(f"{symbol} {r['verdict_text']}")
            if r.get("since_text"):
                lines.append(r["since_text"])
            hr.append("<br>".join(lines))
        z.append(zr)
        text.append(tr)
        hover.append(hr)
        custom.append(cr)
    y = [name for _, name in regions]
    x = [wrap_label(names.get(i, i), HEATMAP_LABEL_WIDTH) for i in indicators]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            customdata=custom,
            colorscale=scale,
            zmin=0,
            zmax=n,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    shapes = []
    codes = [c for c, _ in regions]
    if selected_region in codes:
        i = codes.index(selected_region)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": -0.5,
                "x1": len(indicators) - 0.5,
                "y0": i - 0.5,
                "y1": i + 0.5,
                "line": {"color": "#1b2a41", "width": 2.5},
            }
        )
    if selected_indicator in indicators:
        j = indicators.index(selected_indicator)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": j - 0.5,
                "x1": j + 0.5,
                "y0": -0.5,
                "y1": len(regions) - 0.5,
                "line": {"color": "#1b2a41", "width": 2.5, "dash": "dot"},
            }
        )
    fig.update_layout(
        shapes=shapes,
        margin={"l": 60, "r": 10, "t": 75, "b": 10},
        height=95 + 34 * len(regions),
        xaxis={"side": "top", "tickangle": 0, "tickfont": {"size": 11}, "fixedrange": True},
        yaxis={"autorange": "reversed", "fixedrange": True},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def detail_figure(
    series: pl.DataFrame,
    row: dict,
    *,
    region_name: str,
    final: bool,
) -> go.Figure:
    """One target's actual path (yearly values as known at the as-of date, the running year's
    latest value hollow), the path required to reach the target and the target itself.

    ``series``: rows of :func:`indicators.read.series` (period, period_end, known_from, value,
    complete); ``row``: the target's progress row (baseline, target, method, unit, decimals).
    """
    unit, decimals = row["unit"], row["decimals"]
    fig = go.Figure()
    suffix = "%" if unit == "%" else f" {unit}"
    hover = f"%{{x|%Y年%m月%d日}}<br>%{{y:,.{decimals}f}}{suffix}<extra>%{{fullData.name}}</extra>"
    done = series.filter(pl.col("complete") & pl.col("value").is_not_null())
    running = series.filter(~pl.col("complete") & pl.col("value").is_not_null())
    fig.add_trace(
        go.Scatter(
            x=done["period_end"].to_list(),
            y=done["value"].to_list(),
            mode="lines+markers",
            name=ACTUAL_PATH_NAME,
            line={"color": "#1b2a41", "width": 2.5},
            marker={"size": 8},
            hovertemplate=hover,
        )
    )
    if running.height:
        last_done = done.tail(1)
        xs = last_done["period_end"].to_list() + running["known_from"].to_list()
        ys = last_done["value"].to_list() + running["value"].to_list()
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=f"{running['period'][-1]} 年至今",
                line={"color": "#1b2a41", "width": 2, "dash": "dot"},
                marker={"size": [0] * (len(xs) - 1) + [10], "symbol": "circle-open"},
                hovertemplate=hover,
            )
        )
    used = row.get("method_used") or row["method"]
    path = required_path(
        used,
        row["baseline_value"],
        row["baseline_year"],
        row["target_value"],
        row["target_year"],
    )
    if path is None and row["target_value"] is not None:
        # a compound path is undefined from 0: the straight line shows the way instead
        path = required_path(
            "linear",
            row["baseline_value"],
            row["baseline_year"],
            row["target_value"],
            row["target_year"],
        )
        path_name = REQUIRED_PATH_NAME + "（直线：基期为 0，复合路径无定义）"
    else:
        path_name = REQUIRED_PATH_NAME + ("（直线）" if used == "linear" else "（复合增速）")
    if path:
        fig.add_trace(
            go.Scatter(
                x=[decimal_year_to_date(t) for t, _ in path],
                y=[y for _, y in path],
                mode="lines",
                name=path_name,
                line={"color": "#E69F00", "width": 2.5, "dash": "dash"},
                hovertemplate=hover,
            )
        )
    if row["baseline_value"] is not None and row["baseline_year"] is not None:
        fig.add_trace(
            go.Scatter(
                x=[decimal_year_to_date(row["baseline_year"])],
                y=[row["baseline_value"]],
                mode="markers",
                name=f"基期（{time_label(row['baseline_year'])}）",
                marker={"size": 11, "symbol": "square", "color": "#8C8C8C"},
                showlegend=False,
                hovertemplate=hover,
            )
        )
    if row["target_value"] is not None:
        fig.add_trace(
            go.Scatter(
                x=[decimal_year_to_date(row["target_year"])],
                y=[row["target_value"]],
                mode="markers+text",
                name=f"目标（{int(row['target_year'])} 年末）",
                marker={"size": 16, "symbol": "star", "color": "#D55E00"},
                showlegend=False,
                text=[f"目标 {fmt_value(row['target_value'], unit, decimals)}"],
                textposition="top center",
                hovertemplate=hover,
            )
        )
    if row["target_year"] is not None:
        deadline = decimal_year_to_date(row["target_year"]).isoformat()
        fig.add_shape(
            type="line",
            x0=deadline,
            x1=deadline,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#8C8C8C", "width": 1, "dash": "dot"},
        )
        fig.add_annotation(
            x=deadline,
            y=0,
            yref="paper",
            text="规划期末",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"size": 11, "color": "#5b6b7f"},
        )
    xs = [d for trace in fig.data for d in trace.x if isinstance(d, dt.date)]
    years = range(min(xs).year, max(xs).year + 1) if xs else range(0)
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=360,
        legend={"orientation": "h", "y": -0.15, "x": 0, "yanchor": "top"},
        yaxis={"title": {"text": f"{row['name_zh']}（{unit}）"}, "rangemode": "normal"},
        xaxis={
            # values sit at year ends: tick the year ends, so 2020's value is over "2020年末"
            "tickvals": [dt.date(y, 12, 31) for y in years],
            "ticktext": [str(y) for y in years],
            "title": {"text": "各年年末", "font": {"size": 11}},
        },
        hovermode="closest",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eef1f5")
    fig.update_yaxes(showgrid=True, gridcolor="#eef1f5", zeroline=False)
    return fig


def add_forecast(fig: go.Figure, rows: pl.DataFrame, *, unit: str, decimals: int) -> go.Figure:
    """Overlay a stored forecast: the median path and its 80 % and 95 % bands (month ends)."""
    if rows.is_empty():
        return fig
    xs = [
        (dt.date(int(p[:4]) + (p[5:7] == "12"), int(p[5:7]) % 12 + 1, 1) - dt.timedelta(days=1))
        for p in rows["period"].to_list()
    ]
    suffix = "%" if unit == "%" else f" {unit}"
    for lo, hi, colour, name in (
        ("lo95", "hi95", "rgba(0,114,178,0.12)", "预测 95% 区间"),
        ("lo80", "hi80", "rgba(0,114,178,0.25)", "预测 80% 区间"),
    ):
        fig.add_trace(
            go.Scatter(
                x=xs + xs[::-1],
                y=rows[hi].to_list() + rows[lo].to_list()[::-1],
                fill="toself",
                fillcolor=colour,
                line={"width": 0},
                name=name,
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=rows["mean"].to_list(),
            mode="lines",
            name="预测（中位路径）",
            line={"color": "#0072B2", "width": 2},
            hovertemplate=f"%{{x|%Y年%m月}}<br>预测 %{{y:,.{decimals}f}}{suffix}<extra></extra>",
        )
    )
    return fig


def city_figure(rows: list[dict], *, names: dict[str, str]) -> go.Figure:
    """The 13 cities' values (bars coloured by verdict) against their own targets: the value
    at the deadline once it has passed, the latest before."""
    if rows and "verdict" not in rows[0]:
        rows = with_verdict(pl.DataFrame(rows)).to_dicts()
    rows = sorted(rows, key=lambda r: (r["shown_value"] is None, -(r["shown_value"] or 0)))
    rows = list(reversed(rows))  # plotly draws the first bar at the bottom
    unit, decimals = (rows[0]["unit"], rows[0]["decimals"]) if rows else ("", 1)
    y = [names.get(r["region_code"], r["region_code"]) for r in rows]
    colours = [STATUS_STYLE.get(r["verdict"], STATUS_STYLE["not_assessable"])[1] for r in rows]
    # after the deadline the bars are the values at it, and say so
    final = [r for r in rows if r["verdict"] in FINAL_VERDICTS]
    when = f"{int(final[0]['target_year'])} 年末" if final else "当前"
    fig = go.Figure(
        go.Bar(
            x=[r["shown_value"] for r in rows],
            y=y,
            orientation="h",
            marker={"color": colours},
            text=[
                f"{fmt_value(r['shown_value'], unit, decimals)} "
                f"{STATUS_STYLE.get(r['verdict'], STATUS_STYLE['not_assessable'])[2]}"
                for r in rows
            ],
            textposition="inside",
            insidetextanchor="end",
            textfont={"size": 12},
            constraintext="none",
            name=f"{when}值（颜色 = 状态）",
            showlegend=False,
            hovertemplate=f"%{{y}}<br>{when} %{{text}}<extra></extra>",
        )
    )
    targets = [r["target_value"] for r in rows]
    if any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=targets,
                y=y,
                mode="markers",
                name="该市目标",
                marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#1b2a41"}},
                hovertemplate="%{y}<br>目标 %{x}<extra></extra>",
            )
        )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=70 + 30 * max(len(rows), 1),
        showlegend=False,
        xaxis={
            "title": {
                "text": f"{when}值（{unit}）"
                + ("；竖线 = 该市目标" if any(t is not None for t in targets) else "")
            },
            "fixedrange": True,
        },
        yaxis={"fixedrange": True},
        bargap=0.25,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
    )
    return fig


def heatmap_cell(
    point: dict, regions: dict[str, str], targets: dict[str, str]
) -> tuple[str, str] | None:
    """(region code, indicator) of a clicked heatmap cell, from its axis labels.

    dcc.Graph's clickData leaves out a heatmap's 2-D ``customdata``, so the cell is found from
    its row label (a region name in ``regions``: code → name) and its column label (a target
    name wrapped by :func:`wrap_label`, ``targets``: indicator → name).
    """
    region = next((c for c, n in regions.items() if n == point.get("y")), None)
    column = str(point.get("x", ""))
    indicator = next(
        (i for i, n in targets.items() if column in (n, wrap_label(n, HEATMAP_LABEL_WIDTH))), None
    )
    if region is None or indicator is None:
        return None
    return region, indicator


# --- state -------------------------------------------------------------------------------------


def track_record_figure(bins: pl.DataFrame) -> go.Figure:
    """Reliability diagram: in each bin of predicted probability, the share of questions whose
    target was in fact met, against the diagonal of perfect calibration (±10 points shaded)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1, 1, 0],
            y=[0.1, 1.1, 0.9, -0.1],
            fill="toself",
            fillcolor="rgba(0,114,178,0.08)",
            line={"width": 0},
            hoverinfo="skip",
            name="±10 个百分点",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"color": "#8C8C8C", "dash": "dash"},
            hoverinfo="skip",
            name="完全校准",
        )
    )
    rows = bins.to_dicts()
    fig.add_trace(
        go.Scatter(
            x=[r["mean_predicted"] for r in rows],
            y=[r["observed"] for r in rows],
            mode="markers+lines",
            marker={
                "size": [8 + min(16, r["n"] ** 0.5) for r in rows],
                "color": ["#0072B2" if r["n"] >= 20 else "#ffffff" for r in rows],
                "line": {"color": "#0072B2", "width": 2},
            },
            line={"color": "#0072B2", "width": 1},
            text=[
                f"预测 {100 * r['bin_lo']:.0f}–{100 * r['bin_hi']:.0f}%：{r['n']} 个问题，"
                f"平均预测 {100 * r['mean_predicted']:.0f}%，实际达标 {100 * r['observed']:.0f}%"
                for r in rows
            ],
            hovertemplate="%{text}<extra></extra>",
            name="各区间（空心：不足 20 个问题）",
        )
    )
    fig.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 10, "b": 45},
        xaxis={"title": "预测的达标概率", "range": [-0.04, 1.04], "tickformat": ".0%"},
        yaxis={"title": "实际达标比例", "range": [-0.05, 1.05], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3, "font": {"size": 10}},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig
