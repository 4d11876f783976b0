"""How long an upload keeps the page waiting, against how long its load takes.

    python benchmarks/upload_response.py [--scale N]

Builds a demo warehouse (not timed, forecasts skipped), then uploads the demo's service-item
registry again, every item renamed, as the 数据管理 page does: :func:`pipeline.start_load` returns the job's key (what the
callback waits for), and the job validates, loads and recomputes in its own process. Prints
both times and their ratio; the forecast after a load is skipped here
(``DATABRAIN_BACKGROUND_FORECAST=0``) so that the load alone is timed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import polars as pl

import pipeline
from datasets.warehouse import Warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    os.environ["DATABRAIN_BACKGROUND_FORECAST"] = "0"
    with tempfile.TemporaryDirectory(prefix="databrain-upload-bench-") as tmp:
        wh = Warehouse(Path(tmp) / "wh" / "demo.duckdb")
        os.environ["DATABRAIN_DB"] = str(wh.path)
        pipeline.build_demo(scale=args.scale, warehouse=wh, forecast_after=False)
        registry = sorted((Path(tmp) / "wh").rglob("service_items.parquet"))[0]
        # every item renamed: a real change, so the load replaces rows and recomputes
        frame = pl.read_parquet(registry).with_columns(pl.col("item_name") + "（更新）")
        data = frame.write_csv().encode("utf-8")
        started = time.perf_counter()
        key = pipeline.start_load(wh, data, "service_items.csv", None)
        answered = time.perf_counter() - started
        while pipeline.load_status(key, wh)["state"] in ("queued", "running"):
            time.sleep(0.05)
        finished = time.perf_counter() - started
        state = pipeline.load_status(key, wh)["state"]
    print(
        f"scale {args.scale}: the upload callback returned in {answered * 1000:.0f} ms; the load "
        f"({len(data) / 1e6:.2f} MB, {frame.height:,} rows: validate + load + recompute) took {finished:.1f} s "
        f"({state}); ratio {finished / answered:.0f}×"
    )


if __name__ == "__main__":
    main()
