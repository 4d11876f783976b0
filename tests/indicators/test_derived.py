"""Target progress, league tables and composite indices built from the value tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from datasets.regions import PROVINCE_CODE, cities
from indicators.catalog import default_catalog
from indicators.derived import OVERALL, month_ends

D = dt.date
CITY_CODES = cities()["region_code"].to_list()
TARGET_SET = "jiangsu-14fyp-digital-gov"


@pytest.fixture(scope="module")
def computed(small_warehouse):
    """The small hand-made warehouse with every derived table written."""
    from indicators.engine import materialise

    with small_warehouse.writer() as staging:
        materialise(staging.con, today=D(2026, 11, 22))
    return small_warehouse


def test_derived001_month_ends():
    assert month_ends(D(2023, 11, 5), D(2024, 2, 29)) == [
        D(2023, 11, 30),
        D(2023, 12, 31),
        D(2024, 1, 31),
        D(2024, 2, 29),
    ]


def test_derived002_league_ranks_by_polarity_and_scores_min_max(computed):
    league = computed.query(
        "SELECT region_code, value, score, rank FROM league_table "
        "WHERE indicator = 'pm25' AND as_of = DATE '2023-03-31' ORDER BY rank"
    )
    # PM2.5 2023 as of March: 南京 (40 + 50) / 2 = 45, 苏州 (30 + 20) / 2 = 25; lower is better
    assert league.rows() == [("320500", 25.0, 100.0, 1), ("320100", 45.0, 0.0, 2)]


def test_derived003_composite_is_the_weighted_mean_of_indicator_scores(computed):
    catalog = default_catalog()
    as_of = D(2023, 3, 31)
    league = computed.query(
        "SELECT l.indicator, l.region_code, l.score FROM league_table l WHERE as_of = ?",
        [as_of],
    )
    composite = computed.query(
        "SELECT domain, region_code, score FROM composite_index WHERE as_of = ?", [as_of]
    )
    scores = {(i, r): s for i, r, s in league.rows()}
    for domain, region, score in composite.rows():
        if domain == OVERALL:
            continue
        members = [
            (catalog[i].weight, scores[(i, r)])
            for (i, r) in scores
            if r == region and catalog[i].domain == domain and catalog[i].weight > 0
        ]
        expected = sum(w * s for w, s in members) / sum(w for w, _ in members)
        assert score == pytest.approx(expected), (domain, region)
    overall = {r: s for d, r, s in composite.rows() if d == OVERALL}
    for region, score in overall.items():
        parts = [
            (catalog.domains[d].weight, s)
            for d, r, s in composite.rows()
            if r == region and d != OVERALL
        ]
        assert score == pytest.approx(sum(w * s for w, s in parts) / sum(w for w, _ in parts))


def test_derived004_progress_rows_carry_their_trace(computed):
    rows = computed.query(
        "SELECT * FROM target_progress WHERE indicator = 'system_cloud_rate' "
        "AND region_code = '320100' AND as_of = DATE '2022-12-31' AND method = 'linear'"
    )
    assert rows.height == 1
    row = rows.row(0, named=True)
    # 南京 system cloud rate: 2020 → 0 %, 2021 → 1/3, 2022 → 100 % (worked in test_engine003)
    assert row["baseline_value"] == 0.0 and row["current_value"] == pytest.approx(100.0)
    assert row["target_value"] == 95.0
    assert row["status"] == "achieved" and row["status_label"] == "已达成"
    assert "95" in row["explain"]
    assert json.loads(row["numbers"])  # the method's numbers are stored


def test_derived005_demo_every_plan_target_has_a_status_for_province_and_13_cities(
    demo_computed,
):
    ts = default_catalog().target_sets[TARGET_SET]
    latest = demo_computed.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]
    frame = demo_computed.query(
        "SELECT indicator, region_code, status FROM target_progress "
        "WHERE target_set = ? AND as_of = ? AND is_default_method",
        [TARGET_SET, latest],
    )
    for target in ts.targets:
        got = frame.filter(frame["indicator"] == target.indicator)
        regions = set(got["region_code"].to_list())
        if target.indicator in ("extranet_access_points", "portal_real_name_users"):
            assert regions == {PROVINCE_CODE}, target.indicator  # province-only statistics
            continue
        assert regions == {PROVINCE_CODE, *CITY_CODES}, target.indicator
        assert set(got["status"].to_list()) <= {
            "achieved",
            "on_track",
            "acceleration_needed",
            "limited_progress",
            "deterioration",
            "not_assessable",
        }


def test_derived006_demo_final_assessment_after_the_deadline(demo_computed):
    rows = demo_computed.query(
        "SELECT region_code, final_status, current_value FROM target_progress "
        "WHERE indicator = 'system_cloud_rate' AND as_of = DATE '2026-10-31' "
        "AND method = 'ratio' ORDER BY region_code"
    )
    final = dict(zip(rows["region_code"], rows["final_status"], strict=True))
    # 连云港's migration stalled in 2023 (the planted anomaly): it misses 95 %
    assert final["320700"] == "not_achieved"
    assert set(final.values()) <= {"achieved", "not_achieved"}
    # before the deadline there is no final assessment
    mid = demo_computed.query(
        "SELECT count(*) AS n FROM target_progress WHERE as_of = DATE '2023-12-31' "
        "AND final_status IS NOT NULL"
    )
    assert mid["n"][0] == 0


def test_derived007_demo_midterm_replay_uses_only_2023_knowledge(demo_computed):
    rows = demo_computed.query(
        "SELECT current_year FROM target_progress WHERE as_of = DATE '2023-06-30'"
    )
    assert rows.height > 0
    assert max(rows["current_year"]) <= 2023.5 + 1e-9


def test_derived008_demo_at_most_2_percent_not_assessable_each_with_its_reason(demo_computed):
    from indicators.tracking import FALLBACK_LABELS, METHODS, NOT_ASSESSABLE_REASONS

    rows = demo_computed.query(
        "SELECT indicator, region_code, as_of, method, status, explain, method_used, fallback, "
        "fallback_note FROM target_progress WHERE is_default_method"
    )
    assert rows.height > 0
    unassessable = rows.filter(rows["status"] == "not_assessable")
    assert unassessable.height <= 0.02 * rows.height, (unassessable.height, rows.height)
    for r in unassessable.iter_rows(named=True):
        assert r["fallback"] in NOT_ASSESSABLE_REASONS, r
        assert r["fallback_note"] and r["fallback_note"] in r["explain"], r
        assert r["explain"].endswith("无法评估。"), r
    for r in rows.iter_rows(named=True):
        assert r["fallback"] is None or r["fallback"] in FALLBACK_LABELS, r
        assert r["method_used"] is None or r["method_used"] in METHODS, r
        if r["method_used"] not in (None, r["method"]):
            assert r["fallback"] is not None, r
        if r["fallback_note"] and r["status"] != "achieved":  # achieved needs no method
            assert r["fallback_note"] in r["explain"], r
