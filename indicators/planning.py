"""规划编制: drafting the next plan's targets from a finished or running one.

What the /planning workbench shows and saves, as pure functions over the warehouse and plain
values, shared by the page, its YAML download and the tests:

* :func:`baselines` — each indicator's value in the new baseline year (the year's value as the
  warehouse knows it now, e.g. 2025), with its provenance (datasets, period, when it was known);
* :func:`historical_pace` — the average yearly change over the years before the baseline;
* :func:`distributions` — the calibrated forecast distribution at a year end (stored with the
  forecasts as quantiles at every December to the planning horizon, see :mod:`models.batch`);
  :meth:`Distribution.probability` is P(reach) for any target a planner types;
* :func:`required_pace` and :func:`pace_ratio` — what a proposed target asks for each year, and
  how that compares with the pace so far;
* :func:`city_split` — a province target split across the 13 cities by a rule;
* :func:`what_if` — the province value in a year if one city reaches a given value and the
  others follow their forecasts (additive indicators add up; rates weigh each city by its
  denominator);
* :func:`target_set_document` and :func:`validate_plan` — the new target set as the YAML
  document the catalog reads, and its validation with the catalog's own rules.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

import numpy as np
import yaml

from datasets.regions import PROVINCE_CODE, cities
from datasets.schema import load_schemas
from indicators.catalog import (
    Catalog,
    CatalogError,
    Indicator,
    TargetSet,
    load_catalog,
)
from indicators.compute import Statistic, has_denominator

PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SplitRule = Literal["gap", "proportional", "manual"]
SPLIT_RULES: dict[str, str] = {
    "gap": "等比例缩小差距",
    "proportional": "按基期值比例",
    "manual": "手工填写",
}
SPLIT_NOTES: dict[str, str] = {
    "gap": "比率类：各市按全省相同比例缩小与上限（100%）的差距；数量类：各市增量相同",
    "proportional": "各市目标 = 本市基期值 × 全省目标 ÷ 全省基期值（比率不超过上限）",
    "manual": "逐市填写",
}


def region_codes() -> list[str]:
    return [PROVINCE_CODE, *cities()["region_code"].to_list()]


# --------------------------------------------------------------------------- actuals
class YearValue(TypedDict):
    value: float
    denominator: float | None
    known_from: dt.date


def year_values(warehouse, indicator: str) -> dict[str, dict[int, YearValue]]:
    """region → year → the year's value (and denominator) as the warehouse knows it now, with
    the day that value first became known."""
    rows = warehouse.query(
        """
        WITH latest AS (
            SELECT region_code, period,
                   arg_max(value, known_from) AS value,
                   arg_max(denominator, known_from) AS denominator
            FROM indicator_values
            WHERE indicator = ? AND period_type = 'year' AND value IS NOT NULL
            GROUP BY region_code, period
        )
        SELECT l.region_code, l.period, l.value, l.denominator, min(v.known_from) AS known_from
        FROM latest l JOIN indicator_values v
          ON v.indicator = ? AND v.period_type = 'year' AND v.region_code = l.region_code
         AND v.period = l.period AND v.value = l.value
        GROUP BY ALL
        """,
        [indicator, indicator],
    )
    wanted = set(region_codes())
    out: dict[str, dict[int, YearValue]] = {}
    for region, period, value, denominator, known in rows.iter_rows():
        if region in wanted and str(period).isdigit():
            out.setdefault(region, {})[int(period)] = YearValue(
                value=float(value), denominator=denominator, known_from=known
            )
    return out


def provenance(ind: Indicator, year: int, known_from: dt.date | None) -> str:
    """Where a baseline comes from, in words: the datasets, the year, when it was known."""
    schemas = load_schemas()
    names = "、".join(schemas[s].title for s in ind.sources if s in schemas)
    when = f"，{known_from:%Y-%m-%d} 入库" if known_from else ""
    return f"{year} 年值（截至 {year} 年 12 月），来源：{names}{when}"


def historical_pace(values: dict[int, YearValue], base_year: int, span: int = 5) -> float | None:
    """Average yearly change over the ``span`` years before ``base_year`` (fewer if the series
    is shorter, at least one); None without two year values."""
    if base_year not in values:
        return None
    earlier = [y for y in values if base_year - span <= y < base_year]
    if not earlier:
        return None
    start = min(earlier)
    return (values[base_year]["value"] - values[start]["value"]) / (base_year - start)


def required_pace(baseline: float | None, target: float | None, years: int) -> float | None:
    """The yearly change a target asks for from the baseline."""
    if baseline is None or target is None or years <= 0:
        return None
    return (target - baseline) / years


def pace_ratio(required: float | None, historical: float | None) -> float | None:
    """Required pace ÷ historical pace (None when the history did not move or went the other
    way, where a ratio says nothing)."""
    if required is None or historical is None or abs(historical) < 1e-9:
        return None
    ratio = required / historical
    return ratio if ratio >= 0 else None


# --------------------------------------------------------------------------- forecasts
@dataclass(frozen=True)
class Distribution:
    """A forecast's calibrated distribution at one year end, as quantiles."""

    levels: tuple[float, ...]
    values: tuple[float, ...]
    as_of: dt.date

    @property
    def median(self) -> float:
        return float(np.interp(0.5, self.levels, self.values))

    def interval(self, coverage: float = 0.8) -> tuple[float, float]:
        lo, hi = (1 - coverage) / 2, 1 - (1 - coverage) / 2
        return (
            float(np.interp(lo, self.levels, self.values)),
            float(np.interp(hi, self.levels, self.values)),
        )

    def probability(self, target: float, polarity: str = "higher") -> float:
        """P(the value meets ``target``): ≥ for 'higher', ≤ for 'lower'; read off the
        quantiles by linear interpolation, so it lies within the outermost levels."""
        values = np.maximum.accumulate(np.asarray(self.values, dtype=float))
        levels = np.asarray(self.levels, dtype=float)
        below = float(np.interp(target, values, levels, left=0.0, right=1.0))
        if polarity == "lower":
            return below
        # a point mass at the target (a rate held at its bound, a count's whole number)
        # belongs to "meets": take the lowest level at which the quantile reaches the target
        at = levels[values >= target - 1e-9]
        first = float(at[0]) if at.size else 1.0
        return 1.0 - min(below, first)


