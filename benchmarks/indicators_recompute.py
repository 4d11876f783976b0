"""How fast the indicator engine recomputes, against a floor and against naive pandas.

    python benchmarks/indicators_recompute.py [SCALE ...]      (default: 1 100)

For each demo scale: build the warehouse (not timed), then time

* ``engine``  — the full recompute (``pipeline.recompute``: every indicator, region,
  period and monthly as-of vintage, plus target progress, league tables and composites);
* ``floor``   — a plain DuckDB scan touching the same source columns once (no work can be
  cheaper than reading the inputs);
* ``engine (registries + 12345 only)`` and ``pandas naive`` — the same subset of indicators
  (一件事/上云率 stock shares and 12345 volume / on-time rate for every region and every
  monthly vintage) computed by the engine and by a straightforward pandas loop over vintages.

Prints source rows per second and the ratios engine ÷ floor and pandas ÷ engine. Scale 100
needs ~10 GB of memory and a few minutes to build.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators.catalog import default_catalog
from indicators.engine import compute_values
from pipeline import recompute

SOURCE_COLUMNS = {
    "service_items": ["region_code", "list_type", "listed_date", "achieved_date"],
    "info_systems": ["region_code", "classified", "built_date", "cloud_date", "retired_date"],
    "private_networks": ["region_code", "classified", "built_date", "integrated_date"],
    "gov_apps": ["region_code", "launched_date", "onboarded_date"],
    "enforcement_bodies": ["region_code", "established_date", "mobile_enabled_date"],
    "data_sharing_requests": ["region_code", "requested_date", "status", "resolved_date"],
    "scenarios": ["region_code", "kind", "recognised_date"],
    "service_evaluations": ["region_code", "year", "month", "evaluations", "positive"],
    "hotline_tickets": [
        "region_code",
        "category",
        "created_at",
        "due_at",
        "closed_at",
        "satisfaction",
    ],
    "economic_stats": ["region_code", "year", "month", "indicator", "value"],
    "governance_stats": ["region_code", "year", "month", "indicator", "value"],
}
SUBSET = [
    "one_thing_completion_rate",
    "system_cloud_rate",
    "hotline_tickets",
    "hotline_on_time_rate",
]


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def floor_scan(con) -> None:
    for table, cols in SOURCE_COLUMNS.items():
        con.execute(
            f"SELECT count(*), {', '.join(f'count({c})' for c in cols)} FROM {table}"
        ).fetchall()


def pandas_naive(con, end: dt.date) -> pd.DataFrame:
    """The subset, the obvious way: load the registries, loop over month-end vintages."""
    regions = con.execute("SELECT region_code, city_code FROM regions").df()
    items = con.execute(
        "SELECT region_code, list_type, listed_date, achieved_date FROM service_items"
    ).df()
    systems = con.execute("SELECT * FROM info_systems WHERE NOT classified").df()
    tickets = con.execute(
        "SELECT region_code, created_at, due_at, closed_at FROM hotline_tickets"
    ).df()
    for frame in (items, systems, tickets):
        frame["city"] = frame["region_code"].map(
            dict(zip(regions.region_code, regions.city_code, strict=True))
        )
    out = []
    for as_of in pd.date_range("2019-01-31", pd.Timestamp(end), freq="ME"):
        month_start = as_of.replace(day=1)
        yjs = items[items.list_type == "一件事"]
        listed = yjs[yjs.listed_date <= as_of]
        done = listed[listed.achieved_date <= as_of]
        live = systems[
            (systems.built_date <= as_of)
            & (systems.retired_date.isna() | (systems.retired_date > as_of))
        ]
        cloud = live[live.cloud_date <= as_of]
        month = tickets[
            (tickets.created_at >= month_start)
            & (tickets.created_at <= as_of + pd.Timedelta(days=1))
        ]
        on_time = month[month.closed_at <= month.due_at]
        for name, num, den in [
            ("one_thing_completion_rate", done, listed),
            ("system_cloud_rate", cloud, live),
            ("hotline_on_time_rate", on_time, month),
        ]:
            n = num.groupby("city").size()
            d = den.groupby("city").size()
            rate = (100 * n.reindex(d.index, fill_value=0) / d).rename("value").reset_index()
            rate["indicator"], rate["as_of"] = name, as_of
            out.append(rate)
        volume = month.groupby("city").size().rename("value").reset_index()
        volume["indicator"], volume["as_of"] = "hotline_tickets", as_of
        out.append(volume)
    return pd.concat(out)


def measure(scale: int, workdir: Path) -> dict:
    files = generate(workdir / f"files-{scale}", scale=scale)
    wh = Warehouse(workdir / f"wh-{scale}" / "bench.duckdb")
    ingest(sorted(files.values()), warehouse=wh, fresh=True)
    source_rows = sum(wh.query(f"SELECT count(*) AS n FROM {t}")["n"][0] for t in SOURCE_COLUMNS)
    catalog = default_catalog()
    subset = replace(catalog, indicators={c: catalog[c] for c in SUBSET}, target_sets={})
    result: dict = {"scale": scale, "source_rows": source_rows}
    with wh.writer() as staging:
        con = staging.con
        result["floor"] = timed(lambda: floor_scan(con), repeat=3)
        result["engine"] = timed(lambda: recompute(con))
        result["value_rows"] = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        end = {}
        result["engine_subset"] = timed(lambda: end.setdefault("d", compute_values(con, subset)))
        result["pandas_subset"] = timed(lambda: pandas_naive(con, end["d"]))
        staging.discard()
    wh.close()
    return result


def main() -> None:
    scales = [int(a) for a in sys.argv[1:]] or [1, 100]
    with tempfile.TemporaryDirectory(prefix="databrain-bench-") as tmp:
        for scale in scales:
            r = measure(scale, Path(tmp))
            print(
                f"scale {r['scale']:>4}: {r['source_rows']:>12,} source rows → "
                f"{r['value_rows']:>10,} value rows | full recompute {r['engine']:7.2f} s "
                f"({r['source_rows'] / r['engine']:,.0f} rows/s) | floor scan {r['floor']:6.3f} s "
                f"| engine ÷ floor {r['engine'] / r['floor']:6.1f}× | subset: engine "
                f"{r['engine_subset']:6.2f} s, pandas naive {r['pandas_subset']:7.2f} s, "
                f"pandas ÷ engine {r['pandas_subset'] / r['engine_subset']:5.1f}×",
                flush=True,
            )


if __name__ == "__main__":
    main()
