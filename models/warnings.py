"""The evaluators of the early-warning rules (one pure function of a connection, the catalog and an as-of per rule kind), the 12345 scan they share with the risk page, and the vintages the warnings are materialised for. The rule kinds are listed in :mod:`models.risk`."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.schema import load_schemas
from datasets.warehouse import superseded_table
from indicators.catalog import Catalog, default_catalog
from indicators.derived import progress_frame
from indicators.engine import values_as_of
from indicators.readings import DEFAULT_READING, EVENT, TRANSACTION, parse_reading
from models.anomaly import findings
from models.rules import (
    BY_INDICATOR,
    SEVERITIES,
    STATUS_ZH,
    Rule,
    ScanParameters,
    StallParameters,
    load_rules,
)

WARNING_SCHEMA = {
    "as_of": pl.Date,
    "rule_id": pl.String,
    "rule_name": pl.String,
    "kind": pl.String,
    "severity": pl.String,
    "severity_label": pl.String,
    "severity_rank": pl.Int64,
    "domain": pl.String,
    "region_code": pl.String,
    "indicator": pl.String,
    "responsible_units": pl.String,
    "first_fired": pl.Date,
    "evidence": pl.String,
    "message": pl.String,
    "drill": pl.String,
    "target_set": pl.String,  # the plan whose target it concerns; NULL for the others
}


# ---------------------------------------------------------------------------- helpers
class _Reader:
    """``query(sql, params)`` over a DuckDB connection (what ``values_as_of`` expects)."""

    def __init__(self, con):
        self.con = con

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        return self.con.sql(sql, params=params or []).pl()


class _Context:
    """What the rules read for one reading: the connection (``sql`` passes through), the
    reading, target progress in it, and the 12345 scans (:func:`hotline_scan`) by as-of."""

    def __init__(
        self,
        con,
        catalog: Catalog,
        reading: str = DEFAULT_READING,
        *,
        event_progress: pl.DataFrame | None = None,
        hotline: dict[dt.date, pl.DataFrame] | None = None,
        memo: dict | None = None,
    ):
        self.con = con.con if isinstance(con, _Context) else con
        self.catalog = catalog
        self.reading = parse_reading(reading)
        self.event_progress = event_progress
        self.hotline = hotline if hotline is not None else {}
        self.memo = memo if memo is not None else {}

    def sql(self, query: str, params: list | None = None):
        return self.con.sql(query, params=params or [])

    def scan(self, as_of: dt.date, rule: Rule | None = None) -> pl.DataFrame:
        if as_of not in self.hotline:
            self.hotline[as_of] = hotline_scan(
                self.con, as_of, self.reading, rule=rule, memo=self.memo
            )
        return self.hotline[as_of]


def _context(con, catalog: Catalog | None = None, reading: str = DEFAULT_READING) -> _Context:
    return (
        con if isinstance(con, _Context) else _Context(con, catalog or default_catalog(), reading)
    )


def _tables(con) -> set[str]:
    return set(
        con.sql("SELECT table_name FROM information_schema.tables").pl()["table_name"].to_list()
    )


def _last_day_of(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _period_end(period: str) -> dt.date:
    return _last_day_of(int(period[:4]), int(period[5:7]))


def _shift_months(period: str, k: int) -> str:
    i = int(period[:4]) * 12 + int(period[5:7]) - 1 + k
    return f"{i // 12}-{i % 12 + 1:02d}"


def _ym(d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}"


def _units(catalog: Catalog, indicator: str | None, target_set: str | None = None) -> str:
    if indicator is None:
        return "省数据局"
    ts = catalog.target_sets.get(target_set) if target_set else None
    target = ts.target(indicator) if ts else None
    units = target.responsible_units if target else catalog[indicator].responsible_units
    return "、".join(units)


def _domain(rule: Rule, catalog: Catalog, indicator: str | None) -> str:
    if rule.domain == BY_INDICATOR and indicator in catalog.indicators:
        return catalog[indicator].domain
    return rule.domain


def _region_name(code: str) -> str:

    return region_name(code)


def _fmt(x: float | None, decimals: int = 1) -> str:
    if x is None:
        return "—"
    return f"{x:,.{decimals}f}"


def _amount(x: float, unit: str, decimals: int) -> str:
    """98.8% / 1 个: a figure with its unit as the warnings write it."""
    text = _fmt(x, decimals)
    return f"{text}%" if unit == "%" else f"{text} {unit}".rstrip()


def _warning(
    rule,
    catalog,
    as_of,
    region,
    indicator,
    *,
    severity=None,
    first_fired,
    evidence,
    message,
    drill,
    target_set=None,
) -> dict:
    sev = severity or rule.severity
    return {
        "as_of": as_of,
        "rule_id": rule.id,
        "rule_name": rule.name_zh,
        "kind": rule.kind,
        "severity": sev,
        "severity_label": SEVERITIES[sev][0],
        "severity_rank": SEVERITIES[sev][1],
        "domain": _domain(rule, catalog, indicator),
        "region_code": region,
        "indicator": indicator,
        "responsible_units": _units(catalog, indicator, target_set),
        "target_set": target_set,
        "first_fired": first_fired,
        "evidence": json.dumps(evidence, ensure_ascii=False, default=str),
        "message": message,
        "drill": json.dumps(drill, ensure_ascii=False, default=str),
    }


def _first_of_run(history: dict[tuple, dict[dt.date, bool]], key: tuple, as_of: dt.date):
    """Earliest vintage of the uninterrupted run of firing vintages ending at ``as_of``."""
    first = as_of
    for d in sorted((d for d in history.get(key, {}) if d <= as_of), reverse=True):
        if not history[key][d]:
            break
        first = d
    return first


# ---------------------------------------------------------------------------- target rules
_PROGRESS_COLUMNS = [
    "target_set",
    "indicator",
    "region_code",
    "as_of",
    "status",
    "progress",
    "current_value",
    "target_value",
    "baseline_value",
    "target_year",
    "final_status",
    "final_gap",
]


def _progress(con, target_set: str | None, as_of: dt.date) -> pl.DataFrame:
    """Default-method target progress at every vintage up to ``as_of`` in the context's reading:
    the materialised rows (transaction time), or the event-time assessment of the vintages the
    context was given."""
    ctx = _context(con)
    if ctx.reading == EVENT:
        if ctx.event_progress is None:
            ctx.event_progress = event_progress(ctx.con, ctx.catalog, [as_of])
        tp = ctx.event_progress.filter(pl.col("as_of") <= as_of)
        if target_set:
            tp = tp.filter(pl.col("target_set") == target_set)
        return tp.select(_PROGRESS_COLUMNS)
    cond, params = "is_default_method AND as_of <= ?", [as_of]
    if target_set:
        cond += " AND target_set = ?"
        params.append(target_set)
    return ctx.sql(
        f"SELECT {', '.join(_PROGRESS_COLUMNS)} FROM target_progress WHERE {cond}",
        params=params,
    ).pl()


def event_progress(con, catalog: Catalog, vintages: list[dt.date]) -> pl.DataFrame:
    """Default-method target progress in the event-time reading at ``vintages`` and, for the
    off-track rule's comparison, at each of them ``lookback_months`` earlier."""

    wanted = set(vintages)
    for rule in load_rules(catalog=catalog):
        if rule.kind == "target_off_track":
            months = rule.parameters.lookback_months
            wanted |= {_period_end(_shift_months(_ym(v), -months)) for v in vintages}
    frame = progress_frame(con, catalog, sorted(wanted), reading=EVENT)
    return frame.filter(pl.col("is_default_method"))


