"""目标追踪 `/targets`: every target of a plan — baseline, latest, target, progress, status and
how it was judged — for the province or one city, a city × target status grid, and one target in
detail (its actual path against the path required to reach the target, and the 13 cities).

URL state: ``set`` (target set), ``as_of`` (YYYY-MM), ``method`` (ratio|projection|linear;
default: each target's own method), ``domain``, ``status`` (comma list), ``city`` (region code,
default the province 320000), ``target`` (indicator code: opens the detail view). Before the
plan's deadline the page tracks progress (规划实施监测, 中期评估 in the mid-term year); from the
deadline on it shows the final assessment (总结评估). Everything is read from the materialised
tables (target_progress, indicator_values, catalog_*).
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, ctx, dcc, html

from datasets.regions import PROVINCE_CODE
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.catalog import DOMAINS, default_catalog
from indicators.read_targets import method_comparison, sort_rows
from indicators.readings import DEFAULT_READING
from indicators.text import forecast_summary, time_label, track_record_text, value_time_label
from indicators.tracking import (
    FALLBACK_LABELS,
    decimal_year_to_date,
    required_path,
    value_at_deadline,
)
from indicators.verdict import (
    FINAL_VERDICTS,
    IN_PROGRESS_VERDICTS,
    VERDICT_ORDER,
    progress_at_verdict,
    progress_words,
    verdict_counts,
    with_verdict,
)
from indicators.verdict import gap_text as verdict_gap_text
from indicators.views import TargetsState, region_names, targets_state
from pages import _ids
from pages._components import (
    BINDING_LABELS,
    METHOD_LABELS,
    STATUS_STYLE,
    as_of_key,
    as_of_options,
    dropdown,
    export_buttons,
    export_header,
    fmt_value,
    month_label,
    not_ready,
    page_header,
    reading_dropdown,
    since_line,
    status_badge,
    target_figure,
    to_search,
    verdict_badge,
    verdict_legend,
)
from reports.content import phase

dash.register_page(__name__, path="/targets", name="目标追踪", title="数据大脑 · 目标追踪", order=1)

TARGETS_SET = "targets-set"
TARGETS_AS_OF = "targets-as-of"
TARGETS_READING = "targets-reading"
TARGET_TRACK_RECORD = "target-track-record"
TARGET_TRACK_RECORD_CHART = "target-track-record-chart"
TARGETS_METHOD = "targets-method"
TARGETS_CITY = "targets-city"
TARGETS_DOMAIN = "targets-domain"
TARGETS_STATUS = "targets-status"
TARGETS_REPORT_LINK = "targets-report-link"
TARGETS_SUMMARY = "targets-summary"
TARGETS_PHASE = "targets-phase"
TARGETS_TABLE = "targets-table"
TARGETS_COUNT = "targets-count"
TARGETS_HEATMAP = "targets-heatmap"
TARGETS_HEATMAP_GRAPH = "targets-heatmap-graph"
TARGET_DETAIL = "target-detail"
TARGET_DETAIL_CHART = "target-detail-chart"
TARGET_DETAIL_NUMBERS = "target-detail-numbers"
TARGET_DETAIL_METHODS = "target-detail-methods"
TARGET_DETAIL_FINAL = "target-detail-final"
TARGET_DETAIL_CITIES = "target-detail-cities"
TARGET_DETAIL_CITY_CHART = "target-detail-city-chart"
TARGET_DETAIL_CLOSE = "target-detail-close"

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


def _target_names(target_set: str) -> dict[str, str]:
    catalog = default_catalog()
    ts = catalog.target_sets.get(target_set) or catalog.target_sets[read.DEFAULT_TARGET_SET]
    return {t.indicator: catalog[t.indicator].name_zh for t in ts.targets}


def _state(query: dict) -> TargetsState | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    return targets_state(shared_warehouse(), query)


def _query(state: dict, **changes) -> dict:
    """The URL query of the current view, with ``changes`` applied (None removes a key)."""
    query = {
        "set": None if state["set"] == read.DEFAULT_TARGET_SET else state["set"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
        "reading": None if state["reading"] == DEFAULT_READING else state["reading"],
        "method": state["method"],
        "domain": state["domain"],
        "status": state["statuses"],
        "city": None if state["city"] == PROVINCE_CODE else state["city"],
        "target": state["target"],
    }
    query.update(changes)
    return query


def _href(state: dict, **changes) -> str:
    return "/targets" + to_search(_query(state, **changes))


def _export_query(state: dict) -> dict:
    """The view's query for its export buttons, the as-of pinned to the one shown."""
    return _query(state, as_of=as_of_key(state["as_of"]))


