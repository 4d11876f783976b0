"""Data quality of every dataset: completeness, timeliness, soft-rule violations and a score.

Files that break a dataset's schema are rejected whole at ingestion, so every row in the
warehouse already has its required values, types, enums, bounds and date order. What is left to
measure is what a schema cannot refuse:

**Completeness** — the share of filled values over the dataset's columns. A column whose
emptiness *means* something is left out (an empty ``achieved_date`` is an item not achieved yet,
an empty ``month`` an annual statistic); a column that is expected only in some rows is counted
only there (a hotline ticket's ``satisfaction`` once it is closed). Strings of blanks count as
empty. The weakest column is named.

**Timeliness** — the *data end* (the newest date any dated column holds; for statistics and
monthly tables the end of the newest period) against the newest load and against today. The
label is 及时 when ``today - data_end`` is within the dataset's threshold, 滞后 otherwise. The
threshold is the reporting cadence plus the expected lag before data arrive (see
:data:`FRESHNESS`): daily event streams extracted monthly 31 days; registries updated monthly
whose events are sparse 31 + 14; monthly 好差评 tables 31 + 10 (their publication lag in the
catalog) rounded to 45; monthly statistics 31 + 20 (the longest monthly publication lag in the
catalog); recognitions made in batches half a year.

**Soft rules** — rows that pass the schema but break a consistency rule declared here per
dataset (:data:`CHECKS`), each with its Chinese description and count; a row breaking several
rules counts once among the dataset's invalid rows. Rules "as of the data end" measure against
the dataset's own data end, not today, so that reloading old data does not change them.

**Score** (0–100) = 40 × completeness + 30 × (1 − invalid share) + 30 × timeliness, where
timeliness is 1 within the threshold and falls linearly to 0 at three times the threshold.

Every metric is aggregate SQL, one query per dataset, run once per warehouse version and day
(:func:`cached_quality`), never per page callback.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache

from datasets import access, config
from datasets.schema import DatasetSchema, load_schemas
from datasets.warehouse import Warehouse

WEIGHTS = {"completeness": 0.4, "validity": 0.3, "timeliness": 0.3}


@dataclass(frozen=True)
class Rule:
    """A soft consistency rule: ``condition`` is true on a row that breaks it.

    The condition is SQL over the dataset's columns, the helper columns of its
    :class:`DatasetChecks` and ``data_end`` (the dataset's newest date).
    """

    code: str
    description: str
    condition: str


@dataclass(frozen=True)
class Freshness:
    """How fresh a dataset should be: its cadence in words and the days allowed behind today."""

    cadence: str
    threshold_days: int


@dataclass(frozen=True)
class DatasetChecks:
    """What is checked on one dataset beyond its schema."""

    rules: tuple[Rule, ...] = ()
    # helper columns computed over the whole table (window functions, lookups): name → SQL
    helpers: dict[str, str] = field(default_factory=dict)
    joins: str = ""
    # columns whose emptiness carries meaning, left out of completeness: column → why
    meaningful_empty: dict[str, str] = field(default_factory=dict)
    # columns expected only on some rows: column → SQL condition of those rows
    expected_when: dict[str, str] = field(default_factory=dict)


def _duplicate(*columns: str) -> str:
    return f"count(*) OVER (PARTITION BY {', '.join(columns)}) > 1"


_STAT_HELPERS = {
    "_unit_mode": "mode(t.unit) OVER (PARTITION BY t.indicator)",
    "_region_name": "r.name_zh",
}
_STAT_EMPTY = {"month": "年度数据无月份", "day": "非日度数据无日期"}


def _stat_checks(other: str) -> DatasetChecks:
    return DatasetChecks(
        rules=(
            Rule(
                "unit_mismatch",
                "单位与该指标最常用的单位不一致",
                "unit <> _unit_mode",
            ),
            Rule(
                "region_name_mismatch",
                "地区名称与行政区划代码不符",
                "region_name IS NOT NULL AND trim(region_name) <> '' "
                "AND region_name <> _region_name",
            ),
            Rule(
                "duplicate_other_table",
                f"同一指标、地区、时期也出现在另一张统计表（{load_schemas()[other].title}）中",
                "_in_other",
            ),
        ),
        helpers={
            **_STAT_HELPERS,
            "_in_other": (
                f'EXISTS (SELECT 1 FROM "{other}" o WHERE o.indicator = t.indicator '
                "AND o.region_code = t.region_code AND o.year = t.year "
                "AND o.month IS NOT DISTINCT FROM t.month AND o.day IS NOT DISTINCT FROM t.day)"
            ),
        },
        joins="LEFT JOIN regions r ON r.region_code = t.region_code",
        meaningful_empty=_STAT_EMPTY,
    )


CHECKS: dict[str, DatasetChecks] = {
    "service_items": DatasetChecks(
        rules=(
            Rule(
                "achieved_after_5_years",
                "实现日期晚于列入清单日期 5 年以上（请核实日期）",
                "achieved_date > listed_date + INTERVAL 5 YEAR",
            ),
            Rule(
                "duplicate_name",
                "同一地区、同一清单中事项名称重复",
                "_dup_name",
            ),
        ),
        helpers={"_dup_name": _duplicate("region_code", "list_type", "item_name")},
        meaningful_empty={"achieved_date": "空值表示尚未实现"},
    ),
    "info_systems": DatasetChecks(
        rules=(
            Rule(
                "classified_on_cloud",
                "涉密系统填有上云日期（涉密系统不上政务云）",
                "classified AND cloud_date IS NOT NULL",
            ),
            Rule("cloud_after_retired", "上云日期晚于下线日期", "cloud_date > retired_date"),
            Rule(
                "duplicate_name",
                "同一地区、同一部门系统名称重复",
                "_dup_name",
            ),
        ),
        helpers={"_dup_name": _duplicate("region_code", "department", "system_name")},
        meaningful_empty={"cloud_date": "空值表示尚未上云", "retired_date": "空值表示仍在运行"},
    ),
    "private_networks": DatasetChecks(
        rules=(
            Rule(
                "classified_integrated",
                "涉密专网填有并入电子政务外网日期",
                "classified AND integrated_date IS NOT NULL",
            ),
        ),
        meaningful_empty={"integrated_date": "空值表示尚未并入外网"},
    ),
    "gov_apps": DatasetChecks(
        rules=(Rule("duplicate_name", "同一地区应用名称重复", "_dup_name"),),
        helpers={"_dup_name": _duplicate("region_code", "app_name")},
        meaningful_empty={"onboarded_date": "空值表示尚未入驻苏服办"},
    ),
    "enforcement_bodies": DatasetChecks(
        rules=(
            Rule(
                "enabled_before_established",
                "开通掌上执法日期早于执法主体设立日期",
                "mobile_enabled_date < established_date",
            ),
        ),
        meaningful_empty={"mobile_enabled_date": "空值表示尚未开通"},
    ),
    "data_sharing_requests": DatasetChecks(
        rules=(
            Rule(
                "resolved_without_date",
                "已办结（已满足/已驳回）但未填办结日期",
                "status IN ('已满足', '已驳回') AND resolved_date IS NULL",
            ),
            Rule(
                "pending_with_date",
                "办理中却填有办结日期",
                "status = '办理中' AND resolved_date IS NOT NULL",
            ),
            Rule(
                "pending_over_60_days",
                "办理中超过 60 天（截至本数据集最新日期）",
                "status = '办理中' AND requested_date < data_end - INTERVAL 60 DAY",
            ),
            Rule(
                "same_department",
                "需求部门与提供部门相同",
                "requesting_department = providing_department",
            ),
        ),
        meaningful_empty={"resolved_date": "办理中的申请尚无办结日期（已办结缺日期见规则）"},
    ),
    "scenarios": DatasetChecks(
        rules=(Rule("duplicate_name", "场景名称重复", "_dup_name"),),
        helpers={"_dup_name": _duplicate("kind", "scenario_name")},
    ),
    "service_evaluations": DatasetChecks(
        rules=(
            Rule(
                "positive_negative_exceed",
                "好评数与差评数之和超过评价数",
                "positive + negative > evaluations",
            ),
            Rule(
                "rectified_exceed",
                "差评整改数超过差评数",
                "negative_rectified > negative",
            ),
        ),
    ),
    "hotline_tickets": DatasetChecks(
        rules=(
            Rule(
                "open_90_days_past_due",
                "超过办理时限 90 天仍未办结（截至本数据集最新日期）",
                "closed_at IS NULL AND due_at < data_end - INTERVAL 90 DAY",
            ),
            Rule(
                "rated_while_open",
                "未办结却有满意度评价",
                "closed_at IS NULL AND satisfaction IS NOT NULL",
            ),
        ),
        meaningful_empty={"closed_at": "空值表示尚未办结"},
        expected_when={"satisfaction": "closed_at IS NOT NULL"},
    ),
    "economic_stats": _stat_checks("governance_stats"),
    "governance_stats": _stat_checks("economic_stats"),
    "national_benchmarks": DatasetChecks(
        rules=(
            Rule(
                "rank_repeated",
                "同一对标指标、同一年度有两个省份名次相同",
                "rank IS NOT NULL AND _dup_rank",
            ),
        ),
        helpers={"_dup_rank": _duplicate("benchmark", "year", "rank")},
        meaningful_empty={"value": "部分评估只公布名次", "rank": "部分评估只公布数值"},
    ),
    "plan_tasks": DatasetChecks(
        rules=(
            Rule(
                "done_without_evidence",
                "报告已完成却没有佐证材料",
                "status = '已完成' AND (evidence IS NULL OR trim(evidence) = '')",
            ),
            Rule(
                "late_before_year_end",
                "里程碑年度未过却报告滞后",
                "status = '滞后' AND reported_date < make_date(milestone_year, 12, 31)",
            ),
        ),
        meaningful_empty={
            "evidence": "未启动的里程碑尚无佐证材料",
            "supporting_units": "无配合单位",
        },
    ),
}

REGISTRY = Freshness("台账，按月更新（事件稀疏）", 45)
FRESHNESS: dict[str, Freshness] = {
    "service_items": REGISTRY,
    "info_systems": REGISTRY,
    "private_networks": REGISTRY,
    "gov_apps": REGISTRY,
    "enforcement_bodies": REGISTRY,
    "data_sharing_requests": Freshness("逐日事件，按月抽取", 31),
    "hotline_tickets": Freshness("逐日事件，按月抽取", 31),
    "scenarios": Freshness("分批认定，约半年一批", 183),
    "service_evaluations": Freshness("月度报表，次月 10 日前报送", 45),
    "economic_stats": Freshness("月度统计，次月 20 日前发布", 51),
    "governance_stats": Freshness("月度统计，次月 20 日前发布", 51),
    "plan_tasks": Freshness("按季度报告进展", 100),
    "national_benchmarks": Freshness("年度评估，次年发布", 500),
}


def _data_end_sql(schema: DatasetSchema) -> str:
    """SQL of the dataset's newest date: the latest dated value, or the end of its newest
    period for tables keyed by year and month."""
    names = schema.column_names
    if "year" in names:
        month = "coalesce(month, 12)" if "month" in names else "12"
        start = f"make_date(year::BIGINT, {month}::BIGINT, 1)"
        if "day" in names:
            end = (
                f"CASE WHEN day IS NOT NULL THEN make_date(year::BIGINT, {month}::BIGINT, "
                f"day::BIGINT) ELSE CAST({start} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) END"
            )
        else:
            end = f"CAST({start} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)"
        return f"max({end})"
    dated = [
        c.name
        for c in schema.columns
        if c.type in ("date", "timestamp") and (c.not_future or c.name == schema.period_column)
    ]
    return "greatest(" + ", ".join(f'max(CAST("{d}" AS DATE))' for d in dated) + ")"


def _filled(schema: DatasetSchema, column: str) -> str:
    c = schema.column(column)
    if c.type in ("string", "enum", "region"):
        return f'("{column}" IS NOT NULL AND trim("{column}") <> \'\')'
    return f'("{column}" IS NOT NULL)'


def quality_sql(schema: DatasetSchema, checks: DatasetChecks) -> str:
    """The one aggregate query measuring a dataset: rows, filled and expected counts per
    column, one count per rule, invalid rows and the data end."""
    helpers = "".join(f", {sql} AS {name}" for name, sql in checks.helpers.items())
    measured = [c.name for c in schema.columns if c.name not in checks.meaningful_empty]
    selects = ["count(*) AS rows", "any_value(e.data_end) AS data_end"]
    for col in measured:
        cond = checks.expected_when.get(col)
        where = f" AND ({cond})" if cond else ""
        selects.append(f'count(*) FILTER (WHERE {_filled(schema, col)}{where}) AS "filled:{col}"')
        selects.append(
            f'count(*) FILTER (WHERE {cond}) AS "expected:{col}"'
            if cond
            else f'count(*) AS "expected:{col}"'
        )
    for rule in checks.rules:
        selects.append(f'count(*) FILTER (WHERE ({rule.condition})) AS "rule:{rule.code}"')
    any_rule = " OR ".join(f"coalesce(({r.condition}), FALSE)" for r in checks.rules) or "FALSE"
    selects.append(f"count(*) FILTER (WHERE {any_rule}) AS invalid_rows")
    return f"""
        WITH e AS (SELECT {_data_end_sql(schema)} AS data_end FROM "{schema.name}"),
        b AS (SELECT t.*{helpers} FROM "{schema.name}" t {checks.joins})
        SELECT {", ".join(selects)} FROM b CROSS JOIN e
    """


def _timeliness_score(days: int | None, threshold: int) -> float | None:
    """1 within the threshold, then linearly down to 0 at three times the threshold."""
    if days is None:
        return None
    if days <= threshold:
        return 1.0
    return max(0.0, 1.0 - (days - threshold) / (2 * threshold))


def quality_score(completeness: float, invalid_share: float, timeliness: float) -> float:
    """The 0–100 score: 40 % completeness, 30 % validity (1 − invalid share), 30 % timeliness."""
    return 100 * (
        WEIGHTS["completeness"] * completeness
        + WEIGHTS["validity"] * (1 - invalid_share)
        + WEIGHTS["timeliness"] * timeliness
    )


def _last_loads(warehouse: Warehouse) -> dict[str, dt.datetime]:
    rows = warehouse.query("SELECT dataset, max(loaded_at) AS loaded_at FROM _loads GROUP BY 1")
    return dict(rows.iter_rows())


def dataset_quality(
    warehouse: Warehouse | None = None, *, today: dt.date | None = None
) -> list[dict]:
    """Quality of every dataset of the schema (loaded or not), in schema order.

    Keys: ``dataset, title, rows, completeness`` (0–1, None when empty), ``columns`` (column →
    {label, filled, expected, share}), ``weakest_column`` and ``weakest_label`` (None
    when nothing is missing), ``weakest_share``, ``meaningful_empty`` (column → reason),
    ``data_end``, ``last_loaded_at``, ``days_behind_load`` (days from the data end to the newest load),
    ``days_behind_today``, ``threshold_days``, ``cadence``, ``timely`` (bool), ``timeliness``
    (label 及时/滞后/—), ``rules`` (list of {code, description, count}), ``invalid_rows``,
    ``invalid_share``, ``score`` (0–100, None when empty).
    """
    warehouse = warehouse or Warehouse()
    today = today or config.today()
    loads = _last_loads(warehouse)
    measured = _measured(warehouse)
    result = []
    for name, schema in load_schemas().items():
        checks = CHECKS.get(name, DatasetChecks())
        fresh = FRESHNESS.get(name, REGISTRY)
        row = measured.get(name) or warehouse.query(quality_sql(schema, checks)).row(0, named=True)
        n = row["rows"]
        columns = {}
        for col in schema.column_names:
            if col in checks.meaningful_empty:
                continue
            filled, expected = row[f"filled:{col}"], row[f"expected:{col}"]
            columns[col] = {
                "label": schema.column(col).label,
                "filled": filled,
                "expected": expected,
                "share": filled / expected if expected else None,
            }
        total_expected = sum(c["expected"] for c in columns.values())
        completeness = (
            sum(c["filled"] for c in columns.values()) / total_expected if total_expected else None
        )
        shares = [(c["share"], col) for col, c in columns.items() if c["share"] is not None]
        weakest = min(shares) if shares else (None, None)
        if weakest[0] is not None and weakest[0] >= 1:
            weakest = (1.0, None)  # nothing missing: no column to name
        data_end = row["data_end"]
        loaded = loads.get(name)
        behind_today = (today - data_end).days if data_end else None
        behind_load = (loaded.date() - data_end).days if data_end and loaded else None
        timely = behind_today is not None and behind_today <= fresh.threshold_days
        invalid_share = row["invalid_rows"] / n if n else None
        t_score = _timeliness_score(behind_today, fresh.threshold_days)
        result.append(
            {
                "dataset": name,
                "title": schema.title,
                "rows": n,
                "completeness": completeness,
                "columns": columns,
                "weakest_column": weakest[1],
                "weakest_label": columns[weakest[1]]["label"] if weakest[1] else None,
                "weakest_share": weakest[0],
                "meaningful_empty": dict(checks.meaningful_empty),
                "data_end": data_end,
                "last_loaded_at": loaded,
                "days_behind_load": behind_load,
                "days_behind_today": behind_today,
                "threshold_days": fresh.threshold_days,
                "cadence": fresh.cadence,
                "timely": timely,
                "timeliness": "—" if data_end is None else ("及时" if timely else "滞后"),
                "rules": [
                    {"code": r.code, "description": r.description, "count": row[f"rule:{r.code}"]}
                    for r in checks.rules
                ],
                "invalid_rows": row["invalid_rows"],
                "invalid_share": invalid_share,
                "score": None
                if not n
                else quality_score(completeness or 0.0, invalid_share or 0.0, t_score or 0.0),
            }
        )
    return result


MEASURES_TABLE = "_quality_measures"


def measure(con) -> dict[str, dict]:
    """Every dataset's aggregate measures (:func:`quality_sql`) over an open connection."""
    out = {}
    for name, schema in load_schemas().items():
        frame = con.sql(quality_sql(schema, CHECKS.get(name, DatasetChecks()))).pl()
        out[name] = frame.row(0, named=True)
    return out


def materialise_quality(con) -> None:
    """Measure every dataset once, inside the write that loaded it, so that no reader scans
    the raw tables: ``_quality_measures`` (dataset, measures as JSON). The day-dependent parts
    (timeliness against today) are still worked out when read."""
    rows = [
        (name, json.dumps(values, default=str, ensure_ascii=False))
        for name, values in measure(con).items()
    ]
    con.execute(f"CREATE OR REPLACE TABLE {MEASURES_TABLE} (dataset VARCHAR, measures VARCHAR)")
    con.executemany(f"INSERT INTO {MEASURES_TABLE} VALUES (?, ?)", rows)


def _measured(warehouse: Warehouse) -> dict[str, dict]:
    """The measures written at load time (empty for a warehouse from before they were)."""
    if MEASURES_TABLE not in warehouse.table_names():
        return {}
    out = {}
    for name, text in warehouse.query(f"SELECT dataset, measures FROM {MEASURES_TABLE}").rows():
        values = json.loads(text)
        if values.get("data_end"):
            values["data_end"] = dt.date.fromisoformat(str(values["data_end"])[:10])
        out[name] = values
    return out


def overall_score(quality: list[dict]) -> float | None:
    """The warehouse's score: the plain mean of the loaded datasets' scores (each dataset feeds
    its own indicators, so none outweighs another by its size)."""
    scores = [q["score"] for q in quality if q["score"] is not None]
    return sum(scores) / len(scores) if scores else None


@lru_cache(maxsize=16)
def _quality_for(path: str, version: str, today: dt.date) -> tuple:
    # Scores of whole datasets, shared by every user through this cache: measured over all
    # rows whoever asks first (a user's scope would otherwise decide what everyone is shown).
    with access.activated(None):
        return tuple(dataset_quality(Warehouse(path), today=today))


def cached_quality(
    warehouse: Warehouse | None = None, *, today: dt.date | None = None
) -> list[dict]:
    """:func:`dataset_quality`, memoised per warehouse version and day."""
    warehouse = warehouse or Warehouse()
    return list(_quality_for(str(warehouse.path), warehouse.version(), today or config.today()))


def compute_record(warehouse: Warehouse | None = None) -> dict | None:
    """The last indicator computation (table ``_computed``): ``computed_at, data_end,
    catalog_sha256, value_rows, seconds``; None before the first computation."""
    warehouse = warehouse or Warehouse()
    if "_computed" not in warehouse.table_names():
        return None
    rows = warehouse.query(
        "SELECT computed_at, data_end, catalog_sha256, value_rows, seconds FROM _computed "
        "ORDER BY computed_at DESC LIMIT 1"
    )
    return rows.row(0, named=True) if rows.height else None