def distributions(warehouse, indicator: str, period: str) -> dict[str, Distribution]:
    """region → the newest stored distribution of ``indicator`` at ``period`` ('2030-12'),
    whichever plan's forecast carried it."""
    if "forecast_models" not in warehouse.table_names():
        return {}
    columns = warehouse.query("DESCRIBE forecast_models")["column_name"].to_list()
    if "year_end_quantiles" not in columns:
        return {}
    rows = warehouse.query(
        """
        SELECT region_code, as_of, year_end_quantiles FROM forecast_models
        WHERE indicator = ? AND year_end_quantiles IS NOT NULL
        ORDER BY as_of
        """,
        [indicator],
    )
    out: dict[str, Distribution] = {}
    for region, as_of, text in rows.iter_rows():
        stored = json.loads(text)
        values = stored["periods"].get(period)
        if values is not None:
            out[region] = Distribution(tuple(stored["levels"]), tuple(values), as_of)
    return out


# --------------------------------------------------------------------------- cities
def aggregation(ind: Indicator) -> Literal["sum", "share", "mean"] | None:
    """How the province's value is made of the cities': a sum, a denominator-weighted share,
    a plain mean, or (a figure reported at each level) none."""
    if has_denominator(ind.compute):
        return "share"
    if isinstance(ind.compute, Statistic):
        return {"sum": "sum", "mean": "mean"}.get(ind.compute.over_regions)
    return "sum"


def city_split(
    rule: SplitRule,
    ind: Indicator,
    province_baseline: float,
    province_target: float,
    city_baselines: dict[str, float],
    manual: dict[str, float] | None = None,
) -> dict[str, float]:
    """Each city's target under ``rule`` (see :data:`SPLIT_NOTES`), within the indicator's
    bounds and rounded to its decimals."""
    lo, hi = ind.bounds or (None, None)
    out: dict[str, float] = {}
    for city, base in city_baselines.items():
        if rule == "manual":
            if manual and manual.get(city) is not None:
                out[city] = float(manual[city])
            continue
        if rule == "proportional":
            value = base * province_target / province_baseline if province_baseline else base
        elif hi is not None and aggregation(ind) != "sum":
            closed = (
                (province_target - province_baseline) / (hi - province_baseline)
                if hi != province_baseline
                else 0.0
            )
            value = base + closed * (hi - base)
        else:
            value = base + (province_target - province_baseline) / max(len(city_baselines), 1)
        if hi is not None:
            value = min(value, hi)
        if lo is not None:
            value = max(value, lo)
        out[city] = round(value, max(ind.decimals, 0) if aggregation(ind) == "sum" else 1)
    return out