def _phase(state: dict) -> str:
    ts, as_of = state["ts"], state["as_of"]
    how = "" if state["newest"] else f"，{read.reading_label(state['reading'])}"
    if state["final"]:
        return f"总结评估 · 截至 {ts.target_year} 年末（数据截至 {month_label(as_of)}{how}）"
    if ts.midterm_year and as_of.year == ts.midterm_year:
        return f"中期评估 · {ts.midterm_year} 年（数据截至 {month_label(as_of)}{how}）"
    return f"规划实施监测（数据截至 {month_label(as_of)}{how}）"


# --- header and summary ------------------------------------------------------------------------


def _labelled(label: str, control, id_: str) -> html.Div:
    return html.Div([html.Label(label, className="small text-muted mb-0", htmlFor=id_), control])


def _controls(state: dict) -> list:
    wh = shared_warehouse()
    sets = read.target_sets(wh)
    return [
        _labelled(
            "目标集",
            dropdown(
                id=TARGETS_SET,
                options=[
                    {"label": n, "value": s}
                    for s, n in sets.select("target_set", "target_set_name").iter_rows()
                ],
                value=state["set"],
                clearable=False,
                style={"minWidth": "16rem"},
            ),
            TARGETS_SET,
        ),
        _labelled(
            "数据截至",
            dropdown(
                id=TARGETS_AS_OF,
                options=as_of_options(read.vintages(wh)),
                value=as_of_key(state["as_of"]),
                clearable=False,
                style={"minWidth": "9rem"},
            ),
            TARGETS_AS_OF,
        ),
        _labelled(
            "数据口径",
            reading_dropdown(TARGETS_READING, state["reading"]),
            TARGETS_READING,
        ),
        _labelled(
            "评估方法",
            dropdown(
                id=TARGETS_METHOD,
                options=[{"label": label, "value": m} for m, label in METHOD_LABELS.items()],
                value=state["method"],
                placeholder="各目标默认方法",
                style={"minWidth": "15rem"},
            ),
            TARGETS_METHOD,
        ),
        _labelled(
            "地区",
            dropdown(
                id=TARGETS_CITY,
                options=[
                    {"label": "江苏省（全省）" if c == PROVINCE_CODE else n, "value": c}
                    for c, n in state["names"].items()
                ],
                value=state["city"],
                clearable=False,
                style={"minWidth": "13rem"},
            ),
            TARGETS_CITY,
        ),
    ]


def _summary(state: dict, rows: pl.DataFrame) -> html.Div:
    region = state["names"][state["city"]]
    parts = [html.H2(_phase(state), className="section-title mb-1", id=TARGETS_PHASE)]
    for label, total, counts in verdict_counts(rows.to_dicts()):
        badges = [
            html.Span(
                dcc.Link(
                    [status_badge(v), html.Span(f" {n}", className="ms-1 me-2 fw-bold")],
                    href=_href(state, status=[v], target=None),
                    className="text-reset text-decoration-none",
                    title=f"只看{STATUS_STYLE[v][0]}的目标",
                ),
                **{"data-status": v, "data-count": str(n), "data-group": label},
            )
            for v, n in counts
        ]
        parts.append(
            html.Div(
                [html.Span(f"{region} · {label} {total} 项：", className="me-1 fw-semibold")]
                + badges,
                className="d-flex flex-wrap align-items-center gap-1 mb-1"
                + (" targets-final-count" if label == "量化目标" and state["final"] else ""),
            )
        )
    parts.append(verdict_legend({v for v in rows["verdict"].to_list()}, className="mt-1"))
    return html.Div(parts, className="mb-3", id=TARGETS_SUMMARY)


# --- targets table -----------------------------------------------------------------------------


def _progress_cell(row: dict):
    progress = progress_at_verdict(row)
    if row["target_value"] is None:
        return html.Span("定性目标", className="small text-muted")
    if progress is None:
        return html.Span("—", className="small text-muted")
    colour = STATUS_STYLE.get(row["verdict"], STATUS_STYLE["not_assessable"])[1]
    share = max(0.0, min(1.0, progress))
    return html.Div(
        [
            dbc.Progress(
                value=round(100 * share),
                className="progress-thin flex-grow-1",
                style={"--bs-progress-bar-bg": colour, "minWidth": "4rem"},
            ),
            html.Span(progress_words(progress), className="small fw-semibold targets-progress"),
        ],
        className="d-flex align-items-center gap-2",
        title=f"自基期起已完成目标的 {100 * progress:.1f}%",
    )


def _explain_details(row: dict, final: bool) -> html.Details:
    body = [html.Div(_explanation(row), className="mb-1")]
    if row.get("since_text"):
        body.append(html.Div(row["since_text"] + "（截止后的数据，不改变评估结论）"))
    return html.Details(
        [
            html.Summary("计算过程", className="small text-primary"),
            html.Div(
                body, className="small text-muted targets-explain", style={"maxWidth": "28rem"}
            ),
        ],
        className="mt-1",
    )


