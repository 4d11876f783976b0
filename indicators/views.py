"""What a page shows, resolved once from its URL: the view states of /targets and /indicators.

A page's callbacks and its table exports (:mod:`reports.app_tables`) call the same function with
the same query, so an export always holds what the page showed: same defaults, same fallbacks
for unknown values, same as-of and reading. The functions are free of Dash and take the
warehouse to read from. The states are typed dicts, so both callers can read them by key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

import polars as pl

from datasets import access
from datasets.regions import PROVINCE_CODE
from indicators import read
from indicators.catalog import DOMAINS, TargetSet, default_catalog
from indicators.county import COUNTY_LAYERS
from indicators.periods import series_view
from indicators.readings import DEFAULT_READING, parse_reading
from indicators.text import METHOD_LABELS
from indicators.verdict import VERDICT_ORDER

COMPOSITE = "综合"  # the composite index, as a map layer and a league column

# links made before the verdicts named a missed target "not_achieved"
LEGACY_STATUSES = {"not_achieved": "final_not_achieved"}


def split_param(value) -> list[str]:
    """``a,b`` (or a list) → [a, b]; empty → []."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [v for v in str(value or "").split(",") if v]


def target_set_of(query: dict) -> str:
    """The query's target set (``set``), or the default one when it names none that exists."""
    target_set = query.get("set")
    return target_set if target_set in default_catalog().target_sets else read.default_target_set()


def reading_of(query: dict) -> str:
    """The query's reading (``reading``), or the default when it names none."""
    try:
        return parse_reading(query.get("reading"))
    except ValueError:
        return DEFAULT_READING


def city_of(query: dict, names: dict[str, str]) -> str:
    """The region in focus: the query's ``city`` when it is one the user may see, else the
    user's own city (a city user) or the province."""
    scope = access.current_scope()
    home = scope.city if scope is not None and scope.city in names else PROVINCE_CODE
    city = query.get("city")
    if city in names and (scope is None or scope.sees_region(city)):
        return city
    return home


def region_names() -> dict[str, str]:
    """Province (全省) and the 13 cities, in code order."""
    names = dict(read.regions().select("region_code", "name_zh").iter_rows())
    names[PROVINCE_CODE] = "全省"
    return names


class TargetsState(TypedDict):
    set: str
    ts: TargetSet
    as_of: dt.date
    reading: str
    newest: bool
    as_of_given: bool
    city: str
    names: dict[str, str]
    method: str | None
    domain: str | None
    statuses: list[str]
    target: str | None
    deadline: dt.date
    final: bool
    order: dict[str, int]


def targets_state(warehouse, query: dict) -> TargetsState | None:
    """/targets: the target set, as-of, reading, city, method, filters and selected target of
    ``query`` (unknown values fall back to the defaults); None before indicators are computed."""
    if not warehouse.exists() or not read.ready(warehouse):
        return None
    target_set = target_set_of(query)
    ts = default_catalog().target_sets[target_set]
    as_of = read.resolve_as_of(warehouse, query.get("as_of"))
    names = region_names()
    statuses = [
        LEGACY_STATUSES.get(s, s)
        for s in split_param(query.get("status"))
        if LEGACY_STATUSES.get(s, s) in VERDICT_ORDER
    ]
    reading = reading_of(query)
    deadline = dt.date(ts.target_year, 12, 31)
    return TargetsState(
        set=target_set,
        ts=ts,
        as_of=as_of,
        reading=reading,
        newest=as_of == read.vintages(warehouse)[-1],
        as_of_given=bool(query.get("as_of")),
        city=city_of(query, names),
        names=names,
        method=query.get("method") if query.get("method") in METHOD_LABELS else None,
        domain=query.get("domain") if query.get("domain") in DOMAINS else None,
        statuses=statuses,
        target=query.get("target") if ts.target(query.get("target") or "") else None,
        deadline=deadline,
        final=as_of >= deadline,
        order={t.indicator: i for i, t in enumerate(ts.targets)},
    )


class RiskView(TypedDict):
    as_of: dt.date
    reading: str