def default_city_targets(
    warehouse, ind: Indicator, base_year: int, target: float
) -> tuple[dict[str, float], str] | None:
    """The split a province target of a quantity gets when the planner gave none: a city is
    never held to the whole province's number, so each gets its share in proportion to its
    baseline. None for a rate or a mean (each city then shares the province's target)."""
    if aggregation(ind) != "sum":
        return None
    values = year_values(warehouse, ind.code)
    base = values.get(PROVINCE_CODE, {}).get(base_year)
    cities_base = {
        c: v[base_year]["value"] for c, v in values.items() if c != PROVINCE_CODE and base_year in v
    }
    if base is None or not cities_base:
        return None
    split = city_split("proportional", ind, base["value"], target, cities_base)
    return split, "未手工分解：按各市基期值占全省的比例自动分解"


def weights(
    ind: Indicator, values: dict[str, dict[int, YearValue]], year: int
) -> dict[str, float] | None:
    """Each region's weight in the province's value (province included, as the whole): the
    denominators of ``year`` (or the latest year before it) for a share; 1 for a sum or a
    mean; None when the province is not made of the cities."""
    kind = aggregation(ind)
    if kind is None:
        return None
    out: dict[str, float] = {}
    for region in region_codes():
        if kind != "share":
            out[region] = 1.0
            continue
        years = [y for y, v in values.get(region, {}).items() if y <= year and v["denominator"]]
        if not years:
            return None
        out[region] = float(values[region][max(years)]["denominator"])
    if kind == "mean":
        out[PROVINCE_CODE] = float(len(out) - 1)
    return out


class WhatIf(TypedDict):
    province_forecast: float
    city_forecast: float
    province: float
    share: float  # the city's weight in the province's value


def what_if(
    ind: Indicator,
    forecasts: dict[str, float],
    region_weights: dict[str, float],
    city: str,
    value: float,
) -> WhatIf | None:
    """The province's value if ``city`` reaches ``value`` and everything else follows its
    forecast: the province's forecast moved by the city's change times its weight (a sum:
    weight 1; a share: its denominator over the province's; a mean: 1/13)."""
    if PROVINCE_CODE not in forecasts or city not in forecasts:
        return None
    kind = aggregation(ind)
    whole = region_weights.get(PROVINCE_CODE) or 0.0
    if kind == "sum":
        share = 1.0
    elif whole:
        share = region_weights.get(city, 0.0) / whole
    else:
        return None
    province = forecasts[PROVINCE_CODE] + share * (value - forecasts[city])
    lo, hi = ind.bounds or (None, None)
    if hi is not None:
        province = min(province, hi)
    if lo is not None:
        province = max(province, lo)
    return WhatIf(
        province_forecast=forecasts[PROVINCE_CODE],
        city_forecast=forecasts[city],
        province=province,
        share=share,
    )


# --------------------------------------------------------------------------- the workbench
class PlanRow(TypedDict):
    indicator: str
    name: str
    unit: str
    decimals: int
    polarity: str
    baseline: float | None
    baseline_note: str
    pace: float | None
    forecast: float | None
    forecast_lo: float | None
    forecast_hi: float | None
    source_target: float | None
    binding: str
    responsible_units: list[str]
    clause: str


