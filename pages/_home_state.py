"""The cockpit's ids, map style, pure helpers and URL state."""

from __future__ import annotations

from urllib.parse import quote

from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.views import CockpitState, cockpit_state
from pages._components import (
    evaluation_label,
)

COCKPIT_CARDS = "cockpit-cards"
COCKPIT_MAP = "cockpit-map"
COCKPIT_LAGGING = "cockpit-lagging"
COCKPIT_DUBAN = "cockpit-duban"
COCKPIT_ECONOMY = "cockpit-economy"
COCKPIT_AS_OF = "cockpit-as-of"
COCKPIT_LAYER = "cockpit-layer"
COCKPIT_CITY_CLEAR = "cockpit-city-clear"
COCKPIT_SUMMARY = "cockpit-summary"
COCKPIT_BIG = "cockpit-big"
COCKPIT_BIG_BODY = "cockpit-big-body"
COCKPIT_BIG_MAP = "cockpit-big-map"
COCKPIT_TICK = "cockpit-tick"
COCKPIT_STATE = "cockpit-state"
COCKPIT_WARNINGS = "cockpit-warnings"
COCKPIT_READING = "cockpit-reading"

JIANGSU_CENTER = {"lat": 32.95, "lon": 119.45}
ECONOMY = [  # (indicator, period type, short label)
    ("gdp_growth", "quarter", "GDP 增速"),
    ("fixed_asset_investment_growth", "month", "固定资产投资增速"),
    ("retail_sales_growth", "month", "社零总额增速"),
    ("budget_revenue_growth", "month", "一般公共预算收入增速"),
]
# A MapLibre style with only a background layer: dark, and nothing to download.
DARK_MAP_STYLE = {
    "version": 8,
    # a style must have "sources", and an empty object does not survive the page's in-place
    # update (MapLibre then rejects the style): one unused point keeps it
    "sources": {
        "none": {"type": "geojson", "data": {"type": "Point", "coordinates": [0, 0]}},
    },
    "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#0b1526"}}
    ],
}


# --- pure helpers ------------------------------------------------------------------------------


def sparkline_svg(
    values: list[float | None],
    *,
    target: float | None = None,
    colour: str = "#0072B2",
    width: int = 120,
    height: int = 32,
) -> str:
    """A tiny line chart as an SVG data URI; the target, if given, is a dashed line."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and v == v]
    if len(points) < 2:
        return ""
    ys = [v for _, v in points] + ([target] if target is not None else [])
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or 1.0
    n = max(len(values) - 1, 1)

    def xy(i: float, v: float) -> tuple[float, float]:
        return 2 + (width - 4) * i / n, height - 2 - (height - 4) * (v - lo) / span

    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    if target is not None:
        _, ty = xy(0, target)
        parts.append(
            f'<line x1="0" y1="{ty:.1f}" x2="{width}" y2="{ty:.1f}" stroke="#8C8C8C" '
            'stroke-width="1" stroke-dasharray="3,2"/>'
        )
    parts.append(
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/></svg>'
    )
    return "data:image/svg+xml;utf8," + quote("".join(parts))


def period_label(period: str) -> str:
    """'2026-09' (year to date) → '2026年1–9月'; '2026Q3' → '2026年前三季度'; '2025' → '2025年'."""
    if "Q" in period:
        year, q = period.split("Q")
        return f"{year}年" + {"1": "一季度", "2": "上半年", "3": "前三季度", "4": "全年"}[q]
    if "-" in period:
        year, month = period.split("-")
        return f"{year}年1–{int(month)}月" if int(month) > 1 else f"{year}年1月"
    return f"{period}年"


def _state(query: dict) -> CockpitState | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    return cockpit_state(shared_warehouse(), query)


def _evaluation_label(state: dict) -> str:
    # a replay says which reading of "known then" it shows
    how = "" if state["newest"] else f"，{read.reading_label(state['reading'])}"
    return evaluation_label(state["ts"], state["as_of"], how)
