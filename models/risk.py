"""Early warnings (预警) and risk scores (风险评分) over the warehouse's materialised tables.

Rules are data: ``models/rules/early_warning.yaml``, validated against
``models/schema/rules.schema.json`` (``additionalProperties: false``) and then by meaning (unique
ids, indicators that exist) in :mod:`models.rules`. Each rule has a ``kind`` evaluated by a pure
function of a DuckDB connection, the catalog and an as-of date (:mod:`models.warnings`); this
module scores the risk and writes the tables (:func:`materialise_risk`):

``target_off_track``    default-method status in ``statuses`` and progress lower than
                        ``lookback_months`` earlier (tracking phase only, before the deadline)
``final_not_achieved``  final assessment ``not_achieved``; severity by gap share
                        |final_gap| / |target|
``probability_low``     P(meeting the target) in ``forecast_models`` below ``threshold``
                        (skipped when the table is absent)
``hotline_surge``       upward spike or level shift (:func:`models.anomaly.detect`, period 12) in
                        a city's monthly 12345 tickets of a category, within ``recent_months``
``stalled_progress``    a city's stock (e.g. systems on cloud) has made no new high for
                        ``stalled_months`` after growing ≥ ``min_prior_rate`` a month
``stale_feed``          a continuously fed dataset's newest period is older than ``max_age_days``

``first_fired`` is the first vintage (month end) of the uninterrupted run of vintages up to
``as_of`` at which the rule fired for that region and indicator; for anomaly rules it is the
month end of the first anomalous month.

Risk score (0–100) per city × domain, a noisy-OR of the city's warnings in the domain::

    score = 100 · (1 − Π_w (1 − L_w · I_w))

* likelihood ``L_w``: 高 1.0, 中 0.6, 低 0.3 (for ``probability_low`` at least 1 − p);
* impact ``I_w = 0.5 + 0.5 · weight / max weight in the domain`` — the indicator's weight in
  its domain's composite index (catalog ``weight``); 0.5 for warnings without an indicator;
  ×1.0 for binding (约束性) targets, ×0.8 otherwise.

Each warning alone gives at most its L·I; several compound but never exceed 100. City size
is not used: the registries measure shares, so a lagging small city matters as much as a
large one.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import polars as pl

from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import superseded_table
from indicators.catalog import DOMAINS, Catalog, default_catalog
from indicators.derived import write_table
from indicators.engine import values_as_of
from indicators.readings import DEFAULT_READING, EVENT, READINGS, parse_reading
from models.anomaly import FINDING_SCHEMA, detect
from models.rules import (
    LIKELIHOOD,
    Rule,
    load_rules,
)
from models.warnings import (
    _Context,
    _Reader,
    _tables,
    evaluate_rules,
    event_progress,
    hotline_scan,
    newest_vintage,
    risk_vintages,
)


# ---------------------------------------------------------------------------- risk scores
def _impact(catalog: Catalog, indicator: str | None, target_sets: list[str]) -> float:
    if indicator is None or indicator not in catalog.indicators:
        return 0.5
    ind = catalog[indicator]
    top = max((i.weight for i in catalog.in_domain(ind.domain)), default=0.0)
    impact = 0.5 + 0.5 * (ind.weight / top if top > 0 else 0.0)
    binding = any(
        (t := catalog.target_sets[s].target(indicator)) is not None and t.binding == "binding"
        for s in target_sets
    )
    is_target = any(catalog.target_sets[s].target(indicator) is not None for s in target_sets)
    return impact * (1.0 if binding or not is_target else 0.8)


def risk_scores(
    warnings: pl.DataFrame, catalog: Catalog, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Risk score 0–100 per city × catalog domain (formula in the module docstring): columns
    as_of, region_code, domain, score, warnings, high, medium, low, top_rule, top_message,
    rank (1 = highest risk of the 13 in the domain). Zeros where nothing fires."""
    # a draft plan's warnings say what would be at risk under it, not what is
    target_sets = [s for s, ts in catalog.target_sets.items() if ts.status == "adopted"]
    acc: dict[tuple[str, str], dict] = {}
    for w in warnings.iter_rows(named=True):
        if w.get("target_set") is not None and w["target_set"] not in target_sets:
            continue
        key = (w["region_code"], w["domain"])
        like = LIKELIHOOD[w["severity"]]
        if w["kind"] == "probability_low":
            like = max(like, 1 - json.loads(w["evidence"])["probability"])
        risk = like * _impact(catalog, w["indicator"], target_sets)
        a = acc.setdefault(key, {"survive": 1.0, "n": 0, "sev": {}, "top": (-1.0, None, None)})
        a["survive"] *= 1 - risk
        a["n"] += 1
        a["sev"][w["severity"]] = a["sev"].get(w["severity"], 0) + 1
        if risk > a["top"][0]:
            a["top"] = (risk, w["rule_id"], w["message"])
    rows = []
    for region in cities()["region_code"].to_list():
        for domain in DOMAINS:
            a = acc.get((region, domain))
            rows.append(
                {
                    "as_of": as_of,
                    "region_code": region,
                    "domain": domain,
                    "score": round(100 * (1 - a["survive"]), 1) if a else 0.0,
                    "warnings": a["n"] if a else 0,
                    "high": a["sev"].get("high", 0) if a else 0,
                    "medium": a["sev"].get("medium", 0) if a else 0,
                    "low": a["sev"].get("low", 0) if a else 0,
                    "top_rule": a["top"][1] if a else None,
                    "top_message": a["top"][2] if a else None,
                }
            )
    frame = pl.DataFrame(
        rows, schema_overrides={"as_of": pl.Date, "top_rule": pl.String, "top_message": pl.String}
    )
    return frame.with_columns(
        rank=pl.col("score").rank("min", descending=True).over("domain").cast(pl.Int64)
    ).sort("domain", "rank", "region_code")


