"""The evaluation report as data: one target set, one region (the province or a city), one as-of.

:func:`build_report` reads only the materialised tables (``target_progress``, ``indicator_values``,
``league_table``, ``composite_index``, ``forecasts``/``forecast_models``, ``warnings``) and
returns a :class:`Report` that the PDF and Excel renderers lay out. Everything is as known at the
as-of date: values from :func:`indicators.engine.values_as_of`, progress of that vintage, the
newest forecast made on or before it, and the early-warning rules evaluated at it.

A city's report holds only that city's figures: its own targets, values, forecasts and
warnings, and its rank among the 13 cities — never another city's values. The province's report
holds the province's targets plus the 13-city league tables and the city × target heatmap.

The kind of evaluation follows the plan's calendar (:func:`phase`): after the target year it is
the 总结评估 (final evaluation), in the plan's mid-term year the 中期评估, otherwise 实施监测.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import polars as pl

from datasets import access, supervision
from datasets.regions import PROVINCE_CODE, region_table
from indicators import benchmarks, plan_tasks, read, read_risk
from indicators.catalog import DOMAINS, Catalog, default_catalog
from indicators.text import fmt_value, month_label
from indicators.tracking import STATUSES, decimal_year_to_date, required_path
from indicators.verdict import verdict_counts, verdict_rank
from models.rules import load_rules
from models.warnings import evaluate_rules
from reports.tables import Provenance, provenance

#: Status order of the summary: best first (as an evaluation reads), qualitative last.
SUMMARY_ORDER = STATUSES
N_CITIES = 13
TOP_RISKS = 12


@dataclass(frozen=True)
class Phase:
    """Which evaluation a report is: ``final`` | ``midterm`` | ``monitoring``."""

    kind: str
    name: str  # 总结评估 / 中期评估 / 实施监测
    report_title: str  # 总结评估报告 …

    @property
    def final(self) -> bool:
        return self.kind == "final"


def phase(target_year: int, midterm_year: int | None, as_of: dt.date) -> Phase:
    """总结评估 once the target year has ended, 中期评估 in the mid-term year, else 实施监测."""
    if as_of >= dt.date(target_year, 12, 31):
        return Phase("final", "总结评估", "总结评估报告")
    if midterm_year and as_of.year == midterm_year:
        return Phase("midterm", "中期评估", "中期评估报告")
    return Phase("monitoring", "实施监测", "实施监测报告")


@dataclass(frozen=True)
class TargetBlock:
    """One target for the report's region: its assessment, paths and forecast."""

    row: dict  # the target_progress row joined with the catalog (read.progress)
    actual: list[tuple[dt.date, float]]
    running: list[tuple[dt.date, float]]
    required: list[tuple[dt.date, float]] | None
    required_label: str
    forecast_model: dict | None
    forecast: list[dict]
    rank: int | None = None  # the region's rank among the 13 cities (city reports)
    rank_period: str | None = None
    # a “全国领先” target's judged rank among the provinces (the province's report)
    national: dict | None = None

    @property
    def indicator(self) -> str:
        return self.row["indicator"]

    @property
    def quantified(self) -> bool:
        return self.row["target_value"] is not None


@dataclass(frozen=True)
class LeagueTable:
    """Cities' values and ranks for one indicator at the as-of (one row in a city's report)."""

    indicator: str
    name_zh: str
    unit: str
    decimals: int
    domain: str
    polarity: str
    period: str | None
    rows: list[dict]  # region_code, name_zh, value, score, rank