def _eval_off_track(con, catalog, rule, as_of) -> list[dict]:
    p = rule.parameters
    tp = _progress(con, p.target_set, as_of).with_columns(ym=pl.col("as_of").dt.strftime("%Y-%m"))
    lag = tp.select(
        "target_set",
        "indicator",
        "region_code",
        pl.col("ym")
        .map_elements(lambda s: _shift_months(s, p.lookback_months), return_dtype=pl.String)
        .alias("ym"),
        pl.col("progress").alias("progress_before"),
        pl.col("status").alias("status_before"),
        pl.col("as_of").alias("as_of_before"),
    ).unique(["target_set", "indicator", "region_code", "ym"], keep="last")
    joined = tp.join(lag, on=["target_set", "indicator", "region_code", "ym"], how="left")
    joined = joined.with_columns(
        fired=pl.col("status").is_in(list(p.statuses))
        & pl.col("final_status").is_null()
        & (pl.col("progress") < pl.col("progress_before")).fill_null(False)
    )
    history: dict[tuple, dict] = {}
    for r in joined.select("target_set", "indicator", "region_code", "as_of", "fired").iter_rows():
        history.setdefault(r[:3], {})[r[3]] = r[4]
    newest = joined["as_of"].max() if joined.height else None
    out = []
    for r in joined.filter((pl.col("as_of") == newest) & pl.col("fired")).iter_rows(named=True):
        key = (r["target_set"], r["indicator"], r["region_code"])
        ind = catalog[r["indicator"]]
        sev = "high" if r["status"] in p.high_statuses else rule.severity
        months = p.lookback_months
        evidence = {
            "status": r["status"],
            "progress": r["progress"],
            "progress_before": r["progress_before"],
            "as_of_before": r["as_of_before"],
            "current_value": r["current_value"],
            "target_value": r["target_value"],
            "unit": ind.unit,
        }
        message = (
            f"{_region_name(r['region_code'])}「{ind.name_zh}」评为"
            f"{STATUS_ZH.get(r['status'], r['status'])}，完成进度 {_fmt(100 * r['progress'])}%，"
            f"比 {months} 个月前的 {_fmt(100 * r['progress_before'])}% 更低"
            f"（当前 {_fmt(r['current_value'], ind.decimals)}{ind.unit}，"
            f"目标 {_fmt(r['target_value'], ind.decimals)}{ind.unit}）。"
        )
        drill = {
            "page": "targets",
            "target_set": r["target_set"],
            "indicator": r["indicator"],
            "region": r["region_code"],
            "as_of": r["as_of"],
        }
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                r["region_code"],
                r["indicator"],
                severity=sev,
                first_fired=_first_of_run(history, key, newest),
                evidence=evidence,
                message=message,
                drill=drill,
                target_set=r["target_set"],
            )
        )
    return out


