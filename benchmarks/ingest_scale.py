"""How generation, validated ingestion and typical reads scale with data volume.

    python benchmarks/ingest_scale.py [SCALE ...]      (default: 1 10)

Prints, per scale: hotline tickets, seconds to generate, seconds to validate+load, rows per
second, warehouse size, and the time of a typical aggregate read; then the ratio of each time to
the smallest scale's, next to the ratio of volumes (linear scaling ⇒ the ratios match).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.status import dataset_status
from datasets.warehouse import Warehouse

MONTHLY_BY_CITY = """
    SELECT r.city_code, date_trunc('month', t.created_at) AS month, count(*) AS tickets,
           avg(CASE WHEN t.closed_at <= t.due_at THEN 1.0 ELSE 0.0 END) AS on_time
    FROM hotline_tickets t JOIN regions r USING (region_code)
    GROUP BY ALL
"""


def measure(scale: int, workdir: Path) -> dict:
    started = time.perf_counter()
    files = generate(workdir / f"files-{scale}", scale=scale)
    generated = time.perf_counter() - started
    wh = Warehouse(workdir / f"wh-{scale}" / "bench.duckdb")
    started = time.perf_counter()
    results = ingest(sorted(files.values()), warehouse=wh, fresh=True)
    loaded = time.perf_counter() - started
    rows = sum(r.rows for r in results)
    started = time.perf_counter()
    dataset_status(wh)
    wh.query(MONTHLY_BY_CITY)
    read = time.perf_counter() - started
    tickets = wh.query("SELECT count(*) AS n FROM hotline_tickets")["n"][0]
    size = wh.current_file().stat().st_size
    wh.close()
    return {
        "scale": scale,
        "tickets": tickets,
        "rows": rows,
        "generate_s": generated,
        "ingest_s": loaded,
        "rows_per_s": rows / loaded,
        "size_mb": size / 1e6,
        "read_s": read,
    }


def main() -> None:
    scales = [int(a) for a in sys.argv[1:]] or [1, 10]
    workdir = Path(tempfile.mkdtemp(prefix="databrain-bench-"))
    try:
        results = [measure(s, workdir) for s in scales]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{'scale':>5} {'tickets':>11} {'rows':>11} {'generate s':>10} {'ingest s':>9} {'rows/s':>10} {'MB':>8} {'read s':>7}"
    )
    for r in results:
        print(
            f"{r['scale']:>5} {r['tickets']:>11,} {r['rows']:>11,} {r['generate_s']:>10.2f} {r['ingest_s']:>9.2f} "
            f"{r['rows_per_s']:>10,.0f} {r['size_mb']:>8.1f} {r['read_s']:>7.3f}"
        )
    base = results[0]
    for r in results[1:]:
        print(
            f"scale {r['scale']} vs {base['scale']}: volume ×{r['rows'] / base['rows']:.1f}, "
            f"ingest time ×{r['ingest_s'] / base['ingest_s']:.1f}, read time ×{r['read_s'] / base['read_s']:.1f}"
        )


if __name__ == "__main__":
    main()
