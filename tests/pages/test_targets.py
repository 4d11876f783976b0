"""目标追踪 page helpers: decimal years, the required path, key numbers, ordering, figures.

Expected values are worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pages._components import STATUS_STYLE
from pages._targets_figures import (
    REQUIRED_PATH_NAME,
    detail_figure,
    format_number,
    heatmap_cell,
    heatmap_figure,
    wrap_label,
)


@pytest.mark.parametrize(
    ("key", "value", "unit", "decimals", "expected"),
    [
        ("cagr_actual", 0.03948, "%", 1, "3.9%/年"),
        ("cagr_required", 0.12496, "%", 1, "12.5%/年"),
        ("cagr_actual", 0.0031, "%", 1, "0.31%/年"),
        ("cagr_actual", 0.000312, "%", 1, "0.031%/年"),
        ("ratio", 0.31595, "%", 1, "0.32"),
        ("coefficient", 0.29525, "%", 1, "0.295"),
        ("pace_actual", 1.52649, "个", 0, "1.53 个/年"),
        ("pace_required", 7.2, "%", 1, "7.20 个百分点/年"),
        ("gap_pp", -0.17918, "个", 0, "-0.2 个"),
        ("gap_pp", 1.92, "%", 1, "+1.9 个百分点"),
        ("required_change", 36.4, "%", 1, "+36.4 个百分点"),
        ("projected_value", 94.26, "%", 1, "94.3%"),
        ("expected_now", 7.075, "个", 0, "7 个"),
        ("ratio", None, "%", 1, "—（无定义）"),
    ],
)
def test_format_number(key, value, unit, decimals, expected):
    assert format_number(key, value, unit, decimals) == expected


def _row(indicator, status, progress=None, final_status=None):
    return {
        "indicator": indicator,
        "status": status,
        "progress": progress,
        "final_status": final_status,
    }


def test_wrap_label():
    assert wrap_label("非涉密系统整合上云率", 4) == "非涉密系<br>统整合上<br>云率"


def _progress_frame(*, final: bool = False):
    """Two targets in two regions; ``final``: as of 2026-09, after the 2025 deadline."""
    base = {
        "name_zh": ["上云率", "共享率"] * 2,
        "unit": ["%"] * 4,
        "decimals": [1] * 4,
        "polarity": ["higher"] * 4,
        "target_value": [95.0, 99.0, 95.0, 99.0],
        "target_year": [2025.0] * 4,
        "current_year": [2025.75 if final else 2024.75] * 4,
    }
    return pl.DataFrame(
        {
            "indicator": ["cloud", "share", "cloud", "share"],
            "region_code": ["320000", "320000", "320700", "320700"],
            "status": ["achieved", "on_track", "limited_progress", "acceleration_needed"],
            "current_value": [95.5, 98.0, 66.2, 98.5],
            "progress": [1.01, 0.8, 0.32, 0.96],
            # the province missed 95 at the deadline by 0.2 (94.8) and reached it since
            "final_status": ["not_achieved", "achieved", "not_achieved", None]
            if final
            else [None] * 4,
            "final_gap": [-0.2, 0.1, -28.8, None] if final else [None] * 4,
            **base,
        }
    )


def _cell_colour(fig, i, j):
    trace = fig.data[0]
    z = trace.z[i][j]
    share = (z - trace.zmin) / (trace.zmax - trace.zmin)
    for (lo, colour), (hi, _) in zip(trace.colorscale[::2], trace.colorscale[1::2], strict=True):
        if lo <= share <= hi:
            return colour
    raise AssertionError(share)


def test_heatmap_colours_cells_by_status_with_symbol_and_words():
    regions = [("320000", "全省"), ("320700", "连云港市")]
    fig = heatmap_figure(
        _progress_frame(), indicators=["cloud", "share"], regions=regions, final=False
    )
    trace = fig.data[0]
    assert list(trace.y) == ["全省", "连云港市"]
    assert _cell_colour(fig, 0, 0) == STATUS_STYLE["achieved"][1]
    assert _cell_colour(fig, 1, 0) == STATUS_STYLE["limited_progress"][1]
    assert _cell_colour(fig, 1, 1) == STATUS_STYLE["acceleration_needed"][1]
    assert trace.text[1][0] == "■<br>进展有限"
    assert list(trace.customdata[1][0]) == ["320700", "cloud"]
    assert "当前 66.2%，目标 95.0%" in trace.hovertext[1][0]


def test_heatmap_after_the_deadline_shows_the_final_assessment():
    regions = [("320000", "全省"), ("320700", "连云港市")]
    fig = heatmap_figure(
        _progress_frame(final=True),
        indicators=["cloud", "share"],
        regions=regions,
        final=True,
        selected_region="320700",
    )
    trace = fig.data[0]
    # reached the target since, missed it at the deadline: one verdict, the deadline's
    assert trace.text[0][0] == "✘<br>到期未达成"
    assert _cell_colour(fig, 0, 0) == STATUS_STYLE["final_not_achieved"][1]
    assert trace.text[0][1] == "✔<br>到期达成"
    # no final assessment: the tracking status stays
    assert _cell_colour(fig, 1, 1) == STATUS_STYLE["acceleration_needed"][1]
    hover = trace.hovertext[0][0]
    assert "2025 年末 94.8%，目标 95.0%" in hover  # 95 − 0.2
    assert "差 0.2 个百分点" in hover
    assert "此后：2026年9月末为 95.5%" in hover  # t = 2025.75 is the end of 2026-09
    assert "已达成" not in hover.replace("到期未达成", "")
    (shape,) = fig.layout.shapes
    assert (shape.y0, shape.y1) == (0.5, 1.5)  # the selected city's row is outlined


def test_heatmap_cell_is_found_from_the_clicked_labels():
    regions = {"320000": "全省", "320700": "连云港市"}
    targets = {
        "system_cloud_rate": "非涉密系统整合上云率",
        "data_sharing_rate": "公共数据按需共享率",
    }
    point = {"x": "非涉密系<br>统整合上<br>云率", "y": "连云港市", "z": 6.5}
    assert heatmap_cell(point, regions, targets) == ("320700", "system_cloud_rate")
    assert heatmap_cell({"x": "公共数据按需共享率", "y": "全省"}, regions, targets) == (
        "320000",
        "data_sharing_rate",
    )
    assert heatmap_cell({"x": "别的", "y": "全省"}, regions, targets) is None
    assert heatmap_cell({"x": "公共数据按需共享率", "y": "上海市"}, regions, targets) is None


def _detail_row(**changes):
    row = {
        "indicator": "system_cloud_rate",
        "name_zh": "非涉密系统整合上云率",
        "unit": "%",
        "decimals": 1,
        "method": "ratio",
        "baseline_year": 2020.0,
        "baseline_value": 52.7,
        "target_year": 2025.0,
        "target_value": 95.0,
    }
    return row | changes


def _series():
    return pl.DataFrame(
        {
            "period": ["2020", "2021", "2022", "2023"],
            "period_end": [dt.date(y, 12, 31) for y in (2020, 2021, 2022, 2023)],
            "known_from": [dt.date(2020, 12, 31), dt.date(2021, 12, 31), dt.date(2022, 12, 31)]
            + [dt.date(2023, 6, 30)],
            "value": [52.7, 60.0, 73.9, 75.0],
            "complete": [True, True, True, False],
        }
    )


def test_detail_figure_draws_actual_and_required_paths_and_the_target():
    fig = detail_figure(_series(), _detail_row(), region_name="连云港市", final=False)
    names = [t.name for t in fig.data]
    actual = fig.data[0]
    assert list(actual.y) == [52.7, 60.0, 73.9]
    running = fig.data[1]
    assert running.name == "2023 年至今"
    assert list(running.x)[-1] == dt.date(2023, 6, 30)
    (path,) = [t for t in fig.data if t.name.startswith(REQUIRED_PATH_NAME)]
    assert "复合增速" in path.name
    assert list(path.x) == [dt.date(y, 12, 31) for y in range(2020, 2026)]
    rate = (95.0 / 52.7) ** (1 / 5) - 1
    assert path.y[1] == pytest.approx(52.7 * (1 + rate))
    assert path.y[-1] == pytest.approx(95.0)
    star = fig.data[names.index("目标（2025 年末）")]
    assert list(star.x) == [dt.date(2025, 12, 31)] and list(star.y) == [95.0]
    assert fig.layout.yaxis.title.text == "非涉密系统整合上云率（%）"


def test_detail_figure_from_a_zero_baseline_falls_back_to_the_straight_line():
    row = _detail_row(baseline_value=0.0, target_value=90.0)
    fig = detail_figure(_series(), row, region_name="全省", final=True)
    (path,) = [t for t in fig.data if t.name.startswith(REQUIRED_PATH_NAME)]
    assert "直线" in path.name
    assert path.y[1] == pytest.approx(18.0)


def test_detail_figure_of_a_qualitative_target_has_no_required_path():
    row = _detail_row(target_value=None)
    fig = detail_figure(_series(), row, region_name="全省", final=False)
    assert not [t for t in fig.data if t.name.startswith(REQUIRED_PATH_NAME)]
    assert not [t for t in fig.data if t.name.startswith("目标")]