def _eval_final(con, catalog, rule, as_of) -> list[dict]:
    p = rule.parameters
    tp = _progress(con, p.target_set, as_of)
    history: dict[tuple, dict] = {}
    for r in tp.select(
        "target_set",
        "indicator",
        "region_code",
        "as_of",
        (pl.col("final_status") == "not_achieved").fill_null(False),
    ).iter_rows():
        history.setdefault(r[:3], {})[r[3]] = r[4]
    newest = tp["as_of"].max() if tp.height else None
    out = []
    rows = tp.filter((pl.col("as_of") == newest) & (pl.col("final_status") == "not_achieved"))
    for r in rows.iter_rows(named=True):
        ind = catalog[r["indicator"]]
        gap = abs(r["final_gap"] or 0.0)
        share = gap / abs(r["target_value"]) if r["target_value"] else None
        if share is None:
            sev = rule.severity
        elif share >= p.high_gap_share:
            sev = "high"
        elif share >= p.medium_gap_share:
            sev = "medium"
        else:
            sev = "low"
        # the gap is the value at the deadline minus the target (target minus it if lower is
        # better), as the tracking stores it
        sign = -1 if ind.polarity == "lower" else 1
        reached = r["target_value"] + sign * r["final_gap"]
        evidence = {
            "final_status": "not_achieved",
            "target_year": r["target_year"],
            "target_value": r["target_value"],
            "final_gap": r["final_gap"],
            "gap_share": share,
            "value_at_deadline": reached,
            "unit": ind.unit,
        }
        short = (
            f"{_fmt(gap, ind.decimals)} 个百分点"
            if ind.unit == "%"
            else _amount(gap, ind.unit, ind.decimals)
        )
        message = (
            f"{_region_name(r['region_code'])}「{ind.name_zh}」{int(r['target_year'])} 年末"
            + (f"为 {_amount(reached, ind.unit, ind.decimals)}，" if reached is not None else "")
            + f"未达成目标 {_amount(r['target_value'], ind.unit, ind.decimals)}，差 {short}。"
        )
        drill = {
            "page": "targets",
            "target_set": r["target_set"],
            "indicator": r["indicator"],
            "region": r["region_code"],
            "as_of": r["as_of"],
            "view": "final",
        }
        key = (r["target_set"], r["indicator"], r["region_code"])
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                r["region_code"],
                r["indicator"],
                severity=sev,
                first_fired=_first_of_run(history, key, newest),
                evidence=evidence,
                message=message,
                drill=drill,
                target_set=r["target_set"],
            )
        )
    return out


