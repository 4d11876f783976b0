"""经济运行 computations shared by the /economy page and its exports: year-on-year growth of
levels (a running period compared with the same months a year earlier), shares of the 13
cities, ranks, period labels, and the page's view resolved from a URL query.

Pure functions over polars frames, plus two readers of ``indicator_values`` (through
:mod:`indicators.read`): :func:`resolve_view` and :func:`load_view`.
"""

from __future__ import annotations

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from indicators import read
from indicators.catalog import FREQUENCY_ORDER, default_catalog
from indicators.views import split_param

DOMAIN = "经济运行"
DEFAULT_INDICATOR = "gdp_growth"
DEFAULT_SPAN = {"month": 24, "quarter": 12, "year": 10}  # periods shown when no from/to
TABLE_PERIODS = 6
QUARTER_YTD = {"1": "一季度", "2": "上半年", "3": "前三季度", "4": "全年"}
QUARTER_WORDS = {"1": "一季度", "2": "二季度", "3": "三季度", "4": "四季度"}


def economy_indicators() -> dict:
    """The catalog's 经济运行 indicators by code."""
    return {c: i for c, i in default_catalog().indicators.items() if i.domain == DOMAIN}


def prior_period(period: str) -> str:
    """The same period a year earlier: '2023-06' → '2022-06', '2023Q2' → '2022Q2', '2023' → '2022'."""
    return str(int(period[:4]) - 1) + period[4:]


def coarse_period(period: str, period_type: str) -> str:
    """The ``period_type`` period containing a finer one: ('2023-05', 'quarter') → '2023Q2'."""
    if period_type == "year":
        return period[:4]
    if period_type == "quarter":
        if "Q" in period:
            return period
        return f"{period[:4]}Q{(int(period[5:7]) - 1) // 3 + 1}"
    return period


def yoy_growth(values: pl.DataFrame, prior_override: pl.DataFrame | None = None) -> pl.DataFrame:
    """Year-on-year growth of a level: growth = (value / value a year before − 1) × 100, in %.

    ``values`` has ``region_code, period, value``; the value a year before is the same region's
    row for :func:`prior_period`. ``prior_override`` (``region_code, period, prior``) replaces
    that base for some rows, e.g. a running year compared with the same months a year earlier
    (see :func:`comparable_prior`). Returns ``values`` with ``prior`` and ``growth`` (null when
    there is no base or the base is 0).
    """
    frame = values.with_columns(
        pl.col("period").map_elements(prior_period, return_dtype=pl.String).alias("_prior_period")
    )
    base = values.select(
        "region_code", pl.col("period").alias("_prior_period"), pl.col("value").alias("prior")
    )
    out = frame.join(base, on=["region_code", "_prior_period"], how="left")
    if prior_override is not None and prior_override.height:
        override = prior_override.select(
            "region_code", "period", pl.col("prior").alias("_override")
        )
        out = out.join(override, on=["region_code", "period"], how="left").with_columns(
            prior=pl.coalesce("_override", "prior")
        )
        out = out.drop("_override")
    growth = (
        pl.when(pl.col("prior").is_null() | (pl.col("prior") == 0))
        .then(None)
        .otherwise((pl.col("value") / pl.col("prior") - 1) * 100)
    )
    return out.with_columns(growth=growth).drop("_prior_period")