@dataclass(frozen=True)
class Report:
    """Everything an evaluation report shows, for one target set, region and as-of date."""

    target_set: str
    target_set_name: str
    document: str
    region_code: str
    region_name: str
    as_of: dt.date
    phase: Phase
    baseline_year: int
    target_year: int
    midterm_year: int | None
    blocks: list[TargetBlock]
    league: list[LeagueTable]
    composite: pl.DataFrame  # domain, region_code, name_zh, score, rank (own rows for a city)
    heatmap: pl.DataFrame  # region_code, name_zh, indicator, status (own row for a city)
    risks: pl.DataFrame  # severity_label, severity_rank, region_code, name_zh, indicator, message…
    risks_as_of: dt.date | None
    provenance: Provenance
    notes: list[str] = field(default_factory=list)
    # the probabilities' track record (summary, reliability bins); only in a final evaluation,
    # whose questions' answers are known by then
    track_record: dict | None = None
    track_record_bins: list[dict] = field(default_factory=list)
    # 督办: tasks raised, closed, open, overdue and their 成效评估 per 承办 region, as the
    # operational store holds them when the report is made (empty when there are none)
    supervision: pl.DataFrame = field(default_factory=pl.DataFrame)
    # 重点任务: each plan task's milestones as reported at the as-of (the province's report)
    plan_tasks: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def is_city(self) -> bool:
        return self.region_code != PROVINCE_CODE

    @property
    def synthetic(self) -> bool:
        return self.provenance.synthetic

    @property
    def title(self) -> str:
        """江苏省“十四五”数字政府建设规划总结评估报告 (a city's adds its name first)."""
        base = f"{self.target_set_name}{self.phase.report_title}"
        return f"{self.region_name}·{base}" if self.is_city else base

    @property
    def title_phrases(self) -> tuple[str, ...]:
        """The title in the phrases a line may break between (the cover keeps each whole):
        ``("无锡市·", "江苏省“十四五”数字政府建设规划", "总结评估报告")``."""
        phrases = (self.target_set_name, self.phase.report_title)
        return (f"{self.region_name}·", *phrases) if self.is_city else phrases

    @property
    def subtitle(self) -> str:
        if self.phase.final:
            when = f"截至 {self.target_year} 年末规划期满（数据截至 {month_label(self.as_of)}）"
        elif self.phase.kind == "midterm":
            when = f"{self.midterm_year} 年中期（数据截至 {month_label(self.as_of)}）"
        else:
            when = f"数据截至 {month_label(self.as_of)}"
        return f"{self.region_name} · {when}"

    def domains(self) -> list[tuple[str, list[TargetBlock]]]:
        """Blocks grouped by domain, in the catalog's domain order."""
        out = []
        for domain in DOMAINS:
            blocks = [b for b in self.blocks if b.row["domain"] == domain]
            if blocks:
                out.append((domain, blocks))
        return out

    def status_counts(self) -> dict[str, int]:
        """How many targets have each verdict (all targets, qualitative included), worst
        first — see :meth:`verdict_groups` for counts that say what they count."""
        counts: dict[str, int] = {}
        for b in self.blocks:
            counts[b.row["verdict"]] = counts.get(b.row["verdict"], 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: verdict_rank(kv[0])))

    def verdict_groups(self) -> list[tuple[str, int, list[tuple[str, int]]]]:
        """Verdict counts of the quantified and the qualitative targets, apart
        (:func:`indicators.verdict.verdict_counts`)."""
        return verdict_counts([b.row for b in self.blocks])

    def final_counts(self) -> dict[str, int]:
        """Quantified targets achieved / not achieved at the deadline (final evaluation only)."""
        verdicts = [b.row["verdict"] for b in self.blocks]
        return {
            "achieved": sum(v == "final_achieved" for v in verdicts),
            "not_achieved": sum(v == "final_not_achieved" for v in verdicts),
        }


# --- building --------------------------------------------------------------------------------


def _period_end_date(period: str) -> dt.date:
    """``2026-11`` → 2026-11-30."""
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def _paths(series: pl.DataFrame) -> tuple[list, list]:
    """Completed years at their year ends; the running year's latest value at its known date."""
    done = series.filter(pl.col("complete") & pl.col("value").is_not_null())
    running = series.filter(~pl.col("complete") & pl.col("value").is_not_null())
    actual = list(zip(done["period_end"].to_list(), done["value"].to_list(), strict=True))
    now = list(zip(running["known_from"].to_list(), running["value"].to_list(), strict=True))
    return actual, now