def _eval_probability(con, catalog, rule, as_of) -> list[dict]:
    if "forecast_models" not in _tables(con):
        return []
    p = rule.parameters
    # forecasts are made from transaction-time values; a table that records its reading is
    # read in the context's
    columns = con.sql("DESCRIBE forecast_models").pl()["column_name"].to_list()
    by_reading = "AND reading = ?" if "reading" in columns else ""
    fm = con.sql(
        f"""
        SELECT indicator, region_code, as_of, target_set, probability, target_value,
               target_period, model_label
        FROM forecast_models
        WHERE as_of <= ? AND probability IS NOT NULL AND target_period IS NOT NULL {by_reading}
        """,
        params=[as_of] + ([_context(con, catalog).reading] if by_reading else []),
    ).pl()
    fm = fm.filter(pl.col("as_of").dt.strftime("%Y-%m") <= pl.col("target_period"))
    # after the deadline the final assessment speaks; a probability of meeting it is moot
    fm = fm.filter(pl.lit(f"{as_of:%Y-%m}") <= pl.col("target_period"))
    if fm.height == 0:
        return []
    history: dict[tuple, dict] = {}
    for r in fm.iter_rows(named=True):
        key = (r["target_set"], r["indicator"], r["region_code"])
        history.setdefault(key, {})[r["as_of"]] = r["probability"] < p.threshold
    newest = fm["as_of"].max()
    out = []
    for r in fm.filter(
        (pl.col("as_of") == newest) & (pl.col("probability") < p.threshold)
    ).iter_rows(named=True):
        ind = catalog[r["indicator"]]
        sev = (
            "high"
            if r["probability"] < (p.high_below if p.high_below is not None else -1)
            else rule.severity
        )
        evidence = {
            "probability": r["probability"],
            "threshold": p.threshold,
            "target_value": r["target_value"],
            "target_period": r["target_period"],
            "forecast_as_of": r["as_of"],
            "model": r["model_label"],
        }
        message = (
            f"{_region_name(r['region_code'])}「{ind.name_zh}」到 {r['target_period']} 达到目标 "
            f"{_fmt(r['target_value'], ind.decimals)}{ind.unit} 的概率仅 "
            f"{_fmt(100 * r['probability'])}%（低于 {_fmt(100 * p.threshold, 0)}%）。"
        )
        drill = {
            "page": "forecast",
            "indicator": r["indicator"],
            "region": r["region_code"],
            "as_of": r["as_of"],
        }
        key = (r["target_set"], r["indicator"], r["region_code"])
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                r["region_code"],
                r["indicator"],
                severity=sev,
                first_fired=_first_of_run(history, key, newest),
                evidence=evidence,
                message=message,
                drill=drill,
                target_set=r["target_set"],
            )
        )
    return out


# ---------------------------------------------------------------------------- series rules
def _monthly(con, as_of: dt.date, indicators: list[str], regions: list[str]) -> pl.DataFrame:
    ctx = _context(con)
    rows = values_as_of(
        _Reader(ctx.con),
        as_of,
        period_type="month",
        indicators=indicators,
        regions=regions,
        reading=ctx.reading,
    )
    return rows.filter(pl.col("complete"))


def _filled(values: dict[str, float], last: str) -> tuple[list[str], np.ndarray]:
    """Months from the first observed through ``last``; months without tickets are 0."""
    first = min(values)
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    stop = int(last[:4]) * 12 + int(last[5:7]) - 1
    periods = [f"{i // 12}-{i % 12 + 1:02d}" for i in range(start, stop + 1)]
    return periods, np.array([values.get(q, 0.0) for q in periods], dtype=float)


SURGE_WINDOW = 6  # months of the 12345 surge table: the last 6 complete months
SCAN_SCHEMA = {
    "region_code": pl.String,
    "category": pl.String,
    "month": pl.Date,
    "tickets": pl.Int64,
    "expected": pl.Float64,
    "ratio": pl.Float64,
    "kind": pl.String,
    "kind_zh": pl.String,
    "direction": pl.String,
    "score": pl.Float64,
    "in_window": pl.Boolean,
}


def _last_complete(as_of: dt.date) -> str:
    """The newest month complete at ``as_of`` ('YYYY-MM')."""
    if as_of == _last_day_of(as_of.year, as_of.month):
        return _ym(as_of)
    return _shift_months(_ym(as_of), -1)


