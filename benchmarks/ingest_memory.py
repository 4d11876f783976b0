"""Peak memory of validating, and of loading, the largest file the demo makes: the 12345
hotline tickets at a given scale, as the generator writes it (Parquet) and as a department
would export it (CSV).

    python benchmarks/ingest_memory.py [SCALE] [--load] [--code DIR]

Each measurement runs in a fresh process and prints its peak resident memory (the kernel's
high-water mark, ``ru_maxrss``), its time, and its rows. ``--load`` also loads each file into
a fresh warehouse. ``--code DIR`` measures another checkout of the project (its own
``datasets`` package) the same way, for a before/after comparison. Files are cached in
``$DATABRAIN_BENCH_CACHE`` (default ``/tmp/databrain-bench-cache``).

Target: validation of the scale-100 file under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 2048

# Run in the child: validate (and load) one file with the datasets package of the cwd.
CHILD = r"""
import datetime as dt, json, resource, sys, tempfile, time
from pathlib import Path
from datasets import ingest as m
path, load = Path(sys.argv[1]), sys.argv[2] == "load"
started = time.perf_counter()
if load:
    from datasets.warehouse import Warehouse
    with tempfile.TemporaryDirectory() as d:
        [r] = m.ingest([path], "hotline_tickets", warehouse=Warehouse(Path(d) / "w.duckdb"),
                       today=dt.date(2026, 11, 22), fresh=True)
        rows = r.rows
elif hasattr(m, "Typed"):
    with tempfile.TemporaryDirectory() as d:
        parsed, schema = m.parse(path, "hotline_tickets", workdir=Path(d))
        rows = m.validate(parsed, schema, today=dt.date(2026, 11, 22)).rows
else:  # a checkout that validates in memory
    parsed, schema = m.parse(path, "hotline_tickets")
    rows = m.validate(parsed, schema, today=dt.date(2026, 11, 22)).height
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def hotline_files(scale: int) -> dict[str, Path]:
    """The scale's hotline file as Parquet and as CSV, made once and cached."""
    import numpy as np
    import polars as pl

    from datasets.demo.generator import hotline_tickets

    cache = Path(os.environ.get("DATABRAIN_BENCH_CACHE", "/tmp/databrain-bench-cache"))
    out = cache / f"hotline-scale-{scale}"
    parquet, csv = out / "hotline_tickets.parquet", out / "hotline_tickets.csv"
    if not csv.exists():
        out.mkdir(parents=True, exist_ok=True)
        hotline_tickets(np.random.default_rng(20210831), scale, date(2026, 10, 31), out)
        pl.scan_parquet(parquet).sink_csv(csv.with_suffix(".partial"))
        csv.with_suffix(".partial").rename(csv)
    return {"parquet": parquet, "csv": csv}


def measure(path: Path, what: str, code: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), DATABRAIN_BACKGROUND_FORECAST="0")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), what],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", nargs="?", type=int, default=100)
    parser.add_argument("--load", action="store_true", help="also load into a fresh warehouse")
    parser.add_argument("--code", type=Path, help="another checkout to measure the same way")
    args = parser.parse_args()
    started = time.perf_counter()
    files = hotline_files(args.scale)
    print(f"hotline files at scale {args.scale} ready in {time.perf_counter() - started:.0f} s")
    checkouts = [("this checkout", ROOT)] + ([("--code", args.code.resolve())] if args.code else [])
    steps = ["validate"] + (["load"] if args.load else [])
    print(f"{'code':<14} {'step':<9} {'format':<8} {'file MB':>8} {'rows':>12} {'s':>7} "
          f"{'peak MB':>8} {'of 2 GB':>7}")  # fmt: skip
    for label, code in checkouts:
        for step in steps:
            for fmt, path in files.items():
                r = measure(path, step, code)
                size = path.stat().st_size / 1e6
                if "error" in r:
                    print(f"{label:<14} {step:<9} {fmt:<8} {size:>8.0f}  failed: {r['error']}")
                    continue
                print(
                    f"{label:<14} {step:<9} {fmt:<8} {size:>8.0f} {r['rows']:>12,} "
                    f"{r['seconds']:>7.1f} {r['peak_mb']:>8.0f} {r['peak_mb'] / LIMIT_MB:>7.0%}"
                )


if __name__ == "__main__":
    main()
