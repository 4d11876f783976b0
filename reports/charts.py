"""Server-side SVG charts for the PDF evaluation report.

Every function returns an ``<svg>…</svg>`` string of plain SVG 1.1 that weasyprint draws as it
is (no CSS variables, scripts, ``foreignObject`` or external references) and that can be inlined
in the report's HTML. Output is deterministic: coordinates are written with one decimal and no
element carries a generated id, so the same inputs give the same string.

- :func:`nice_ticks` — "nice" 1-2-5 axis ticks (Heckbert's loose labelling).
- :func:`path_chart` — an indicator's path: actual values at year ends, the running year, the
  path required to reach the target, baseline, target, forecast bands and the plan's deadline.
- :func:`status_bar` — one horizontal stacked bar of counts per status.

Colours are Okabe–Ito (colour-blind safe); text is set in Noto Sans CJK SC.

References
----------
Heckbert, P. S. (1990). "Nice numbers for graph labels". In *Graphics Gems*, 61–63.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

__all__ = ["nice_ticks", "path_chart", "status_bar"]

FONT_FAMILY = "'Noto Sans CJK SC', sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"

ACTUAL_COLOUR = "#1b2a41"
REQUIRED_COLOUR = "#E69F00"
TARGET_COLOUR = "#D55E00"
FORECAST_COLOUR = "#0072B2"
GREY = "#8C8C8C"
GRID_COLOUR = "#eef1f5"
AXIS_COLOUR = "#c5cbd3"
TEXT_COLOUR = "#4a5566"

TICK_SIZE = 9
LEGEND_SIZE = 9.5
TITLE_SIZE = 10
LABEL_SIZE = 9.5
LEGEND_ROW = 15
NO_DATA = "暂无数据"

_CHART_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")

# Advance widths of Noto Sans CJK SC glyphs, in em, for laying out labels without a font engine.
_NARROW_WIDTHS = {".": 0.278, ",": 0.278, " ": 0.224, "-": 0.347, "%": 0.921, "/": 0.392}


# --------------------------------------------------------------------------------------------
# Ticks


def _nice_number(x: float, *, round_: bool) -> float:
    """Heckbert's nice number near ``x`` (> 0): 1, 2 or 5 (or 10) times a power of ten."""
    exponent = math.floor(math.log10(x))
    fraction = x / 10.0**exponent
    if round_:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10.0**exponent


def _step_decimals(step: float) -> int:
    """Decimals needed to write multiples of ``step`` (a 1-2-5 number) exactly."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` evenly spaced "nice" ticks (steps of 1, 2 or 5 × 10ᵏ) covering ``[lo, hi]``.

    Heckbert's loose labelling: the step is the nice number nearest ``range / (n - 1)`` where
    ``range`` is the nice number at or above ``hi - lo``; the first tick is the largest multiple
    of the step at or below ``lo`` and the last the smallest at or above ``hi``, so the ticks
    always cover the data. ``lo > hi`` is swapped. When ``lo == hi`` the range is widened to
    ``lo ± 10 %`` (``± 1`` around zero). Ticks are rounded to the step's decimals, so
    ``0.1 + 0.2`` comes out as ``0.3``.

    >>> nice_ticks(0, 100)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    if n < 2:
        raise ValueError(f"nice_ticks 需要至少 2 个刻度（n={n}）")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_ticks 的范围必须是有限数（lo={lo}, hi={hi}）")
    lo, hi = (float(lo), float(hi)) if lo <= hi else (float(hi), float(lo))
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        half = abs(lo) * 0.1 if lo != 0 else 1.0
        lo, hi = lo - half, hi + half
    span = _nice_number(hi - lo, round_=False)
    step = _nice_number(span / (n - 1), round_=True)
    decimals = _step_decimals(step)
    # The tolerance keeps 0.004 / 0.001 = 4.000000000000001 from adding a tick past the data.
    first = math.floor(lo / step + 1e-6)
    last = math.ceil(hi / step - 1e-6)
    return [round(k * step, decimals) + 0.0 for k in range(first, last + 1)]


# --------------------------------------------------------------------------------------------
# Small helpers


def _num(x: float) -> str:
    """A coordinate with one decimal (never ``-0.0``)."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _format_value(value: float, decimals: int) -> str:
    """``1234.5`` → ``1,234.5``; never ``-0``."""
    if round(value, decimals) == 0:
        value = 0.0
    return f"{value:,.{decimals}f}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text}{unit}" if unit else text


