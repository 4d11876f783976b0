"""Lagging lists: which targets are behind, in a region and across the cities, by their one
verdict (:mod:`indicators.verdict`)."""

from __future__ import annotations

import polars as pl

from indicators.verdict import cities_lagging_by_target, lagging_targets


def test_home003_lagging_targets_rank_by_number_of_cities_behind():
    frame = pl.DataFrame(
        {
            "indicator": ["a", "a", "a", "b", "b", "b"],
            "region_code": ["320000", "320100", "320200", "320000", "320100", "320200"],
            "status": [
                "on_track",
                "limited_progress",
                "deterioration",
                "on_track",
                "on_track",
                "acceleration_needed",
            ],
            "final_status": [None] * 6,
            "progress": [0.9, 0.3, -0.1, 0.9, 0.95, 0.7],
            "target_value": [80.0] * 6,
        }
    )
    items = cities_lagging_by_target(frame, final=False)
    assert [i["indicator"] for i in items] == ["a", "b"]
    assert items[0]["count"] == 2
    # worst progress first
    assert items[0]["rows"]["region_code"].to_list() == ["320200", "320100"]


def test_home003b_after_the_deadline_only_the_final_verdict_puts_a_city_on_the_list():
    # 320100 missed the target at the deadline but reached it since (tracking status
    # "achieved"); 320200 met it at the deadline but has slid since ("deterioration")
    frame = pl.DataFrame(
        {
            "indicator": ["a", "a", "a"],
            "region_code": ["320000", "320100", "320200"],
            "status": ["achieved", "achieved", "deterioration"],
            "final_status": ["achieved", "not_achieved", "achieved"],
            "final_gap": [1.0, -0.2, 0.5],
            "progress": [1.1, 1.02, 0.8],
            "target_value": [95.0] * 3,
        }
    )
    items = cities_lagging_by_target(frame, final=True)
    assert [i["indicator"] for i in items] == ["a"]
    assert items[0]["rows"]["region_code"].to_list() == ["320100"]
    assert items[0]["rows"]["verdict"].to_list() == ["final_not_achieved"]


def test_city004_lagging_targets_after_the_deadline_include_final_not_achieved():
    frame = pl.DataFrame(
        {
            "indicator": ["on", "slow", "worse", "late", "done", "words"],
            "status": [
                "on_track",
                "acceleration_needed",
                "deterioration",
                "achieved",
                "achieved",
                "limited_progress",
            ],
            "final_status": [
                None,
                "not_achieved",
                "not_achieved",
                "not_achieved",
                "achieved",
                None,
            ],
            "target_value": [80.0, 80.0, 80.0, 80.0, 80.0, None],
            "progress": [0.9, 0.7, -0.1, 1.0, 1.2, None],
        }
    )
    # before the deadline (no final assessment yet): statuses only, worst first; the
    # qualitative target is left out
    before = frame.with_columns(final_status=pl.lit(None, pl.String))
    assert lagging_targets(before, final=False)["indicator"].to_list() == ["worse", "slow"]
    # after: the final verdict decides — also those reached late (achieved now, not at the end
    # of 2025), least progress first among the misses
    assert lagging_targets(frame, final=True)["indicator"].to_list() == ["worse", "slow", "late"]
