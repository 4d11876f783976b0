"""Early warnings (预警) and risk scores (风险评分) over the warehouse's materialised tables.

Rules are data: ``models/rules/early_warning.yaml``, validated against
``models/schema/rules.schema.json`` (``additionalProperties: false``) and then by meaning (unique
ids, indicators that exist). Each rule has a ``kind`` evaluated by a pure function of a DuckDB
connection, the catalog and an as-of date:

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
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import yaml

from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.schema import load_schemas
from datasets.warehouse import superseded_table
from indicators.catalog import DOMAINS, Catalog, default_catalog
from indicators.derived import progress_frame, write_table
from indicators.engine import values_as_of
from indicators.readings import DEFAULT_READING, EVENT, READINGS, TRANSACTION, parse_reading
from models.anomaly import FINDING_SCHEMA, detect, findings

HERE = Path(__file__).resolve().parent
RULES_FILE = HERE / "rules" / "early_warning.yaml"
SCHEMA_FILE = HERE / "schema" / "rules.schema.json"

SEVERITIES = {"high": ("高", 1), "medium": ("中", 2), "low": ("低", 3)}
SEVERITY_ALIASES = {"高": "high", "中": "medium", "低": "low"}
LIKELIHOOD = {"high": 1.0, "medium": 0.6, "low": 0.3}
BY_INDICATOR = "按指标"
STATUS_ZH = {
    "limited_progress": "进展有限",
    "deterioration": "倒退",
    "acceleration_needed": "需加快",
}

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
}


# ---------------------------------------------------------------------------- rules as data
@dataclass(frozen=True)
class RuleIssue:
    """One problem in a rules file: ``rule`` is the rule id (or its position)."""

    file: str
    rule: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.rule}: {self.message}"
            if self.rule
            else f"{self.file}: {self.message}"
        )


class RuleError(ValueError):
    """The rules file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[RuleIssue]):
        self.issues = issues
        lines = "\n".join(f"  - {i}" for i in issues)
        super().__init__(
            f"预警规则有 {len(issues)} 处错误 / rules have {len(issues)} issue(s):\n{lines}"
        )


@dataclass(frozen=True)
class Rule:
    """One early-warning rule; ``severity`` normalised to high/medium/low."""

    id: str
    name_zh: str
    kind: str
    severity: str
    domain: str
    description: str
    parameters: dict = field(default_factory=dict)
    file: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity][0]


def _rule_label(doc, path: list) -> str:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        items = doc.get("rules") if isinstance(doc, dict) else None
        item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
        name = item.get("id") if isinstance(item, dict) else None
        return ".".join([name or f"rules[{path[1]}]", *map(str, path[2:])])
    return ".".join(map(str, path))


def load_rules(path: Path = RULES_FILE, catalog: Catalog | None = None) -> list[Rule]:
    """Read and validate a rules file: JSON Schema shape, then meaning (unique ids; indicators,
    datasets and target sets that exist when ``catalog`` is given). Raises :class:`RuleError`
    naming the file and rule of every problem."""
    path = Path(path)
    name = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RuleError([RuleIssue(name, "", f"YAML 语法错误：{err}")]) from err
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    issues = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = _rule_label(doc, list(err.absolute_path))
        rule, _, rest = where.partition(".")
        if err.validator == "additionalProperties":
            message = f"未知字段（检查拼写）：{err.message}"
        elif err.validator == "required":
            message = f"缺少必填字段：{err.message}"
        elif err.validator == "enum":
            message = f"取值 {err.instance!r} 不在允许范围 {err.validator_value}"
        else:
            message = err.message
        issues.append(RuleIssue(name, rule, f"{rest}: {message}" if rest else message))
    if issues:
        raise RuleError(issues)
    rules, seen = [], set()
    for raw in doc["rules"]:
        if raw["id"] in seen:
            issues.append(RuleIssue(name, raw["id"], "规则 id 重复 / duplicate rule id"))
        seen.add(raw["id"])
        sev = SEVERITY_ALIASES.get(raw["severity"], raw["severity"])
        rule = Rule(
            id=raw["id"],
            name_zh=raw["name_zh"],
            kind=raw["kind"],
            severity=sev,
            domain=raw["domain"],
            description=raw["description"],
            parameters=raw["parameters"],
            file=name,
        )
        issues += _meaning_issues(rule, catalog)
        rules.append(rule)
    if issues:
        raise RuleError(issues)
    return rules


