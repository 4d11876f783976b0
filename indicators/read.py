"""Read the materialised indicator tables — the only queries pages make.

Every function takes the warehouse and returns a small polars frame; none scans a raw registry
(those are read only by the engine). ``as_of`` values are month ends (vintages); pass any date
and the latest vintage on or before it is used.

``reading`` (where a function takes it) chooses what "known at as_of" means
(:data:`indicators.engine.READINGS`, docs/replays.md): ``transaction`` — 按当时已入库数据, what
the warehouse held then, the default — or ``event`` — 按现有数据回溯, today's data read back
(late records revise the past). The two agree at the newest vintage unless rows arrived after
it. Target progress, league tables and composites are materialised for the default reading;
:func:`progress` computes the event-time reading on demand.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from datasets import access, config
from datasets.regions import PROVINCE_CODE, region_table
from indicators.catalog import default_catalog, running_set
from indicators.derived import progress_frame
from indicators.engine import values_as_of
from indicators.readings import (
    DEFAULT_READING,
    EVENT,
    READING_LABELS,
    READING_NOTES,
    READINGS,
    parse_reading,
)
from indicators.verdict import with_verdict

# The plan that records made before plans were named belong to (a 督办事项's evidence).
DEFAULT_TARGET_SET = "jiangsu-14fyp-digital-gov"


def default_target_set() -> str:
    """The plan a page shows when its URL names none (:func:`indicators.catalog.running_set`)."""
    return running_set(default_catalog().target_sets, config.today()) or DEFAULT_TARGET_SET


def ready(warehouse) -> bool:
    """Whether the derived tables exist (a warehouse loaded before #3 has none)."""
    return {"target_progress", "indicator_values", "catalog_indicators"} <= warehouse.table_names()


def vintages(warehouse) -> list[dt.date]:
    """All as-of dates with target progress, oldest first."""
    rows = warehouse.query("SELECT DISTINCT as_of FROM target_progress ORDER BY as_of")
    return rows["as_of"].to_list()


def resolve_as_of(warehouse, wanted: dt.date | str | None) -> dt.date | None:
    """The latest vintage on or before ``wanted`` (default: the newest)."""
    all_ = vintages(warehouse)
    if not all_:
        return None
    if wanted in (None, ""):
        return all_[-1]
    if isinstance(wanted, str):
        try:
            wanted = _parse_date(wanted)
        except ValueError:
            return all_[-1]
    earlier = [v for v in all_ if v <= wanted]
    return earlier[-1] if earlier else all_[0]


def parse_as_of(text: str) -> dt.date:
    """``2023-06`` → 2023-06-30 (that month's end); ``2023-06-15`` → that date. ValueError
    otherwise."""
    return _parse_date(text)


def _parse_date(text: str) -> dt.date:
    """``2023-06`` (that month's end) or ``2023-06-30``."""
    parts = text.split("-")
    if len(parts) == 2:
        year, month = int(parts[0]), int(parts[1])
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date.fromisoformat(text)


def reading_options() -> list[dict]:
    """The two readings for a selector: value, Chinese label and what it means; the default
    (transaction time) first."""
    order = [DEFAULT_READING, *(r for r in READINGS if r != DEFAULT_READING)]
    return [{"value": r, "label": READING_LABELS[r], "note": READING_NOTES[r]} for r in order]


def reading_label(reading: str | None) -> str:
    """按当时已入库数据 / 按现有数据回溯."""
    return READING_LABELS[parse_reading(reading)]


def regions() -> pl.DataFrame:
    """Province and cities with Chinese names, in code order."""
    return (
        region_table().filter(pl.col("level") != "county").select("region_code", "name_zh", "level")
    )


def catalog(warehouse) -> pl.DataFrame:
    return warehouse.query("SELECT * FROM catalog_indicators")


def target_sets(warehouse) -> pl.DataFrame:
    return warehouse.query(
        "SELECT DISTINCT target_set, target_set_name FROM catalog_targets ORDER BY target_set"
    )


def progress(
    warehouse,
    target_set: str,
    as_of: dt.date,
    *,
    method: str | None = None,
    regions: list[str] | None = None,
    reading: str | None = None,
) -> pl.DataFrame:
    """Target progress rows joined with the catalog (names, unit, domain, binding, units).

    ``method=None`` returns each target's default method (the target set's, or the target's own).
    Every row carries its one verdict (:func:`indicators.verdict.with_verdict`).
    ``reading="event"`` assesses the values read back with today's data (computed on demand;
    the materialised rows are the default, transaction time).
    """
    if parse_reading(reading) == EVENT:
        rows = _progress_on_demand(warehouse, target_set, as_of, method=method, regions=regions)
        return with_verdict(rows)
    filters = ["p.target_set = ?", "p.as_of = ?"]
    params: list = [target_set, as_of]
    if method:
        filters.append("(p.method = ? OR p.target_value IS NULL)")
        params.append(method)
    else:
        filters.append("p.is_default_method")
    if regions:
        filters.append(f"p.region_code IN ({', '.join('?' * len(regions))})")
        params += regions
    rows = warehouse.query(
        f"""
        SELECT p.*, {_PROGRESS_CATALOG_COLUMNS}
        FROM target_progress p
        JOIN catalog_indicators c USING (indicator)
        JOIN catalog_targets t ON t.target_set = p.target_set AND t.indicator = p.indicator
        WHERE {" AND ".join(filters)}
        ORDER BY p.indicator, p.region_code
        """,
        params,
    )
    return with_verdict(rows)


_PROGRESS_CATALOG_COLUMNS = """c.name_zh, c.name_en, c.domain, c.unit, c.polarity, c.decimals,
               c.kind, c.compute_type, t.binding, t.statement, t.clause AS target_clause, t.responsible_units,
               t.city_targets_basis"""


def _progress_on_demand(
    warehouse, target_set: str, as_of: dt.date, *, method: str | None, regions: list[str] | None
) -> pl.DataFrame:
    """:func:`progress` in the event-time reading: the same assessment
    (:func:`indicators.derived.progress_frame`) of ``indicator_values_event`` at ``as_of``."""
    with warehouse.reader() as cursor:
        frame = progress_frame(cursor, default_catalog(), [as_of], reading=EVENT)
    frame = access.restrict(frame.filter(pl.col("target_set") == target_set))
    if method:
        frame = frame.filter((pl.col("method") == method) | pl.col("target_value").is_null())
    else:
        frame = frame.filter(pl.col("is_default_method"))
    if regions:
        frame = frame.filter(pl.col("region_code").is_in(regions))
    meta = warehouse.query(
        f"""
        SELECT c.indicator, {_PROGRESS_CATALOG_COLUMNS}
        FROM catalog_indicators c JOIN catalog_targets t USING (indicator)
        WHERE t.target_set = ?
        """,
        [target_set],
    )
    return frame.join(meta, on="indicator").sort("indicator", "region_code")


def progress_history(
    warehouse, target_set: str, indicator: str, region: str, *, method: str | None = None
) -> pl.DataFrame:
    """One target's status and values at every vintage (for paths and sparklines)."""
    method_filter = "method = ?" if method else "is_default_method"
    params = [target_set, indicator, region] + ([method] if method else [])
    return warehouse.query(
        f"""
        SELECT as_of, status, current_year, current_value, progress, ratio
        FROM target_progress
        WHERE target_set = ? AND indicator = ? AND region_code = ? AND {method_filter}
        ORDER BY as_of
        """,
        params,
    )


def series(
    warehouse,
    indicator: str,
    regions: list[str],
    as_of: dt.date,
    *,
    period_type: str = "year",
    reading: str | None = None,
) -> pl.DataFrame:
    """An indicator's values by period for some regions, as known at ``as_of`` in ``reading``."""
    return values_as_of(
        warehouse,
        as_of,
        period_type=period_type,
        indicators=[indicator],
        regions=regions,
        reading=parse_reading(reading),
    )


def league(warehouse, as_of: dt.date, indicator: str) -> pl.DataFrame:
    """13-city league table of one indicator at ``as_of`` (rank 1 is best)."""
    return warehouse.query(
        "SELECT * FROM league_table WHERE as_of = ? AND indicator = ? ORDER BY rank",
        [as_of, indicator],
    )


def composite(warehouse, as_of: dt.date, domain: str | None = None) -> pl.DataFrame:
    """Composite index per domain (``综合`` = overall) and city at ``as_of``."""
    if domain:
        return warehouse.query(
            "SELECT * FROM composite_index WHERE as_of = ? AND domain = ? ORDER BY rank",
            [as_of, domain],
        )
    return warehouse.query("SELECT * FROM composite_index WHERE as_of = ?", [as_of])


def city_ranks(warehouse, as_of: dt.date, region: str) -> pl.DataFrame:
    """A city's rank among the 13 for every indicator at ``as_of``, with the catalog names."""
    return warehouse.query(
        """
        SELECT l.indicator, l.period, l.value, l.score, l.rank, c.name_zh, c.domain, c.unit,
               c.polarity, c.decimals
        FROM league_table l JOIN catalog_indicators c USING (indicator)
        WHERE l.as_of = ? AND l.region_code = ?
        ORDER BY c.domain, l.rank
        """,
        [as_of, region],
    )


def province_code() -> str:
    return PROVINCE_CODE


def history(
    warehouse, target_set: str, region: str, *, until: dt.date | None = None
) -> pl.DataFrame:
    """Every target's default-method value and status at every vintage (sparklines)."""
    params: list = [target_set, region]
    cond = ""
    if until is not None:
        cond = "AND as_of <= ?"
        params.append(until)
    return warehouse.query(
        f"""
        SELECT indicator, as_of, status, current_value, progress, target_value
        FROM target_progress
        WHERE target_set = ? AND region_code = ? AND is_default_method {cond}
        ORDER BY indicator, as_of
        """,
        params,
    )


def latest_values(
    warehouse,
    as_of: dt.date,
    indicators: list[str],
    region: str,
    period_type: str,
    *,
    reading: str | None = None,
) -> pl.DataFrame:
    """Each indicator's periods for one region as known at ``as_of`` in ``reading`` (newest
    last)."""
    return values_as_of(
        warehouse,
        as_of,
        period_type=period_type,
        indicators=indicators,
        regions=[region],
        reading=parse_reading(reading),
    ).sort("indicator", "period")


def forecast(
    warehouse,
    indicator: str,
    region: str,
    as_of: dt.date,
    *,
    reading: str | None = None,
    target_set: str | None = None,
) -> tuple[dict | None, pl.DataFrame]:
    """The newest stored forecast made on or before ``as_of`` for one series: (model row with
    model, mase, naive_mase, beats_naive, note, probability, expected_period, as_of; monthly
    rows period, mean, lo80, hi80, lo95, hi95). (None, empty) when none exists.

    Forecasts are made from the transaction-time values of their vintage (what the warehouse
    held then), which both readings knew by then, so the same forecast stands in both; a
    forecast table that records its ``reading`` is filtered by it.

    Each plan's series run to its own deadline, so the forecast is that of ``target_set``
    (default: the plan pages show when none is named)."""
    if not {"forecasts", "forecast_models"} <= warehouse.table_names():
        return None, pl.DataFrame()
    reading = parse_reading(reading)
    target_set = target_set or default_target_set()

    def extra(table: str) -> tuple[str, list]:
        columns = warehouse.query(f"DESCRIBE {table}")["column_name"].to_list()
        cond, params = "", []
        if "reading" in columns:
            cond, params = cond + " AND reading = ?", params + [reading]
        if "target_set" in columns:
            cond, params = cond + " AND target_set = ?", params + [target_set]
        return cond, params

    cond, params = extra("forecast_models")
    models = warehouse.query(
        f"""
        SELECT * FROM forecast_models
        WHERE indicator = ? AND region_code = ? AND as_of <= ? {cond}
        ORDER BY as_of DESC LIMIT 1
        """,
        [indicator, region, as_of, *params],
    )
    if models.is_empty():
        return None, pl.DataFrame()
    model = models.row(0, named=True)
    cond, params = extra("forecasts")
    rows = warehouse.query(
        "SELECT period, mean, lo80, hi80, lo95, hi95 FROM forecasts "
        f"WHERE indicator = ? AND region_code = ? AND as_of = ? {cond} ORDER BY step",
        [indicator, region, model["as_of"], *params],
    )
    return model, rows


def track_record(warehouse) -> tuple[dict | None, pl.DataFrame]:
    """How well the stored probabilities of meeting a target have done on questions whose
    answers are now known (``forecast_track_record``, written with the forecasts): the summary
    (n, Brier score, base rate and its Brier score, skill, origins) and the reliability bins
    (bin_lo, bin_hi, n, mean_predicted, observed). (None, empty) before any forecast run."""
    if "forecast_track_record" not in warehouse.table_names():
        return None, pl.DataFrame()
    rows = warehouse.query(
        "SELECT * FROM forecast_track_record WHERE source = 'target_series' ORDER BY bin_lo"
    )
    summary = rows.filter((pl.col("kind") == "summary") & (pl.col("n") > 0))
    if summary.is_empty() or summary["brier"][0] is None:
        return None, pl.DataFrame()  # no question has an answer yet
    head = summary.row(0, named=True)
    head["origins"] = json.loads(head.get("detail") or "{}").get("origins", [])
    bins = rows.filter(pl.col("kind") == "reliability").select(
        "bin_lo", "bin_hi", "n", "mean_predicted", "observed"
    )
    return head, bins
