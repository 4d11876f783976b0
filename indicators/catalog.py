"""The indicator catalog and target sets, declared as YAML and validated in three layers.

1. **Shape** — each file against a committed JSON Schema (``indicators/schema/*.schema.json``,
   ``additionalProperties: false``), so a misspelt key is an error, not a silent default.
2. **Model** — the YAML becomes frozen dataclasses (:class:`Indicator`, :class:`TargetSet`, …).
3. **Meaning** — rules across files: unique codes, datasets and columns that exist with the right
   types, targets that point at indicators, bounds that hold the target, city codes that are cities.

Every problem is reported together as :class:`CatalogError`, each issue naming the file and the
field (``service.yaml: one_thing_completion_rate.compute.event: …``).

Layout: ``indicators/catalog/<domain>.yaml`` (one file per domain) and
``indicators/targets/<target-set-id>.yaml`` (one file per plan). A new plan is a new file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from datasets.regions import PROVINCE_CODE, cities
from datasets.schema import load_schemas
from datasets.specs import SpecError, SpecIssue

HERE = Path(__file__).resolve().parent
CATALOG_DIR = HERE / "catalog"
TARGETS_DIR = HERE / "targets"
SCHEMA_DIR = HERE / "schema"

DOMAINS = (
    "政务服务",
    "社会治理",
    "政务运行",
    "数字社会",
    "数字生态",
    "基础支撑",
    "经济运行",
    "风险",
)
FREQUENCY_ORDER = {"month": 0, "quarter": 1, "year": 2}
STOCK_TYPES = {"stock_share", "stock_count"}
FLOW_TYPES = {"flow_share", "flow_count", "table_share", "table_sum"}
DATE_TYPES = {"date", "timestamp"}
NUMBER_TYPES = {"integer", "number"}
STATISTIC_DATASETS = ("economic_stats", "governance_stats")


class CatalogError(SpecError):
    """The catalog or a target set is invalid; ``issues`` lists every problem found."""

    subject = ("指标目录", "catalog")


@dataclass(frozen=True)
class Indicator:
    """A declared indicator: what it measures, how it is computed and who answers for it."""

    code: str
    name_zh: str
    name_en: str
    domain: str
    unit: str
    polarity: str  # higher | lower | neutral
    frequency: str  # month | quarter | year (finest period it is computed for)
    description: str
    compute: dict
    clause: str
    responsible_units: tuple[str, ...]
    bounds: tuple[float | None, float | None] | None = None
    kind: str = "monitor"  # target | context | monitor
    weight: float = 0.0  # weight inside its domain's composite index (0: not in the index)
    decimals: int = 1
    file: str = ""

    @property
    def compute_type(self) -> str:
        return self.compute["type"]

    @property
    def shape(self) -> str:
        """``stock`` (a level at a date), ``flow`` (summed over a period) or ``statistic``."""
        t = self.compute_type
        return "stock" if t in STOCK_TYPES else "flow" if t in FLOW_TYPES else "statistic"

    @property
    def sources(self) -> tuple[str, ...]:
        """Datasets the value is computed from."""
        if self.compute_type == "statistic":
            return STATISTIC_DATASETS
        return (self.compute["dataset"],)

    @property
    def aggregation(self) -> str:
        """How values roll up from counties to cities to the province, in words."""
        t = self.compute_type
        if t in {"stock_share", "flow_share", "table_share"} or self.compute.get("denominator"):
            return "分子分母分别汇总后相除 / sum numerator and denominator, then divide"
        if t != "statistic":
            return "求和 / sum"
        return {
            "reported": "采用各级统计部门公布值 / as reported at each level",
            "sum": "设区市求和 / sum of cities",
            "mean": "设区市平均 / mean of cities",
        }[self.compute.get("over_regions", "reported")]


@dataclass(frozen=True)
class Domain:
    name: str
    name_en: str
    weight: float
    file: str


@dataclass(frozen=True)
class Target:
    """One quantified (or qualitative) target of a plan for one indicator."""

    indicator: str
    binding: str  # binding (约束性) | expected (预期性)
    clause: str
    responsible_units: tuple[str, ...]
    target_year: int
    baseline_year: int
    target: float | None = None
    statement: str | None = None
    baseline_value: float | None = None
    method: str | None = None
    city_targets: dict[str, float] = field(default_factory=dict)
    city_targets_basis: str | None = None

    def value_for(self, region_code: str) -> float | None:
        """The target for a region: its own override, else the plan-wide value."""
        return self.city_targets.get(region_code, self.target)


@dataclass(frozen=True)
class TargetSet:
    """A plan: its targets, baseline and target years and default tracking method."""

    id: str
    name_zh: str
    name_en: str
    document: str
    baseline_year: int
    target_year: int
    method: str
    targets: tuple[Target, ...]
    midterm_year: int | None = None
    file: str = ""

    def target(self, indicator: str) -> Target | None:
        return next((t for t in self.targets if t.indicator == indicator), None)


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


def _schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def _shape_issues(doc, schema: dict, file: str) -> list[SpecIssue]:
    validator = jsonschema.Draft202012Validator(schema)
    issues = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = _path_label(doc, list(err.absolute_path))
        if err.validator == "oneOf" and isinstance(err.instance, dict):
            kind = err.instance.get("type")
            best = [e for sub in (err.context or []) for e in [sub] if e.validator != "const"]
            detail = best[0].message if best else err.message
            message = f"计算方式 {kind!r} 的写法不对：{detail}"
        elif err.validator == "additionalProperties":
            message = f"未知字段（检查拼写）：{err.message}"
        elif err.validator == "required":
            message = f"缺少必填字段：{err.message}"
        elif err.validator == "enum":
            message = f"取值 {err.instance!r} 不在允许范围 {err.validator_value}"
        else:
            message = err.message
        issues.append(SpecIssue(file, path, message))
    return issues


def _path_label(doc, path: list) -> str:
    """``indicators[3].compute.event`` becomes ``<code>.compute.event`` when the code is known."""
    if len(path) >= 2 and path[0] in ("indicators", "targets") and isinstance(path[1], int):
        items = doc.get(path[0]) if isinstance(doc, dict) else None
        item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
        key = "code" if path[0] == "indicators" else "indicator"
        name = item.get(key) if isinstance(item, dict) else None
        head = name if name else f"{path[0]}[{path[1]}]"
        return ".".join([head, *map(str, path[2:])])
    return ".".join(map(str, path))


def _read_yaml(path: Path) -> tuple[object, list[SpecIssue]]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except yaml.YAMLError as err:
        return None, [SpecIssue(path.name, "", f"YAML 语法错误：{err}")]


def _indicator_rules(ind: Indicator) -> list[SpecIssue]:
    """Semantic checks of one indicator against the dataset schemas."""
    issues: list[SpecIssue] = []

    def bad(fieldname: str, message: str) -> None:
        issues.append(SpecIssue(ind.file, f"{ind.code}.{fieldname}", message))

    c = ind.compute
    if ind.bounds and None not in ind.bounds and ind.bounds[0] >= ind.bounds[1]:
        bad("bounds", f"下限 {ind.bounds[0]} 应小于上限 {ind.bounds[1]}")
    if ind.weight and ind.polarity == "neutral":
        bad("weight", "无方向（neutral）的指标不能进入综合指数")
    if c["type"] == "statistic":
        if c.get("denominator") and c.get("over_time", "last") != "sum":
            bad("compute.over_time", "有分母的统计指标须按时段求和（over_time: sum）")
        return issues
    schemas = load_schemas()
    schema = schemas.get(c["dataset"])
    if schema is None:
        bad("compute.dataset", f"数据集 {c['dataset']!r} 不存在；可选：{', '.join(schemas)}")
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
        column(f"compute.{key}", c.get(key), DATE_TYPES)
    for part in ("numerator", "denominator"):
        value = c.get(part)
        if isinstance(value, dict):
            column(f"compute.{part}.known", value.get("known"), DATE_TYPES)
        elif isinstance(value, str):
            column(f"compute.{part}", value, NUMBER_TYPES)
    column("compute.column", c.get("column"), NUMBER_TYPES)
    if c["type"] in {"table_share", "table_sum"} and not {"year", "month"} <= set(types):
        bad("compute.dataset", f"{c['type']} 需要带 year、month 列的月度汇总表")
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
                bad(fieldname, f"目标值 {value} 超出指标自然界限 [{lo}, {hi}]")
        for code in t.city_targets:
            if code not in city_codes:
                bad(f"city_targets.{code}", "不是江苏 13 个设区市的代码")
    if ts.target_year < ts.baseline_year:
        issues.append(SpecIssue(ts.file, "target_year", "目标年早于基期年"))
    return issues


def load_catalog(catalog_dir: Path = CATALOG_DIR, targets_dir: Path = TARGETS_DIR) -> Catalog:
    """Read and validate every catalog and target-set file; raise :class:`CatalogError`."""
    issues: list[SpecIssue] = []
    indicators: dict[str, Indicator] = {}
    domains: dict[str, Domain] = {}
    catalog_schema, target_schema = _schema("catalog"), _schema("target_set")
    files = sorted(Path(catalog_dir).glob("*.yaml"))
    if not files:
        raise CatalogError([SpecIssue(str(catalog_dir), "", "目录下没有指标文件（*.yaml）")])
    for path in files:
        doc, errs = _read_yaml(path)
        errs = errs or _shape_issues(doc, catalog_schema, path.name)
        if errs:
            issues.extend(errs)
            continue
        if doc["domain"] in domains:
            issues.append(
                SpecIssue(
                    path.name,
                    "domain",
                    f"领域 {doc['domain']} 已在 {domains[doc['domain']].file} 中定义",
                )
            )
            continue
        domains[doc["domain"]] = Domain(
            doc["domain"], doc["domain_en"], doc.get("weight", 1.0), path.name
        )
        for raw in doc["indicators"]:
            ind = Indicator(
                code=raw["code"],
                name_zh=raw["name_zh"],
                name_en=raw["name_en"],
                domain=doc["domain"],
                unit=raw["unit"],
                polarity=raw["polarity"],
                frequency=raw["frequency"],
                description=raw["description"],
                compute=raw["compute"],
                clause=raw["clause"],
                responsible_units=tuple(raw["responsible_units"]),
                bounds=tuple(raw["bounds"]) if "bounds" in raw else None,
                kind=raw.get("kind", "monitor"),
                weight=float(raw.get("weight", 0.0)),
                decimals=raw.get("decimals", 1),
                file=path.name,
            )
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
    for path in sorted(Path(targets_dir).glob("*.yaml")):
        doc, errs = _read_yaml(path)
        errs = errs or _shape_issues(doc, target_schema, path.name)
        if errs:
            issues.extend(errs)
            continue
        if doc["id"] != path.stem:
            issues.append(
                SpecIssue(path.name, "id", f"id {doc['id']!r} 应与文件名 {path.stem!r} 一致")
            )
        targets = tuple(
            Target(
                indicator=raw["indicator"],
                binding=raw["binding"],
                clause=raw["clause"],
                responsible_units=tuple(raw["responsible_units"]),
                target_year=raw.get("target_year", doc["target_year"]),
                baseline_year=raw.get("baseline_year", doc["baseline_year"]),
                target=raw.get("target"),
                statement=raw.get("statement"),
                baseline_value=raw.get("baseline_value"),
                method=raw.get("method"),
                city_targets={str(k): float(v) for k, v in raw.get("city_targets", {}).items()},
                city_targets_basis=raw.get("city_targets_basis"),
            )
            for raw in doc["targets"]
        )
        ts = TargetSet(
            id=doc["id"],
            name_zh=doc["name_zh"],
            name_en=doc["name_en"],
            document=doc["document"],
            baseline_year=doc["baseline_year"],
            target_year=doc["target_year"],
            method=doc["method"],
            targets=targets,
            midterm_year=doc.get("midterm_year"),
            file=path.name,
        )
        target_sets[ts.id] = ts
        issues.extend(_target_rules(ts, indicators))
    if issues:
        raise CatalogError(issues)
    return Catalog(indicators=indicators, domains=domains, target_sets=target_sets)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The bundled catalog and target sets (validated once per process)."""
    return load_catalog()


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
    "default_catalog",
    "load_catalog",
]