# ---------------------------------------------------------------------------- materialise
@dataclass(frozen=True)
class RiskReport:
    """What :func:`materialise_risk` wrote: the newest vintage's warnings in the default
    reading (``warnings``, ``by_rule``) and how many vintages were evaluated."""

    as_of: dt.date
    warnings: int
    by_rule: dict[str, int]
    seconds: float
    vintages: tuple[dt.date, ...] = ()


def materialise_risk(
    con,
    catalog: Catalog | None = None,
    as_of: dt.date | None = None,
    *,
    rules: list[Rule] | None = None,
    vintages: list[dt.date] | None = None,
) -> RiskReport:
    """Evaluate the rules at every risk vintage (:func:`risk_vintages`, or ``vintages``) in
    both readings, each with only the data known then, and replace the tables:

    ``warning_vintages``     warnings (:data:`WARNING_SCHEMA` + ``reading``) per vintage
    ``risk_score_vintages``  city × domain risk scores (+ ``reading``) per vintage
    ``hotline_surges``       the 12345 scans (:func:`hotline_scan`; + ``as_of``, ``reading``)
    ``open_items``           outstanding registry rows (+ ``as_of``, ``reading``)
    ``warnings``, ``risk_scores``  the vintage ``as_of`` (default: the newest) in the default
                             reading, as one table each for readers that want only the present.
    """

    started = time.perf_counter()
    catalog = catalog or default_catalog()
    rules = rules or load_rules(catalog=catalog)
    as_of = as_of or newest_vintage(con)
    vintages = sorted(set(vintages or risk_vintages(con, catalog)) | {as_of})
    hotline_rule = next((r for r in rules if r.kind == "hotline_surge"), None)
    warnings, scores, scans = [], [], []
    memo: dict = {}  # series fits shared by the readings
    for reading in READINGS:
        ctx = _Context(con, catalog, reading, memo=memo)
        if reading == EVENT and any(r.kind in _TARGET_KINDS for r in rules):
            ctx.event_progress = event_progress(con, catalog, vintages)
        for vintage in vintages:
            found = evaluate_rules(ctx, catalog, rules, vintage).with_columns(
                reading=pl.lit(reading)
            )
            warnings.append(found)
            scores.append(
                risk_scores(found, catalog, vintage).with_columns(reading=pl.lit(reading))
            )
            scans.append(
                ctx.scan(vintage, hotline_rule).with_columns(
                    as_of=pl.lit(vintage), reading=pl.lit(reading)
                )
            )
    warning_vintages = pl.concat(warnings)
    score_vintages = pl.concat(scores)
    write_table(con, "warning_vintages", warning_vintages)
    write_table(con, "risk_score_vintages", score_vintages)
    write_table(con, "hotline_surges", pl.concat(scans))
    now = (pl.col("as_of") == as_of) & (pl.col("reading") == DEFAULT_READING)
    newest = warning_vintages.filter(now).drop("reading")
    write_table(con, "warnings", newest)
    write_table(con, "risk_scores", score_vintages.filter(now).drop("reading"))
    write_open_items(con, vintages)
    counts = {r.id: 0 for r in rules}
    for rule_id in newest["rule_id"].to_list():
        counts[rule_id] += 1
    return RiskReport(
        as_of,
        newest.height,
        counts,
        round(time.perf_counter() - started, 2),
        tuple(vintages),
    )