def _meaning_issues(rule: Rule, catalog: Catalog | None) -> list[RuleIssue]:

    p, out = rule.parameters, []
    if catalog is not None:
        codes = [s["indicator"] for s in p.get("series", [])]
        codes += [p[k] for k in ("indicator", "share_indicator") if k in p]
        for code in codes:
            if code not in catalog.indicators:
                out.append(RuleIssue(rule.file, rule.id, f"指标 {code!r} 不在指标目录中"))
        if "target_set" in p and p["target_set"] not in catalog.target_sets:
            out.append(RuleIssue(rule.file, rule.id, f"目标集 {p['target_set']!r} 不存在"))
    datasets = load_schemas()
    for feed in p.get("feeds", []):
        if feed["dataset"] not in datasets:
            out.append(RuleIssue(rule.file, rule.id, f"数据集 {feed['dataset']!r} 不存在"))
    if rule.kind == "final_not_achieved" and p["medium_gap_share"] > p["high_gap_share"]:
        out.append(RuleIssue(rule.file, rule.id, "medium_gap_share 不能大于 high_gap_share"))
    if rule.domain == BY_INDICATOR and rule.kind == "stale_feed":
        out.append(RuleIssue(rule.file, rule.id, "stale_feed 没有指标，domain 不能为「按指标」"))
    return out


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


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _period_end(period: str) -> dt.date:
    return _month_end(int(period[:4]), int(period[5:7]))


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
            months = rule.parameters["lookback_months"]
            wanted |= {_period_end(_shift_months(_ym(v), -months)) for v in vintages}
    frame = progress_frame(con, catalog, sorted(wanted), reading=EVENT)
    return frame.filter(pl.col("is_default_method"))