def hotline_scan(
    con,
    as_of: dt.date,
    reading: str = DEFAULT_READING,
    *,
    rule=None,
    memo: dict | None = None,
) -> pl.DataFrame:
    """Every city × category monthly 12345 ticket series as known at ``as_of`` in ``reading``
    (``hotline_known``), run through :func:`models.anomaly.decompose`: the one place the
    expected volume of a month is worked out. The warning rule, the surge table and the
    anomaly list all read these rows.

    Rows: each series' last :data:`SURGE_WINDOW` complete months (``in_window``) and every month
    flagged as a spike or level shift; ``tickets`` the month's tickets, ``expected`` the fitted
    trend + season (for a flagged month, what the detector expected: the level before a shift),
    ``ratio`` = tickets ÷ expected, ``kind``/``kind_zh``/``direction``/``score`` for flagged months.
    Series shorter than the rule's ``min_months`` are left out. ``memo`` shares the fits of
    identical series between calls (the two readings of a vintage mostly agree)."""
    params = rule.parameters if rule is not None else ScanParameters()
    memo = {} if memo is None else memo
    last = _last_complete(as_of)
    counts = con.sql(
        """
        SELECT h.region_code, h.category, strftime(h.month, '%Y-%m') AS period,
               sum(h.tickets) AS tickets
        FROM hotline_known h JOIN regions r USING (region_code)
        WHERE r.level = 'city' AND h.reading = ? AND h.known <= ?
          AND strftime(h.month, '%Y-%m') <= ?
        GROUP BY 1, 2, 3 HAVING sum(h.tickets) <> 0
        """,
        params=[parse_reading(reading), dt.date(as_of.year, as_of.month, 1), last],
    ).pl()
    window = {_shift_months(last, -k) for k in range(SURGE_WINDOW)}
    by_series: dict[tuple[str, str], dict[str, float]] = {}
    for region, category, period, tickets in counts.iter_rows():
        by_series.setdefault((region, category), {})[period] = tickets
    rows: list[dict] = []
    for (region, category), values in sorted(by_series.items()):
        periods, y = _filled(values, last)
        if len(y) < params.min_months:
            continue
        key = (tuple(periods), y.tobytes(), params.z_threshold, params.shift_threshold)
        if key not in memo:
            memo[key] = findings(
                y,
                period=12,
                labels=periods,
                z_threshold=params.z_threshold,
                shift_threshold=params.shift_threshold,
            )
        found, expected = memo[key]
        flagged = {r["position"]: r for r in found}
        for i, period in enumerate(periods):
            hit = flagged.get(i)
            if hit is None and period not in window:
                continue
            exp = hit["expected"] if hit else float(expected[i])
            rows.append(
                {
                    "region_code": region,
                    "category": category,
                    "month": dt.date(int(period[:4]), int(period[5:7]), 1),
                    "tickets": int(y[i]),
                    "expected": exp,
                    "ratio": y[i] / exp if exp > 0 else None,
                    "kind": hit["kind"] if hit else None,
                    "kind_zh": hit["kind_zh"] if hit else None,
                    "direction": hit["direction"] if hit else None,
                    "score": hit["score"] if hit else None,
                    "in_window": period in window,
                }
            )
    return pl.DataFrame(rows, schema=SCAN_SCHEMA).sort("region_code", "category", "month")