def _text_width(text: str, size: float) -> float:
    """Estimated width in px of ``text`` set in Noto Sans CJK SC at ``size`` px."""
    em = 0.0
    for char in text:
        if char in _NARROW_WIDTHS:
            em += _NARROW_WIDTHS[char]
        elif char.isdigit() and char.isascii():
            em += 0.555
        elif ord(char) >= 0x2E80:  # CJK ideographs, kana, full-width punctuation
            em += 1.0
        else:
            em += 0.62
    return em * size


def _finite(value) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _clean_points(points: Iterable[tuple[date, float]] | None) -> list[tuple[date, float]]:
    """Points with a date and a finite value, sorted by date."""
    if not points:
        return []
    kept = [(d, float(v)) for d, v in points if d is not None and _finite(v)]
    return sorted(kept, key=lambda p: p[0].toordinal())


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float,
    anchor: str = "start",
    fill: str = TEXT_COLOUR,
    weight: str | None = None,
    cls: str | None = None,
) -> str:
    attrs = [f'x="{_num(x)}"', f'y="{_num(y)}"', f'font-size="{size:g}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if cls:
        attrs.append(f'class="{cls}"')
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def _svg_open(width: int, height: int, *, chart_id: str | None, label: str) -> str:
    id_attr = f' id="{chart_id}"' if chart_id else ""
    return (
        f'<svg xmlns="{SVG_NS}" version="1.1"{id_attr} width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}"'
        f' role="img" aria-label={quoteattr(label)}>'
    )


def _no_data(width: int, *, chart_id: str | None = None, height: int = 60) -> str:
    return (
        _svg_open(width, height, chart_id=chart_id, label=NO_DATA)
        + _text(width / 2, height / 2 + 4, NO_DATA, size=11, anchor="middle", fill=GREY)
        + "</svg>"
    )


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"图表尺寸必须为正（width={width}, height={height}）")


def _star(cx: float, cy: float, r: float) -> str:
    """A five-pointed star's path data centred on (cx, cy) with outer radius r."""
    corners = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        corners.append(
            f"{_num(cx + radius * math.cos(angle))},{_num(cy + radius * math.sin(angle))}"
        )
    return "M" + " L".join(corners) + " Z"


def _boxes_overlap(a: tuple[float, ...], b: tuple[float, ...], gap: float = 2.0) -> bool:
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def _label_with_backdrop(box: tuple[float, float, float, float], body: str) -> str:
    """Text over a translucent white box, so a label stays readable where it crosses a line."""
    x0, y0, x1, y1 = box
    return (
        f'<rect x="{_num(x0 - 2)}" y="{_num(y0)}" width="{_num(x1 - x0 + 4)}"'
        f' height="{_num(y1 - y0)}" fill="#ffffff" fill-opacity="0.85"/>' + body
    )


# --------------------------------------------------------------------------------------------
# Path chart


def _forecast_rows(forecast: Sequence[dict] | None) -> list[dict]:
    rows = [r for r in (forecast or []) if r.get("period_end") is not None]
    return sorted(rows, key=lambda r: r["period_end"].toordinal())


def _band(rows: list[dict], lo_key: str, hi_key: str) -> list[tuple[date, float, float]]:
    return [
        (r["period_end"], float(r[lo_key]), float(r[hi_key]))
        for r in rows
        if _finite(r.get(lo_key)) and _finite(r.get(hi_key))
    ]