def _eval_off_track(con, catalog, rule, as_of) -> list[dict]:
    p = rule.parameters
    tp = _progress(con, p.get("target_set"), as_of).with_columns(
        ym=pl.col("as_of").dt.strftime("%Y-%m")
    )
    lag = tp.select(
        "target_set",
        "indicator",
        "region_code",
        pl.col("ym")
        .map_elements(lambda s: _shift_months(s, p["lookback_months"]), return_dtype=pl.String)
        .alias("ym"),
        pl.col("progress").alias("progress_before"),
        pl.col("status").alias("status_before"),
        pl.col("as_of").alias("as_of_before"),
    ).unique(["target_set", "indicator", "region_code", "ym"], keep="last")
    joined = tp.join(lag, on=["target_set", "indicator", "region_code", "ym"], how="left")
    joined = joined.with_columns(
        fired=pl.col("status").is_in(p["statuses"])
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
        sev = "high" if r["status"] in p.get("high_statuses", []) else rule.severity
        months = p["lookback_months"]
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
    tp = _progress(con, p.get("target_set"), as_of)
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
        elif share >= p["high_gap_share"]:
            sev = "high"
        elif share >= p["medium_gap_share"]:
            sev = "medium"
        else:
            sev = "low"
        reached = r["target_value"] - r["final_gap"] if ind.polarity != "lower" else None
        evidence = {
            "final_status": "not_achieved",
            "target_year": r["target_year"],
            "target_value": r["target_value"],
            "final_gap": r["final_gap"],
            "gap_share": share,
            "value_at_deadline": reached,
            "unit": ind.unit,
        }
        message = (
            f"{_region_name(r['region_code'])}「{ind.name_zh}」{int(r['target_year'])} 年目标 "
            f"{_fmt(r['target_value'], ind.decimals)}{ind.unit} 未达成，差距 "
            f"{_fmt(gap, ind.decimals)}{ind.unit}（目标的 {_fmt(100 * (share or 0))}%）。"
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
        history.setdefault(key, {})[r["as_of"]] = r["probability"] < p["threshold"]
    newest = fm["as_of"].max()
    out = []
    for r in fm.filter(
        (pl.col("as_of") == newest) & (pl.col("probability") < p["threshold"])
    ).iter_rows(named=True):
        ind = catalog[r["indicator"]]
        sev = "high" if r["probability"] < p.get("high_below", -1) else rule.severity
        evidence = {
            "probability": r["probability"],
            "threshold": p["threshold"],
            "target_value": r["target_value"],
            "target_period": r["target_period"],
            "forecast_as_of": r["as_of"],
            "model": r["model_label"],
        }
        message = (
            f"{_region_name(r['region_code'])}「{ind.name_zh}」到 {r['target_period']} 达到目标 "
            f"{_fmt(r['target_value'], ind.decimals)}{ind.unit} 的概率仅 "
            f"{_fmt(100 * r['probability'])}%（低于 {_fmt(100 * p['threshold'], 0)}%）。"
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
SCAN_DEFAULTS = {"z_threshold": 4.0, "shift_threshold": 6.0, "min_months": 25}
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
    if as_of == _month_end(as_of.year, as_of.month):
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
    params = {**SCAN_DEFAULTS, **(rule.parameters if rule is not None else {})}
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
        if len(y) < params["min_months"]:
            continue
        key = (tuple(periods), y.tobytes(), params["z_threshold"], params["shift_threshold"])
        if key not in memo:
            memo[key] = findings(
                y,
                period=12,
                labels=periods,
                z_threshold=params["z_threshold"],
                shift_threshold=params["shift_threshold"],
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
    series = {s["category"]: s["indicator"] for s in p["series"]}
    last = _last_complete(as_of)
    recent = [_shift_months(last, -k) for k in range(p["recent_months"])]
    scan = ctx.scan(as_of, rule).with_columns(period=pl.col("month").dt.strftime("%Y-%m"))
    hits_all = scan.filter(
        pl.col("category").is_in(list(series))
        & pl.col("kind").is_not_null()
        & pl.col("period").is_in(recent)
        & (pl.col("direction") == "上升")
        & (pl.col("tickets") >= p.get("min_ratio", 1.5) * pl.col("expected").clip(1e-9))
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
        sev = "high" if ratio >= p.get("high_ratio", 3.0) else rule.severity
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
            f"最高为预期的 {ratio:.1f} 倍（{hits['kind_zh'][0]}，z={hits['score'][0]:.1f}）。"
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


def _stall_at(periods: list[str], y: np.ndarray, upto: int, p: dict) -> dict | None:
    """The stall state of a stock series observed through index ``upto`` (inclusive)."""
    window = y[: upto + 1]
    peak = float(np.max(window))
    first_peak = int(np.argmax(window >= peak))  # first month the final high was reached
    stalled = upto - first_peak
    if stalled < p["stalled_months"] or first_peak < p["prior_months"]:
        return None
    rate = (window[first_peak] - window[first_peak - p["prior_months"]]) / p["prior_months"]
    if rate < p["min_prior_rate"]:
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
    rows = _monthly(con, as_of, [p["indicator"]], city_codes)
    share_ind = p.get("share_indicator")
    shares = {}
    if share_ind:
        sh = _monthly(con, as_of, [share_ind], city_codes).sort("period")
        shares = {r: g["value"][-1] for r, g in sh.group_by("region_code") for r in [r[0]]}
        ts = catalog.target_sets.get(p.get("target_set", ""))
        target = ts.target(share_ind) if ts else None
    ind = catalog[p["indicator"]]
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
        first = _period_end(_shift_months(state["since"], p["stalled_months"]))
        sev = (
            "high"
            if state["stalled_months"] >= p.get("high_stalled_months", 10**6)
            else (rule.severity)
        )
        evidence = {
            **state,
            "indicator": p["indicator"],
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
            f"此前 {p['prior_months']} 个月平均每月新增 {state['prior_rate']:.1f}{ind.unit}）"
            f"{share_text}。"
        )
        drill = {
            "dataset": ind.compute.get("dataset"),
            "indicator": p["indicator"],
            "region": region,
            "since": state["since"],
        }
        out.append(
            _warning(
                rule,
                catalog,
                as_of,
                region,
                p["indicator"],
                severity=sev,
                first_fired=first,
                evidence=evidence,
                message=message,
                drill=drill,
                target_set=p.get("target_set"),
            )
        )
    return out


def _eval_stale(con, catalog, rule, as_of) -> list[dict]:

    schemas = load_schemas()
    out = []
    for feed in rule.parameters["feeds"]:
        s = schemas[feed["dataset"]]
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
        if age is not None and age <= feed["max_age_days"]:
            continue
        evidence = {
            "dataset": s.name,
            "latest": latest,
            "age_days": age,
            "max_age_days": feed["max_age_days"],
        }
        when = f"最新数据截至 {latest}，已 {age} 天" if latest else "尚无数据"
        message = (
            f"数据集「{s.title}」{when}，超过允许的 {feed['max_age_days']} 天，相关指标可能失真。"
        )
        first = latest + dt.timedelta(days=feed["max_age_days"] + 1) if latest else as_of
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
        if v != _month_end(v.year, v.month):
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
    target_sets = list(catalog.target_sets)
    acc: dict[tuple[str, str], dict] = {}
    for w in warnings.iter_rows(named=True):
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
    by_scan = {s["indicator"]: s["category"] for s in surge.parameters["series"]} if surge else {}
    monthly = [
        i.code
        for i in catalog.indicators.values()
        if i.frequency == "month"
        and not (i.shape == "statistic" and i.compute.get("over_time", "last") == "last")
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
