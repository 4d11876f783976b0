"""Settings read from the environment."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets import config


def test_config001_databrain_today_pins_the_engines_today(monkeypatch):
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-11-22")
    assert config.today() == dt.date(2026, 11, 22)
    monkeypatch.delenv("DATABRAIN_TODAY")
    assert config.today() == dt.date.today()


def test_config002_a_malformed_databrain_today_is_refused_in_chinese(monkeypatch):
    monkeypatch.setenv("DATABRAIN_TODAY", "22/11/2026")
    with pytest.raises(ValueError, match="DATABRAIN_TODAY 应为 YYYY-MM-DD"):
        config.today()
