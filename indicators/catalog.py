"""The indicator catalog and target sets, declared as YAML and read into pydantic models.

1. **Shape and model** — each file is validated into :class:`CatalogFile` (its
   :class:`Indicator` entries, each with a typed ``compute`` variant from
   :mod:`indicators.compute`) or :class:`TargetSet`. Unknown keys are errors, so a misspelt key
   is not a silent default. The JSON Schema files in ``indicators/schema/`` are generated from
   these models (for editors and other tools; ``databrain specs --write``).
2. **Meaning** — rules across fields and files: unique codes, datasets and columns that exist
   with the right types, targets that point at indicators, bounds that hold the target, city
   codes that are cities.

Every problem is reported together as :class:`CatalogError`, each issue naming the file and the
field (``service.yaml: one_thing_completion_rate.compute.event: …``).

Layout: ``indicators/catalog/<domain>.yaml`` (one file per domain) and
``indicators/targets/<target-set-id>.yaml`` (one file per plan). A new plan is a new file, either
there or in the warehouse's plan folder (:func:`datasets.config.plans_dir`), where the 规划编制
workbench saves the plans it drafts; a plan id may be declared in only one of the two.

Several plans run side by side. Each says whether it is adopted (正式), a planner's draft (草案)
or an example shipped with the demo (示例草案); :func:`running_set` picks the plan a page shows
when its URL names none: the adopted plan whose period holds today, else the adopted plan that
ended last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, PrivateAttr, field_validator, model_validator

from datasets.config import plans_dir
from datasets.regions import PROVINCE_CODE, cities
from datasets.schema import load_schemas
from datasets.specs import SpecError, SpecIssue, SpecModel, read_spec
from indicators.compute import (
    FLOW_TYPES,
    STOCK_TYPES,
    Compute,
    FlowShare,
    Statistic,
    TableShare,
    TableSum,
    has_denominator,
)

HERE = Path(__file__).resolve().parent
CATALOG_DIR = HERE / "catalog"
TARGETS_DIR = HERE / "targets"
SCHEMA_DIR = HERE / "schema"

DomainName = Literal[
    "政务服务", "社会治理", "政务运行", "数字社会", "数字生态", "基础支撑", "经济运行", "风险"
]
DOMAINS: tuple[str, ...] = get_args(DomainName)
FREQUENCY_ORDER = {"month": 0, "quarter": 1, "year": 2}
DATE_TYPES = {"date", "timestamp"}
NUMBER_TYPES = {"integer", "number"}
STATISTIC_DATASETS = ("economic_stats", "governance_stats")
Method = Literal["ratio", "projection", "linear"]
Year = Annotated[int, Field(ge=1990, le=2100)]
Units = Annotated[tuple[str, ...], Field(min_length=1, description="责任单位")]
Text = Annotated[str, Field(min_length=1)]
CityCode = Annotated[str, Field(pattern=r"^32[0-9]{4}$")]
# A section of a plan as clauses cite it: chapter, (section), item — 八, 八(三), 五(一)2.
SECTION_LABEL = r"^[一二三四五六七八九十]+(\([一二三四五六七八九十]+\)([1-9][0-9]*)?)?$"
SectionLabel = Annotated[str, Field(pattern=SECTION_LABEL)]


class CatalogError(SpecError):
    """The catalog or a target set is invalid; ``issues`` lists every problem found."""

    subject = ("指标目录", "catalog")


class Indicator(SpecModel):
    """A declared indicator: what it measures, how it is computed and who answers for it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: Text
    name_en: Text
    unit: Text
    polarity: Literal["higher", "lower", "neutral"] = Field(
        description="越高越好、越低越好或无方向"
    )
    frequency: Literal["month", "quarter", "year"] = Field(description="能计算的最细时期")
    description: Text
    compute: Compute
    clause: Text = Field(description="依据的规划条款")
    responsible_units: Units
    bounds: tuple[float | None, float | None] | None = Field(
        None, description="自然界限 [下限, 上限]"
    )
    kind: Literal["target", "context", "monitor"] = "monitor"
    weight: float = Field(0.0, ge=0, description="在本领域综合指数中的权重（0：不进入）")
    decimals: int = Field(1, ge=0, le=4)
    _domain: str = PrivateAttr("")
    _file: str = PrivateAttr("")

    @property
    def domain(self) -> str:
        """The domain of the catalog file that declares it."""
        return self._domain

    @property
    def file(self) -> str:
        return self._file

    @property
    def compute_type(self) -> str:
        return self.compute.type

    @property
    def shape(self) -> str:
        """``stock`` (a level at a date), ``flow`` (summed over a period) or ``statistic``."""
        t = self.compute_type
        return "stock" if t in STOCK_TYPES else "flow" if t in FLOW_TYPES else "statistic"

    @property
    def sources(self) -> tuple[str, ...]:
        """Datasets the value is computed from."""
        if isinstance(self.compute, Statistic):
            return STATISTIC_DATASETS
        return (self.compute.dataset,)

    @property
    def aggregation(self) -> str:
        """How values roll up from counties to cities to the province, in words."""
        if has_denominator(self.compute):
            return "分子分母分别汇总后相除 / sum numerator and denominator, then divide"
        if not isinstance(self.compute, Statistic):
            return "求和 / sum"
        return {
            "reported": "采用各级统计部门公布值 / as reported at each level",
            "sum": "设区市求和 / sum of cities",
            "mean": "设区市平均 / mean of cities",
        }[self.compute.over_regions]


