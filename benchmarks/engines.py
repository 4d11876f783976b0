"""DuckDB or Spark for the indicator engine's heavy step: both measured, and where Spark pays off.

    python benchmarks/engines.py [SCALE ...]        (default: 10 100)
    DATABRAIN_BENCH_SPARK=local[2] python benchmarks/engines.py 10   (another master)

For each demo scale: build the warehouse (not timed), then time on the same data

* ``facts``    the fact aggregation alone (:func:`indicators.engine.fact_queries`, every raw row
  read once) — on the warehouse's DuckDB, and on Spark (``local[2]`` by default: this machine's
  two cores), the Spark session already started, its staging of the tables as Parquet included
  (best of two runs: the first also warms the JVM);
* ``recompute`` the whole ``compute_values`` (facts, roll-up, every vintage) on each engine.

Spark's cost is a fixed overhead (job scheduling, staging, collecting the result) plus a cost
per source row divided by its cores; DuckDB's is a cost per row on one machine. From the two
scales the script fits both lines and prints where a Spark cluster of a given size would
overtake DuckDB on this machine. Scale 100 needs ~10 GB of memory and a few minutes to build.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators.catalog import default_catalog
from indicators.engine import compute_values, fact_queries, fact_sources
from indicators.spark import DuckDBFacts, SparkFacts

TODAY = dt.date(2026, 11, 22)


def _timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def measure(scale: int, workdir: Path, spark: SparkFacts) -> dict:
    files = generate(workdir / f"files-{scale}", scale=scale)
    wh = Warehouse(workdir / f"wh-{scale}" / "bench.duckdb")
    ingest(sorted(files.values()), warehouse=wh, fresh=True, today=TODAY)
    catalog = default_catalog()
    queries, sources = fact_queries(catalog), fact_sources(catalog)
    current = [t for t in sources if not t.startswith("_")]  # not the replaced row versions
    rows = sum(wh.query(f'SELECT count(*) AS n FROM "{t}"')["n"][0] for t in current)
    out: dict = {"scale": scale, "rows": rows}
    with wh.writer() as staging:
        con = staging.con
        out["duckdb facts"] = _timed(lambda: DuckDBFacts().aggregate(con, queries, sources), 2)
        # the first Spark run also compiles the plans and warms the JVM: best of two
        out["spark facts"] = _timed(lambda: spark.aggregate(con, queries, sources), 2)
        out["duckdb recompute"] = _timed(
            lambda: compute_values(con, catalog, today=TODAY, facts=DuckDBFacts())
        )
        out["spark recompute"] = _timed(
            lambda: compute_values(con, catalog, today=TODAY, facts=spark)
        )
        staging.discard()
    return out


def main(scales: list[int]) -> None:
    master = os.environ.get("DATABRAIN_BENCH_SPARK", "local[2]")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        spark = SparkFacts(master, staging=Path(tmp) / "staging")
        startup = _timed(spark.session)
        print(f"Spark {master}: session started in {startup:.1f} s (paid once per job process)")
        results = []
        for scale in scales:
            r = measure(scale, Path(tmp), spark)
            results.append(r)
            print(
                f"scale {r['scale']:>4}  {r['rows']:>11,} source rows   "
                f"facts: DuckDB {r['duckdb facts']:7.2f} s  Spark {r['spark facts']:7.2f} s   "
                f"recompute: DuckDB {r['duckdb recompute']:7.2f} s  "
                f"Spark {r['spark recompute']:7.2f} s   "
                f"Spark ÷ DuckDB (facts) {r['spark facts'] / r['duckdb facts']:.1f}×"
            )
        spark.stop()
    if len(results) < 2:
        return
    lo, hi = results[0], results[-1]
    drows = hi["rows"] - lo["rows"]
    duck_per_row = (hi["duckdb facts"] - lo["duckdb facts"]) / drows
    spark_per_row = (hi["spark facts"] - lo["spark facts"]) / drows  # on this machine's cores
    spark_fixed = max(hi["spark facts"] - spark_per_row * hi["rows"], 0.0)
    print(
        f"\nfitted: DuckDB {duck_per_row * 1e9:.0f} ns/row on {cores} cores; "
        f"Spark {spark_per_row * 1e9:.0f} ns/row on {cores} cores + {spark_fixed:.1f} s fixed"
    )
    spark_core_row = spark_per_row * cores  # one Spark core's cost per row
    for executors in (16, 64, 256):
        gain = duck_per_row - spark_core_row / executors
        if gain <= 0:
            print(f"  a {executors}-core cluster never overtakes DuckDB on this machine")
            continue
        rows_even = spark_fixed / gain
        print(
            f"  a {executors:>3}-core Spark cluster overtakes DuckDB on this machine above "
            f"{rows_even / 1e6:,.0f} M source rows (~scale {rows_even / (lo['rows'] / lo['scale']):,.0f})"
        )
    print(
        "  …and beyond one machine's memory and disk (a scale-100 build already peaks at ~9 GB),"
        " only Spark runs at all."
    )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100])
