"""Tables derived from ``indicator_values``: target progress, league tables, composite indices.

All are computed for every as-of month end (the vintages), so a page replaying any past month
reads a few rows instead of recomputing anything. They are for the default reading, transaction
time (what the warehouse held at each vintage; see :mod:`indicators.engine`); target progress in
the event-time reading is computed on demand from ``indicator_values_event``
(:func:`progress_frame` with ``reading="event"``).

``target_progress``  (target_set, indicator, region_code, as_of, method) → status and its trace
``league_table``     (as_of, indicator, region_code) → the latest value, 0–100 score, rank of 13
``composite_index``  (as_of, domain, region_code) → weighted score and rank; domain ``综合`` is
                     the overall index

Composite scores are min–max normalised across the 13 cities for each indicator (100 = best of
the 13 by the indicator's polarity, 0 = worst), then averaged with the catalog's weights
(indicator ``weight`` inside a domain, domain ``weight`` for the overall index). Missing values
are left out and the remaining weights renormalised.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from indicators import tracking
from indicators.catalog import DOMAINS, Catalog, Indicator, Target, TargetSet
from indicators.readings import DEFAULT_READING, VALUE_TABLES

OVERALL = "综合"
METHODS = ("ratio", "projection", "linear")


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from the month of ``first`` through ``last``."""
    out, y, m = [], first.year, first.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        y, m = nxt.year, nxt.month


