"""Periods and formulas (indicators.periods, indicators.formulas) as the indicator pages use them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from indicators.formulas import formula_parts, where_text
from indicators.periods import convert_key, latest_period, period_bounds, period_text, rank_values


def test_indicators001_stock_share_formula():
    compute = {
        "type": "stock_share",
        "dataset": "service_items",
        "where": "list_type = '一件事'",
        "start": "listed_date",
        "event": "achieved_date",
        "scale": 100,
    }
    assert formula_parts(compute) == [
        "分子：截至时点 实现日期（achieved_date） 不晚于时点的事项数",
        "分母：列入清单日期（listed_date） 不晚于时点的事项数",
        "筛选：清单类型 = '一件事'",
        "×100",
    ]


def test_indicators002_stock_share_with_end_and_remaining():
    compute = {
        "type": "stock_share",
        "dataset": "info_systems",
        "where": "NOT classified",
        "start": "built_date",
        "end": "retired_date",
        "event": "cloud_date",
        "measure": "remaining",
    }
    parts = formula_parts(compute)
    alive = "，且下线日期（retired_date）为空或晚于时点"
    assert parts == [
        f"分子：截至时点 上云日期（cloud_date） 不晚于时点{alive}的系统数",
        f"分母：建成日期（built_date） 不晚于时点{alive}的系统数",
        "取值：分母 − 分子（截至时点尚无上云日期的系统数）",
        "筛选：是否涉密 = 否",
    ]  # a remaining count is not scaled


def test_indicators003_stock_count_formula():
    compute = {
        "type": "stock_count",
        "dataset": "scenarios",
        "where": "kind = '典型场景'",
        "event": "recognised_date",
    }
    assert formula_parts(compute) == [
        "计数：截至时点 认定日期（recognised_date） 不晚于时点的场景数",
        "筛选：类别 = '典型场景'",
    ]


def test_indicators004_flow_share_formula_with_known_dates():
    compute = {
        "type": "flow_share",
        "dataset": "data_sharing_requests",
        "period": "requested_date",
        "denominator": {"where": "status IN ('已满足', '已驳回')", "known": "resolved_date"},
        "numerator": {"where": "status = '已满足'", "known": "resolved_date"},
        "scale": 100,
    }
    assert formula_parts(compute) == [
        "分子：其中满足「处理状态 = '已满足'」的共享申请数"
        "（自办结日期（resolved_date）起计入，时点前未发生的不计）",
        "分母：按申请日期（requested_date）归入时段、满足「处理状态 属于 ('已满足', '已驳回')」"
        "的共享申请数（自办结日期（resolved_date）起计入）",
        "×100",
    ]


def test_indicators005_flow_share_without_denominator_filter():
    compute = {
        "type": "flow_share",
        "dataset": "hotline_tickets",
        "period": "created_at",
        "numerator": {"where": "closed_at <= due_at", "known": "closed_at"},
        "scale": 100,
    }
    parts = formula_parts(compute)
    assert parts[0].startswith("分子：其中满足「办结时间 ≤ 办理时限」的工单数")
    assert parts[1] == "分母：按受理时间（created_at）归入时段的工单数"
    assert parts[2] == "×100"


def test_indicators006_flow_count_formula():
    compute = {
        "type": "flow_count",
        "dataset": "hotline_tickets",
        "where": "category = '供水供电供气'",
        "period": "created_at",
    }
    assert formula_parts(compute) == [
        "计数：按受理时间（created_at）归入时段的工单数",
        "筛选：诉求类别 = '供水供电供气'",
    ]


def test_indicators007_table_share_and_table_sum_formulas():
    share = {
        "type": "table_share",
        "dataset": "service_evaluations",
        "numerator": "positive",
        "denominator": "evaluations",
        "lag_days": 10,
        "scale": 100,
    }
    assert formula_parts(share) == [
        "分子：时段内各月 好评数（positive） 之和",
        "分母：时段内各月 评价数（evaluations） 之和",
        "×100",
        "发布滞后 10 天（月末后 10 天可得）",
    ]
    total = {
        "type": "table_sum",
        "dataset": "service_evaluations",
        "column": "evaluations",
        "lag_days": 10,
    }
    assert formula_parts(total) == [
        "合计：时段内各月 评价数（evaluations） 之和",
        "发布滞后 10 天（月末后 10 天可得）",
    ]


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        (
            {"type": "statistic", "indicator": "gdp", "lag_days": 60},
            ["统计指标：gdp（统计长表）", "时段汇总：末值", "地区汇总：公布值", "发布滞后 60 天"],
        ),
        (
            {
                "type": "statistic",
                "indicator": "grid_events_resolved",
                "denominator": "grid_events_reported",
                "over_time": "sum",
                "over_regions": "sum",
                "lag_days": 15,
                "scale": 100,
            },
            [
                "统计指标：grid_events_resolved（统计长表）",
                "分母：统计指标 grid_events_reported（时段内求和）",
                "时段汇总：求和",
                "地区汇总：各市求和",
                "×100",
                "发布滞后 15 天",
            ],
        ),
        (
            {
                "type": "statistic",
                "indicator": "pm25_monthly_mean",
                "over_time": "mean",
                "over_regions": "mean",
            },
            ["统计指标：pm25_monthly_mean（统计长表）", "时段汇总：平均", "地区汇总：各市平均"],
        ),
    ],
)
def test_indicators008_statistic_formula(compute, expected):
    assert formula_parts(compute) == expected


def test_indicators009_every_catalog_indicator_has_a_formula():
    from indicators.catalog import default_catalog

    for ind in default_catalog().indicators.values():
        parts = formula_parts(ind.compute)
        assert parts and all(isinstance(p, str) and p for p in parts), ind.code


def test_indicators010_unknown_compute_type():
    with pytest.raises(ValueError, match="unknown compute type 'ratio_of_ratios'"):
        formula_parts({"type": "ratio_of_ratios"})


@pytest.mark.parametrize(
    ("dataset", "sql", "expected"),
    [
        ("info_systems", "NOT classified", "是否涉密 = 否"),
        ("hotline_tickets", "satisfaction IS NOT NULL", "满意度 非空"),
        ("hotline_tickets", "closed_at > due_at", "办结时间 > 办理时限"),
        (
            "data_sharing_requests",
            "resolved_date IS NULL AND status <> 'IN'",
            "办结日期 为空 且 处理状态 ≠ 'IN'",  # words inside quotes are data, kept as written
        ),
        ("hotline_tickets", "category = 'NOT classified'", "诉求类别 = 'NOT classified'"),
        ("hotline_tickets", "unknown_column = 1", "unknown_column = 1"),
        ("hotline_tickets", None, ""),
    ],
)
def test_indicators011_where_text(dataset, sql, expected):
    from datasets.schema import load_schemas

    assert where_text(sql, load_schemas()[dataset]) == expected


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        ([90.0, 95.0, 80.0], "higher", [2, 1, 3]),
        ([90.0, 95.0, 80.0], "lower", [2, 3, 1]),
        ([90.0, 95.0, 80.0], "neutral", [2, 1, 3]),
        ([90.0, 90.0, 80.0], "higher", [1, 1, 3]),  # ties share the better rank
        ([None, 95.0, float("nan")], "higher", [None, 1, None]),
    ],
)
def test_indicators013_rank_values(values, polarity, expected):
    assert rank_values(values, polarity) == expected


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2021", dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        ("2021Q1", dt.date(2021, 1, 1), dt.date(2021, 3, 31)),
        ("2024Q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ],
)
def test_indicators014_period_bounds(key, start, end):
    assert period_bounds(key) == (start, end)


@pytest.mark.parametrize("bad", ["2021Q5", "2021-13", "21", "last year"])
def test_indicators015_period_bounds_rejects(bad):
    with pytest.raises(ValueError, match="not a period key"):
        period_bounds(bad)


@pytest.mark.parametrize(
    ("key", "period_type", "end", "expected"),
    [
        ("2021", "month", False, "2021-01"),
        ("2021", "month", True, "2021-12"),
        ("2021-05", "quarter", False, "2021Q2"),
        ("2021Q3", "year", True, "2021"),
        ("2021Q3", "month", True, "2021-09"),
        (None, "month", False, None),
        ("junk", "month", False, None),
    ],
)
def test_indicators016_convert_key(key, period_type, end, expected):
    assert convert_key(key, period_type, end=end) == expected


def test_indicators017_period_text():
    assert period_text("2026-10") == "2026年10月"
    assert period_text("2026Q3") == "2026年第3季度"
    assert period_text("2025") == "2025年"


def test_indicators018_latest_period_stock_vs_flow():
    frame = pl.DataFrame(
        {"period": ["2026-09", "2026-10", "2026-11"], "complete": [True, True, False]}
    )
    assert latest_period(frame, stock=True) == "2026-11"  # a level at the as-of
    assert latest_period(frame, stock=False) == "2026-10"  # the running month is partial
    running = pl.DataFrame({"period": ["2026-11"], "complete": [False]})
    assert latest_period(running, stock=False) == "2026-11"
    assert latest_period(frame.clear(), stock=True) is None
