"""Early-warning rules as data: ``models/rules/early_warning.yaml``, read into pydantic models.

Each rule's ``kind`` picks its model (a discriminated union), and each kind has its own typed
``parameters`` with their defaults, so an evaluator in :mod:`models.warnings` reads
``rule.parameters.lookback_months``, never a loose dict. After the shape, the meaning is checked
(unique ids; indicators, datasets and target sets that exist). Errors name the file, the rule
and the field in Chinese. ``models/schema/rules.schema.json`` is generated from these models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from datasets.schema import load_schemas
from datasets.specs import SpecError, SpecIssue, SpecModel, read_spec
from indicators.catalog import Catalog, DomainName

HERE = Path(__file__).resolve().parent
RULES_FILE = HERE / "rules" / "early_warning.yaml"

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


Share = Annotated[float, Field(ge=0, le=1)]
Months = Annotated[int, Field(ge=1, le=120)]
Status = Literal["limited_progress", "deterioration", "acceleration_needed"]
Severity = Literal["高", "中", "低", "high", "medium", "low"]
RuleDomain = Literal["按指标", DomainName]  # 按指标: the domain of the indicator it concerns


class OffTrackParameters(SpecModel):
    """A target judged limited or deteriorating whose progress is worse than a while ago."""

    target_set: str | None = Field(None, description="目标集；缺省为每个目标集")
    statuses: tuple[Status, ...] = Field(min_length=1, description="触发的进度状态")
    lookback_months: Months = Field(description="与多少个月前的进度比较")
    high_statuses: tuple[Status, ...] = Field((), description="升为高的状态")


class FinalParameters(SpecModel):
    """A target missed at its deadline, graded by the gap as a share of the target."""

    target_set: str | None = None
    high_gap_share: Share
    medium_gap_share: Share


class ProbabilityParameters(SpecModel):
    """A forecast probability of reaching a target below a threshold."""

    threshold: Share
    high_below: Share | None = Field(None, description="低于此概率升为高")


class ScanParameters(SpecModel):
    """How the 12345 series are scanned for spikes and level shifts."""

    z_threshold: float = Field(4.0, gt=0, description="异常点的稳健 z 分数阈值")
    shift_threshold: float = Field(6.0, gt=0, description="水平突变的阈值")
    min_months: int = Field(25, ge=13, description="序列至少的月数（两个完整周期）")


class SurgeSeries(SpecModel):
    indicator: str
    category: str


class SurgeParameters(ScanParameters):
    """A city's 12345 tickets of a category far above what its trend and season expect."""

    series: tuple[SurgeSeries, ...] = Field(min_length=1)
    recent_months: Months = Field(description="只看最近几个完整月")
    min_ratio: float = Field(1.5, ge=1, description="至少高出预期的倍数")
    high_ratio: float = Field(3.0, ge=1, description="升为高的倍数")


class StallParameters(SpecModel):
    """A running total that stopped growing after growing steadily."""

    indicator: str = Field(description="存量指标（如已上云系统数）")
    share_indicator: str | None = Field(None, description="对应的比率指标（已达目标则不预警）")
    target_set: str | None = None
    stalled_months: Months
    prior_months: Months
    min_prior_rate: float = Field(gt=0, description="停滞前每月至少新增")
    high_stalled_months: Months | None = None


class Feed(SpecModel):
    dataset: str
    max_age_days: int = Field(ge=1)


class StaleParameters(SpecModel):
    """A dataset whose newest data is older than allowed."""

    feeds: tuple[Feed, ...] = Field(min_length=1)


class _Rule(SpecModel):
    """What every early-warning rule has; ``severity`` normalised to high/medium/low."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    severity: Severity
    domain: RuleDomain = Field(description="领域；「按指标」表示取所涉指标在目录中的领域")
    description: str = Field(min_length=1)
    _file: str = PrivateAttr("")

    @field_validator("severity")
    @classmethod
    def _english_severity(cls, value: str) -> str:
        return SEVERITY_ALIASES.get(value, value)

    @property
    def file(self) -> str:
        return self._file

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity][0]


class OffTrackRule(_Rule):
    kind: Literal["target_off_track"]
    parameters: OffTrackParameters


class FinalRule(_Rule):
    kind: Literal["final_not_achieved"]
    parameters: FinalParameters

    @model_validator(mode="after")
    def _grades_in_order(self) -> FinalRule:
        if self.parameters.medium_gap_share > self.parameters.high_gap_share:
            raise ValueError("medium_gap_share 不能大于 high_gap_share")
        return self


class ProbabilityRule(_Rule):
    kind: Literal["probability_low"]
    parameters: ProbabilityParameters


class SurgeRule(_Rule):
    kind: Literal["hotline_surge"]
    parameters: SurgeParameters


class StallRule(_Rule):
    kind: Literal["stalled_progress"]
    parameters: StallParameters


class StaleRule(_Rule):
    kind: Literal["stale_feed"]
    parameters: StaleParameters

    @model_validator(mode="after")
    def _has_a_domain(self) -> StaleRule:
        if self.domain == BY_INDICATOR:
            raise ValueError("stale_feed 没有指标，domain 不能为「按指标」")
        return self


Rule = Annotated[
    OffTrackRule | FinalRule | ProbabilityRule | SurgeRule | StallRule | StaleRule,
    Field(discriminator="kind"),
]


class RulesFile(SpecModel):
    """A rules file: an optional description and the rules."""

    description: str | None = None
    rules: tuple[Rule, ...] = Field(min_length=1)


def load_rules(path: Path = RULES_FILE, catalog: Catalog | None = None) -> list[Rule]:
    """Read and validate a rules file: its shape against :class:`RulesFile`, then meaning (unique
    ids; indicators, datasets and target sets that exist when ``catalog`` is given). Raises
    :class:`RuleError` naming the file and rule of every problem."""
    name = Path(path).name
    parsed, issues = read_spec(RulesFile, path, names={"rules": "id"})
    if issues:
        raise RuleError([_on_rule(i) for i in issues])
    rules = parsed.rules
    seen: set[str] = set()
    for rule in rules:
        rule._file = name
        if rule.id in seen:
            issues.append(SpecIssue(name, rule.id, "规则 id 重复 / duplicate rule id"))
        seen.add(rule.id)
        issues += _meaning_issues(rule, catalog)
    if issues:
        raise RuleError(issues)
    return list(rules)


def _on_rule(issue: SpecIssue) -> SpecIssue:
    """``bad_surge.parameters`` → on rule ``bad_surge``, the field path leading the message."""
    rule, _, rest = issue.where.partition(".")
    return SpecIssue(issue.file, rule, f"{rest}: {issue.message}" if rest else issue.message)


def _meaning_issues(rule: Rule, catalog: Catalog | None) -> list[SpecIssue]:
    p, out = rule.parameters, []
    if catalog is not None:
        codes = [s.indicator for s in getattr(p, "series", ())]
        codes += [
            c for c in (getattr(p, "indicator", None), getattr(p, "share_indicator", None)) if c
        ]
        for code in codes:
            if code not in catalog.indicators:
                out.append(SpecIssue(rule.file, rule.id, f"指标 {code!r} 不在指标目录中"))
        target_set = getattr(p, "target_set", None)
        if target_set and target_set not in catalog.target_sets:
            out.append(SpecIssue(rule.file, rule.id, f"目标集 {target_set!r} 不存在"))
    datasets = load_schemas()
    for feed in getattr(p, "feeds", ()):
        if feed.dataset not in datasets:
            out.append(SpecIssue(rule.file, rule.id, f"数据集 {feed.dataset!r} 不存在"))
    return out