_TARGET_KINDS = {"target_off_track", "final_not_achieved"}

_OPEN_ITEMS_SQL = """
    SELECT 'system_cloud_rate' AS indicator, s.region_code, r.city_code, s.system_id AS item_id,
           s.system_name AS item_name, s.department, s.built_date AS since
    FROM {info_systems} s JOIN regions r USING (region_code)
    WHERE NOT s.classified AND s.built_date <= $as_of AND {held_s}
      AND (s.cloud_date IS NULL OR s.cloud_date > $as_of)
      AND (s.retired_date IS NULL OR s.retired_date > $as_of)
    UNION ALL
    SELECT 'private_network_integration_rate', n.region_code, r.city_code, n.network_id,
           n.network_name, n.department, n.built_date
    FROM {private_networks} n JOIN regions r USING (region_code)
    WHERE NOT n.classified AND n.built_date <= $as_of AND {held_n}
      AND (n.integrated_date IS NULL OR n.integrated_date > $as_of)
    UNION ALL
    SELECT 'sufuban_onboarding_rate', a.region_code, r.city_code, a.app_id, a.app_name,
           a.department, a.launched_date
    FROM {gov_apps} a JOIN regions r USING (region_code)
    WHERE a.launched_date <= $as_of AND {held_a}
      AND (a.onboarded_date IS NULL OR a.onboarded_date > $as_of)
    UNION ALL
    SELECT CASE i.list_type WHEN '一件事' THEN 'one_thing_completion_rate'
                            WHEN '一类事' THEN 'one_class_completion_rate'
                            ELSE 'one_body_completion_rate' END,
           i.region_code, r.city_code, i.item_id, i.item_name, i.department, i.listed_date
    FROM {service_items} i JOIN regions r USING (region_code)
    WHERE i.listed_date <= $as_of AND {held_i}
      AND (i.achieved_date IS NULL OR i.achieved_date > $as_of)
"""


