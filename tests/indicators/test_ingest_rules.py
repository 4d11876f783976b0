"""The catalog's bounds at ingest: a statistic an indicator reports as it is must lie within that
indicator's bounds; the file is refused naming row and column, the warehouse unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets.ingest import IngestError, ingest
from indicators.catalog import default_catalog
from indicators.compute import Statistic
from indicators.ingest_rules import checks, statistic_bounds
from tests.conftest import snapshot

TODAY = dt.date(2026, 11, 22)
HEADER = "region_code,year,month,day,indicator,value,unit,source"


def test_rules001_every_bounded_statistic_indicator_lends_its_bounds():
    catalog = default_catalog()
    bounds = statistic_bounds(catalog)
    plain = [
        i for i in catalog.indicators.values()
        if isinstance(i.compute, Statistic) and not i.compute.denominator
        and i.compute.scale == 1 and i.bounds
    ]  # fmt: skip
    assert len(plain) >= 5
    for ind in plain:
        b = bounds[ind.compute.indicator]
        assert (b.low, b.high) == tuple(ind.bounds)


@pytest.mark.parametrize("value", ["150", "-20", "100.01"])
def test_rules002_a_rate_outside_its_bounds_is_refused(loaded, tmp_path, value):
    path = tmp_path / "ipv6.csv"
    path.write_text(
        f"{HEADER}\n320100,2025,12,,network_ipv6_rate,88.5,%,\n"
        f"320500,2025,12,,network_ipv6_rate,{value},%,\n",
        encoding="utf-8",
    )
    before = snapshot(loaded)
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY, checks=checks())
    assert [str(i) for i in caught.value.issues] == [
        f"文件「ipv6.csv」 第 3 行 「value」（数值）：「{float(value):g}」超出指标"
        "「电子政务外网 IPv6 部署率」（network_ipv6_rate）的取值范围 0% 至 100%"
    ]
    assert snapshot(loaded) == before


def test_rules003_values_within_bounds_and_unbounded_statistics_load(loaded, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(
        f"{HEADER}\n320100,2025,12,,network_ipv6_rate,100,%,\n"
        "320100,2025,12,,network_ipv6_rate_note,1,个,\n"
        "320100,2025,,,extranet_access_points,42000,个,\n",
        encoding="utf-8",
    )
    [result] = ingest([path], "governance_stats", warehouse=loaded, today=TODAY, checks=checks())
    assert result.rows == 3


def test_rules004_the_pipeline_applies_them_to_every_load(loaded, tmp_path):
    import pipeline

    path = tmp_path / "ipv6.csv"
    path.write_text(f"{HEADER}\n320100,2025,12,,network_ipv6_rate,150,%,\n", encoding="utf-8")
    before = snapshot(loaded)
    with pytest.raises(IngestError, match="超出指标「电子政务外网 IPv6 部署率」"):
        pipeline.load([path], warehouse=loaded, today=TODAY)
    assert snapshot(loaded) == before