MD_UP = "d-none d-md-table-cell"  # columns a phone leaves out (the name cell sums them up)


def _fell_back(row: dict) -> bool:
    """Whether the target was read by a documented fallback rather than its own method."""
    used = row.get("method_used")
    return bool(used) and used != row["method"] and bool(row.get("fallback"))


def _explanation(row: dict) -> str:
    """How the verdict was reached: the final assessment once there is one, else the tracking
    method's working."""
    if row["verdict"] in FINAL_VERDICTS:
        return row["final_explain"] or "—"
    return row["explain"] or "—"


def _value_when(r: dict) -> str:
    """When the value a verdict is about was observed: 2025 年末, or the latest period."""
    if r["verdict"] in FINAL_VERDICTS:
        return f"{int(r['target_year'])} 年末"
    return value_time_label(r["current_year"], r.get("compute_type"))


def _phone_summary(r: dict, final: bool) -> html.Div:
    """What a phone shows of a target under its name: verdict, value / target, progress."""
    unit, decimals = r["unit"], r["decimals"]
    quantified = r["target_value"] is not None
    target = (
        f"目标 {fmt_value(r['target_value'], unit, decimals)}（{int(r['target_year'])} 年）"
        if quantified
        else (r["statement"] or "定性目标")
    )
    return html.Div(
        [
            html.Div(
                verdict_badge(r, text=True),
                className="d-flex flex-wrap align-items-center gap-1 my-1",
            ),
            html.Div(
                [
                    html.Span(
                        f"{fmt_value(r['shown_value'], unit, decimals)}",
                        className="fw-bold me-1",
                    ),
                    html.Span(f"（{_value_when(r)}）· {target}"),
                ],
                className="small",
            ),
            _progress_cell(r) if quantified else None,
        ],
        className="d-md-none",
    )


def _target_row(state: dict, r: dict) -> html.Tr:
    unit, decimals = r["unit"], r["decimals"]
    final = state["final"]
    quantified = r["target_value"] is not None
    domain_binding = f"{r['domain']} · {BINDING_LABELS.get(r['binding'], r['binding'] or '')}"
    cells = [
        html.Td(
            [
                dcc.Link(
                    r["name_zh"],
                    href=_href(state, target=r["indicator"]),
                    className="fw-semibold targets-name",
                ),
                html.Div(domain_binding, className="small text-muted d-lg-none"),
                _phone_summary(r, final),
                _explain_details(r, final),
            ],
            style={"minWidth": "11rem"},
        ),
        html.Td(r["domain"], className="d-none d-lg-table-cell small text-nowrap"),
        html.Td(
            BINDING_LABELS.get(r["binding"], r["binding"] or ""),
            className="d-none d-lg-table-cell small text-nowrap",
        ),
        html.Td(
            [
                html.Div(fmt_value(r["baseline_value"], unit, decimals)),
                html.Div(time_label(r["baseline_year"]), className="small text-muted"),
            ],
            className=f"{MD_UP} text-nowrap",
        ),
        html.Td(
            [
                html.Div(target_figure(r), className="fw-bold targets-latest"),
                html.Div(_value_when(r), className="small text-muted"),
                since_line(r, className="small text-muted targets-since"),
            ],
            className=f"{MD_UP} text-nowrap",
        ),
        html.Td(
            [
                html.Div(fmt_value(r["target_value"], unit, decimals)),
                html.Div(f"{int(r['target_year'])} 年", className="small text-muted"),
            ]
            if quantified
            else html.Div(
                r["statement"] or "定性目标", className="small", style={"minWidth": "8rem"}
            ),
            className=f"{MD_UP} text-nowrap" if quantified else MD_UP,
        ),
        html.Td(_progress_cell(r), className=MD_UP, style={"minWidth": "8rem"}),
        html.Td(
            verdict_badge(r, text=True),
            className=f"{MD_UP} targets-status",
            title=_explanation(r),
        ),
    ]
    cells += [
        html.Td(
            [
                html.Div(METHOD_SHORT.get(r["method"], r["method"])),
                html.Div(
                    "→ " + METHOD_SHORT.get(r["method_used"], r["method_used"]),
                    className="small text-muted",
                )
                if _fell_back(r)
                else None,
            ],
            className=f"{MD_UP} small text-nowrap",
            title=METHOD_LABELS.get(r["method"], r["method"])
            + (f"；{FALLBACK_LABELS.get(r['fallback'], '')}" if _fell_back(r) else ""),
        ),
        html.Td(
            r["responsible_units"],
            className=f"{MD_UP} small text-muted",
            style={"minWidth": "10rem", "maxWidth": "18rem"},
        ),
    ]
    return html.Tr(
        cells,
        className="table-active" if r["indicator"] == state["target"] else None,
        **{
            "data-indicator": r["indicator"],
            "data-status": r["verdict"],
            "data-final": r["final_status"] or "",
            "data-quantified": "true" if quantified else "false",
        },
    )