def open_items_sql(reading: str) -> str:
    """The registry rows outstanding at ``$as_of`` in ``reading``: in event time today's rows
    read back; in transaction time the versions the warehouse held then (arrived by then and
    not yet replaced), so an item recorded later is not listed and a later correction does not
    close an item early."""

    tables = ("info_systems", "private_networks", "gov_apps", "service_items")
    if parse_reading(reading) == EVENT:
        sources = {t: f'"{t}"' for t in tables}
        held = "TRUE"
    else:
        arrived = "(recorded_at IS NULL OR CAST(recorded_at AS DATE) <= $as_of)"
        sources = {
            t: (
                f'(SELECT * EXCLUDE (superseded_at) FROM "{superseded_table(t)}" '
                f"WHERE CAST(superseded_at AS DATE) > $as_of UNION ALL "
                f'SELECT * FROM "{t}")'
            )
            for t in tables
        }
        held = arrived
    return _OPEN_ITEMS_SQL.format(
        **sources,
        held_s=held.replace("recorded_at", "s.recorded_at"),
        held_n=held.replace("recorded_at", "n.recorded_at"),
        held_a=held.replace("recorded_at", "a.recorded_at"),
        held_i=held.replace("recorded_at", "i.recorded_at"),
    )


def write_open_items(con, vintages: list[dt.date] | dt.date) -> None:
    """``open_items``: the registry rows still outstanding at each vintage in each reading —
    what a warning drills down to (which systems are not yet on the cloud, which networks not
    integrated, which apps not on 苏服办, which list items not achieved), with their city for
    filtering; columns ``as_of``, ``reading``, indicator, region_code, city_code, item_id,
    item_name, department, since."""
    vintages = [vintages] if isinstance(vintages, dt.date) else list(vintages)
    parts = [
        f"SELECT CAST($v{i} AS DATE) AS as_of, '{reading}' AS reading, * "
        f"FROM ({open_items_sql(reading).replace('$as_of', f'$v{i}')})"
        for i, _ in enumerate(vintages)
        for reading in READINGS
    ]
    params = {f"v{i}": v for i, v in enumerate(vintages)}
    con.execute(f"CREATE OR REPLACE TABLE open_items AS {' UNION ALL '.join(parts)}", params)


# a finding (models.anomaly) placed in its vintage, reading, series and month
ANOMALY_SCHEMA = {
    "as_of": pl.Date,
    "reading": pl.String,
    "indicator": pl.String,
    "region_code": pl.String,
    "period": pl.String,
    "series": pl.String,
} | {k: v for k, v in FINDING_SCHEMA.items() if k not in ("position", "label")}