def comparable_prior(native: pl.DataFrame, period: str, period_type: str, how: str) -> pl.DataFrame:
    """The base for a running (incomplete) period: the same sub-periods one year earlier.

    ``native`` holds the indicator at its own frequency (``region_code, period, value``, e.g.
    months). For each region the running ``period`` covers its native periods up to the latest
    one known (``through``); the base is the previous year's native periods up to the same point,
    summed (``how='sum'``, e.g. monthly retail sales) or the last of them (``how='last'``, e.g. a
    year-to-date total). Returns ``region_code, period, prior, through``.
    """
    rows = native.with_columns(
        pl.col("period")
        .map_elements(lambda p: coarse_period(p, period_type), return_dtype=pl.String)
        .alias("_coarse")
    )
    current = rows.filter(pl.col("_coarse") == period)
    through = current.group_by("region_code").agg(pl.col("period").max().alias("through"))
    earlier = rows.filter(pl.col("_coarse") == prior_period(period)).with_columns(
        pl.col("period")
        .map_elements(lambda p: str(int(p[:4]) + 1) + p[4:], return_dtype=pl.String)
        .alias("_shifted")
    )
    joined = earlier.join(through, on="region_code").filter(pl.col("_shifted") <= pl.col("through"))
    agg = pl.col("value").sum() if how == "sum" else pl.col("value").sort_by("period").last()
    counts = joined.group_by("region_code").agg(
        agg.alias("prior"), pl.col("_shifted").max().alias("_last")
    )
    # a base that stops short of ``through`` (a missing month) is not comparable
    counts = counts.join(through, on="region_code").filter(pl.col("_last") == pl.col("through"))
    return counts.select("region_code", pl.lit(period).alias("period"), "prior", "through").sort(
        "region_code"
    )


def city_shares(values: pl.DataFrame, city_codes: list[str]) -> pl.DataFrame:
    """Each city's share of the 13 cities' sum, in %: share = value / Σ cities × 100.

    Rows of other regions (the province) are left out; ``values`` has ``region_code, value``.
    """
    frame = values.filter(pl.col("region_code").is_in(city_codes))
    total = frame["value"].sum()
    if not total:
        return frame.with_columns(share=pl.lit(None, dtype=pl.Float64))
    return frame.with_columns(share=pl.col("value") / total * 100)


def rank_regions(values: pl.DataFrame, polarity: str) -> pl.DataFrame:
    """Rank rows by ``value`` (1 = best; highest first unless ``polarity == 'lower'``)."""
    descending = polarity != "lower"
    return values.with_columns(
        rank=pl.col("value").rank(method="min", descending=descending).cast(pl.Int32)
    )


def economy_period_text(period: str, *, ytd: bool, through: str | None = None) -> str:
    """A period for people. Year-to-date figures say the months they cover.

    '2026-10' → '2026年1–10月' (ytd) or '2026年10月'; '2026Q3' → '2026年前三季度' (ytd) or
    '2026年三季度'; '2025' → '2025年'. A running period with ``through`` (its latest month or
    quarter) says how far it goes: ('2026', through '2026-10') → '2026年1–10月'.
    """
    year = period[:4]
    if through and through != period:
        if "Q" in through:  # a running year of quarterly data
            return f"{year}年{QUARTER_YTD[through[-1]]}"
        month = int(through[5:7])
        if "Q" in period and not ytd:
            return f"{year}年{QUARTER_WORDS[period[-1]]}（截至{month}月）"
        first = 1 if (ytd or "Q" not in period) else 3 * (int(period[-1]) - 1) + 1
        return f"{year}年{first}–{month}月" if month > first else f"{year}年{month}月"
    if "Q" in period:
        return f"{year}年" + (QUARTER_YTD if ytd else QUARTER_WORDS)[period[-1]]
    if "-" in period:
        month = int(period[5:7])
        return f"{year}年1–{month}月" if ytd and month > 1 else f"{year}年{month}月"
    return f"{year}年"


def resolve_view(warehouse, query: dict) -> dict:
    """The /economy view a URL query asks for: indicator (default ``gdp_growth``), period type
    (its own frequency or coarser), chosen cities (default all 13), as-of and period range."""
    wh = warehouse
    inds = economy_indicators()
    code = query.get("indicator") if query.get("indicator") in inds else DEFAULT_INDICATOR
    ind = inds[code]
    period_type = query.get("period")
    if period_type not in FREQUENCY_ORDER or (
        FREQUENCY_ORDER[period_type] < FREQUENCY_ORDER[ind.frequency]
    ):
        period_type = ind.frequency
    city_codes = cities()["region_code"].to_list()
    chosen = [c for c in split_param(query.get("cities")) if c in city_codes] or city_codes
    return {
        "indicator": code,
        "ind": ind,
        "period": period_type,
        "cities": chosen,
        "all_cities": city_codes,
        "as_of": read.resolve_as_of(wh, query.get("as_of")),
        "from": query.get("from") or None,
        "to": query.get("to") or None,
    }


