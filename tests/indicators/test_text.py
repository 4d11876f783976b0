"""Wording shared by pages and reports: the probabilities' track record."""

from __future__ import annotations

import datetime as dt

from indicators.text import track_record_text


def test_text001_track_record_names_questions_scores_and_skill():
    summary = {
        "n": 120,
        "brier": 0.15,
        "observed": 0.6,
        "brier_base": 0.24,  # 0.6 × 0.4
        "skill": 1 - 0.15 / 0.24,
        "origins": ["2021-06-30", "2023-12-31", "2025-06-30"],
    }
    text = track_record_text(summary)
    assert "2021-06 至 2025-06 的 3 个起点" in text
    assert "共 120 个" in text and "Brier 分数 0.150" in text
    assert "基准率 60% 的 Brier 分数 0.240" in text
    assert "技巧评分 0.38" in text and "优于一律回答基准率" in text


def test_text002_track_record_without_skill_says_why():
    # every question had the same answer: the base rate's Brier score is 0, skill undefined
    summary = {"n": 6, "brier": 0.02, "observed": 0.0, "brier_base": 0.0, "skill": None}
    text = track_record_text(summary)
    assert "无法计算技巧评分" in text and "0.020" in text


def test_text003_rate_axis_keeps_small_moves_small():
    from indicators.text import rate_axis_range

    # the 12345 on-time rate between 90.3 and 98.1: a stated 80–100 range, not 90–98
    assert rate_axis_range([90.3, 96.8, 98.1]) == [80.0, 100.0]
    # a wide spread keeps its own range (padded to whole fives, inside 0–100)
    assert rate_axis_range([12.0, 88.0]) == [5.0, 95.0]
    # near the lower bound the range is anchored at 0
    assert rate_axis_range([1.0, 4.0]) == [0.0, 20.0]
    assert rate_axis_range([None]) == [0.0, 100.0]


def test_text004_a_flow_probability_is_about_the_deadline_year():
    from indicators.text import forecast_summary

    model = {
        "model_label": "组合预测",
        "as_of": dt.date(2024, 6, 30),
        "n_obs": 60,
        "mase": 0.5,
        "naive_mase": 1.2,
        "beats_naive": True,
        "probability": 0.72,
        "target_period": "2025-12",
        "expected_period": None,
    }
    assert "按期（2025 年全年）达标概率 72%" in forecast_summary(model, compute_type="flow_share")
    assert "按期（2025 年末）达标概率 72%" in forecast_summary(model, compute_type="stock_share")


def test_text005_a_model_note_joins_the_sentence_without_doubled_punctuation():
    from indicators.text import forecast_summary

    model = {
        "model_label": "复合泊松计数模型",
        "as_of": dt.date(2023, 12, 31),
        "n_obs": 32,
        "mase": None,
        "naive_mase": None,
        "note": "成批认定的累计数：按复合泊松过程模拟；区间为模拟分位数。",
        "probability": 0.43,
        "target_period": "2025-12",
        "expected_period": None,
    }
    text = forecast_summary(model, compute_type="stock_count")
    assert "区间为模拟分位数；按期（2025 年末）达标概率 43%" in text
    assert "。；" not in text and text.endswith("。")