def _y_domain(values: list[float], unit: str) -> list[float]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.04
    padded_lo, padded_hi = lo - pad, hi + pad
    # Padding must not invent negative counts or rates above 100 %.
    if lo >= 0:
        padded_lo = max(padded_lo, 0.0)
    if unit == "%" and hi <= 100:
        padded_hi = min(padded_hi, 100.0)
    if padded_hi == padded_lo == 0:
        return [0.0, 1.0]
    ticks = nice_ticks(padded_lo, padded_hi, 5)
    if lo >= 0 and ticks[0] < 0:  # the lo == hi widening can cross zero
        ticks = [t for t in ticks if t >= 0]
    return ticks


def _tick_decimals(ticks: list[float], decimals: int) -> int:
    if all(abs(t - round(t)) < 1e-9 for t in ticks):
        return 0
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return max(decimals, _step_decimals(step))


def _legend_layout(
    entries: list[tuple[str, str]], left: float, right: float
) -> list[list[tuple[str, str, float]]]:
    """Legend entries (kind, label) placed in rows: each row a list of (kind, label, x)."""
    rows: list[list[tuple[str, str, float]]] = [[]]
    x = left
    for kind, label in entries:
        item_width = 22 + _text_width(label, LEGEND_SIZE)
        if rows[-1] and x + item_width > right:
            rows.append([])
            x = left
        rows[-1].append((kind, label, x))
        x += item_width + 14
    return rows if rows[0] else []


def _legend_symbol(kind: str, x: float, cy: float) -> str:
    x1 = x + 18
    line = f'x1="{_num(x)}" y1="{_num(cy)}" x2="{_num(x1)}" y2="{_num(cy)}"'
    mid = x + 9
    if kind == "actual":
        return (
            f'<line {line} stroke="{ACTUAL_COLOUR}" stroke-width="1.8"/>'
            f'<circle cx="{_num(mid)}" cy="{_num(cy)}" r="2.6" fill="{ACTUAL_COLOUR}"/>'
        )
    if kind == "running":
        return (
            f'<line {line} stroke="{ACTUAL_COLOUR}" stroke-width="1.5" stroke-dasharray="1.5 2"/>'
            f'<circle cx="{_num(x1 - 3)}" cy="{_num(cy)}" r="2.8" fill="#ffffff"'
            f' stroke="{ACTUAL_COLOUR}" stroke-width="1.3"/>'
        )
    if kind == "required":
        return (
            f'<line {line} stroke="{REQUIRED_COLOUR}" stroke-width="1.8" stroke-dasharray="5 3"/>'
        )
    if kind == "median":
        return f'<line {line} stroke="{FORECAST_COLOUR}" stroke-width="1.6"/>'
    if kind == "band":
        return (
            f'<rect x="{_num(x)}" y="{_num(cy - 5)}" width="18" height="10"'
            f' fill="{FORECAST_COLOUR}" fill-opacity="0.12"/>'
            f'<rect x="{_num(x)}" y="{_num(cy - 2.5)}" width="18" height="5"'
            f' fill="{FORECAST_COLOUR}" fill-opacity="0.25"/>'
        )
    if kind == "baseline":
        return f'<rect x="{_num(mid - 3)}" y="{_num(cy - 3)}" width="6" height="6" fill="{GREY}"/>'
    # target
    return f'<path d="{_star(mid, cy, 5.5)}" fill="{TARGET_COLOUR}"/>'


