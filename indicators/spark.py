"""Where the indicator engine aggregates its facts: inside the warehouse, or on Apache Spark.

The heavy part of a recompute is the first step of :mod:`indicators.engine`: reading every row
of every registry (millions of 12345 tickets, items, systems…) and summing them into facts per
(indicator, region, period month, known month, arrival month). What comes out is small —
thousands of rows — and everything after it (the region roll-up, the vintages, target progress)
stays in DuckDB. So that step alone can move to a cluster:

``DATABRAIN_ENGINE=duckdb`` (default)
    :class:`DuckDBFacts` runs the aggregation inside the open warehouse write.
``DATABRAIN_ENGINE=local[N] | spark://host:7077 | yarn | k8s://…``
    :class:`SparkFacts` runs the *same* SQL on Spark. The engine writes its SQL once, in DuckDB's
    dialect, and SQLGlot transpiles it to Spark SQL. The aggregated facts come back as Arrow and
    become the same temporary tables, so the rest of the recompute — and the warehouse version
    it writes — is what DuckDB alone would have produced.

Where Spark reads the raw tables (``DATABRAIN_SPARK_SOURCES``):

- unset: the tables are copied out of the warehouse version being written, as Parquet, into a
  staging folder (``DATABRAIN_SPARK_STAGING``, default ``<warehouse dir>/spark-staging``; on a
  cluster it must be storage every executor can read) and removed afterwards;
- ``parquet:<folder URI>``: one Parquet folder per table (``<uri>/service_items`` …), on HDFS,
  S3 or a shared disk — data already kept on the province's platform;
- ``hive:<database>``: tables of that Hive database, through the cluster's metastore.

External tables must have the warehouse's columns (``datasets/schemas.yaml``), including
``recorded_at`` and the ``_superseded_*`` tables of replaced rows.

Extra Spark settings come from ``DATABRAIN_SPARK_CONF`` (``key=value`` pairs separated by
commas or new lines), e.g. ``spark.executor.memory=8g,spark.executor.instances=20``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from datasets import config

# the facts every shape's aggregation yields, with the types the engine expects
FACT_COLUMNS = {
    "indicator": "VARCHAR",
    "region_code": "VARCHAR",
    "p": "DATE",
    "k": "DATE",
    "a": "DATE",
    "sup": "DATE",
    "num": "DOUBLE",
    "den": "DOUBLE",
}


class FactEngine(Protocol):
    """Runs aggregation queries (DuckDB dialect) and leaves each result as a temporary table of
    the warehouse write ``con``."""

    name: str

    def aggregate(self, con, queries: dict[str, str], sources: Iterable[str]) -> None: ...


def _keep(con, table: str, relation: str) -> None:
    """Store the facts in one canonical order. Later steps sum them as floating point (a
    statistic and its replaced versions), and such sums depend on the order of the terms: stored
    in the same order, the same facts give bit-identical values whichever engine produced them."""
    columns = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in FACT_COLUMNS.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {columns} FROM {relation} ORDER BY ALL"
    )


class DuckDBFacts:
    """The embedded default: the queries run inside the warehouse write."""

    name = "duckdb"

    def aggregate(self, con, queries: dict[str, str], sources: Iterable[str]) -> None:
        for table, sql in queries.items():
            _keep(con, table, f"({sql}) AS facts")


def to_spark_sql(sql: str) -> str:
    """The engine's SQL (DuckDB dialect) as Spark SQL."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level="raise")[0]


def _settings(text: str) -> dict[str, str]:
    pairs = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"DATABRAIN_SPARK_CONF 的设置应为 key=value，收到 {pair!r}")
        out[key.strip()] = value.strip()
    return out


class SparkFacts:
    """The fact aggregation on a Spark master (``local[N]``, ``spark://…``, ``yarn``…)."""

    name = "spark"

    def __init__(
        self,
        master: str,
        *,
        sources: str | None = None,
        staging: Path | None = None,
        conf: dict[str, str] | None = None,
    ) -> None:
        self.master = master
        self.sources = sources or ""
        if self.sources and not self.sources.startswith(("parquet:", "hive:")):
            raise ValueError(
                f"DATABRAIN_SPARK_SOURCES 应为 parquet:<目录> 或 hive:<库名>，收到 {self.sources!r}"
            )
        self.staging = staging
        self.conf = conf or {}
        self._session = None

    @classmethod
    def from_environment(cls, master: str) -> SparkFacts:
        staging = os.environ.get("DATABRAIN_SPARK_STAGING")
        return cls(
            master,
            sources=os.environ.get("DATABRAIN_SPARK_SOURCES"),
            staging=Path(staging) if staging else None,
            conf=_settings(os.environ.get("DATABRAIN_SPARK_CONF", "")),
        )

    def session(self):
        """The Spark session (started on first use, kept for the process)."""
        if self._session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise RuntimeError(
                    f"DATABRAIN_ENGINE={self.master} 需要 Spark 的 Python 包："
                    'pip install -c requirements.lock -e ".[spark]"（并安装 Java 17）'
                ) from None

            builder = (
                SparkSession.builder.master(self.master)
                .appName("databrain-indicators")
                # dates are truncated to months exactly as the warehouse stores them
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
            )
            if self.sources.startswith("hive:"):
                builder = builder.enableHiveSupport()
            for key, value in self.conf.items():
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def stop(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None

    def _register(self, spark, con, tables: list[str], folder: Path | None) -> None:
        for table in tables:
            if self.sources.startswith("hive:"):
                frame = spark.table(f"{self.sources[5:]}.{table}")
            elif self.sources.startswith("parquet:"):
                frame = spark.read.parquet(f"{self.sources[8:].rstrip('/')}/{table}")
            else:
                assert folder is not None
                # Hadoop skips files whose names start with "_" (as _superseded_… do)
                target = folder / f"t-{table}.parquet"
                con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{target}' (FORMAT parquet)")
                frame = spark.read.parquet(str(target))
            frame.createOrReplaceTempView(table)

    def aggregate(self, con, queries: dict[str, str], sources: Iterable[str]) -> None:
        spark = self.session()
        folder = None
        if not self.sources:
            root = self.staging or (config.db_path().parent / "spark-staging")
            root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="facts-", dir=root))
        try:
            self._register(spark, con, sorted(set(sources)), folder)
            for table, sql in queries.items():
                result = spark.sql(to_spark_sql(sql)).toArrow()
                view = f"_spark_{uuid.uuid4().hex}"
                con.register(view, result)
                try:
                    _keep(con, table, view)
                finally:
                    con.unregister(view)
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


_ENGINES: dict[str, FactEngine] = {}


def fact_engine(name: str | None = None) -> FactEngine:
    """The engine ``DATABRAIN_ENGINE`` names (one per master and process)."""
    name = name or config.engine()
    if name.lower() == "duckdb":
        return DuckDBFacts()
    if name not in _ENGINES:
        _ENGINES[name] = SparkFacts.from_environment(name)
    return _ENGINES[name]
