"""Evaluation reports: where the time goes, and the 14-recipient batch.

    python benchmarks/reports_batch.py

Builds the scale-1 demo warehouse (not timed), then measures for the province and one city:
assembling the report from the warehouse (:func:`reports.content.build_report`),
rendering the PDF (HTML + SVG → weasyprint) and the workbook; then the whole
``databrain report --all-cities`` batch in PDF and Excel. Prints seconds and the ratio of PDF
rendering to assembly (the part worth optimising first).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from pipeline import recompute
from reports.batch import all_regions, write_reports
from reports.content import build_report, warnings_at
from reports.pdf import render_pdf
from reports.workbook import render_xlsx

SET = "jiangsu-14fyp-digital-gov"


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="databrain-report-bench-") as tmp:
        files = generate(Path(tmp) / "files", scale=1)
        wh = Warehouse(Path(tmp) / "wh" / "bench.duckdb")
        ingest(sorted(files.values()), warehouse=wh, fresh=True, after_load=recompute)
        as_of = "2025-12"
        warnings, t_rules = timed(
            warnings_at,
            wh,
            wh.query("SELECT max(as_of) AS d FROM target_progress WHERE as_of <= '2025-12-31'")[
                "d"
            ][0],
        )
        print(f"early-warning rules at {as_of} (once per batch): {t_rules:5.2f} s", flush=True)
        for region in ("320000", "320200"):
            report, t_build = timed(build_report, wh, SET, region, as_of, warnings=warnings)
            pdf, t_pdf = timed(render_pdf, report)
            xlsx, t_xlsx = timed(render_xlsx, report)
            print(
                f"{report.region_name}: assemble {t_build:5.2f} s, PDF {t_pdf:5.2f} s "
                f"({len(pdf) / 1024:,.0f} KB, {t_pdf / t_build:4.1f}× assembly), "
                f"Excel {t_xlsx:5.2f} s ({len(xlsx) / 1024:,.0f} KB)",
                flush=True,
            )
        entries, t_batch = timed(
            write_reports,
            wh,
            target_set=SET,
            as_of=as_of,
            regions=all_regions(),
            formats=["pdf", "xlsx"],
            out_dir=Path(tmp) / "out",
        )
        print(
            f"batch: {len(entries)} files (14 recipients × PDF + Excel) in {t_batch:5.1f} s "
            f"({t_batch / len(entries):4.2f} s per file)"
        )
        wh.close()


if __name__ == "__main__":
    main()
