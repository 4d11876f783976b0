"""The city page's ids, constants, pure helpers and URL state."""

from __future__ import annotations

import math

import polars as pl

from datasets.regions import cities
from datasets.warehouse import shared_warehouse
from indicators.views import CityState, city_state
from pages._components import (
    as_of_key,
    evaluation_label,
    to_search,
)

CITY_TITLE = "city-title"
CITY_SELECT = "city-select"
CITY_AS_OF = "city-as-of"
CITY_SET = "city-set"
CITY_LAYER = "city-layer"
CITY_SUMMARY = "city-summary"
CITY_TARGETS = "city-targets"
CITY_RANKS = "city-ranks"
CITY_ALL_RANKS = "city-all-ranks"
CITY_STRENGTHS = "city-strengths"
CITY_GAPS = "city-gaps"
CITY_COUNTY_MAP = "city-county-map"
CITY_COUNTY_GRAPH = "city-county-graph"
CITY_COUNTY_TABLE = "city-county-table"
CITY_UNKNOWN = "city-unknown"

N_CITIES = 13
# Units whose totals grow with a city's size: a low rank there is scale, not performance.
SCALE_UNITS = {"亿元", "个", "件", "项", "万张", "家", "类", "万人", "人", "起"}
MAP_HEIGHT = 420


# --- pure helpers ------------------------------------------------------------------------------


def rank_text(rank: int | None, n: int = N_CITIES) -> str:
    """'第 3/13' (— when unranked)."""
    return "—" if rank is None else f"第 {rank}/{n}"


def strengths_and_weaknesses(
    ranks: pl.DataFrame, *, best: int = 3, worst: int = N_CITIES - 2
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Indicators ranked ``best`` or better (strengths) and ``worst`` or worse (weaknesses).

    ``ranks`` has ``indicator, rank`` (1 = best of 13) and whatever else to show; strengths come
    best first, weaknesses worst first.
    """
    strong = ranks.filter(pl.col("rank") <= best).sort("rank", "indicator")
    weak = ranks.filter(pl.col("rank") >= worst).sort("rank", "indicator", descending=[True, False])
    return strong, weak


def county_view(features: list[dict], width: int = 280, height: int = MAP_HEIGHT - 20) -> dict:
    """Map centre and zoom that fit the features' bounding box into a ``width``×``height`` box.

    Web-Mercator: at zoom z the world is 512·2^z px wide, so
    z = log2(px · 360 / (512 · span)). The default box is a phone's card less the colour bar, so the counties fit
    on every screen.
    """
    lons, lats = [], []

    def walk(coords):
        if coords and isinstance(coords[0], int | float):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    if not lons:
        return {"center": {"lat": 32.95, "lon": 119.45}, "zoom": 5.6}
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(east - west, 1e-6)
    lat_span = max((merc(north) - merc(south)) * 180 / math.pi, 1e-6)
    zoom = min(
        math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))
    )
    mid = math.degrees(math.atan(math.sinh((merc(north) + merc(south)) / 2)))
    return {"center": {"lat": mid, "lon": (west + east) / 2}, "zoom": round(zoom - 0.1, 2)}


# --- state -------------------------------------------------------------------------------------


def _city_names() -> dict[str, str]:
    return dict(cities().select("region_code", "name_zh").iter_rows())


def _state(code: str, query: dict) -> CityState | None:
    """Resolve the path and query into the view state (None when nothing is computed yet)."""
    return city_state(shared_warehouse(), code, query)


def _evaluation_label(state: dict) -> str:
    return evaluation_label(state["ts"], state["as_of"])


def _export_query(state: dict, **extra) -> dict:
    """The page's state for its export buttons (the city, as-of pinned to the one shown)."""
    return {"code": state["code"], "set": state["set"], "as_of": as_of_key(state["as_of"]), **extra}


def _target_href(state: dict, indicator: str) -> str:
    return "/targets" + to_search(
        {"target": indicator, "city": state["code"], "as_of": as_of_key(state["as_of"])}
    )


# --- header, summary ---------------------------------------------------------------------------