def _filters(state: dict) -> html.Div:
    offered = [*FINAL_VERDICTS, *IN_PROGRESS_VERDICTS] if state["final"] else IN_PROGRESS_VERDICTS
    status_options = [
        {"label": f"{STATUS_STYLE[v][2]} {STATUS_STYLE[v][0]}", "value": v} for v in offered
    ]
    return html.Div(
        [
            _labelled(
                "领域",
                dropdown(
                    id=TARGETS_DOMAIN,
                    options=[{"label": d, "value": d} for d in DOMAINS],
                    value=state["domain"],
                    placeholder="全部领域",
                    style={"minWidth": "10rem"},
                ),
                TARGETS_DOMAIN,
            ),
            _labelled(
                "状态",
                dropdown(
                    id=TARGETS_STATUS,
                    options=status_options,
                    value=state["statuses"],
                    multi=True,
                    placeholder="全部状态",
                    style={"minWidth": "16rem"},
                ),
                TARGETS_STATUS,
            ),
            dcc.Link(
                "清除筛选",
                href=_href(state, domain=None, status=None),
                className="small align-self-end mb-2",
            )
            if state["domain"] or state["statuses"]
            else None,
        ],
        className="d-flex flex-wrap gap-2 mb-2",
    )


def _table(state: dict, rows: pl.DataFrame) -> html.Div:
    wanted = set(state["statuses"])
    shown = [
        r
        for r in rows.iter_rows(named=True)
        if (state["domain"] is None or r["domain"] == state["domain"])
        and (not wanted or r["verdict"] in wanted)
    ]
    shown = sort_rows(shown, final=state["final"], order=state["order"])
    header = [
        "目标（点击查看详情）",
        "领域",
        "类型",
        "基期",
        f"{state['ts'].target_year} 年末值" if state["final"] else "最新",
        "目标值",
        "进度",
        f"总结评估（{state['ts'].target_year} 年末）" if state["final"] else "状态",
        "方法",
        "责任单位",
    ]
    lg_only = {"领域", "类型"}
    thead = html.Thead(
        html.Tr(
            [
                html.Th(
                    h,
                    className="d-none d-lg-table-cell"
                    if h in lg_only
                    else ("text-nowrap" if i == 0 else f"{MD_UP} text-nowrap"),
                )
                for i, h in enumerate(header)
            ]
        )
    )
    body = [_target_row(state, r) for r in shown]
    if not body:
        body = [
            html.Tr(
                html.Td("没有符合筛选条件的目标。", colSpan=len(header), className="text-muted")
            )
        ]
    region = state["names"][state["city"]]
    return html.Div(
        [
            html.Div(
                f"{region} · 显示 {len(shown)} / {rows.height} 项目标（滞后的排在前面）",
                className="small text-muted mb-1",
                id=TARGETS_COUNT,
            ),
            dbc.Table(
                [thead, html.Tbody(body)],
                size="sm",
                hover=True,
                responsive=True,
                className="align-middle mb-1",
                id=TARGETS_TABLE,
            ),
            html.Div(
                "进度 = 自基期起已走完的份额（进度条截于 0–100%）；状态按所示方法判定，"
                "展开“计算过程”可见判定所用的数字。"
                + (
                    f"总结评估以 {state['ts'].target_year} 年末的数值与目标比较。"
                    if state["final"]
                    else ""
                ),
                className="small text-muted",
            ),
        ]
    )


# --- heatmap -----------------------------------------------------------------------------------


def _heatmap(state: dict, frame: pl.DataFrame) -> html.Div:
    numeric = [
        t.indicator
        for t in state["ts"].targets
        if t.target is not None
        and (state["domain"] is None or default_catalog()[t.indicator].domain == state["domain"])
    ]
    regions = list(state["names"].items())
    fig = heatmap_figure(
        frame.filter(pl.col("indicator").is_in(numeric)),
        indicators=numeric,
        regions=regions,
        final=state["final"],
        selected_region=state["city"],
        selected_indicator=state["target"],
    )
    cells = frame.filter(pl.col("indicator").is_in(numeric))
    if state["final"]:
        what = (
            f"规划期已过：颜色与文字 = 总结评估（{state['ts'].target_year} 年末是否达到目标），"
            "悬停可见截止时的值与此后的数据"
        )
    else:
        what = "颜色、符号与文字 = 目标状态"
    legend = [verdict_legend(set(cells["verdict"].to_list()))]
    return html.Div(
        [
            html.Div(
                f"{len(regions)} 个地区 × {len(numeric)} 项量化目标 · {what} · "
                f"数据截至 {month_label(state['as_of'])} · 点击单元格查看该地区该目标",
                className="small text-muted mb-1",
            ),
            html.Div(
                dcc.Graph(
                    id=TARGETS_HEATMAP_GRAPH,
                    figure=fig,
                    config={"displaylogo": False, "displayModeBar": False},
                    style={"minWidth": "640px"},
                ),
                style={"overflowX": "auto"},
            ),
            html.Div(legend, className="d-flex flex-wrap gap-1 mt-1"),
        ],
        id=TARGETS_HEATMAP,
        **{"data-rows": str(len(regions)), "data-columns": str(len(numeric))},
    )