def _required(row: dict) -> tuple[list | None, str]:
    args = (row["baseline_value"], row["baseline_year"], row["target_value"], row["target_year"])
    used = row.get("method_used") or row["method"]
    path = required_path(used, *args)
    label = "达标所需路径（直线）" if used == "linear" else "达标所需路径（复合增速）"
    if path is None and row["target_value"] is not None:
        path = required_path("linear", *args)
        label = "达标所需路径（直线：基期为 0，复合路径无定义）"
    if path is None:
        return None, label
    return [(decimal_year_to_date(t), y) for t, y in path], label


def _block(warehouse, row: dict, as_of: dt.date, ranks: dict[str, dict]) -> TargetBlock:
    region = row["region_code"]
    series = read.series(warehouse, row["indicator"], [region], as_of)
    actual, running = _paths(series)
    required, label = _required(row)
    model, rows = read.forecast(
        warehouse, row["indicator"], region, as_of, target_set=row["target_set"]
    )
    forecast = (
        [{"period_end": _period_end_date(r["period"]), **r} for r in rows.to_dicts()]
        if model
        else []
    )
    rank = ranks.get(row["indicator"], {})
    return TargetBlock(
        row=row,
        actual=actual,
        running=running,
        required=required,
        required_label=label,
        forecast_model=model,
        forecast=forecast,
        rank=rank.get("rank"),
        rank_period=rank.get("period"),
    )


def _names() -> dict[str, str]:
    regions = region_table().filter(pl.col("level") != "county")
    return dict(regions.select("region_code", "name_zh").iter_rows())


def _league(warehouse, as_of: dt.date, indicators: list[str], region: str) -> list[LeagueTable]:
    if not indicators:
        return []
    frame = warehouse.query(
        f"""
        SELECT l.indicator, l.region_code, l.period, l.value, l.score, l.rank,
               c.name_zh AS indicator_name, c.unit, c.decimals, c.domain, c.polarity
        FROM league_table l JOIN catalog_indicators c USING (indicator)
        WHERE l.as_of = ? AND l.indicator IN ({", ".join("?" * len(indicators))})
        ORDER BY l.indicator, l.rank, l.region_code
        """,
        [as_of, *indicators],
    )
    if region != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == region)  # only the city's own row
    names = _names()
    out = []
    for code in indicators:
        rows = frame.filter(pl.col("indicator") == code)
        if rows.is_empty():
            continue
        first = rows.row(0, named=True)
        out.append(
            LeagueTable(
                indicator=code,
                name_zh=first["indicator_name"],
                unit=first["unit"],
                decimals=first["decimals"],
                domain=first["domain"],
                polarity=first["polarity"],
                period=first["period"],
                rows=[
                    {**r, "name_zh": names.get(r["region_code"], r["region_code"])}
                    for r in rows.select("region_code", "value", "score", "rank").to_dicts()
                ],
            )
        )
    return out


def _composite(warehouse, as_of: dt.date, region: str) -> pl.DataFrame:
    frame = read.composite(warehouse, as_of)
    if frame.is_empty():
        return frame
    if region != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == region)
    names = _names()
    return frame.with_columns(
        name_zh=pl.col("region_code").replace_strict(names, default=None)
    ).sort("domain", "rank")


def _heatmap(warehouse, target_set: str, as_of: dt.date, region: str) -> pl.DataFrame:
    codes = [region] if region != PROVINCE_CODE else sorted(c for c in _names() if c != region)
    frame = read.progress(warehouse, target_set, as_of, regions=codes)
    names = _names()
    return frame.select(
        "region_code",
        pl.col("region_code").replace_strict(names, default=None).alias("name_zh"),
        "indicator",
        pl.col("name_zh").alias("indicator_name"),
        "status",
        "final_status",
        "verdict",
    )


def warnings_at(warehouse, as_of: dt.date, catalog: Catalog | None = None) -> pl.DataFrame:
    """Every warning fired at ``as_of``: the stored table when it is of that vintage, else the
    early-warning rules evaluated at ``as_of`` (they read only what was known then)."""
    stored = (
        read_risk.warnings(warehouse, target_set="*")
        if read_risk.has_risk(warehouse)
        else pl.DataFrame()
    )
    if stored.height and stored["as_of"][0] == as_of:
        return stored
    catalog = catalog or default_catalog()
    with warehouse.reader() as con:  # a raw cursor: the rows outside the scope are dropped here
        return access.restrict(evaluate_rules(con, catalog, load_rules(catalog=catalog), as_of))


