"""“全国领先” judged by Jiangsu's rank among the provinces: the newest year published by the
as-of, the leader and the gap, recomputed here from the generated file."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from indicators.benchmarks import standing
from indicators.catalog import Benchmark, default_catalog


def _published(demo_files, as_of: dt.date) -> pl.DataFrame:
    rows = pl.read_parquet(demo_files["national_benchmarks"]).filter(
        pl.col("recorded_at").cast(pl.Date) <= as_of
    )
    return rows.filter(pl.col("year") == rows["year"].max()) if rows.height else rows


@pytest.mark.parametrize("as_of", [dt.date(2023, 6, 30), dt.date(2026, 11, 22)])
def test_benchmarks001_rank_leader_and_gap_of_the_newest_year(demo_computed, demo_files, as_of):
    target = next(
        t for t in default_catalog().target_sets["jiangsu-14fyp-digital-gov"].targets if t.benchmark
    )
    got = standing(demo_computed, target.benchmark, as_of)
    year = _published(demo_files, as_of).sort("value", descending=True)
    jiangsu = year.filter(pl.col("province") == "江苏").row(0, named=True)
    assert (got["year"], got["rank"], got["of"]) == (jiangsu["year"], jiangsu["rank"], year.height)
    assert got["rank"] == 1 + year.filter(pl.col("value") > jiangsu["value"]).height
    assert got["leader"] == year["province"][0]
    assert got["gap"] == pytest.approx(year["value"][0] - jiangsu["value"])
    assert got["leading"] == (jiangsu["rank"] <= target.benchmark.leading_rank)
    assert f"全国第 {jiangsu['rank']} 名" in got["text"] and got["source"]


def test_benchmarks002_nothing_before_the_first_publication(demo_computed):
    rule = Benchmark(code="service_positive_rate", leading_rank=3)
    assert standing(demo_computed, rule, dt.date(2021, 6, 30)) is None
    assert (
        standing(demo_computed, Benchmark(code="nope", leading_rank=1), dt.date(2026, 1, 1)) is None
    )


def test_benchmarks003_the_province_report_states_it(demo_computed, tmp_path):
    import re

    from reports.batch import render
    from reports.content import build_report
    from tests.reports.test_reports import pdftotext

    report = build_report(demo_computed, "jiangsu-14fyp-digital-gov", "320000")
    block = next(b for b in report.blocks if b.national)
    target = default_catalog()["service_positive_rate"]
    assert block.indicator == target.code
    rule = next(
        t.benchmark
        for t in default_catalog().target_sets["jiangsu-14fyp-digital-gov"].targets
        if t.benchmark
    )
    assert block.national == standing(demo_computed, rule, report.as_of)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render(report, "pdf"))
    text = re.sub(r"\s+", "", pdftotext(pdf, raw=True))  # a cell's lines stay together
    assert re.sub(r"\s+", "", block.national["text"]) in text
    city = build_report(demo_computed, "jiangsu-14fyp-digital-gov", "320500")
    assert not any(b.national for b in city.blocks)  # a city holds no national rank