# --- detail ------------------------------------------------------------------------------------


def _numbers_table(row: dict) -> dbc.Table:
    numbers = json.loads(row["numbers"] or "{}")
    body = [
        html.Tr(
            [
                html.Td(NUMBER_LABELS.get(k, k), className="small"),
                html.Td(
                    format_number(k, v, row["unit"], row["decimals"]),
                    className="small text-end text-nowrap fw-semibold",
                ),
            ],
            **{"data-key": k},
        )
        for k, v in numbers.items()
    ]
    if not body:
        body = [html.Tr(html.Td("本次评估没有可计算的关键数。", className="small text-muted"))]
    return dbc.Table([html.Tbody(body)], size="sm", className="mb-2", id=TARGET_DETAIL_NUMBERS)


def _methods_table(state: dict, row: dict) -> html.Div:
    frame = method_comparison(
        shared_warehouse(), state["set"], state["as_of"], row["indicator"], state["city"]
    )
    if frame.height <= 1:
        return html.Div(id=TARGET_DETAIL_METHODS)
    body = [
        html.Tr(
            [
                html.Td(
                    METHOD_SHORT.get(m["method"], m["method"])
                    + ("（默认）" if m["is_default_method"] else ""),
                    className="small text-nowrap",
                    title=METHOD_LABELS.get(m["method"], m["method"]),
                ),
                html.Td(status_badge(m["status"]), title=m["explain"] or ""),
                html.Td(
                    "—" if m["ratio"] is None else f"比值 {m['ratio']:.2f}",
                    className="small text-nowrap",
                ),
                html.Td(
                    dcc.Link(
                        "改用此法",
                        href=_href(state, method=m["method"]),
                        className="small text-nowrap",
                    )
                    if m["method"] != row["method"]
                    else html.Span("当前", className="small text-muted")
                ),
            ],
            **{"data-method": m["method"]},
        )
        for m in frame.iter_rows(named=True)
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Span("三种方法对比", className="small fw-semibold me-auto"),
                    export_buttons("target_methods", _export_query(state)),
                ],
                className="d-flex flex-wrap align-items-center gap-1 mb-1",
            ),
            dbc.Table([html.Tbody(body)], size="sm", responsive=True, className="mb-2"),
        ],
        id=TARGET_DETAIL_METHODS,
    )


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


def _track_record_block() -> html.Details | None:
    """The probabilities' track record: Brier score against the base rate, and reliability."""
    summary, bins = read.track_record(shared_warehouse())
    if summary is None:
        return None
    return html.Details(
        [
            html.Summary("达标概率的历史检验（Brier 分数与可靠性图）", className="small"),
            html.Div(
                [
                    html.P(track_record_text(summary), className="small mb-1"),
                    dcc.Graph(
                        id=TARGET_TRACK_RECORD_CHART,
                        figure=track_record_figure(bins),
                        config={"displaylogo": False, "displayModeBar": False},
                    ),
                ]
            ),
        ],
        className="mt-2",
        id=TARGET_TRACK_RECORD,
    )


def _final_block(state: dict, row: dict) -> html.Div | None:
    if not state["final"] or row["target_value"] is None:
        return None
    unit, decimals = row["unit"], row["decimals"]
    if not row["final_status"]:
        return dbc.Alert(
            "规划期末之前没有观测值，无法作总结评估。", color="light", id=TARGET_DETAIL_FINAL
        )
    at_deadline = value_at_deadline(row["target_value"], row["final_gap"], row["polarity"])
    gap = row["final_gap"]
    amount = verdict_gap_text(gap, unit, decimals)
    gap_text = "恰好达到目标" if gap == 0 else ("优于目标 " if gap > 0 else "距目标差 ") + amount
    reached = (
        f"{time_label(row['first_reached'])}首次达到目标"
        if row["first_reached"] is not None
        else "规划期内从未达到目标"
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        f"总结评估（{int(row['target_year'])} 年末）：", className="fw-semibold"
                    ),
                    verdict_badge(row, big=True),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-1",
            ),
            html.Ul(
                [
                    html.Li(
                        f"期末值 {fmt_value(at_deadline, unit, decimals)}，"
                        f"目标 {fmt_value(row['target_value'], unit, decimals)}"
                    ),
                    html.Li(gap_text),
                    html.Li(reached),
                    html.Li(row["since_text"] + "（不改变评估结论）")
                    if row.get("since_text")
                    else None,
                ],
                className="small mb-1 ps-3",
            ),
            html.Div(row["final_explain"] or "", className="small text-muted"),
        ],
        className="border rounded p-2 mb-2",
        style={"--bs-border-color": STATUS_STYLE[row["verdict"]][1], "borderWidth": "2px"},
        id=TARGET_DETAIL_FINAL,
        **{"data-final": row["final_status"]},
    )


