"""The one place that runs the stages in order: load → indicators → risk → forecasts.

Every writer of the warehouse — the ``databrain`` commands, an upload on the 数据管理 page and
the demo build — goes through these functions, so a stage added here runs everywhere:

* :func:`recompute` — indicators, target tracking and derived tables
  (:func:`indicators.engine.materialise`), then the early warnings, risk scores and hotline scans
  of every vintage (:func:`models.risk.materialise_risk`), which read the tables just written;
* :func:`load` — validate and load files; a load that changes anything is recomputed in the same
  warehouse write (:func:`datasets.ingest.ingest` with ``after_load=recompute``);
* :func:`forecast` — every target series' forecasts and the track record
  (:func:`models.batch.forecast_all`), then the warnings that use the forecasts and the anomaly
  scan, in one new warehouse version;
* :func:`build_demo` — generate the synthetic demo files, load them, forecast;
* :func:`start_background_forecast` — :func:`forecast` in a detached process (after an upload).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from datasets.config import demo_dir
from datasets.demo.generator import generate
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators.catalog import Catalog
from indicators.engine import ComputeReport, materialise
from models.batch import BatchReport, forecast_all
from models.risk import materialise_risk, write_anomaly_tables


def recompute(con, catalog: Catalog | None = None, *, today=None) -> ComputeReport:
    """Indicators, then the warnings that read them, inside an open warehouse write."""
    report = materialise(con, catalog, today=today)
    materialise_risk(con, catalog)
    return report


def load(
    paths: list[Path],
    dataset: str | None = None,
    *,
    warehouse: Warehouse | None = None,
    fresh: bool = False,
    today=None,
    display_names: list[str] | None = None,
) -> list:
    """Validate and load files; recompute in the same write when anything changed. Raises
    :class:`datasets.ingest.IngestError` (and changes nothing) when any file is rejected.
    ``display_names`` are the names the user knows the files by (an upload's original names)."""
    return ingest(
        list(paths),
        dataset,
        warehouse=warehouse,
        today=today,
        display_names=display_names,
        fresh=fresh,
        after_load=lambda con: recompute(con, today=today),
    )


def forecast(warehouse: Warehouse, *, workers: int | None = None) -> BatchReport:
    """Forecasts, then the warnings that use them and the anomaly scan, in one new version."""
    with warehouse.writer() as staging:
        report = forecast_all(staging.con, workers=workers)
        materialise_risk(staging.con)  # probability warnings use the new forecasts
        write_anomaly_tables(staging.con)  # every risk vintage, both readings
    return report


def build_demo(
    scale: int = 1,
    seed: int = 20210831,
    warehouse: Warehouse | None = None,
    *,
    forecast_after: bool = True,
) -> list:
    """Generate the demo files, load them into a fresh warehouse version (indicators computed
    in the same write), then forecast every target series (a second version)."""
    warehouse = warehouse or Warehouse()
    out = demo_dir(warehouse.path) / f"scale-{scale}-seed-{seed}"
    files = generate(out, scale=scale, seed=seed)
    results = load(sorted(files.values()), warehouse=warehouse, fresh=True)
    if forecast_after:
        forecast(warehouse)
    return results


def start_background_forecast(db: Path) -> None:
    """Refresh forecasts in a detached process (after an upload: the page must not wait).

    Set ``DATABRAIN_BACKGROUND_FORECAST=0`` to skip (tests do, to keep the warehouse still).
    """
    if os.environ.get("DATABRAIN_BACKGROUND_FORECAST", "1") == "0":
        return
    subprocess.Popen(
        [sys.executable, "-m", "cli", "forecast"],
        env={**os.environ, "DATABRAIN_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
