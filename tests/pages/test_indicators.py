"""Pure helpers of the 指标库 page: formulas in words, list search, ranks, periods, CSV."""

from __future__ import annotations

import polars as pl
import pytest

from pages._indicators_state import bounds_text, filter_catalog, needs_secondary_axis

# --- formulas, one per compute type -------------------------------------------------------------


# --- list, ranks, periods ----------------------------------------------------------------------


CATALOG = pl.DataFrame(
    {
        "indicator": ["system_cloud_rate", "systems_on_cloud", "gdp", "hotline_tickets"],
        "name_zh": [
            "非涉密系统整合上云率",
            "已上云非涉密系统数",
            "地区生产总值",
            "12345 热线工单量",
        ],
        "name_en": ["Systems on the cloud", "Systems on cloud", "GDP", "Hotline tickets"],
        "description": ["迁移上政务云的比例", "已上云的系统数", "GDP", "工单数"],
        "domain": ["基础支撑", "基础支撑", "经济运行", "政务服务"],
    }
)


@pytest.mark.parametrize(
    ("q", "domain", "expected"),
    [
        ("上云", None, ["system_cloud_rate", "systems_on_cloud"]),
        ("GDP", None, ["gdp"]),
        ("gdp", None, ["gdp"]),  # case-insensitive
        ("hotline", None, ["hotline_tickets"]),  # by code
        ("", "基础支撑", ["system_cloud_rate", "systems_on_cloud"]),
        ("上云", "经济运行", []),
        ("  ", None, ["system_cloud_rate", "systems_on_cloud", "gdp", "hotline_tickets"]),
    ],
)
def test_indicators012_filter_catalog(q, domain, expected):
    assert filter_catalog(CATALOG, q, domain)["indicator"].to_list() == expected


@pytest.mark.parametrize(
    ("province", "others", "expected"),
    [
        (1000.0, [100.0, 200.0], True),  # 1000 > 3 × 200
        (500.0, [100.0, 200.0], False),  # 500 ≤ 600
        (95.0, [90.0, 99.0], False),  # a share next to shares
        (None, [1.0], False),
        (10.0, [], False),
        (10.0, [0.0], False),
    ],
)
def test_indicators019_needs_secondary_axis(province, others, expected):
    assert needs_secondary_axis(province, others) is expected


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [(0.0, 100.0, "0 – 100"), (0.0, None, "≥ 0"), (None, 1.5, "≤ 1.5"), (None, None, "无")],
)
def test_indicators020_bounds_text(lower, upper, expected):
    assert bounds_text(lower, upper) == expected