def path_chart(
    *,
    chart_id: str,
    actual: Sequence[tuple[date, float]],
    running: Sequence[tuple[date, float]] = (),
    required: Sequence[tuple[date, float]] | None = None,
    baseline: tuple[date, float] | None = None,
    target: tuple[date, float] | None = None,
    forecast: Sequence[dict] | None = None,
    deadline: date | None = None,
    unit: str = "",
    decimals: int = 1,
    y_title: str = "",
    width: int = 640,
    height: int = 250,
) -> str:
    """An indicator's path towards its target, as an SVG string of ``width`` × ``height`` px.

    Parameters
    ----------
    chart_id
        The root ``<svg>``'s id (letters, digits, ``_ - .``); unique within the report.
    actual
        Completed years' values, dated at year ends: a solid line with filled markers.
    running
        The running year's latest value(s): a dotted line on from the last actual point, with a
        hollow marker at the end; the legend calls it ``<year> 年至今``.
    required
        The path required to reach the target: a dashed line.
    baseline, target
        ``(date, value)``: a grey square; a star labelled ``目标 <value><unit>``.
    forecast
        Monthly rows ``{"period_end", "mean", "lo80", "hi80", "lo95", "hi95"}``: the 95 % and
        80 % bands, then the median path.
    deadline
        The plan's end: a dotted vertical line labelled 规划期末.
    unit, decimals
        ``"%"`` puts a ``%`` after the y-axis ticks; ``decimals`` formats the target label and
        the ticks (ticks drop decimals when they are all integers, and add some when their step
        needs them).
    y_title
        The y-axis title, written above the axis (``一件事通办完成率（%）``).

    Values that are ``None`` or NaN are skipped. With nothing to plot the chart is a small
    box reading 暂无数据. The x axis is labelled with the year at each year end (a year's value
    sits at 31 December over its label); the y axis uses :func:`nice_ticks` over every plotted
    value, bands, baseline and target included.
    """
    if not _CHART_ID.fullmatch(chart_id or ""):
        raise ValueError(f"chart_id {chart_id!r} 无效：只能含字母、数字、_ - .，且不以数字开头")
    _check_size(width, height)
    if decimals < 0:
        raise ValueError(f"decimals 不能为负（{decimals}）")

    actual_pts = _clean_points(actual)
    running_pts = _clean_points(running)
    required_pts = _clean_points(required)
    baseline_pt = _clean_points([baseline] if baseline else [])
    target_pt = _clean_points([target] if target else [])
    rows = _forecast_rows(forecast)
    band95 = _band(rows, "lo95", "hi95")
    band80 = _band(rows, "lo80", "hi80")
    median = [(r["period_end"], float(r["mean"])) for r in rows if _finite(r.get("mean"))]

    series_points = actual_pts + running_pts + required_pts + baseline_pt + target_pt + median
    band_rows = band95 + band80
    if not series_points and not band_rows:
        return _no_data(width, chart_id=chart_id)

    # ---- domains
    values = [v for _, v in series_points] + [v for _, lo, hi in band_rows for v in (lo, hi)]
    days = [d.toordinal() for d, _ in series_points] + [d.toordinal() for d, _, _ in band_rows]
    if deadline is not None:
        days.append(deadline.toordinal())
    first_day, last_day = min(days), max(days)
    if first_day == last_day:
        first_day, last_day = first_day - 183, last_day + 183
    day_pad = max(10.0, (last_day - first_day) * 0.025)
    x_lo, x_hi = first_day - day_pad, last_day + day_pad
    y_ticks = _y_domain(values, unit)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    tick_decimals = _tick_decimals(y_ticks, decimals)
    tick_suffix = "%" if unit == "%" else ""
    y_labels = [_format_value(t, tick_decimals) + tick_suffix for t in y_ticks]

    # ---- legend (decides how much room the plot has)
    legend: list[tuple[str, str]] = []
    if actual_pts:
        legend.append(("actual", "实际值"))
    if running_pts:
        legend.append(("running", f"{running_pts[-1][0].year} 年至今"))
    if required_pts:
        legend.append(("required", "达标所需路径"))
    if median:
        legend.append(("median", "预测（中位路径）"))
    if band80 or band95:
        levels = "/".join(p for p, b in (("80%", band80), ("95%", band95)) if b)
        legend.append(("band", f"预测 {levels} 区间"))
    if baseline_pt:
        legend.append(("baseline", "基期值"))
    if target_pt:
        legend.append(("target", "目标"))

    # ---- layout
    year_ticks = [
        year
        for year in range(
            date.fromordinal(int(x_lo)).year - 1, date.fromordinal(int(x_hi)).year + 1
        )
        if x_lo <= date(year, 12, 31).toordinal() <= x_hi
    ]
    plot_left = 8 + max(_text_width(label, TICK_SIZE) for label in y_labels) + 5
    plot_right = width - 14
    legend_rows = _legend_layout(legend, plot_left, width - 4)
    plot_top = 24.0 if y_title or deadline is not None else 12.0
    plot_bottom = height - 20 - LEGEND_ROW * len(legend_rows) - 4
    if plot_bottom - plot_top < 40:
        plot_bottom = plot_top + 40

    def sx(d: date | float) -> float:
        day = d.toordinal() if isinstance(d, date) else d
        return plot_left + (day - x_lo) / (x_hi - x_lo) * (plot_right - plot_left)

    def sy(v: float) -> float:
        return plot_bottom - (v - y_lo) / (y_hi - y_lo) * (plot_bottom - plot_top)

    def points_attr(pts: Iterable[tuple[date, float]]) -> str:
        return " ".join(f"{_num(sx(d))},{_num(sy(v))}" for d, v in pts)

    label = y_title or "指标路径"
    out = [_svg_open(width, height, chart_id=chart_id, label=label)]

    # ---- grid and axes
    out.append('<g class="grid">')
    for tick, tick_label in zip(y_ticks, y_labels, strict=True):
        y = sy(tick)
        out.append(
            f'<line x1="{_num(plot_left)}" y1="{_num(y)}" x2="{_num(plot_right)}"'
            f' y2="{_num(y)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        out.append(
            _text(plot_left - 5, y + 3.2, tick_label, size=TICK_SIZE, anchor="end", cls="y-tick")
        )
    out.append(
        f'<line x1="{_num(plot_left)}" y1="{_num(plot_bottom)}" x2="{_num(plot_right)}"'
        f' y2="{_num(plot_bottom)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    # Thin out year labels when years are too close for their labels.
    year_gap = (plot_right - plot_left) * 365.25 / (x_hi - x_lo)
    every = next(
        (k for k in (1, 2, 5, 10, 20, 50) if year_gap * k >= _text_width("0000", TICK_SIZE) + 8),
        100,
    )
    for year in year_ticks:
        x = sx(date(year, 12, 31))
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(plot_bottom)}" x2="{_num(x)}"'
            f' y2="{_num(plot_bottom + 3)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        if year % every == 0:
            out.append(
                _text(x, plot_bottom + 13, str(year), size=TICK_SIZE, anchor="middle", cls="x-tick")
            )
    out.append("</g>")
    if y_title:
        out.append(_text(4, 13, y_title, size=TITLE_SIZE, fill=ACTUAL_COLOUR, cls="y-title"))
    title_box = (4.0, 3.0, 4 + _text_width(y_title, TITLE_SIZE), 16.0) if y_title else None

    # ---- deadline
    taken: list[tuple[float, float, float, float]] = []
    if deadline is not None:
        x = sx(deadline)
        out.append(
            f'<line class="deadline" x1="{_num(x)}" y1="{_num(plot_top)}" x2="{_num(x)}"'
            f' y2="{_num(plot_bottom)}" stroke="{GREY}" stroke-width="1"'
            ' stroke-dasharray="1.5 2.5"/>'
        )
        w = _text_width("规划期末", TICK_SIZE)
        # Above the plot, centred on the line, unless that hits the y-axis title or the edge.
        x_mid = min(max(x, w / 2 + 2), width - w / 2 - 2)
        box = (x_mid - w / 2, plot_top - 13, x_mid + w / 2, plot_top - 2)
        if plot_top - 13 < 0 or (title_box and _boxes_overlap(box, title_box)):
            left_side = x - 4 - w >= plot_left
            x0 = x - 4 - w if left_side else x + 4
            box = (x0, plot_top + 2, x0 + w, plot_top + 13)
            x_mid = x0 + w / 2
        out.append(
            _label_with_backdrop(
                box,
                _text(
                    x_mid,
                    box[3] - 2.5,
                    "规划期末",
                    size=TICK_SIZE,
                    anchor="middle",
                    fill=GREY,
                    cls="deadline-label",
                ),
            )
        )
        taken.append(box)

    # ---- forecast bands and median
    for band, opacity, cls in ((band95, "0.12", "band95"), (band80, "0.25", "band80")):
        if len(band) >= 2:
            upper = " ".join(f"{_num(sx(d))},{_num(sy(hi))}" for d, _, hi in band)
            lower = " ".join(f"{_num(sx(d))},{_num(sy(lo))}" for d, lo, _ in reversed(band))
            out.append(
                f'<polygon class="{cls}" points="{upper} {lower}" fill="{FORECAST_COLOUR}"'
                f' fill-opacity="{opacity}" stroke="none"/>'
            )
    if len(median) >= 2:
        out.append(
            f'<polyline class="median" points="{points_attr(median)}" fill="none"'
            f' stroke="{FORECAST_COLOUR}" stroke-width="1.6"/>'
        )
    elif median:
        d, v = median[0]
        out.append(
            f'<circle class="median" cx="{_num(sx(d))}" cy="{_num(sy(v))}" r="2.5"'
            f' fill="{FORECAST_COLOUR}"/>'
        )

    # ---- required path
    if len(required_pts) >= 2:
        out.append(
            f'<polyline class="required" points="{points_attr(required_pts)}" fill="none"'
            f' stroke="{REQUIRED_COLOUR}" stroke-width="1.8" stroke-dasharray="5 3"/>'
        )
    elif required_pts:
        d, v = required_pts[0]
        out.append(
            f'<circle class="required" cx="{_num(sx(d))}" cy="{_num(sy(v))}" r="2.5"'
            f' fill="{REQUIRED_COLOUR}"/>'
        )

    # ---- baseline
    if baseline_pt:
        d, v = baseline_pt[0]
        out.append(
            f'<rect class="baseline" x="{_num(sx(d) - 3.5)}" y="{_num(sy(v) - 3.5)}"'
            f' width="7" height="7" fill="{GREY}"/>'
        )

    # ---- actual and running
    if len(actual_pts) >= 2:
        out.append(
            f'<polyline class="actual" points="{points_attr(actual_pts)}" fill="none"'
            f' stroke="{ACTUAL_COLOUR}" stroke-width="2" stroke-linejoin="round"/>'
        )
    for d, v in actual_pts:
        out.append(
            f'<circle class="actual-marker" cx="{_num(sx(d))}" cy="{_num(sy(v))}" r="3"'
            f' fill="{ACTUAL_COLOUR}"/>'
        )
    if running_pts:
        run_line = (actual_pts[-1:] if actual_pts else []) + running_pts
        if len(run_line) >= 2:
            out.append(
                f'<polyline class="running" points="{points_attr(run_line)}" fill="none"'
                f' stroke="{ACTUAL_COLOUR}" stroke-width="1.6" stroke-dasharray="1.5 2.5"/>'
            )
        d, v = running_pts[-1]
        out.append(
            f'<circle class="running-marker" cx="{_num(sx(d))}" cy="{_num(sy(v))}" r="3.4"'
            f' fill="#ffffff" stroke="{ACTUAL_COLOUR}" stroke-width="1.5"/>'
        )

    # ---- target, with its label beside it where it fits and hits no other label
    if target_pt:
        d, v = target_pt[0]
        tx, ty = sx(d), sy(v)
        out.append(
            f'<path class="target" transform="translate({_num(tx)} {_num(ty)})"'
            f' d="{_star(0, 0, 6.5)}" fill="{TARGET_COLOUR}" stroke="#ffffff" stroke-width="0.8"/>'
        )
        text = "目标 " + _with_unit(_format_value(v, decimals), unit)
        w = _text_width(text, LABEL_SIZE)
        candidates = [
            (tx + 9, ty - 6, tx + 9 + w, ty + 6),  # right
            (tx - 9 - w, ty - 6, tx - 9, ty + 6),  # left
            (tx - w / 2, ty - 21, tx + w / 2, ty - 9),  # above
            (tx - w / 2, ty + 9, tx + w / 2, ty + 21),  # below
        ]

        def fits(box: tuple[float, float, float, float]) -> bool:
            inside = box[0] >= plot_left and box[2] <= width - 2
            inside = inside and box[1] >= plot_top - 2 and box[3] <= plot_bottom
            return inside and not any(_boxes_overlap(box, other) for other in taken)

        box = next((c for c in candidates if fits(c)), candidates[0])
        out.append(
            _label_with_backdrop(
                box,
                _text(
                    (box[0] + box[2]) / 2,
                    box[3] - 3,
                    text,
                    size=LABEL_SIZE,
                    anchor="middle",
                    fill=TARGET_COLOUR,
                    weight="bold",
                    cls="target-label",
                ),
            )
        )

    # ---- legend
    out.append('<g class="legend">')
    for i, row in enumerate(legend_rows):
        cy = plot_bottom + 20 + LEGEND_ROW * i + LEGEND_ROW / 2
        for kind, text, x in row:
            out.append(_legend_symbol(kind, x, cy))
            out.append(_text(x + 22, cy + 3.4, text, size=LEGEND_SIZE, fill=TEXT_COLOUR))
    out.append("</g>")
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Status bar