def workbench(
    warehouse, catalog: Catalog, source: str, base_year: int, target_year: int
) -> list[PlanRow]:
    """One row per target of the plan ``source`` that has numbers: the new baseline with its
    provenance, the pace before it, and the forecast to ``target_year`` with its 80 %
    interval (None where no stored forecast reaches that year)."""
    ts = catalog.target_sets[source]
    period = f"{target_year}-12"
    rows: list[PlanRow] = []
    for t in ts.targets:
        ind = catalog[t.indicator]
        if ind.polarity == "neutral":
            continue
        values = year_values(warehouse, ind.code).get(PROVINCE_CODE, {})
        base = values.get(base_year)
        dist = distributions(warehouse, ind.code, period).get(PROVINCE_CODE)
        lo, hi = dist.interval(0.8) if dist else (None, None)
        rows.append(
            PlanRow(
                indicator=ind.code,
                name=ind.name_zh,
                unit=ind.unit,
                decimals=ind.decimals,
                polarity=ind.polarity,
                baseline=base["value"] if base else None,
                baseline_note=provenance(ind, base_year, base["known_from"])
                if base
                else f"仓库中没有 {base_year} 年值",
                pace=historical_pace(values, base_year),
                forecast=dist.median if dist else None,
                forecast_lo=lo,
                forecast_hi=hi,
                source_target=t.target,
                binding=t.binding,
                responsible_units=list(t.responsible_units),
                clause=t.clause,
            )
        )
    return rows


def probability(
    warehouse, indicator: str, region: str, target_year: int, target: float, polarity: str
) -> float | None:
    """P(reach) of a proposed target from the stored calibrated forecast (None without one)."""
    dist = distributions(warehouse, indicator, f"{target_year}-12").get(region)
    return dist.probability(target, polarity) if dist else None


# --------------------------------------------------------------------------- saving
class PlanMeta(TypedDict):
    id: str
    name_zh: str
    status: str
    base_year: int
    target_year: int
    basis: str


class ProposedTarget(TypedDict, total=False):
    indicator: str
    target: float
    binding: str
    responsible_units: list[str]
    clause: str
    city_targets: dict[str, float]
    city_targets_basis: str


def target_set_document(meta: PlanMeta, targets: list[ProposedTarget]) -> dict:
    """The target set as the YAML document :mod:`indicators.catalog` reads."""
    doc = {
        "id": meta["id"],
        "name_zh": meta["name_zh"],
        "name_en": f"{meta['id']} ({meta['base_year'] + 1}–{meta['target_year']})",
        "document": "规划编制工作台草案" if meta["status"] != "adopted" else meta["name_zh"],
        "status": meta["status"],
        "basis": meta["basis"],
        "baseline_year": int(meta["base_year"]),
        "target_year": int(meta["target_year"]),
        "midterm_year": (int(meta["base_year"]) + int(meta["target_year"]) + 1) // 2,
        "method": "ratio",
        "targets": [],
    }
    for t in targets:
        entry = {
            "indicator": t["indicator"],
            "target": float(t["target"]),
            "binding": t.get("binding") or "expected",
            "clause": t.get("clause") or "规划编制工作台拟定",
            "responsible_units": list(t.get("responsible_units") or ["待定"]),
        }
        if t.get("city_targets"):
            entry["city_targets"] = {str(k): float(v) for k, v in t["city_targets"].items()}
            entry["city_targets_basis"] = t.get("city_targets_basis") or "规划编制工作台分解"
        doc["targets"].append(entry)
    return doc


def to_yaml(doc: dict) -> str:
    header = (
        "# yaml-language-server: $schema=../../indicators/schema/target_set.schema.json\n"
        f"# {doc['name_zh']}：由数据大脑规划编制工作台生成。\n"
    )
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def validate_plan(text: str, taken: set[str] | None = None) -> tuple[TargetSet | None, list[str]]:
    """Validate a target-set YAML with the catalog's own rules (as if it were a plan file
    beside the bundled ones); ``taken`` are ids that may not be reused. Returns the target set
    and no problems, or None and the problems in Chinese."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        return None, [f"YAML 格式错误：{err}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        return None, ["目标集须为含 id 的映射"]
    if not PLAN_ID.match(doc["id"]):
        return None, [f"编号 {doc['id']!r} 只能由小写字母、数字和连字符组成，且以字母或数字开头"]
    if taken and doc["id"] in taken:
        return None, [f"编号 {doc['id']} 已被其他规划使用，请换一个"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{doc['id']}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            catalog = load_catalog(extra_targets_dir=Path(folder))
        except CatalogError as err:
            return None, [str(issue) for issue in err.issues]
    return catalog.target_sets[doc["id"]], []
