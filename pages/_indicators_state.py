"""The /indicators page's ids, labels and URL state, and the pure helpers its views share."""

from __future__ import annotations

import polars as pl

from datasets.regions import PROVINCE_CODE, cities, counties, region_table
from datasets.warehouse import shared_warehouse
from indicators import read
from indicators.periods import (
    period_bounds,
)
from indicators.views import IndicatorState, indicator_state
from pages._components import (
    as_of_key,
)

INDICATORS_LIST = "indicators-list"
INDICATORS_COUNT = "indicators-count"
INDICATORS_SEARCH = "indicators-search"
INDICATORS_DOMAIN = "indicators-domain"
INDICATORS_AS_OF = "indicators-as-of"
INDICATORS_DETAIL = "indicator-detail"
INDICATORS_FORMULA = "indicator-formula"
INDICATORS_TARGETS = "indicator-targets"
INDICATORS_VALUES = "indicator-values"
INDICATORS_CHART = "indicator-chart"
INDICATORS_REGIONS = "indicators-regions"
INDICATORS_PERIOD = "indicators-period"
INDICATORS_FROM = "indicators-from"
INDICATORS_TO = "indicators-to"
INDICATORS_OVERVIEW = "indicators-overview"
INDICATORS_SCROLL = "indicators-scroll-done"

KIND_LABELS = {"target": "目标", "context": "背景", "monitor": "监测"}
KIND_COLOURS = {"target": "primary", "context": "secondary", "monitor": "info"}
POLARITY_LABELS = {"higher": "越高越好", "lower": "越低越好", "neutral": "无方向"}
FREQUENCY_LABELS = {"month": "月度", "quarter": "季度", "year": "年度"}
PERIOD_WORDS = {"month": "月", "quarter": "季", "year": "年"}
# Okabe–Ito colours for the 13 cities and the province (black), distinguishable in print too.
LINE_COLOURS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#A6761D",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#661100",
    "#6699CC",
    "#888888",
]
SECONDARY_AXIS_RATIO = 3.0


# --- pure helpers ------------------------------------------------------------------------------


def filter_catalog(frame: pl.DataFrame, q: str = "", domain: str | None = None) -> pl.DataFrame:
    """Catalog rows matching the search text (name, English name, code or definition,
    case-insensitive) and the domain, in catalog order."""
    if domain:
        frame = frame.filter(pl.col("domain") == domain)
    q = (q or "").strip().lower()
    if q:
        text = pl.concat_str(
            [pl.col(c).fill_null("") for c in ("name_zh", "name_en", "indicator", "description")],
            separator=" ",
        ).str.to_lowercase()
        frame = frame.filter(text.str.contains(q, literal=True))
    return frame


def needs_secondary_axis(province: float | None, others: list[float | None]) -> bool:
    """Put the province on its own (right) axis when it dwarfs every other region shown
    (a total next to its parts), so the other lines stay readable."""
    rest = [abs(v) for v in others if v is not None and v == v]
    if province is None or not rest or max(rest) == 0:
        return False
    return abs(province) > SECONDARY_AXIS_RATIO * max(rest)


def bounds_text(lower: float | None, upper: float | None) -> str:
    """Natural bounds for people: ``0 – 100``, ``≥ 0``, ``≤ 1``, ``无``."""
    fmt = lambda v: f"{v:g}"  # noqa: E731
    if lower is not None and upper is not None:
        return f"{fmt(lower)} – {fmt(upper)}"
    if lower is not None:
        return f"≥ {fmt(lower)}"
    if upper is not None:
        return f"≤ {fmt(upper)}"
    return "无"


def region_options(available: set[str]) -> list[dict]:
    table = region_table()
    names = dict(table.select("region_code", "name_zh").iter_rows())
    options = [{"label": "江苏省（全省）", "value": PROVINCE_CODE}]
    options += [
        {"label": n, "value": c} for c, n in cities().select("region_code", "name_zh").iter_rows()
    ]
    county_rows = counties().filter(pl.col("region_code").is_in(sorted(available)))
    options += [
        {"label": f"{n}（{names.get(city, city)}）", "value": c}
        for c, n, city in county_rows.select("region_code", "name_zh", "city_code").iter_rows()
    ]
    return options


def view_state(query: dict) -> IndicatorState | None:
    """Resolve the URL query into the view state (None when nothing is computed yet)."""
    return indicator_state(shared_warehouse(), query)


def url_params(state: dict) -> dict:
    """The state as URL parameters (defaults left out)."""
    return {
        "code": state["code"],
        "domain": state["domain"],
        "q": state["q"],
        "regions": state["regions"] if state.get("regions_given") else None,
        "period": state["period"]
        if state["code"] and state["period"] != state["row"]["frequency"]
        else None,
        "from": state["from"],
        "to": state["to"],
        "as_of": as_of_key(state["as_of"]) if state["as_of_given"] else None,
    }


def export_query(state: dict) -> dict:
    """The view's query for its export buttons, the as-of pinned to the one shown."""
    return {**url_params(state), "as_of": as_of_key(state["as_of"])}


def series_of(state: dict) -> pl.DataFrame:
    """The selected indicator's values for every region at the state's period type and as-of."""
    wh = shared_warehouse()
    return read.series(wh, state["code"], [], state["as_of"], period_type=state["period"])


def in_range(frame: pl.DataFrame, state: dict) -> pl.DataFrame:
    if state["from"]:
        frame = frame.filter(pl.col("period_start") >= period_bounds(state["from"])[0])
    if state["to"]:
        frame = frame.filter(pl.col("period_end") <= period_bounds(state["to"])[1])
    return frame