def _risks(
    warehouse,
    as_of: dt.date,
    region: str,
    catalog: Catalog,
    frame: pl.DataFrame | None,
    target_set: str,
) -> tuple[pl.DataFrame, dt.date]:
    if frame is None:
        frame = warnings_at(warehouse, as_of, catalog)
    if "target_set" in frame.columns:  # another plan's target warnings are not this report's
        frame = frame.filter(pl.col("target_set").is_null() | (pl.col("target_set") == target_set))
    if region != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == region)
    names = _names()
    frame = frame.with_columns(
        name_zh=pl.col("region_code").replace_strict(names, default=None),
    )
    return frame.sort("severity_rank", "region_code", "rule_id", nulls_last=True), as_of


SUPERVISION_COLUMNS = {
    "name_zh": "承办地区",
    "raised": "发起",
    "closed": "已办结",
    "open": "在办",
    "overdue": "逾期",
    "effective": "已见效",
    "not_effective": "未见效",
    "watching": "待观察",
    "unassessed": "未评估",
}


def supervision_summary(region: str, today: dt.date | None = None) -> pl.DataFrame:
    """督办 per 承办 region (a city, or 省直 for the province's own units), and a 合计 row for
    the province; a city's report has its own row only."""
    if not supervision.has_tasks():
        return pl.DataFrame()
    scope = access.current_scope()  # a report holds the tasks its requester may see
    visible = [t for t in supervision.list_tasks(today=today) if supervision.in_scope(t, scope)]
    rows = supervision.ledger(visible, today)
    names = _names()
    counts: dict[str, dict] = {}
    for r in rows:
        city = supervision.city_of(r["region_code"]) or PROVINCE_CODE
        if region != PROVINCE_CODE and city != region:
            continue
        c = counts.setdefault(city, {k: 0 for k in SUPERVISION_COLUMNS if k != "name_zh"})
        c["raised"] += 1
        c["closed" if r["state"] == "closed" else "open"] += 1
        c["overdue"] += r["overdue"]
        c[r["effect"] or "unassessed"] += 1
    if not counts:
        return pl.DataFrame()
    out = [
        {"name_zh": "省直单位" if code == PROVINCE_CODE else names[code], **c}
        for code, c in sorted(counts.items())
    ]
    if region == PROVINCE_CODE and len(out) > 1:
        out.append(
            {"name_zh": "合计", **{k: sum(o[k] for o in out) for k in out[0] if k != "name_zh"}}
        )
    return pl.DataFrame(out)


