"""The fact aggregation on Apache Spark (local mode) gives exactly the warehouse DuckDB gives.

The demo is loaded, then revised (changed statistics and registry rows, so the replaced row
versions and the transaction-time reading are exercised), and the full recompute runs twice on
the same data: with ``DATABRAIN_ENGINE=duckdb`` and with ``DATABRAIN_ENGINE=local[2]``. Every
table the recompute writes must hold the same rows, bit for bit.
"""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators import spark
from indicators.catalog import default_catalog
from indicators.engine import _facts_sql
from pipeline import recompute

TODAY = dt.date(2026, 11, 22)
# what the recompute writes and a page reads; _computed holds the time it ran
COMPARED = (
    "indicator_values",
    "indicator_values_event",
    "target_progress",
    "league_table",
    "composite_index",
    "hotline_monthly",
    "warnings",
)

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="Spark needs Java 17 (make test installs openjdk-17-jre-headless when run as root)",
)


def test_spark001_every_indicator_transpiles_to_spark_sql():
    for ind in default_catalog().indicators.values():
        for superseded in (False, True):
            text = spark.to_spark_sql(_facts_sql(ind, superseded=superseded))
            # DuckDB-only syntax is gone: casts are CAST(… AS …), names are back-quoted
            assert "::" not in text, ind.code
            assert "SELECT" in text


def _revise(demo_files, folder):
    """Files that revise the demo: 40 statistics with new values, 25 registry items achieved,
    all arriving on 2026-11-20 (after the versions they replace)."""
    folder.mkdir()
    arrived = pl.lit(dt.datetime(2026, 11, 20, 10, 0)).alias("recorded_at")
    stats = pl.read_parquet(demo_files["economic_stats"])
    revised = stats.filter(pl.col("year") == 2024).head(40)
    revised = revised.with_columns(pl.col("value") * 1.0137 + 0.1, arrived)
    stats_file = folder / "economic_stats.parquet"
    revised.write_parquet(stats_file)
    items = pl.read_parquet(demo_files["service_items"])
    open_items = items.filter(pl.col("achieved_date").is_null()).head(25)
    assert open_items.height == 25, "the demo has open items to achieve"
    achieved = open_items.with_columns(pl.lit(dt.date(2025, 6, 30)).alias("achieved_date"), arrived)
    items_file = folder / "service_items.parquet"
    achieved.write_parquet(items_file)
    return [stats_file, items_file]


@pytest.fixture(scope="module")
def revised_warehouse(tmp_path_factory, demo_files):
    root = tmp_path_factory.mktemp("spark-wh")
    wh = Warehouse(root / "demo.duckdb")
    ingest(sorted(demo_files.values()), warehouse=wh, fresh=True, today=TODAY)
    ingest(_revise(demo_files, root / "revisions"), warehouse=wh, today=TODAY)
    replaced = wh.query(
        "SELECT (SELECT count(*) FROM _superseded_economic_stats) AS stats, "
        "(SELECT count(*) FROM _superseded_service_items) AS items"
    ).row(0, named=True)
    assert replaced == {"stats": 40, "items": 25}
    return wh


def _recomputed(wh: Warehouse, monkeypatch, engine: str) -> dict[str, pl.DataFrame]:
    monkeypatch.setenv("DATABRAIN_ENGINE", engine)
    monkeypatch.setenv("DATABRAIN_SPARK_STAGING", str(wh.path.parent / "staging"))
    with wh.writer() as staging:
        recompute(staging.con, today=TODAY)
        staging.discard()  # read below, then thrown away: both runs start from the same data
        return {t: staging.con.sql(f"SELECT * FROM {t}").pl() for t in COMPARED}


def test_spark002_full_recompute_on_spark_equals_duckdb(revised_warehouse, monkeypatch):
    duck = _recomputed(revised_warehouse, monkeypatch, "duckdb")
    on_spark = _recomputed(revised_warehouse, monkeypatch, "local[2]")
    try:
        for table in COMPARED:
            a, b = duck[table], on_spark[table]
            assert a.height > 0, table
            assert a.schema == b.schema, table
            keys = a.columns
            # the same multiset of rows, compared exactly (floats bit for bit)
            assert a.sort(keys, nulls_last=True).equals(b.sort(keys, nulls_last=True)), table
        # the revision is in both readings: event time sees the revised statistic only
        values = duck["indicator_values"]
        assert values.height > 100_000
    finally:
        spark.fact_engine("local[2]").stop()
    # the staged copies are removed after the run
    staged = revised_warehouse.path.parent / "staging"
    assert not any(staged.iterdir())


def test_spark003_settings_are_checked():
    with pytest.raises(ValueError, match="parquet:<目录> 或 hive:<库名>"):
        spark.SparkFacts("local[1]", sources="s3://bucket")
    with pytest.raises(ValueError, match="key=value"):
        spark._settings("spark.executor.memory")
    assert spark._settings("a=1, b = 2\nc=x=y") == {"a": "1", "b": "2", "c": "x=y"}
    assert isinstance(spark.fact_engine("duckdb"), spark.DuckDBFacts)
