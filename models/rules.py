"""Early-warning rules as data: models/rules/early_warning.yaml, validated against its JSON Schema and then by meaning (unique ids, indicators that exist), with errors that name the file, the rule and the field in Chinese."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from datasets.schema import load_schemas
from datasets.specs import SpecError, SpecIssue
from indicators.catalog import Catalog

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


# ---------------------------------------------------------------------------- rules as data
class RuleError(SpecError):
    """The rules file is invalid; ``issues`` lists every problem found."""

    subject = ("预警规则", "rules")


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
        raise RuleError([SpecIssue(name, "", f"YAML 语法错误：{err}")]) from err
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
        issues.append(SpecIssue(name, rule, f"{rest}: {message}" if rest else message))
    if issues:
        raise RuleError(issues)
    rules, seen = [], set()
    for raw in doc["rules"]:
        if raw["id"] in seen:
            issues.append(SpecIssue(name, raw["id"], "规则 id 重复 / duplicate rule id"))
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


def _meaning_issues(rule: Rule, catalog: Catalog | None) -> list[SpecIssue]:

    p, out = rule.parameters, []
    if catalog is not None:
        codes = [s["indicator"] for s in p.get("series", [])]
        codes += [p[k] for k in ("indicator", "share_indicator") if k in p]
        for code in codes:
            if code not in catalog.indicators:
                out.append(SpecIssue(rule.file, rule.id, f"指标 {code!r} 不在指标目录中"))
        if "target_set" in p and p["target_set"] not in catalog.target_sets:
            out.append(SpecIssue(rule.file, rule.id, f"目标集 {p['target_set']!r} 不存在"))
    datasets = load_schemas()
    for feed in p.get("feeds", []):
        if feed["dataset"] not in datasets:
            out.append(SpecIssue(rule.file, rule.id, f"数据集 {feed['dataset']!r} 不存在"))
    if rule.kind == "final_not_achieved" and p["medium_gap_share"] > p["high_gap_share"]:
        out.append(SpecIssue(rule.file, rule.id, "medium_gap_share 不能大于 high_gap_share"))
    if rule.domain == BY_INDICATOR and rule.kind == "stale_feed":
        out.append(SpecIssue(rule.file, rule.id, "stale_feed 没有指标，domain 不能为「按指标」"))
    return out