def build_report(
    warehouse,
    target_set: str | None = None,
    region: str = PROVINCE_CODE,
    as_of: dt.date | str | None = None,
    *,
    catalog: Catalog | None = None,
    warnings: pl.DataFrame | None = None,
    progress=None,
) -> Report:
    """Assemble the report of ``target_set`` for ``region`` as known at ``as_of``.

    ``as_of`` may be a date or ``YYYY-MM``; the latest vintage on or before it is used (default
    the newest). ``warnings``: :func:`warnings_at` of that vintage, when the caller builds several
    reports of one as-of (they are computed otherwise). ``progress`` is called as ``progress(done, total, message)`` as blocks are built.
    Raises ``ValueError`` (in Chinese) for an unknown target set or region, or a warehouse
    without computed indicators.
    """
    catalog = catalog or default_catalog()
    target_set = target_set or read.default_target_set()
    if target_set not in catalog.target_sets:
        known = "、".join(catalog.target_sets)
        raise ValueError(f"未知目标集 {target_set!r}；可用：{known}")
    names = _names()
    if region not in names:
        raise ValueError(f"未知地区代码 {region!r}；应为江苏省 320000 或 13 个设区市之一")
    if not warehouse.exists() or not read.ready(warehouse):
        raise ValueError("数据仓库尚未计算指标：请先运行 `databrain demo` 或 `databrain ingest`")
    resolved = read.resolve_as_of(warehouse, as_of)
    if resolved is None:
        raise ValueError("数据仓库中没有目标进度（target_progress 为空）")
    if as_of not in (None, ""):
        wanted = as_of if isinstance(as_of, dt.date) else read.parse_as_of(str(as_of))
        if wanted < read.vintages(warehouse)[0]:
            # resolving forward would show data from after the date asked for
            raise ValueError(
                f"数据截至 {wanted:%Y-%m} 早于最早可评估的月份 {read.vintages(warehouse)[0]:%Y-%m}"
            )
    ts = catalog.target_sets[target_set]
    order = {t.indicator: i for i, t in enumerate(ts.targets)}
    rows = read.progress(warehouse, target_set, resolved, regions=[region]).to_dicts()
    rows.sort(key=lambda r: order.get(r["indicator"], len(order)))
    ranks = {}
    if region != PROVINCE_CODE:
        ranked = read.city_ranks(warehouse, resolved, region)
        ranks = {r["indicator"]: r for r in ranked.to_dicts()}
    total = len(rows) + 3
    blocks = []
    for i, row in enumerate(rows):
        if progress:
            progress(i, total, f"目标：{row['name_zh']}")
        block = _block(warehouse, row, resolved, ranks)
        rule = next((t.benchmark for t in ts.targets if t.indicator == row["indicator"]), None)
        if rule is not None and region == PROVINCE_CODE:
            block = replace(block, national=benchmarks.standing(warehouse, rule, resolved))
        blocks.append(block)
    if progress:
        progress(len(rows), total, "排名与热力图")
    indicators = [r["indicator"] for r in rows]
    league = _league(warehouse, resolved, indicators, region)
    composite = _composite(warehouse, resolved, region)
    heatmap = _heatmap(warehouse, target_set, resolved, region)
    if progress:
        progress(len(rows) + 1, total, "风险预警")
    risks, risks_as_of = _risks(warehouse, resolved, region, catalog, warnings, target_set)
    kind = phase(ts.target_year, ts.midterm_year, resolved)
    region_name = "江苏省（全省）" if region == PROVINCE_CODE else names[region]
    about = provenance(
        warehouse,
        title=f"{ts.name_zh}{kind.report_title}",
        indicators=indicators,
        as_of=resolved,
        target_set=f"{ts.name_zh}（{ts.document}，{target_set}）",
        region=region_name,
    )
    notes = []
    if any(r.get("city_targets_basis") for r in rows) and region != PROVINCE_CODE:
        notes.append("部分目标的分市目标值为示意性分解（见各目标说明），规划原文只给出全省目标。")
    return Report(
        target_set=target_set,
        target_set_name=ts.name_zh,
        document=ts.document,
        region_code=region,
        region_name=region_name,
        as_of=resolved,
        phase=kind,
        baseline_year=ts.baseline_year,
        target_year=ts.target_year,
        midterm_year=ts.midterm_year,
        blocks=blocks,
        league=league,
        composite=composite,
        heatmap=heatmap,
        risks=risks,
        risks_as_of=risks_as_of,
        provenance=about,
        notes=notes,
        supervision=supervision_summary(region),
        plan_tasks=plan_tasks.milestones(warehouse, target_set, resolved)
        if region == PROVINCE_CODE
        else pl.DataFrame(),
        **_track_record(warehouse, kind),
    )


def _track_record(warehouse, kind: Phase) -> dict:
    if not kind.final:
        return {}
    summary, bins = read.track_record(warehouse)
    return {"track_record": summary, "track_record_bins": bins.to_dicts() if summary else []}


def value_text(block: TargetBlock, key: str) -> str:
    """A block's figure for people (``current_value``, ``target_value``, ``baseline_value``)."""
    row = block.row
    return fmt_value(row[key], row["unit"], row["decimals"])


def forecast_rows_for_table(block: TargetBlock) -> list[dict]:
    """The forecast at each year end in the horizon (for the report's tables)."""
    return [r for r in block.forecast if r["period_end"].month == 12]


def evidence(row: dict) -> dict:
    """A warning's evidence JSON as a dict (empty when missing)."""
    try:
        return json.loads(row.get("evidence") or "{}")
    except ValueError:
        return {}