def risk_view(warehouse, query: dict) -> RiskView:
    """/risk: the as-of (the latest vintage on or before the URL's) and the reading the page's
    warnings, scores, scans and anomalies are read in."""
    return RiskView(
        as_of=read.resolve_as_of(warehouse, query.get("as_of")), reading=reading_of(query)
    )


class CockpitState(TypedDict):
    set: str
    ts: TargetSet
    as_of: dt.date
    reading: str
    newest: bool
    city: str
    layer: str
    final: bool
    big: bool
    rotate: int
    refresh: int


def _whole(value, default: int) -> int:
    text = str(value if value not in (None, "") else default)
    return int(text) if text.isdigit() else default


def cockpit_state(warehouse, query: dict) -> CockpitState | None:
    """The cockpit (``/``): target set, as-of, reading, the city in focus, the map layer (the
    composite, a domain or an indicator) and the big screen's options (``screen=big``,
    ``rotate`` and ``refresh`` seconds); None before indicators are computed."""
    if not warehouse.exists() or not read.ready(warehouse):
        return None
    catalog = default_catalog()
    target_set = target_set_of(query)
    ts = catalog.target_sets[target_set]
    as_of = read.resolve_as_of(warehouse, query.get("as_of"))
    city = city_of(query, region_names())
    layer = query.get("layer") or COMPOSITE
    if layer not in (COMPOSITE, *DOMAINS) and layer not in catalog.indicators:
        layer = COMPOSITE
    return CockpitState(
        set=target_set,
        ts=ts,
        as_of=as_of,
        reading=reading_of(query),
        newest=as_of == read.vintages(warehouse)[-1],
        city=city,
        layer=layer,
        final=as_of >= dt.date(ts.target_year, 12, 31),
        big=query.get("screen") == "big",
        rotate=_whole(query.get("rotate"), 0),
        refresh=_whole(query.get("refresh"), 300),
    )


class CityState(TypedDict):
    code: str
    name: str
    set: str
    ts: TargetSet
    as_of: dt.date
    final: bool
    layer: str | None
    query: dict


def city_state(warehouse, code: str, query: dict) -> CityState | None:
    """A city page (``/city/<code>``): target set, as-of and the county map's layer; None
    before indicators are computed. ``code`` must be one of the 13 cities."""
    if not warehouse.exists() or not read.ready(warehouse):
        return None
    target_set = target_set_of(query)
    ts = default_catalog().target_sets[target_set]
    as_of = read.resolve_as_of(warehouse, query.get("as_of"))
    layer = query.get("layer")
    return CityState(
        code=code,
        name=region_names()[code],
        set=target_set,
        ts=ts,
        as_of=as_of,
        final=as_of >= dt.date(ts.target_year, 12, 31),
        layer=layer if layer in COUNTY_LAYERS else None,
        query={k: val for k, val in query.items() if k in ("as_of", "set", "layer")},
    )


class IndicatorState(TypedDict, total=False):
    catalog: pl.DataFrame
    code: str | None
    domain: str | None
    q: str
    as_of: dt.date
    as_of_given: bool
    row: dict[str, Any]
    regions: list[str] | None
    regions_given: bool
    period: str | None
    # plus the series view of the selected indicator (indicators.periods.series_view)


def indicator_state(warehouse, query: dict) -> IndicatorState | None:
    """/indicators: the catalog filter (domain, search) and the selected indicator (``code``)
    with its series view (regions, period type, range); None before indicators are computed."""
    if not warehouse.exists() or not read.ready(warehouse):
        return None
    catalog = read.catalog(warehouse)
    codes = catalog["indicator"].to_list()
    code = query.get("code") if query.get("code") in codes else None
    state = IndicatorState(
        catalog=catalog,
        code=code,
        domain=query.get("domain") if query.get("domain") in DOMAINS else None,
        q=(query.get("q") or "").strip()[:50],
        as_of=read.resolve_as_of(warehouse, query.get("as_of")),
        as_of_given=bool(query.get("as_of")),
        regions=None,
        period=None,
    )
    state["from"] = None
    state["to"] = None
    if code is None:
        return state
    row = catalog.filter(pl.col("indicator") == code).row(0, named=True)
    state |= {"row": row, **series_view(row, query)}
    return state
