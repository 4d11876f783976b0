"""Pure helpers of the cockpit page, checked by hand."""

from __future__ import annotations

from urllib.parse import unquote

from pages._home_state import period_label, sparkline_svg


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