class CatalogFile(SpecModel):
    """One catalog file: a domain and the indicators declared in it."""

    domain: DomainName
    domain_en: Text
    weight: float = Field(1.0, ge=0, description="本领域在总体综合指数中的权重")
    indicators: tuple[Indicator, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Domain:
    name: str
    name_en: str
    weight: float
    file: str


class Benchmark(SpecModel):
    """How a “全国领先” target is judged: Jiangsu's rank in a benchmark of the provinces
    (``national_benchmarks``) against the rank that counts as leading."""

    code: str = Field(min_length=1, description="national_benchmarks 中的对标指标代码")
    leading_rank: int = Field(ge=1, le=31, description="名次不低于此即为“全国领先”")


class Target(SpecModel):
    """One quantified (or qualitative) target of a plan for one indicator."""

    indicator: str
    binding: Literal["binding", "expected"] = Field(
        description="约束性（binding）或预期性（expected）"
    )
    clause: Text
    responsible_units: Units
    target_year: Year | None = Field(None, description="缺省：目标集的目标年")
    baseline_year: Year | None = Field(None, description="缺省：目标集的基期年")
    target: float | None = None
    statement: str | None = Field(None, description="定性目标的规划原文")
    baseline_value: float | None = Field(None, description="规划给出的基期值；缺省由数据计算")
    method: Method | None = Field(None, description="测算方法；缺省用目标集的")
    city_targets: dict[CityCode, float] = Field(default_factory=dict, description="各设区市的目标")
    city_targets_basis: str | None = Field(None, description="各市目标的来源")
    benchmark: Benchmark | None = Field(None, description="“全国领先”类目标的省际对标")

    @field_validator("city_targets", mode="before")
    @classmethod
    def _codes_as_text(cls, value):
        return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else value

    def value_for(self, region_code: str) -> float | None:
        """The target for a region: its own override, else the plan-wide value."""
        return self.city_targets.get(region_code, self.target)


PlanStatus = Literal["adopted", "draft", "example"]
PLAN_STATUS_LABELS: dict[str, str] = {"adopted": "正式", "draft": "草案", "example": "示例草案"}


class TargetSet(SpecModel):
    """A plan: its targets, baseline and target years and default tracking method."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="与文件名相同")
    name_zh: Text
    name_en: Text
    document: Text = Field(description="规划文号")
    baseline_year: Year
    target_year: Year
    method: Method = Field(description="默认测算方法")
    targets: tuple[Target, ...] = Field(min_length=1)
    midterm_year: int | None = None
    status: PlanStatus = Field(
        "adopted", description="adopted 正式印发；draft 编制中的草案；example 演示用示例草案"
    )
    basis: str | None = Field(None, description="草案的来历（由谁据何编制），界面上随草案显示")
    unmeasured_sections: dict[SectionLabel, Text] = Field(
        default_factory=dict,
        description="规划中不设指标的章节（如 七、八(一)）及理由；其余章节须有指标或目标引用",
    )
    _file: str = PrivateAttr("")

    @model_validator(mode="before")
    @classmethod
    def _targets_inherit_years(cls, raw):
        """A target without its own years takes the set's."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("targets"), list):
            return raw
        years = {k: raw[k] for k in ("target_year", "baseline_year") if k in raw}
        targets = [{**years, **t} if isinstance(t, Mapping) else t for t in raw["targets"]]
        return {**raw, "targets": targets}

    @property
    def file(self) -> str:
        return self._file

    def target(self, indicator: str) -> Target | None:
        return next((t for t in self.targets if t.indicator == indicator), None)

    @property
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS[self.status]

    @property
    def period_label(self) -> str:
        return f"{self.baseline_year + 1}–{self.target_year}"

    @property
    def short_name(self) -> str:
        """The name with its status when it is not an adopted plan: 「…（示例草案）」."""
        return (
            self.name_zh if self.status == "adopted" else f"{self.name_zh}（{self.status_label}）"
        )

    def phase(self, today: dt.date) -> str:
        """'running' while today falls in the plan's years, 'finished' after, 'future' before."""
        if today.year > self.target_year:
            return "finished"
        return "running" if today.year > self.baseline_year else "future"

    def phase_label(self, today: dt.date) -> str:
        """已到期 · 终期评估, 实施中 · 第N年 or 未开始, as pages and the command line say it."""
        phase = self.phase(today)
        if phase == "finished":
            return "已到期 · 终期评估"
        if phase == "future":
            return "未开始"
        return f"实施中 · 第{today.year - self.baseline_year}年"


@dataclass(frozen=True)
class Catalog:
    """All indicators (by code, in file order), their domains and the target sets."""

    indicators: dict[str, Indicator]
    domains: dict[str, Domain]
    target_sets: dict[str, TargetSet]

    def __getitem__(self, code: str) -> Indicator:
        return self.indicators[code]

    def in_domain(self, domain: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.domain == domain]


def _validated(model: type[SpecModel], path: Path) -> tuple[SpecModel | None, list[SpecIssue]]:
    names = {"indicators": "code", "targets": "indicator"}
    return read_spec(model, path, names=names, kinds={"compute": "计算方式"})


def _indicator_rules(ind: Indicator) -> list[SpecIssue]:
    """Semantic checks of one indicator: across its fields and against the dataset schemas."""
    issues: list[SpecIssue] = []

    def bad(fieldname: str, message: str) -> None:
        issues.append(SpecIssue(ind.file, f"{ind.code}.{fieldname}", message))

    c = ind.compute
    if ind.bounds and None not in ind.bounds and ind.bounds[0] >= ind.bounds[1]:
        bad("bounds", f"下限 {ind.bounds[0]:g} 应小于上限 {ind.bounds[1]:g}")
    if ind.weight and ind.polarity == "neutral":
        bad("weight", "无方向（neutral）的指标不能进入综合指数")
    if isinstance(c, Statistic):
        if c.denominator and c.over_time != "sum":
            bad("compute.over_time", "有分母的统计指标须按时段求和（over_time: sum）")
        return issues
    schemas = load_schemas()
    schema = schemas.get(c.dataset)
    if schema is None:
        bad("compute.dataset", f"数据集 {c.dataset!r} 不存在；可选：{', '.join(schemas)}")
        return issues
    types = {col.name: col.type for col in schema.columns}

    def column(fieldname: str, name: str | None, allowed: set[str]) -> None:
        if name is None:
            return
        if name not in types:
            bad(fieldname, f"数据集 {schema.name} 没有列 {name!r}；可选：{', '.join(types)}")
        elif types[name] not in allowed:
            bad(
                fieldname,
                f"列 {name!r} 的类型是 {types[name]}，这里需要 {'/'.join(sorted(allowed))}",
            )

    for key in ("start", "end", "event", "period"):
        column(f"compute.{key}", getattr(c, key, None), DATE_TYPES)
    if isinstance(c, FlowShare):
        for part in ("numerator", "denominator"):
            column(f"compute.{part}.known", getattr(c, part).known, DATE_TYPES)
    if isinstance(c, TableShare):
        column("compute.numerator", c.numerator, NUMBER_TYPES)
        column("compute.denominator", c.denominator, NUMBER_TYPES)
    if isinstance(c, TableSum):
        column("compute.column", c.column, NUMBER_TYPES)
    if isinstance(c, TableShare | TableSum) and not {"year", "month"} <= set(types):
        bad("compute.dataset", f"{c.type} 需要带 year、month 列的月度汇总表")
    return issues


def _target_rules(ts: TargetSet, indicators: dict[str, Indicator]) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    city_codes = set(cities()["region_code"].to_list())
    seen: set[str] = set()
    for t in ts.targets:

        def bad(fieldname: str, message: str, t=t) -> None:
            issues.append(SpecIssue(ts.file, f"{t.indicator}.{fieldname}", message))

        if t.indicator in seen:
            bad("indicator", "同一目标集中重复出现")
        seen.add(t.indicator)
        ind = indicators.get(t.indicator)
        if ind is None:
            bad("indicator", "指标目录中没有这个指标代码")
            continue
        if t.target is None and not t.statement:
            bad("target", "须给出数值目标（target）或定性表述（statement）")
        if t.target is not None and ind.polarity == "neutral":
            bad("target", "无方向（neutral）的指标不能设数值目标")
        if t.target_year < t.baseline_year:
            bad("target_year", f"目标年 {t.target_year} 早于基期 {t.baseline_year}")
        lo, hi = ind.bounds or (None, None)
        values = [("target", t.target)] + [
            (f"city_targets.{k}", v) for k, v in t.city_targets.items()
        ]
        for fieldname, value in values:
            if value is None:
                continue
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                bad(fieldname, f"目标值 {value:g} 超出指标自然界限 [{_num(lo)}, {_num(hi)}]")
        for code in t.city_targets:
            if code not in city_codes:
                bad(f"city_targets.{code}", "不是江苏 13 个设区市的代码")
    if ts.target_year < ts.baseline_year:
        issues.append(SpecIssue(ts.file, "target_year", "目标年早于基期年"))
    if ts.id != Path(ts.file).stem:
        issues.append(
            SpecIssue(ts.file, "id", f"id {ts.id!r} 应与文件名 {Path(ts.file).stem!r} 一致")
        )
    return issues


def _num(value: float | None) -> str:
    return "None" if value is None else f"{value:g}"


def load_catalog(
    catalog_dir: Path = CATALOG_DIR,
    targets_dir: Path = TARGETS_DIR,
    extra_targets_dir: Path | None = None,
) -> Catalog:
    """Read and validate every catalog and target-set file (the bundled ones, then those of
    ``extra_targets_dir``, the warehouse's plan folder); raise :class:`CatalogError`."""
    issues: list[SpecIssue] = []
    indicators: dict[str, Indicator] = {}
    domains: dict[str, Domain] = {}
    files = sorted(Path(catalog_dir).glob("*.yaml"))
    if not files:
        raise CatalogError([SpecIssue(str(catalog_dir), "", "目录下没有指标文件（*.yaml）")])
    for path in files:
        doc, errs = _validated(CatalogFile, path)
        issues.extend(errs)
        if doc is None:
            continue
        if doc.domain in domains:
            issues.append(
                SpecIssue(
                    path.name, "domain", f"领域 {doc.domain} 已在 {domains[doc.domain].file} 中定义"
                )
            )
            continue
        domains[doc.domain] = Domain(doc.domain, doc.domain_en, doc.weight, path.name)
        for ind in doc.indicators:
            ind._domain, ind._file = doc.domain, path.name
            if ind.code in indicators:
                issues.append(
                    SpecIssue(
                        path.name,
                        ind.code,
                        f"指标代码重复（已在 {indicators[ind.code].file} 中定义）",
                    )
                )
                continue
            indicators[ind.code] = ind
            issues.extend(_indicator_rules(ind))

    target_sets: dict[str, TargetSet] = {}
    target_files = sorted(Path(targets_dir).glob("*.yaml"))
    if extra_targets_dir is not None and Path(extra_targets_dir).is_dir():
        target_files += sorted(Path(extra_targets_dir).glob("*.yaml"))
    for path in target_files:
        ts, errs = _validated(TargetSet, path)
        issues.extend(errs)
        if ts is None:
            continue
        ts._file = path.name
        if ts.id in target_sets:
            issues.append(SpecIssue(path.name, "id", f"目标集 {ts.id} 已在别处定义"))
            continue
        target_sets[ts.id] = ts
        issues.extend(_target_rules(ts, indicators))
    if issues:
        raise CatalogError(issues)
    return Catalog(indicators=indicators, domains=domains, target_sets=target_sets)


def plans_signature(folder: Path) -> tuple:
    """The plan folder's files (name, time, size): changes whenever a plan is saved."""
    if not folder.is_dir():
        return ()
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml"))
    )