def _eval_hotline(con, catalog, rule, as_of) -> list[dict]:
    p = rule.parameters
    ctx = _context(con, catalog)
    series = {s.category: s.indicator for s in p.series}
    last = _last_complete(as_of)
    recent = [_shift_months(last, -k) for k in range(p.recent_months)]
    scan = ctx.scan(as_of, rule).with_columns(period=pl.col("month").dt.strftime("%Y-%m"))
    hits_all = scan.filter(
        pl.col("category").is_in(list(series))
        & pl.col("kind").is_not_null()
        & pl.col("period").is_in(recent)
        & (pl.col("direction") == "上升")
        & (pl.col("tickets") >= p.min_ratio * pl.col("expected").clip(1e-9))
    )
    out = []
    for (region, category), hits in hits_all.sort("month").group_by(
        "region_code", "category", maintain_order=True
    ):
        indicator = series[category]
        ind = catalog[indicator]
        months = hits["period"].to_list()
        values, expected = hits["tickets"].to_list(), hits["expected"].to_list()
        ratio = max(v / e if e > 0 else float("inf") for v, e in zip(values, expected, strict=True))
        sev = "high" if ratio >= p.high_ratio else rule.severity
        evidence = {
            "category": category,
            "months": months,
            "values": values,
            "expected": expected,
            "scores": hits["score"].to_list(),
            "kinds": hits["kind"].to_list(),
            "max_ratio": ratio,
            "unit": ind.unit,
        }
        detail = "、".join(
            f"{m} {v:,.0f} 件（预期约 {e:,.0f} 件）"
            for m, v, e in zip(months, values, expected, strict=True)
        )
        message = (
            f"{_region_name(region)} 12345「{category}」类诉求激增：{detail}，"
            f"最高为预期的 {ratio:.1f} 倍（{hits['kind_zh'][0]}）。"
        )
        drill = {
            "dataset": "hotline_tickets",
            "table": "hotline_monthly",
            "category": category,
            "indicator": indicator,
            "region": region,
            "months": months,
        }
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                region,
                indicator,
                first_fired=_period_end(months[0]),
                evidence=evidence,
                message=message,
                drill=drill,
                severity=sev,
            )
        )
    return out


def _stall_at(periods: list[str], y: np.ndarray, upto: int, p: StallParameters) -> dict | None:
    """The stall state of a stock series observed through index ``upto`` (inclusive)."""
    window = y[: upto + 1]
    peak = float(np.max(window))
    first_peak = int(np.argmax(window >= peak))  # first month the final high was reached
    stalled = upto - first_peak
    if stalled < p.stalled_months or first_peak < p.prior_months:
        return None
    rate = (window[first_peak] - window[first_peak - p.prior_months]) / p.prior_months
    if rate < p.min_prior_rate:
        return None
    return {
        "since": periods[first_peak],
        "stalled_months": stalled,
        "prior_rate": float(rate),
        "peak": peak,
        "current": float(window[-1]),
    }


def _eval_stall(con, catalog, rule, as_of) -> list[dict]:
    p = rule.parameters
    city_codes = cities()["region_code"].to_list()
    rows = _monthly(con, as_of, [p.indicator], city_codes)
    share_ind = p.share_indicator
    shares = {}
    if share_ind:
        sh = _monthly(con, as_of, [share_ind], city_codes).sort("period")
        shares = {r: g["value"][-1] for r, g in sh.group_by("region_code") for r in [r[0]]}
        ts = catalog.target_sets.get(p.target_set or "")
        target = ts.target(share_ind) if ts else None
    ind = catalog[p.indicator]
    out = []
    for (region,), grp in rows.sort("period").group_by("region_code", maintain_order=True):
        periods, y = grp["period"].to_list(), grp["value"].to_numpy().astype(float)
        state = _stall_at(periods, y, len(y) - 1, p)
        if state is None:
            continue
        share, goal = shares.get(region), None
        if share_ind and target is not None:
            goal = target.value_for(region)
            if share is not None and goal is not None and share >= goal:
                continue
        # first vintage of the run: the stall condition holds from month (since + stalled_months)
        first = _period_end(_shift_months(state["since"], p.stalled_months))
        sev = (
            "high"
            if state["stalled_months"] >= (p.high_stalled_months or 10**6)
            else (rule.severity)
        )
        evidence = {
            **state,
            "indicator": p.indicator,
            "unit": ind.unit,
            "share_indicator": share_ind,
            "share": share,
            "share_target": goal,
        }
        share_text = ""
        if share is not None:
            share_ind_obj = catalog[share_ind]
            share_text = (
                f"；{share_ind_obj.name_zh} {_fmt(share)}{share_ind_obj.unit}"
                f"（目标 {_fmt(goal)}{share_ind_obj.unit}）"
            )
        message = (
            f"{_region_name(region)}「{ind.name_zh}」自 {state['since']} 起连续 "
            f"{state['stalled_months']} 个月未增长（停在 {state['peak']:,.0f}{ind.unit}，"
            f"此前 {p.prior_months} 个月平均每月新增 {state['prior_rate']:.1f}{ind.unit}）"
            f"{share_text}。"
        )
        drill = {
            "dataset": getattr(ind.compute, "dataset", None),
            "indicator": p.indicator,
            "region": region,
            "since": state["since"],
        }
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                region,
                p.indicator,
                severity=sev,
                first_fired=first,
                evidence=evidence,
                message=message,
                drill=drill,
                target_set=p.target_set,
            )
        )
    return out