def load_view(warehouse, state: dict) -> dict:
    """The view's values as known at ``as_of`` (``values``), year-on-year growth against the
    same period a year earlier (a running period against the same months: ``growth``), the
    periods in range and the latest of them, and how far a running period goes (``through``)."""
    wh = warehouse
    ind, period_type = state["ind"], state["period"]
    regions = [PROVINCE_CODE, *state["all_cities"]]
    values = read.series(wh, state["indicator"], regions, state["as_of"], period_type=period_type)
    values = values.select("region_code", "period", "value", "complete")
    native = None
    if period_type != ind.frequency:
        native = read.series(
            wh, state["indicator"], regions, state["as_of"], period_type=ind.frequency
        ).select("region_code", "period", "value")
    periods = sorted(values["period"].unique().to_list())
    # the range of the trend and the table; ``to`` is also the period the bars show
    start = state["from"] if state["from"] in periods else None
    end = state["to"] if state["to"] in periods else None
    if start is not None and end is not None and start > end:
        start, end = end, start
    if start is None:
        keep = [p for p in periods if end is None or p <= end]
        start = (
            keep[-DEFAULT_SPAN[period_type]]
            if len(keep) >= DEFAULT_SPAN[period_type]
            else (keep[0] if keep else None)
        )
    in_range = [p for p in periods if (start is None or p >= start) and (end is None or p <= end)]
    latest = in_range[-1] if in_range else None
    running = (
        latest is not None
        and not values.filter((pl.col("period") == latest) & ~pl.col("complete")).is_empty()
    )
    override, through = None, None
    if running and native is not None:
        how = "sum" if getattr(ind.compute, "over_time", "last") == "sum" else "last"
        override = comparable_prior(native, latest, period_type, how)
        known = native.filter(
            pl.col("period").map_elements(
                lambda p: coarse_period(p, period_type), return_dtype=pl.String
            )
            == latest
        )
        through = known["period"].max() if known.height else None
    growth = yoy_growth(values.select("region_code", "period", "value"), override)
    return {
        "values": values,
        "growth": growth,
        "periods": periods,
        "latest": latest,
        "running": running,
        "through": through,
        "range": in_range,
        "from": state["from"] if state["from"] in periods else None,
        "to": end,
    }


def comparison_rows(state: dict, data: dict) -> list[dict]:
    """The comparison table: the province, then the chosen cities by rank at the latest period,
    each with the last :data:`TABLE_PERIODS` periods' values, growth, share of the 13 cities and
    rank. ``state`` is :func:`resolve_view` plus ``names`` (code → city name); ``data`` is
    :func:`load_view`. Shared by the /economy page and its export."""
    ind = state["ind"]
    latest = data["latest"]
    shown = data["range"][-TABLE_PERIODS:]
    values = data["values"]
    current = values.filter(
        (pl.col("period") == latest) & (pl.col("region_code") != PROVINCE_CODE)
    ).select("region_code", "value")
    ranks = dict(rank_regions(current, ind.polarity).select("region_code", "rank").iter_rows())
    shares = dict(
        city_shares(current, state["all_cities"]).select("region_code", "share").iter_rows()
    )
    growth = dict(
        data["growth"]
        .filter(pl.col("period") == latest)
        .select("region_code", "growth")
        .iter_rows()
    )
    wide = {
        (r, p): v
        for r, p, v in values.filter(pl.col("period").is_in(shown))
        .select("region_code", "period", "value")
        .iter_rows()
    }
    out = []
    order = [PROVINCE_CODE] + sorted(state["cities"], key=lambda c: (ranks.get(c) or 99, c))
    for code in order:
        cells = [wide.get((code, p)) for p in shown]
        if code != PROVINCE_CODE and all(v is None for v in cells) and code not in ranks:
            continue
        out.append(
            {
                "region_code": code,
                "name": "全省" if code == PROVINCE_CODE else state["names"][code],
                "values": cells,
                "growth": growth.get(code),
                "share": shares.get(code),
                "rank": ranks.get(code),
            }
        )
    return out
