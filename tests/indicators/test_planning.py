"""规划编制's computations: baselines are the warehouse's year values, splits keep their rule,
the what-if is the province recomputed, and a drafted plan is validated by the catalog."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from datasets.regions import PROVINCE_CODE
from indicators import planning
from indicators.catalog import default_catalog

CATALOG = default_catalog()
SET = "jiangsu-14fyp-digital-gov"


def test_planning001_baselines_are_the_year_values_known_now(demo_computed):
    rows = {r["indicator"]: r for r in planning.workbench(demo_computed, CATALOG, SET, 2025, 2030)}
    # every target of the plan with a direction is offered
    expected = {t.indicator for t in CATALOG.target_sets[SET].targets}
    assert set(rows) == expected
    for code in ("one_thing_completion_rate", "typical_scenarios", "data_sharing_rate"):
        truth = demo_computed.query(
            """
            SELECT arg_max(value, known_from) AS v FROM indicator_values
            WHERE indicator = ? AND region_code = ? AND period_type = 'year' AND period = '2025'
            """,
            [code, PROVINCE_CODE],
        )["v"][0]
        assert rows[code]["baseline"] == pytest.approx(truth)
        assert rows[code]["baseline_note"].startswith("2025 年值")
        before = demo_computed.query(
            """
            SELECT min(period) AS first, arg_max(value, known_from) AS v FROM indicator_values
            WHERE indicator = ? AND region_code = ? AND period_type = 'year'
              AND period >= '2020' AND period < '2025' AND value IS NOT NULL
            GROUP BY period ORDER BY period LIMIT 1
            """,
            [code, PROVINCE_CODE],
        ).row(0, named=True)
        span = 2025 - int(before["first"])
        assert rows[code]["pace"] == pytest.approx((truth - before["v"]) / span)
    # no forecasts in this warehouse: none is made up
    assert all(r["forecast"] is None for r in rows.values())


def test_planning002_pace_and_ratio():
    assert planning.required_pace(80.0, 95.0, 5) == pytest.approx(3.0)
    assert planning.pace_ratio(3.0, 1.5) == pytest.approx(2.0)
    assert planning.pace_ratio(3.0, 0.0) is None  # a flat history says nothing
    assert planning.pace_ratio(3.0, -1.0) is None  # nor one that went the other way
    assert planning.required_pace(None, 95.0, 5) is None


def test_planning003_distribution_probability_reads_the_quantiles():
    rng = np.random.default_rng(7)
    draws = np.sort(rng.normal(90, 3, 200_000))
    levels = (0.01, 0.025, *(round(0.05 * i, 2) for i in range(1, 20)), 0.975, 0.99)
    dist = planning.Distribution(levels, tuple(np.quantile(draws, levels)), as_of=None)
    for target in (84.0, 88.0, 90.0, 93.5, 95.0):
        truth = float((draws >= target).mean())
        assert dist.probability(target) == pytest.approx(truth, abs=0.01)
        assert dist.probability(target, "lower") == pytest.approx(1 - truth, abs=0.01)
    assert dist.median == pytest.approx(90, abs=0.05)
    lo, hi = dist.interval(0.8)
    assert lo == pytest.approx(90 - 1.2816 * 3, abs=0.05)
    assert hi == pytest.approx(90 + 1.2816 * 3, abs=0.05)
    # a rate held at its bound: reaching 100 is as likely as sitting there
    capped = planning.Distribution(
        levels, tuple(min(v, 100.0) for v in np.quantile(draws + 9, levels)), None
    )
    truth = float((draws + 9 >= 100).mean())
    assert capped.probability(100.0) == pytest.approx(truth, abs=0.03)


def test_planning004_city_splits_keep_their_rule():
    rate = CATALOG["one_thing_completion_rate"]
    bases = {"320100": 90.0, "320500": 70.0, "321300": 50.0}
    gap = planning.city_split("gap", rate, 80.0, 95.0, bases)
    closed = (95.0 - 80.0) / (100.0 - 80.0)  # the province closes three quarters of its gap
    for city, base in bases.items():
        assert (gap[city] - base) / (100 - base) == pytest.approx(closed, abs=0.01)
    prop = planning.city_split("proportional", rate, 80.0, 95.0, bases)
    assert prop["320100"] == 100.0  # 90 × 95/80 is held at the bound
    assert prop["321300"] == pytest.approx(50 * 95 / 80, abs=0.05)
    count = CATALOG["typical_scenarios"]
    counts = {"320100": 10.0, "320500": 20.0}
    equal = planning.city_split("gap", count, 100.0, 160.0, counts)
    assert equal["320100"] - 10 == equal["320500"] - 20 == 30.0
    assert planning.city_split("manual", count, 100.0, 160.0, counts, {"320100": 12}) == {
        "320100": 12.0
    }


def test_planning005_what_if_is_the_province_recomputed():
    rate = CATALOG["data_sharing_rate"]  # requests met ÷ requests settled
    assert planning.aggregation(rate) == "share"
    rng = np.random.default_rng(3)
    codes = planning.region_codes()[1:]
    settled = {c: float(rng.integers(100, 500)) for c in codes}
    met_share = {c: float(rng.uniform(90, 100)) for c in codes}
    provincial_settled = 300.0  # provincial departments' requests, in no city
    provincial_share = 97.0

    def province(shares):
        num = sum(settled[c] * shares[c] for c in codes) + provincial_settled * provincial_share
        return num / (sum(settled.values()) + provincial_settled)

    forecasts = {**met_share, PROVINCE_CODE: province(met_share)}
    weights = {**settled, PROVINCE_CODE: sum(settled.values()) + provincial_settled}
    result = planning.what_if(rate, forecasts, weights, "320500", 100.0)
    assert result["province"] == pytest.approx(province({**met_share, "320500": 100.0}))

    count = CATALOG["typical_scenarios"]
    forecasts = {PROVINCE_CODE: 150.0, "320500": 20.0}
    result = planning.what_if(count, forecasts, {PROVINCE_CODE: 1.0, "320500": 1.0}, "320500", 35.0)
    assert result["province"] == 165.0


def test_planning006_weights_are_the_denominators(demo_computed):
    rate = CATALOG["data_sharing_rate"]
    values = planning.year_values(demo_computed, rate.code)
    weights = planning.weights(rate, values, 2025)
    truth = demo_computed.query(
        """
        SELECT region_code, arg_max(denominator, known_from) AS d FROM indicator_values
        WHERE indicator = 'data_sharing_rate' AND period_type = 'year' AND period = '2025'
        GROUP BY region_code
        """
    )
    for region, d in truth.iter_rows():
        if region in weights:
            assert weights[region] == pytest.approx(d)
    assert sum(w for r, w in weights.items() if r != PROVINCE_CODE) <= weights[PROVINCE_CODE]


def _draft(**changes) -> str:
    doc = planning.target_set_document(
        planning.PlanMeta(
            id="jiangsu-test-draft",
            name_zh="测试草案",
            status="draft",
            base_year=2025,
            target_year=2030,
            basis="测试",
        ),
        [
            planning.ProposedTarget(
                indicator="system_cloud_rate",
                target=99.0,
                binding="expected",
                responsible_units=["省政务办"],
                clause="测试",
                city_targets={"320700": 90.0},
                city_targets_basis="测试",
            )
        ],
    )
    for key, value in changes.items():
        if key.startswith("t_"):  # a field of the target, not of the set
            doc["targets"][0][key.removeprefix("t_")] = value
        else:
            doc[key] = value
    return planning.to_yaml(doc)


def test_planning007_a_draft_is_validated_by_the_catalog():
    ts, problems = planning.validate_plan(_draft())
    assert problems == [] and ts.id == "jiangsu-test-draft"
    assert ts.target("system_cloud_rate").value_for("320700") == 90.0
    assert ts.target("system_cloud_rate").value_for("320100") == 99.0
    assert ts.status == "draft" and ts.midterm_year == 2028
    # what the catalog would refuse, the workbench refuses, with the field named
    for changes, words in [
        ({"t_target": 120.0}, "超出指标自然界限"),
        ({"t_indicator": "no_such_indicator"}, "指标目录中没有"),
        ({"target_year": 2020}, "目标年早于基期年"),
        ({"id": "Bad/../id"}, "只能由小写字母"),
        ({"id": SET}, "已在别处定义"),
    ]:
        ts, problems = planning.validate_plan(_draft(**changes))
        assert ts is None and any(words in p for p in problems), (changes, problems)
    assert planning.validate_plan(_draft(), taken={"jiangsu-test-draft"})[0] is None
    assert planning.validate_plan("id: [unclosed")[0] is None


def test_planning008_the_yaml_round_trips():
    text = _draft()
    doc = yaml.safe_load(text)
    assert doc["targets"][0]["city_targets"] == {"320700": 90.0}
    assert text.startswith("# yaml-language-server")
