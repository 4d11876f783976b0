"""Early-warning rules and risk scores on the demo warehouse (planted anomalies of the demo
generator's docstring: 徐州 供水供电供气 surge 2026-07..08 at ≈4×, 连云港 cloud migration stalled
after 2023-06-30 so its 上云率 ends far below the 95% target)."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest

from indicators.catalog import DOMAINS, default_catalog
from models.risk import materialise_risk
from models.rules import RULES_FILE, RuleError, load_rules
from models.warnings import evaluate_rules

AS_OF = dt.date(2026, 11, 22)  # demo_computed is computed as on this day


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture(scope="module")
def evaluated(demo_computed, catalog):
    """(warnings, risk_scores, report) written by materialise_risk on a discarded staging copy."""
    with demo_computed.writer() as staging:
        con = staging.con
        report = materialise_risk(con, catalog)
        warnings = con.sql("SELECT * FROM warnings").pl()
        scores = con.sql("SELECT * FROM risk_scores").pl()
        staging.discard()
    return warnings, scores, report


def _fired(warnings, rule_id, region=None):
    w = warnings.filter(pl.col("rule_id") == rule_id)
    return w.filter(pl.col("region_code") == region) if region else w


def test_risk001_rules_file_validates(catalog):
    rules = load_rules(RULES_FILE, catalog=catalog)
    kinds = {r.kind for r in rules}
    assert kinds == {
        "target_off_track",
        "final_not_achieved",
        "probability_low",
        "hotline_surge",
        "stalled_progress",
        "stale_feed",
    }
    assert all(r.severity in {"high", "medium", "low"} for r in rules)
    assert {r.severity_label for r in rules} <= {"高", "中", "低"}


@pytest.mark.parametrize(
    ("rule_yaml", "expected"),
    [
        (
            "  - id: bad_surge\n    name_zh: 坏规则\n    kind: hotline_surge\n    severity: 高\n"
            "    domain: 风险\n    description: x\n    parameters: {series: [], recent_months: 3,"
            " colour: red}\n",
            r"bad_rules\.yaml: bad_surge: parameters: 未知字段",
        ),
        (
            "  - id: bad_severity\n    name_zh: 坏规则\n    kind: stale_feed\n    severity: 严重\n"
            "    domain: 基础支撑\n    description: x\n"
            "    parameters: {feeds: [{dataset: hotline_tickets, max_age_days: 5}]}\n",
            r"bad_rules\.yaml: bad_severity: severity: 取值 '严重' 不在允许范围",
        ),
        (
            "  - id: bad_indicator\n    name_zh: 坏规则\n    kind: stalled_progress\n"
            "    severity: 中\n    domain: 按指标\n    description: x\n"
            "    parameters: {indicator: no_such_thing, stalled_months: 6, prior_months: 12,"
            " min_prior_rate: 0.5}\n",
            r"bad_rules\.yaml: bad_indicator: 指标 'no_such_thing' 不在指标目录中",
        ),
        (
            "  - id: bad_feed\n    name_zh: 坏规则\n    kind: stale_feed\n    severity: 低\n"
            "    domain: 按指标\n    description: x\n"
            "    parameters: {feeds: [{dataset: hotline_tickets, max_age_days: 0}]}\n",
            r"bad_rules\.yaml: bad_feed: parameters\.feeds\.0\.max_age_days: 应 ≥ 1，实为 0",
        ),
        (
            "  - id: bad_kind\n    name_zh: 坏规则\n    kind: hotline_spike\n    severity: 低\n"
            "    domain: 风险\n    description: x\n    parameters: {}\n",
            r"bad_rules\.yaml: bad_kind: 'hotline_spike' 不是可选的种类；可选：target_off_track、",
        ),
        (
            "  - id: bad_grades\n    name_zh: 坏规则\n    kind: final_not_achieved\n    severity: 中\n"
            "    domain: 按指标\n    description: x\n"
            "    parameters: {high_gap_share: 0.02, medium_gap_share: 0.05}\n",
            r"bad_rules\.yaml: bad_grades: medium_gap_share 不能大于 high_gap_share",
        ),
    ],
)
def test_risk002_bad_rule_file_rejected(tmp_path, catalog, rule_yaml, expected):
    path = tmp_path / "bad_rules.yaml"
    path.write_text("rules:\n" + rule_yaml, encoding="utf-8")
    with pytest.raises(RuleError, match=expected):
        load_rules(path, catalog=catalog)


def test_risk003_hotline_surge_xuzhou(evaluated):
    warnings, _, _ = evaluated
    xz = _fired(warnings, "hotline_surge", "320300")
    assert xz.height == 1
    row = xz.row(0, named=True)
    assert row["indicator"] == "hotline_utility_tickets"
    evidence = json.loads(row["evidence"])
    assert evidence["category"] == "供水供电供气"
    # planted 2026-07-01..2026-08-31: both months flagged, the first one is when it fired
    assert evidence["months"] == ["2026-07", "2026-08"]
    assert row["first_fired"] == dt.date(2026, 7, 31)
    # ≈4× normal volume: each flagged month well above 2× its expected value
    for value, expected in zip(evidence["values"], evidence["expected"], strict=True):
        assert value > 2 * expected
    drill = json.loads(row["drill"])
    assert drill["region"] == "320300" and drill["months"] == ["2026-07", "2026-08"]
    assert "徐州" in row["message"] and "供水供电供气" in row["message"]
    assert _fired(warnings, "hotline_surge", "320100").height == 0
    # 盐城's 2024-06 surge is long past at the newest vintage
    assert _fired(warnings, "hotline_surge", "320900").height == 0


def test_risk004_stalled_cloud_migration_lianyungang(evaluated):
    warnings, _, _ = evaluated
    lyg = _fired(warnings, "stalled_progress", "320700")
    assert lyg.height == 1
    row = lyg.row(0, named=True)
    assert row["indicator"] == "systems_on_cloud"
    assert row["domain"] == "基础支撑"
    assert row["first_fired"] > dt.date(2023, 6, 30)
    evidence = json.loads(row["evidence"])
    # no 上云 date after 2023-06-30: stalled from mid-2023 to now, more than three years
    assert evidence["since"] <= "2023-06"
    assert evidence["stalled_months"] >= 36
    assert evidence["share"] < 95.0 - 10  # far behind the 95% target
    # only the planted city stalls
    assert set(_fired(warnings, "stalled_progress")["region_code"]) == {"320700"}


def test_risk005_final_not_achieved_cloud_rate(evaluated):
    warnings, _, _ = evaluated
    rows = _fired(warnings, "final_not_achieved", "320700").filter(
        pl.col("indicator") == "system_cloud_rate"
    )
    assert rows.height == 1
    row = rows.row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert evidence["target_value"] == 95.0
    # gap share = |gap| / 95; the stall leaves a gap of more than 10% of the target → 高
    assert evidence["gap_share"] == pytest.approx(abs(evidence["final_gap"]) / 95.0)
    assert evidence["gap_share"] > 0.10
    assert row["severity"] == "high" and row["severity_rank"] == 1
    # the final assessment exists from the deadline's year end on
    assert dt.date(2025, 12, 31) <= row["first_fired"] <= AS_OF
    assert "连云港" in row["message"] and "未达成" in row["message"]
    assert re.search(r"\d", row["message"])
    assert row["responsible_units"]
    # the tracking-phase rule is silent after the deadline
    assert _fired(warnings, "target_off_track").height == 0


def test_risk006_scores_cover_cities_and_domains(evaluated):
    _, scores, _ = evaluated
    from datasets.regions import cities

    assert scores.height == 13 * len(DOMAINS)
    assert set(scores["region_code"]) == set(cities()["region_code"])
    assert set(scores["domain"]) == set(DOMAINS)
    assert scores.select(pl.col("score").is_between(0, 100).all()).item()
    base = scores.filter(pl.col("domain") == "基础支撑").sort("score", descending=True)
    assert "320700" in base["region_code"].head(2).to_list()
    assert base.filter(pl.col("region_code") == "320700")["score"].item() > 50
    # the surge puts 徐州 on top of the 风险 domain
    risk = scores.filter(pl.col("domain") == "风险").sort("score", descending=True)
    assert risk["region_code"][0] == "320300"
    # nothing fires for 南京 in 风险: a zero row, not a missing one
    nj = scores.filter((pl.col("domain") == "风险") & (pl.col("region_code") == "320100"))
    assert nj["score"].item() == 0.0 and nj["warnings"].item() == 0


def test_risk007_evidence_and_messages(evaluated):
    warnings, _, report = evaluated
    assert warnings.height == report.warnings > 0
    assert sum(report.by_rule.values()) == warnings.height
    assert report.by_rule["stale_feed"] == 0  # every feed is current at the newest vintage
    assert report.by_rule["probability_low"] == 0  # no forecast_models table: skipped
    for row in warnings.iter_rows(named=True):
        evidence = json.loads(row["evidence"])
        assert any(isinstance(v, (int, float)) for v in evidence.values())
        json.loads(row["drill"])
        assert re.search(r"[\u4e00-\u9fff]", row["message"])
        assert re.search(r"\d", row["message"])
        assert row["severity_rank"] in (1, 2, 3)
        assert row["first_fired"] <= report.as_of


def test_risk008_off_track_during_tracking(demo_computed, catalog):
    """Before the deadline, 连云港's stalled 上云率 is lagging and worse than a year earlier."""
    rules = [r for r in load_rules(catalog=catalog) if r.kind == "target_off_track"]
    with demo_computed.writer() as staging:
        warnings = evaluate_rules(staging.con, catalog, rules, dt.date(2024, 12, 31))
        staging.discard()
    rows = warnings.filter(
        (pl.col("region_code") == "320700") & (pl.col("indicator") == "system_cloud_rate")
    )
    assert rows.height == 1
    evidence = json.loads(rows["evidence"][0])
    assert evidence["progress"] < evidence["progress_before"]
    assert evidence["status"] in ("limited_progress", "deterioration")