def _eval_stale(con, catalog, rule, as_of) -> list[dict]:

    schemas = load_schemas()
    out = []
    for feed in rule.parameters.feeds:
        s = schemas[feed.dataset]
        names = s.column_names
        if "year" in names:
            month = "coalesce(month, 12)" if "month" in names else "12"
            expr = f"last_day(make_date(year::BIGINT, {month}::BIGINT, 1))"
        else:
            expr = f'CAST("{s.period_column}" AS DATE)'
        source = f'SELECT {expr} AS d FROM "{s.name}"'
        if _context(con, catalog).reading == TRANSACTION:
            # what the warehouse held: rows arrived by then, and versions replaced since
            held = "(recorded_at IS NULL OR CAST(recorded_at AS DATE) <= $as_of)"
            source = (
                f'SELECT {expr} AS d FROM "{s.name}" WHERE {held} UNION ALL '
                f'SELECT {expr} FROM "{superseded_table(s.name)}" WHERE {held} '
                "AND CAST(superseded_at AS DATE) > $as_of"
            )
        latest = con.sql(
            f"SELECT max(d) AS d FROM ({source}) WHERE d <= $as_of", params={"as_of": as_of}
        ).pl()["d"][0]
        age = (as_of - latest).days if latest else None
        if age is not None and age <= feed.max_age_days:
            continue
        evidence = {
            "dataset": s.name,
            "latest": latest,
            "age_days": age,
            "max_age_days": feed.max_age_days,
        }
        when = f"最新数据截至 {latest}，已 {age} 天" if latest else "尚无数据"
        message = (
            f"数据集「{s.title}」{when}，超过允许的 {feed.max_age_days} 天，相关指标可能失真。"
        )
        first = latest + dt.timedelta(days=feed.max_age_days + 1) if latest else as_of
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                PROVINCE_CODE,
                None,
                first_fired=first,
                evidence=evidence,
                message=message,
                drill={"page": "data", "dataset": s.name},
            )
        )
    return out


EVALUATORS = {
    "target_off_track": _eval_off_track,
    "final_not_achieved": _eval_final,
    "probability_low": _eval_probability,
    "hotline_surge": _eval_hotline,
    "stalled_progress": _eval_stall,
    "stale_feed": _eval_stale,
}


def newest_vintage(con) -> dt.date:
    """The newest as-of date of ``target_progress`` (the cockpit's default vintage)."""
    return con.sql("SELECT max(as_of) AS d FROM target_progress").pl()["d"][0]


def risk_vintages(con, catalog: Catalog | None = None) -> list[dt.date]:
    """The vintages whose warnings, risk scores, open items and 12345 scans are materialised:
    every year end, the middle (June 30) of a plan's mid-term year (the 中期评估), and the
    newest. A replay at any other month reads the latest of these on or before it."""
    catalog = catalog or default_catalog()
    all_ = con.sql("SELECT DISTINCT as_of FROM target_progress ORDER BY 1").pl()["as_of"]
    if all_.is_empty():
        return []
    mid_years = {ts.midterm_year for ts in catalog.target_sets.values() if ts.midterm_year}
    keep = {all_[-1]}
    for v in all_.to_list():
        if v != _last_day_of(v.year, v.month):
            continue
        if v.month == 12 or (v.year in mid_years and v.month == 6):
            keep.add(v)
    return sorted(keep)


def evaluate_rules(
    con,
    catalog: Catalog,
    rules: list[Rule],
    as_of: dt.date,
    *,
    reading: str = DEFAULT_READING,
) -> pl.DataFrame:
    """Every warning fired at ``as_of`` in ``reading`` (only data known by then, see
    :mod:`indicators.engine`): one row per rule × region × indicator (columns of
    :data:`WARNING_SCHEMA`; ``evidence`` and ``drill`` are JSON text), most severe first."""
    ctx = con if isinstance(con, _Context) else _Context(con, catalog, reading)
    rows: list[dict] = []
    for rule in rules:
        rows += EVALUATORS[rule.kind](ctx, catalog, rule, as_of)
    frame = pl.DataFrame(rows, schema=WARNING_SCHEMA)
    return frame.sort("severity_rank", "region_code", "rule_id", "indicator", nulls_last=True)
