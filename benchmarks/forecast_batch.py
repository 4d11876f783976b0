"""Batch forecasting of all demo target series: sequential vs parallel.

    python benchmarks/forecast_batch.py [WORKERS]        (default: all cores)

Builds the scale-1 demo warehouse (not timed), then runs :func:`models.batch.forecast_all` for
the newest vintage with 1 worker and with WORKERS processes — first the forecasts alone, then
with the track record (the forecaster replayed from nine half-year origins, one question per
target series and origin, :mod:`models.track_record`) — and prints series, questions, seconds,
series per second and the speed-up ratio (ideal = number of workers; process start-up and
uneven series lengths keep it below that).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators.catalog import default_catalog
from models.batch import default_vintages, forecast_all
from pipeline import recompute


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="databrain-fc-bench-") as tmp:
        files = generate(Path(tmp) / "files", scale=1)
        wh = Warehouse(Path(tmp) / "wh" / "bench.duckdb")
        ingest(sorted(files.values()), warehouse=wh, fresh=True, after_load=recompute)
        results = {}
        for n in (1, workers):
            for track_record in (False, True):
                with wh.writer() as staging:
                    vintages = default_vintages(staging.con, default_catalog())[-1:]
                    report = forecast_all(
                        staging.con, vintages=vintages, workers=n, track_record=track_record
                    )
                    staging.discard()
                results[n, track_record] = report
                extra = (
                    f" + track record of {report.track_record_questions} questions"
                    if track_record
                    else ""
                )
                print(
                    f"workers {n}: {report.series} series{extra} in {report.seconds:6.1f} s "
                    f"({report.series / report.seconds:5.2f} series/s)",
                    flush=True,
                )
        wh.close()
    for track_record in (False, True):
        ratio = results[1, track_record].seconds / results[workers, track_record].seconds
        label = "forecasts and track record" if track_record else "forecasts"
        print(f"speed-up with {workers} workers ({label}): {ratio:.2f}×")


if __name__ == "__main__":
    main()