def _cities_block(state: dict, frame: pl.DataFrame, row: dict) -> html.Div:
    rows = [
        r
        for r in frame.filter(
            (pl.col("indicator") == row["indicator"]) & (pl.col("region_code") != PROVINCE_CODE)
        ).iter_rows(named=True)
    ]
    rows = sort_rows(rows, final=state["final"], order={})
    names = state["names"]
    unit, decimals = row["unit"], row["decimals"]
    quantified = row["target_value"] is not None
    final = state["final"] and quantified
    header = [
        "城市",
        f"{int(row['target_year'])} 年末值" if final else "当前值",
        "目标",
        "进度",
        "总结评估" if final else "状态",
        "",
    ]
    sm_up = "d-none d-sm-table-cell"  # a phone keeps city, values and statuses
    body = []
    for r in rows:
        cells = [
            html.Td(
                dcc.Link(names[r["region_code"]], href=f"/city/{r['region_code']}"),
                className="text-nowrap",
            ),
            html.Td(
                target_figure(r),
                className="text-nowrap fw-semibold",
                title=r.get("since_text") or "",
            ),
            html.Td(
                fmt_value(r["target_value"], unit, decimals) if quantified else "—",
                className="text-nowrap",
            ),
            html.Td(_progress_cell(r), className=sm_up, style={"minWidth": "7rem"}),
            html.Td(verdict_badge(r, text=True), title=_explanation(r)),
        ]
        cells.append(
            html.Td(
                dcc.Link(
                    "在本页查看",
                    href=_href(state, city=r["region_code"]),
                    className="small text-nowrap",
                )
                if r["region_code"] != state["city"]
                else html.Span("当前", className="small text-muted"),
                className=sm_up,
            )
        )
        body.append(
            html.Tr(
                cells,
                className="table-active" if r["region_code"] == state["city"] else None,
                **{
                    "data-region": r["region_code"],
                    "data-status": r["verdict"],
                    "data-final": r["final_status"] or "",
                },
            )
        )
    basis = row.get("city_targets_basis")
    return html.Div(
        [
            html.Div(
                [
                    html.H3(
                        f"13 个设区市 · {row['name_zh']}（{unit}），"
                        f"数据截至 {month_label(state['as_of'])}",
                        className="h6 fw-semibold mb-0 me-auto",
                    ),
                    export_buttons("target_cities", _export_query(state)),
                ],
                className="d-flex flex-wrap align-items-center gap-1 mb-2",
            ),
            dbc.Alert(["各市目标为分解示例：", basis], color="light", className="small py-1 mb-2")
            if basis
            else None,
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id=TARGET_DETAIL_CITY_CHART,
                            figure=city_figure(rows, names=names),
                            config={"displaylogo": False, "displayModeBar": False},
                        ),
                        lg=5,
                    ),
                    dbc.Col(
                        dbc.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th(
                                                h,
                                                className=f"{sm_up} text-nowrap"
                                                if h in ("进度", "")
                                                else "text-nowrap",
                                            )
                                            for h in header
                                        ]
                                    )
                                ),
                                html.Tbody(body),
                            ],
                            size="sm",
                            responsive=True,
                            hover=True,
                            className="align-middle small mb-0",
                        ),
                        lg=7,
                    ),
                ],
                className="g-2",
            ),
        ],
        id=TARGET_DETAIL_CITIES,
    )