def write_table(con, name: str, frame: pl.DataFrame, *, temp: bool = False) -> None:
    """Replace table ``name`` with the rows of a polars frame."""
    view = f"_frame_{name.strip('_')}"
    con.register(view, frame)
    try:
        kind = "TEMP TABLE" if temp else "TABLE"
        con.execute(f"CREATE OR REPLACE {kind} {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def write_catalog_tables(con, catalog: Catalog) -> None:
    """``catalog_indicators`` and ``catalog_targets``: the catalog as tables pages can join."""
    indicators = pl.DataFrame(
        [
            {
                "indicator": i.code,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "domain": i.domain,
                "unit": i.unit,
                "polarity": i.polarity,
                "lower_bound": (i.bounds or (None, None))[0],
                "upper_bound": (i.bounds or (None, None))[1],
                "frequency": i.frequency,
                "kind": i.kind,
                "weight": i.weight,
                "decimals": i.decimals,
                "description": i.description,
                "compute_type": i.compute_type,
                "compute": json.dumps(i.compute.model_dump(exclude_unset=True), ensure_ascii=False),
                "sources": ",".join(i.sources),
                "aggregation": i.aggregation,
                "clause": i.clause,
                "responsible_units": "、".join(i.responsible_units),
            }
            for i in catalog.indicators.values()
        ],
        schema_overrides={"lower_bound": pl.Float64, "upper_bound": pl.Float64},
    )
    targets = pl.DataFrame(
        [
            {
                "target_set": ts.id,
                "target_set_name": ts.name_zh,
                "indicator": t.indicator,
                "target": t.target,
                "statement": t.statement,
                "baseline_year": t.baseline_year,
                "baseline_value": t.baseline_value,
                "target_year": t.target_year,
                "binding": t.binding,
                "method": t.method or ts.method,
                "clause": t.clause,
                "responsible_units": "、".join(t.responsible_units),
                "city_targets": json.dumps(t.city_targets),
                "city_targets_basis": t.city_targets_basis,
            }
            for ts in catalog.target_sets.values()
            for t in ts.targets
        ],
        schema_overrides={"target": pl.Float64, "baseline_value": pl.Float64},
    )
    write_table(con, "catalog_indicators", indicators)
    write_table(con, "catalog_targets", targets)


def _vintage_values(
    con,
    codes: list[str],
    period_type: str,
    vintages: list[dt.date],
    *,
    reading: str = DEFAULT_READING,
) -> pl.DataFrame:
    """For every vintage: each (indicator, region, period)'s value as known then in
    ``reading`` (see :mod:`indicators.engine`)."""
    if not codes or not vintages:
        return pl.DataFrame()
    rows = con.sql(
        f"""
        SELECT indicator, region_code, period, period_end, known_from, value
        FROM {VALUE_TABLES[reading]}
        WHERE period_type = ? AND indicator IN ({", ".join("?" * len(codes))})
          AND value IS NOT NULL AND region_code IN (SELECT region_code FROM regions
                                                    WHERE level IN ('province', 'city'))
        """,
        params=[period_type, *codes],
    ).pl()
    if rows.is_empty():
        return rows
    keys = rows.select("indicator", "region_code", "period", "period_end").unique()
    grid = keys.join(
        pl.DataFrame({"as_of": vintages}, schema={"as_of": pl.Date}), how="cross"
    ).sort("as_of")
    found = grid.join_asof(
        rows.sort("known_from").select("indicator", "region_code", "period", "known_from", "value"),
        left_on="as_of",
        right_on="known_from",
        by=["indicator", "region_code", "period"],
        strategy="backward",
        check_sortedness=False,
    )
    return found.filter(pl.col("known_from").is_not_null())


def _series_by_key(frame: pl.DataFrame) -> dict[tuple, dict[float, float]]:
    """(indicator, region, as_of) → {decimal year: value}: complete periods sit at their end,
    a running period at the month end it is known to (see :func:`tracking.decimal_year`)."""
    if frame.is_empty():
        return {}
    at = pl.when(pl.col("period_end") <= pl.col("as_of")).then(pl.col("period_end"))
    at = at.otherwise(pl.col("known_from"))
    days = pl.when(pl.col("_at").dt.is_leap_year()).then(366.0).otherwise(365.0)
    timed = (
        frame.with_columns(_at=at)
        .with_columns(
            t=(pl.col("_at").dt.year() - 1 + pl.col("_at").dt.ordinal_day() / days).round(6)
        )
        .sort("indicator", "region_code", "as_of", "t")
    )
    out: dict[tuple, dict[float, float]] = {}
    for code, region, as_of, t, value in timed.select(
        "indicator", "region_code", "as_of", "t", "value"
    ).iter_rows():
        out.setdefault((code, region, as_of), {})[t] = value
    return out


def _assess_rows(
    ts: TargetSet,
    target: Target,
    ind: Indicator,
    region: str,
    as_of: dt.date,
    series: dict[float, float],
    path: dict[float, float] | None,
) -> list[dict]:
    if len(series) == 0:
        return []
    value_target = target.value_for(region)
    baseline_year = float(target.baseline_year)
    if target.baseline_value is not None and region == PROVINCE_CODE:
        series = {t: v for t, v in series.items() if t > baseline_year} | {
            baseline_year: target.baseline_value
        }
    bounds = ind.bounds
    rows = []
    default = target.method or ts.method
    for method in METHODS:
        if value_target is None and method != "ratio":
            continue
        a = tracking.assess(
            series,
            target=value_target,
            target_year=float(target.target_year),
            polarity=ind.polarity,
            method=method,
            baseline_year=baseline_year,
            bounds=tuple(bounds) if bounds else None,
            unit=ind.unit,
        )
        row = {
            "target_set": ts.id,
            "indicator": ind.code,
            "region_code": region,
            "as_of": as_of,
            "method": method,
            "is_default_method": method == default or value_target is None,
            "status": a.status,
            "status_label": tracking.STATUS_LABELS[a.status],
            "baseline_year": a.baseline_year,
            "baseline_value": a.baseline_value,
            "current_year": a.current_year,
            "current_value": a.current_value,
            "target_year": float(target.target_year),
            "target_value": value_target,
            "progress": a.progress,
            "ratio": a.numbers.get("ratio"),
            "numbers": json.dumps(a.numbers, ensure_ascii=False),
            "explain": a.explain,
            "method_used": a.method_used,
            "fallback": a.fallback,
            "fallback_note": a.note or None,
            "final_status": None,
            "final_gap": None,
            "first_reached": None,
            "final_explain": None,
        }
        deadline = dt.date(target.target_year, 12, 31)
        if value_target is not None and as_of >= deadline:
            path = path or series
            try:
                fin = tracking.final_assessment(
                    path,
                    target=value_target,
                    target_year=float(target.target_year),
                    polarity=ind.polarity,
                    unit=ind.unit,
                )
                row |= {
                    "final_status": fin.status,
                    "final_gap": fin.gap,
                    "first_reached": fin.first_reached,
                    "final_explain": fin.explain,
                }
            except ValueError:
                pass
        rows.append(row)
    return rows


PROGRESS_SCHEMA = {
    "target_set": pl.String,
    "indicator": pl.String,
    "region_code": pl.String,
    "as_of": pl.Date,
    "method": pl.String,
    "is_default_method": pl.Boolean,
    "status": pl.String,
    "status_label": pl.String,
    "baseline_year": pl.Float64,
    "baseline_value": pl.Float64,
    "current_year": pl.Float64,
    "current_value": pl.Float64,
    "target_year": pl.Float64,
    "target_value": pl.Float64,
    "progress": pl.Float64,
    "ratio": pl.Float64,
    "numbers": pl.String,
    "explain": pl.String,
    "final_status": pl.String,
    "final_gap": pl.Float64,
    "first_reached": pl.Float64,
    "final_explain": pl.String,
    "method_used": pl.String,
    "fallback": pl.String,
    "fallback_note": pl.String,
}


def progress_frame(
    con, catalog: Catalog, vintages: list[dt.date], *, reading: str = DEFAULT_READING
) -> pl.DataFrame:
    """Target progress for every target set, target, region (province + 13 cities), vintage,
    from the values as known then in ``reading`` (``target_progress`` holds the default,
    transaction time; the event-time reading is computed on demand, see
    :func:`indicators.read.progress`)."""
    codes = sorted({t.indicator for ts in catalog.target_sets.values() for t in ts.targets})
    years = _vintage_values(con, codes, "year", vintages, reading=reading)
    stock_codes = [
        c for c in codes if catalog[c].shape == "stock" and catalog[c].frequency == "month"
    ]
    first_deadline = min(
        (dt.date(t.target_year, 12, 31) for ts in catalog.target_sets.values() for t in ts.targets),
        default=vintages[-1] if vintages else dt.date.max,
    )
    months = _vintage_values(
        con, stock_codes, "month", [v for v in vintages if v >= first_deadline], reading=reading
    )
    rows: list[dict] = []
    if years.is_empty():
        return pl.DataFrame(schema=PROGRESS_SCHEMA)
    by_key = _series_by_key(years)
    month_key = _series_by_key(months)
    keys_by_code: dict[str, list[tuple]] = {}
    for key in by_key:
        keys_by_code.setdefault(key[0], []).append(key)
    for ts in catalog.target_sets.values():
        for target in ts.targets:
            ind = catalog[target.indicator]
            for key in keys_by_code.get(ind.code, []):
                _, region, as_of = key
                rows += _assess_rows(
                    ts, target, ind, region, as_of, by_key[key], month_key.get(key)
                )
    return pl.DataFrame(rows, schema=PROGRESS_SCHEMA)


def league_frames(
    con, catalog: Catalog, vintages: list[dt.date]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """13-city league tables per indicator and composite indices per domain, per vintage."""
    codes = [i.code for i in catalog.indicators.values() if i.polarity != "neutral"]
    years = _vintage_values(con, codes, "year", vintages)
    city_codes = cities()["region_code"].to_list()
    latest = (
        years.filter(pl.col("region_code").is_in(city_codes))
        .sort("period")
        .group_by("as_of", "indicator", "region_code")
        .agg(pl.col("period").last(), pl.col("value").last())
    )
    meta = pl.DataFrame(
        {
            "indicator": codes,
            "sign": [1.0 if catalog[c].polarity == "higher" else -1.0 for c in codes],
            "weight": [catalog[c].weight for c in codes],
            "domain": [catalog[c].domain for c in codes],
        }
    )
    scored = (
        latest.join(meta, on="indicator")
        .with_columns(signed=pl.col("value") * pl.col("sign"))
        .with_columns(
            lo=pl.col("signed").min().over("as_of", "indicator"),
            hi=pl.col("signed").max().over("as_of", "indicator"),
        )
        .with_columns(
            score=pl.when(pl.col("hi") > pl.col("lo"))
            .then(100 * (pl.col("signed") - pl.col("lo")) / (pl.col("hi") - pl.col("lo")))
            .otherwise(100.0),
            rank=pl.col("signed")
            .rank("min", descending=True)
            .over("as_of", "indicator")
            .cast(pl.Int32),
        )
    )
    league = scored.select(
        "as_of", "indicator", "region_code", "period", "value", "score", "rank"
    ).sort("as_of", "indicator", "rank")
    # weighted sums are taken in a fixed order of their terms, so a recompute of the same values
    # gives bit-identical scores (a group's terms otherwise arrive in any order)
    weighted = scored.filter(pl.col("weight") > 0).sort("as_of", "region_code", "indicator")
    domain = weighted.group_by("as_of", "domain", "region_code", maintain_order=True).agg(
        score=(pl.col("score") * pl.col("weight")).sum() / pl.col("weight").sum(),
        indicators_used=pl.len().cast(pl.Int32),
    )
    domain_weights = pl.DataFrame(
        {"domain": list(catalog.domains), "dweight": [d.weight for d in catalog.domains.values()]}
    )
    overall = (
        domain.join(domain_weights, on="domain")
        .sort("as_of", "region_code", "domain")
        .group_by("as_of", "region_code", maintain_order=True)
        .agg(
            score=(pl.col("score") * pl.col("dweight")).sum() / pl.col("dweight").sum(),
            indicators_used=pl.col("indicators_used").sum(),
        )
        .with_columns(domain=pl.lit(OVERALL))
    )
    composite = (
        pl.concat([domain, overall.select(domain.columns)])
        .with_columns(
            rank=pl.col("score").rank("min", descending=True).over("as_of", "domain").cast(pl.Int32)
        )
        .with_columns(
            domain_order=pl.col("domain").replace_strict(
                {d: i for i, d in enumerate((OVERALL, *DOMAINS))}, default=99
            )
        )
        .sort("as_of", "domain_order", "rank")
        .drop("domain_order")
    )
    return league, composite


def write_tracking_tables(con, catalog: Catalog, *, end: dt.date) -> None:
    """Write ``target_progress``, ``league_table`` and ``composite_index`` for every vintage."""
    first_year = min((ts.baseline_year for ts in catalog.target_sets.values()), default=2020)
    vintages = month_ends(dt.date(first_year + 1, 1, 1), end)
    if not vintages or vintages[-1] != end:
        vintages.append(end)  # a running month: the data as far as it goes
    progress = progress_frame(con, catalog, vintages)
    league, composite = league_frames(con, catalog, vintages)
    write_table(con, "target_progress", progress)
    write_table(con, "league_table", league)
    write_table(con, "composite_index", composite)