def _is_dark(colour: str) -> bool:
    """Whether white text reads better than dark text on ``colour`` (a ``#rgb``/``#rrggbb``)."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    if len(hex_digits) != 6:
        return True
    try:
        r, g, b = (int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return True

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    # White wins (WCAG contrast) below a relative luminance of about 0.18.
    return luminance < 0.18


def status_bar(
    *, counts: Sequence[tuple[str, int, str]], width: int = 640, height: int = 28
) -> str:
    """One horizontal stacked bar of ``(label, count, colour)`` segments, widths ∝ count.

    Each segment reads ``label count`` when that fits inside it (else just the count, else
    nothing); zero counts are left out; with no positive count the bar reads 暂无数据.
    """
    _check_size(width, height)
    for label, count, _ in counts:
        if count < 0:
            raise ValueError(f"{label} 的数量不能为负（{count}）")
    segments = [(label, count, colour) for label, count, colour in counts if count > 0]
    total = sum(count for _, count, _ in segments)
    if not total:
        return _no_data(width, height=max(height, 20))

    summary = "，".join(f"{label} {count}" for label, count, _ in segments)
    out = [_svg_open(width, height, chart_id=None, label=summary)]
    x = 0.0
    bar_top, bar_height = 2.0, height - 4.0
    size = min(10.0, max(7.0, bar_height * 0.5))
    for label, count, colour in segments:
        seg_width = width * count / total
        out.append(
            f'<rect class="segment" x="{_num(x)}" y="{_num(bar_top)}" width="{_num(seg_width)}"'
            f' height="{_num(bar_height)}" fill={quoteattr(colour)} stroke="#ffffff"'
            ' stroke-width="1"/>'
        )
        for text in (f"{label} {count}", str(count)):
            if _text_width(text, size) + 8 <= seg_width:
                fill = "#ffffff" if _is_dark(colour) else ACTUAL_COLOUR
                out.append(
                    _text(
                        x + seg_width / 2,
                        bar_top + bar_height / 2 + size * 0.36,
                        text,
                        size=size,
                        anchor="middle",
                        fill=fill,
                    )
                )
                break
        x += seg_width
    out.append("</svg>")
    return "".join(out)
