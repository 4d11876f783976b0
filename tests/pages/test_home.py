"""Pure helpers of the cockpit page, checked by hand."""

from __future__ import annotations

from urllib.parse import unquote

import polars as pl

from pages.home import lagging_targets, period_label, sparkline_svg


def test_home001_period_labels():
    assert period_label("2026-09") == "2026年1–9月"
    assert period_label("2026-01") == "2026年1月"
    assert period_label("2026Q2") == "2026年上半年"
    assert period_label("2026Q3") == "2026年前三季度"
    assert period_label("2025") == "2025年"


def test_home002_sparkline_scales_points_into_the_box():
    svg = unquote(sparkline_svg([0, 5, 10], width=104, height=24, target=10))
    # x: 2 + 100 * i / 2 → 2, 52, 102; y: 22 - 20 * v / 10 → 22, 12, 2
    assert 'points="2.0,22.0 52.0,12.0 102.0,2.0"' in svg
    assert 'y1="2.0"' in svg  # the target line sits at the top (v = 10)
    assert sparkline_svg([1.0]) == ""
    assert sparkline_svg([None, 3.0]) == ""


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
    items = lagging_targets(frame, final=False)
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
    items = lagging_targets(frame, final=True)
    assert [i["indicator"] for i in items] == ["a"]
    assert items[0]["rows"]["region_code"].to_list() == ["320100"]
    assert items[0]["rows"]["verdict"].to_list() == ["final_not_achieved"]