@lru_cache(maxsize=4)
def _catalog_for(folder: Path, _signature: tuple) -> Catalog:
    return load_catalog(extra_targets_dir=folder)


def default_catalog() -> Catalog:
    """The bundled catalog and target sets plus the plans saved in the warehouse's plan
    folder; validated once per process and again whenever a plan file changes."""
    folder = plans_dir()
    return _catalog_for(folder, plans_signature(folder))


def running_set(target_sets: Mapping[str, TargetSet], today: dt.date) -> str | None:
    """The plan to show when none is named: the adopted plan running today (the one that
    started last, if several), else the adopted plan that ended last, else any plan."""
    adopted = [ts for ts in target_sets.values() if ts.status == "adopted"]
    running = [ts for ts in adopted if ts.phase(today) == "running"]
    if running:
        return max(running, key=lambda ts: (ts.baseline_year, ts.id)).id
    finished = [ts for ts in adopted if ts.phase(today) == "finished"]
    pool = finished or adopted or list(target_sets.values())
    return max(pool, key=lambda ts: (ts.target_year, ts.id)).id if pool else None


__all__ = [
    "DOMAINS",
    "PROVINCE_CODE",
    "Catalog",
    "CatalogError",
    "Domain",
    "Indicator",
    "SpecIssue",
    "Target",
    "TargetSet",
    "PLAN_STATUS_LABELS",
    "default_catalog",
    "load_catalog",
    "running_set",
]