def _detail(state: dict, frame: pl.DataFrame) -> dbc.Card:
    names = state["names"]
    region = names[state["city"]]
    matches = frame.filter(
        (pl.col("indicator") == state["target"]) & (pl.col("region_code") == state["city"])
    )
    close = dcc.Link(
        "× 关闭详情",
        href=_href(state, target=None),
        className="btn btn-sm btn-outline-secondary text-nowrap",
        id=TARGET_DETAIL_CLOSE,
    )
    if matches.is_empty():
        name = default_catalog()[state["target"]].name_zh
        return dbc.Card(
            [
                dbc.CardHeader(
                    html.Div(
                        [html.Span(f"{name} · {region}"), close],
                        className="d-flex justify-content-between align-items-center",
                    )
                ),
                dbc.CardBody(
                    dbc.Alert(
                        f"截至 {month_label(state['as_of'])}，{region}尚无该目标的评估数据。",
                        color="light",
                        className="mb-0",
                    )
                ),
            ],
            className="mb-3",
            id=TARGET_DETAIL,
        )
    row = matches.row(0, named=True)
    unit = row["unit"]
    quantified = row["target_value"] is not None
    series = read.series(
        shared_warehouse(),
        row["indicator"],
        [state["city"]],
        state["as_of"],
        reading=state["reading"],
    )
    fig = detail_figure(series, row, region_name=region, final=state["final"])
    model, forecast_rows = read.forecast(
        shared_warehouse(),
        row["indicator"],
        state["city"],
        state["as_of"],
        reading=state["reading"],
    )
    if model is not None:
        add_forecast(fig, forecast_rows, unit=unit, decimals=row["decimals"])
    target_text = (
        f"目标 {fmt_value(row['target_value'], unit, row['decimals'])}（{int(row['target_year'])} 年末）"
        if quantified
        else f"定性目标：{row['statement'] or '—'}"
    )
    header = html.Div(
        [
            html.Div(
                [
                    html.H2(f"{row['name_zh']} · {region}", className="h5 mb-0 me-2 d-inline"),
                    verdict_badge(row, big=True),
                ],
                className="d-flex flex-wrap align-items-center gap-1",
            ),
            close,
        ],
        className="d-flex justify-content-between align-items-start gap-2",
    )
    notes = []
    if not quantified:
        notes.append(
            dbc.Alert(
                [
                    html.Strong("定性目标："),
                    row["statement"] or "—",
                    "。规划没有给出数值目标，状态按实际增速与固定阈值判定（Open SDG 无目标方法），"
                    "图中不画达标路径。",
                ],
                color="info",
                className="small py-2 mb-2",
            )
        )
    if row["verdict"] == "not_assessable":
        notes.append(
            dbc.Alert(
                [html.Strong("无法评估："), row["explain"] or "—"],
                color="secondary",
                className="small py-2 mb-2",
                id="target-detail-not-assessable",
            )
        )
    info = html.Ul(
        [
            html.Li([html.Span("规划条款：", className="text-muted"), row["target_clause"] or "—"]),
            html.Li(
                [
                    html.Span("类型：", className="text-muted"),
                    BINDING_LABELS.get(row["binding"], row["binding"] or "—"),
                    html.Span(" · 领域：", className="text-muted"),
                    row["domain"],
                ]
            ),
            html.Li(
                [
                    html.Span("评估方法：", className="text-muted"),
                    METHOD_LABELS.get(row["method"], row["method"]),
                    "（本页所选）" if state["method"] else "（默认）",
                    f"；{FALLBACK_LABELS.get(row['fallback'], '')}，实际按"
                    f"{METHOD_LABELS.get(row['method_used'], row['method_used'])}"
                    if _fell_back(row)
                    else "",
                ]
            ),
            html.Li([html.Span("责任单位：", className="text-muted"), row["responsible_units"]]),
        ],
        className="small ps-3 mb-2",
    )
    caption = (
        f"{row['name_zh']} · {region} · 年度值（{unit}；年末值，当年至今为最新值），"
        f"数据截至 {month_label(state['as_of'])}。基期 {time_label(row['baseline_year'])} "
        f"{fmt_value(row['baseline_value'], unit, row['decimals'])}，{target_text}。"
    )
    card = dbc.Card(
        [
            dbc.CardHeader(header),
            dbc.CardBody(
                [
                    *notes,
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.Div(caption, className="small text-muted mb-1"),
                                    dcc.Graph(
                                        id=TARGET_DETAIL_CHART,
                                        figure=fig,
                                        config={"displaylogo": False},
                                    ),
                                    html.Div(
                                        forecast_summary(
                                            model, compute_type=row.get("compute_type")
                                        ),
                                        className="small mt-1",
                                        id="target-detail-forecast",
                                    )
                                    if model is not None
                                    else None,
                                    # scored on outcomes known now: not part of a replay
                                    _track_record_block()
                                    if model is not None and state["newest"]
                                    else None,
                                ],
                                lg=7,
                            ),
                            dbc.Col(
                                [
                                    info,
                                    _final_block(state, row),
                                    html.Div("计算过程", className="small fw-semibold mb-1"),
                                    html.Div(
                                        _explanation(row),
                                        className="small bg-light border rounded p-2 mb-2",
                                        id="target-detail-explain",
                                    ),
                                    *(
                                        [
                                            _numbers_table(row),
                                            # the stored comparison is of the default reading
                                            _methods_table(state, row)
                                            if state["reading"] == DEFAULT_READING
                                            else html.Div(id=TARGET_DETAIL_METHODS),
                                        ]
                                        if row["verdict"] not in FINAL_VERDICTS
                                        else [html.Div(id=TARGET_DETAIL_METHODS)]
                                    ),
                                ],
                                lg=5,
                            ),
                        ],
                        className="g-3 mb-2",
                    ),
                    _cities_block(state, frame, row),
                ]
            ),
        ],
        className="border-primary",
    )
    return html.Div(
        card,
        className="mb-3",
        id=TARGET_DETAIL,
        **{"data-indicator": row["indicator"], "data-region": state["city"]},
    )


