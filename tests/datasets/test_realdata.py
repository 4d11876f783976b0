"""The real public statistics in ../shared/realdata load through the normal ingestion path."""

from __future__ import annotations

import csv

import pytest

from datasets.ingest import ingest

LONG_FORM = [
    "jiangsu_city_annual.csv",
    "jiangsu_city_census_2010_2020.csv",
    "jiangsu_province_annual.csv",
    "jiangsu_periodic_ytd.csv",
    "jiangsu_city_pm25_daily_2014_2016.csv",
    "jiangsu_city_pm25_monthly_2014_2016.csv",
    "jiangsu_12345_hotline.csv",
    "jiangsu_digital_gov_facts.csv",
    "nanjing_annual_kubia_2008_2017.csv",
]


@pytest.mark.realdata
def test_realdata001_all_long_form_files_load_with_provenance(warehouse, realdata):
    paths = [realdata / name for name in LONG_FORM]
    results = ingest(paths, warehouse=warehouse)
    expected_rows = {}
    for p in paths:
        with open(p, encoding="utf-8", newline="") as fh:
            expected_rows[p.name] = sum(1 for _ in csv.DictReader(fh))
    assert {r.file_name: r.rows for r in results} == expected_rows
    assert {r.file_name: r.dataset for r in results}[
        "jiangsu_city_pm25_daily_2014_2016.csv"
    ] == "governance_stats"
    assert {r.file_name: r.dataset for r in results}["jiangsu_city_annual.csv"] == "economic_stats"
    total = warehouse.query("SELECT count(*) AS n FROM statistics")["n"][0]
    assert total == sum(expected_rows.values())
    # Sources travel with the rows.
    missing_source = warehouse.query("SELECT count(*) AS n FROM statistics WHERE source IS NULL")[
        "n"
    ][0]
    assert missing_source == 0


@pytest.mark.realdata
def test_realdata002_values_survive_the_trip(warehouse, realdata):
    path = realdata / "jiangsu_city_annual.csv"
    ingest([path], warehouse=warehouse)
    with open(path, encoding="utf-8", newline="") as fh:
        row = next(
            r
            for r in csv.DictReader(fh)
            if r["region_code"] == "320100" and r["year"] == "2021" and r["indicator"] == "gdp"
        )
    got = warehouse.query(
        "SELECT value, unit, is_synthetic FROM economic_stats WHERE region_code = ? AND year = ? AND indicator = ?",
        ["320100", 2021, "gdp"],
    ).row(0)
    assert got == (float(row["value"]), row["unit"], False)
