"""The economy page's ids, labels, palette, pure helpers and URL state."""

from __future__ import annotations

from datasets.regions import cities
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.economy import (
    economy_indicators,
    economy_period_text,
    load_view,
    resolve_view,
)
from pages._components import (
    as_of_key,
)

ECONOMY_KPIS = "economy-kpis"
ECONOMY_INDICATOR = "economy-indicator"
ECONOMY_PERIOD = "economy-period"
ECONOMY_CITIES = "economy-cities"
ECONOMY_AS_OF = "economy-as-of"
ECONOMY_FROM = "economy-from"
ECONOMY_TO = "economy-to"
ECONOMY_LEVELS = "economy-levels"
ECONOMY_GROWTH = "economy-growth"
ECONOMY_SHARES = "economy-shares"
ECONOMY_TREND = "economy-trend"
ECONOMY_TABLE = "economy-table"
ECONOMY_NOTE = "economy-note"

KPIS = [  # (indicator, period type) of the province strip
    ("gdp_growth", "quarter"),
    ("fixed_asset_investment_growth", "month"),
    ("retail_sales_growth", "month"),
    ("budget_revenue_growth", "month"),
    ("cpi", "month"),
    ("unemployment_rate", "month"),
]
PERIOD_WORDS = {"month": "月", "quarter": "季度", "year": "年"}
DEFAULT_FROM_WORDS = {"month": "近 24 个月", "quarter": "近 12 个季度", "year": "近 10 年"}
SELECTED, OTHER, PROVINCE_COLOUR = "#0072B2", "#A6C8E0", "#1b2a41"
PALETTE = [  # Okabe–Ito, then Tol's muted: distinguishable lines for up to 13 cities
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#117733",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
]
GRAPH_CONFIG = {"displaylogo": False}
# Dash 4 dropdowns hold a 208 px focus input that would stick out of narrow ones.
NO_OVERFLOW = {"overflow": "hidden"}


# --- pure helpers ------------------------------------------------------------------------------


def fmt_number(value: float | None, unit: str, decimals: int) -> str:
    """A figure with its unit (an index such as CPI carries none: 上年同月=100 goes in labels)."""
    if value is None or value != value:
        return "—"
    text = f"{value:,.{decimals}f}"
    if unit == "%":
        return text + "%"
    if "=" in unit:
        return text
    return f"{text} {unit}"


def change_text(delta: float | None, unit: str) -> str:
    """A change against a year earlier: percentage points for rates, points for an index."""
    if delta is None or delta != delta:
        return "上年同期无数据"
    word = "个百分点" if unit == "%" else ("点" if "=" in unit else unit)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return f"比上年同期 {sign}{abs(delta):.1f} {word}"


# --- state -------------------------------------------------------------------------------------


def _indicators() -> dict:
    return economy_indicators()


def _is_level(ind) -> bool:
    return ind.unit == "亿元"


def _is_ytd(ind) -> bool:
    return "year to date" in ind.name_en.lower()


def _state(query: dict) -> dict | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return None
    state = resolve_view(wh, query)
    state["names"] = dict(cities().select("region_code", "name_zh").iter_rows())
    return state


def _export_query(state: dict) -> dict:
    """The page's state for its export buttons (the as-of pinned to the one shown)."""
    return {
        "indicator": state["indicator"],
        "period": state["period"],
        "cities": None if len(state["cities"]) == len(state["all_cities"]) else state["cities"],
        "as_of": as_of_key(state["as_of"]),
        "from": state["from"],
        "to": state["to"],
    }


def _load(state: dict) -> dict:
    """The selected indicator's values as known at ``as_of``, with growth, shares and labels."""
    return load_view(shared_warehouse(), state)


def _label(state: dict, data: dict, period: str) -> str:
    through = data["through"] if period == data["latest"] and data["running"] else None
    return economy_period_text(period, ytd=_is_ytd(state["ind"]), through=through)