def anomalies_table(
    con,
    catalog=None,
    *,
    as_of: dt.date | None = None,
    reading: str = DEFAULT_READING,
    scan: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Spikes and level shifts in every monthly indicator series (province + 13 cities), as
    known at ``as_of`` (default: the newest vintage) in ``reading``, via
    :func:`models.anomaly.detect`.

    Rows: as_of, reading, indicator, region_code, period ('2026-07'), series ('月度值' or
    '月度增量'), kind, kind_zh, value, expected, size, direction, score. Series with fewer than
    24 months are skipped. Which series: monthly flows (volumes and rates of a month) as they
    are; registry stocks through their monthly increments (a running total has no spikes of its
    own — a stalled programme is a drop in its increments); year-to-date statistics are left out
    (they restart every January, so their months are not comparable), and so are intermittent
    series (zero in most months, e.g. scenarios recognised in batches). A city's 12345 category
    volumes watched by the surge rule come from its scan (:func:`hotline_scan`, or ``scan``), so
    their expected values are the very numbers the warning and the surge table show.
    """

    catalog = catalog or default_catalog()
    as_of = as_of or newest_vintage(con)
    reading = parse_reading(reading)
    regions = [PROVINCE_CODE, *cities()["region_code"].to_list()]
    city_codes = set(regions[1:])
    rules = {r.kind: r for r in load_rules(catalog=catalog)}
    surge = rules.get("hotline_surge")
    by_scan = {s.indicator: s.category for s in surge.parameters.series} if surge else {}
    monthly = [
        i.code
        for i in catalog.indicators.values()
        if i.frequency == "month"
        and not (i.shape == "statistic" and getattr(i.compute, "over_time", "last") == "last")
    ]
    frame = values_as_of(
        _Reader(con),
        as_of,
        period_type="month",
        indicators=monthly,
        regions=regions,
        reading=reading,
    ).filter(pl.col("complete") & pl.col("value").is_not_null())
    rows = []
    if by_scan:
        if scan is None:
            scan = hotline_scan(con, as_of, reading, rule=surge)
        indicator_of = {c: i for i, c in by_scan.items()}
        for r in scan.filter(pl.col("kind").is_not_null()).iter_rows(named=True):
            if r["category"] in indicator_of:
                rows.append(
                    {
                        "indicator": indicator_of[r["category"]],
                        "region_code": r["region_code"],
                        "period": r["month"].strftime("%Y-%m"),
                        "series": "月度值",
                        "kind": r["kind"],
                        "kind_zh": r["kind_zh"],
                        "value": float(r["tickets"]),
                        "expected": r["expected"],
                        "size": r["tickets"] - r["expected"],
                        "direction": r["direction"],
                        "score": r["score"],
                    }
                )
    for (code, region), series in frame.sort("period").group_by(
        ["indicator", "region_code"], maintain_order=True
    ):
        if code in by_scan and region in city_codes:
            continue  # from the scan above
        if series.height < 24:
            continue
        values, labels, what = series["value"].to_list(), series["period"].to_list(), "月度值"
        if catalog[code].shape == "stock":
            values = [b - a for a, b in zip(values, values[1:], strict=False)]
            labels, what = labels[1:], "月度增量"
        if sum(1 for v in values if v) < len(values) / 2:
            continue  # intermittent (recognitions in batches): every event would look like a spike
        found = detect(values, period=12, labels=labels)
        for r in found.iter_rows(named=True):
            rows.append(
                {
                    "indicator": code,
                    "region_code": region,
                    "period": r["label"],
                    "series": what,
                    **{
                        k: r[k]
                        for k in (
                            "kind",
                            "kind_zh",
                            "value",
                            "expected",
                            "size",
                            "direction",
                            "score",
                        )
                    },
                }
            )
    schema = {k: v for k, v in ANOMALY_SCHEMA.items() if k not in ("as_of", "reading")}
    return (
        pl.DataFrame(rows, schema=schema)
        .with_columns(as_of=pl.lit(as_of, dtype=pl.Date), reading=pl.lit(reading))
        .select(list(ANOMALY_SCHEMA))
        .sort("indicator", "region_code", "period", "kind")
    )


def write_anomaly_tables(con, catalog=None, *, vintages: list[dt.date] | None = None) -> int:
    """``anomaly_vintages``: :func:`anomalies_table` at every risk vintage in both readings, and
    ``anomalies``: the newest vintage in the default reading. Returns the rows written. (Slower
    than the rules — a seasonal fit per series and vintage — so it runs with the forecasts.)"""

    catalog = catalog or default_catalog()
    vintages = vintages or risk_vintages(con, catalog)
    newest = newest_vintage(con)
    scans = _stored_scans(con)
    frames = [
        anomalies_table(con, catalog, as_of=v, reading=reading, scan=scans.get((v, reading)))
        for v in sorted(set(vintages) | {newest})
        for reading in READINGS
    ]
    every = pl.concat(frames)
    write_table(con, "anomaly_vintages", every)
    now = every.filter((pl.col("as_of") == newest) & (pl.col("reading") == DEFAULT_READING))
    write_table(con, "anomalies", now)
    return every.height


def _stored_scans(con) -> dict[tuple[dt.date, str], pl.DataFrame]:
    """The 12345 scans materialised by :func:`materialise_risk`, by (as_of, reading)."""
    if "hotline_surges" not in _tables(con):
        return {}
    stored = con.sql("SELECT * FROM hotline_surges").pl()
    return {
        (key[0], key[1]): grp.drop("as_of", "reading")
        for key, grp in stored.group_by("as_of", "reading")
    }