# --- layout ------------------------------------------------------------------------------------


def _card(header, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], **kwargs)


def _report_link(state: dict) -> html.Div:
    """To 报告导出 with this view's region, as-of and target set chosen."""
    ts = state["ts"]
    kind = phase(ts.target_year, ts.midterm_year, state["as_of"]).report_title
    query = {
        "set": None if state["set"] == read.DEFAULT_TARGET_SET else state["set"],
        "region": None if state["city"] == PROVINCE_CODE else state["city"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
    }
    return html.Div(
        dcc.Link(
            f"导出{state['names'][state['city']]}{kind}（PDF / Excel）→",
            href="/reports" + to_search(query),
            id=TARGETS_REPORT_LINK,
        ),
        className="small mb-3 d-print-none",
    )


def layout(**query):
    state = _state(query)
    if state is None:
        return html.Div([page_header("目标追踪"), not_ready()])
    wh = shared_warehouse()
    frame = read.progress(
        wh, state["set"], state["as_of"], method=state["method"], reading=state["reading"]
    )
    rows = frame.filter(pl.col("region_code") == state["city"])
    region = state["names"][state["city"]]
    ts = state["ts"]
    return html.Div(
        [
            page_header(
                "目标追踪",
                f"{ts.name_zh}（{ts.document}）· 基期 {ts.baseline_year} 年，目标 "
                f"{ts.target_year} 年 · {region}",
                _controls(state),
            ),
            _summary(state, rows),
            _report_link(state),
            _detail(state, frame) if state["target"] else None,
            _card(
                export_header(f"{region}的规划目标", "targets", _export_query(state)),
                [_filters(state), _table(state, rows)],
                className="mb-3",
            ),
            _card(
                export_header("13 市 × 目标 · 状态一览", "targets_heatmap", _export_query(state)),
                _heatmap(state, frame),
                className="mb-3",
            ),
            html.P(
                "数据来源：数据仓库中的目标进度表（target_progress）与指标值（indicator_values），"
                "均为所选“数据截至”日期当时已知的数据；评估方法见 docs/tracking-methods.md。",
                className="small text-muted",
            ),
        ]
    )


# --- callback ----------------------------------------------------------------------------------


@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(TARGETS_SET, "value"),
    Input(TARGETS_AS_OF, "value"),
    Input(TARGETS_READING, "value"),
    Input(TARGETS_METHOD, "value"),
    Input(TARGETS_CITY, "value"),
    Input(TARGETS_DOMAIN, "value"),
    Input(TARGETS_STATUS, "value"),
    Input(TARGETS_HEATMAP_GRAPH, "clickData"),
    State(_ids.PAGES_LOCATION, "search"),
    prevent_initial_call=True,
)
def targets_state_to_url(target_set, as_of, reading, method, city, domain, status, click, search):
    """Put the page's controls, filters and a clicked heatmap cell into the URL."""
    if len(ctx.triggered_prop_ids) != 1:
        # the page's controls all "change" when the layout renders: that is no user's choice
        return dash.no_update
    query: dict = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    trigger = ctx.triggered_id
    if trigger == TARGETS_SET:
        query["set"] = None if target_set == read.DEFAULT_TARGET_SET else target_set
        query["target"] = None
    elif trigger == TARGETS_AS_OF:
        query["as_of"] = as_of
    elif trigger == TARGETS_READING:
        query["reading"] = None if reading == DEFAULT_READING else reading
    elif trigger == TARGETS_METHOD:
        query["method"] = method
    elif trigger == TARGETS_CITY:
        query["city"] = None if city == PROVINCE_CODE else city
    elif trigger == TARGETS_DOMAIN:
        query["domain"] = domain
    elif trigger == TARGETS_STATUS:
        query["status"] = list(status or [])
    elif trigger == TARGETS_HEATMAP_GRAPH and click and click.get("points"):
        set_id = query.get("set") or read.DEFAULT_TARGET_SET
        cell = heatmap_cell(click["points"][0], region_names(), _target_names(set_id))
        if cell is None:
            return dash.no_update
        code, indicator = cell
        query["city"] = None if code == PROVINCE_CODE else code
        query["target"] = indicator
    new = to_search(query)
    return dash.no_update if new == (search or "") else new


__all__ = [
    "city_figure",
    "decimal_year_to_date",
    "detail_figure",
    "format_number",
    "heatmap_cell",
    "heatmap_figure",
    "layout",
    "required_path",
    "sort_rows",
    "time_label",
    "value_at_deadline",
    "wrap_label",
]
