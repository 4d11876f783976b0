"""The one place that runs the stages in order: load → indicators → risk → forecasts.

Every writer of the warehouse — the ``databrain`` commands, an upload on the 数据管理 page and
the demo build — goes through these functions, so a stage added here runs everywhere:

* :func:`recompute` — indicators, target tracking and derived tables
  (:func:`indicators.engine.materialise`), then the early warnings, risk scores and hotline scans
  of every vintage (:func:`models.risk.materialise_risk`), which read the tables just written,
  and the data-quality measures of every dataset (:func:`datasets.quality.materialise_quality`);
* :func:`load` — validate and load files; a load that changes anything is recomputed in the same
  warehouse write (:func:`datasets.ingest.ingest` with ``after_load=recompute``);
* :func:`forecast` — every target series' forecasts and the track record
  (:func:`models.batch.forecast_all`), then the warnings that use the forecasts and the anomaly
  scan, in one new warehouse version;
* :func:`build_demo` — generate the synthetic demo files, load them, forecast;
* :func:`start_load` — an upload as a job of the one job runner (:mod:`datasets.jobs`, kind
  ``load``): the page returns at once and polls :func:`load_status`. The job validates and loads
  the file, recomputes, records what was loaded, then asks for forecasts (unless
  ``DATABRAIN_BACKGROUND_FORECAST=0``);
* :func:`request_forecast` — forecasts after a load as a job of their own (kind ``forecast``),
  one at a time, coalescing loads that come in a row, and re-run at the next start when one
  was interrupted (:func:`resume_forecast`);
* :func:`save_plan` — a target set drafted on the 规划编制 workbench, written into the
  warehouse's plan folder, then tracked at once by a job (kind ``plan``): indicators and target
  tracking recomputed, the new plan's series forecast to its deadline, and the warnings, in
  one new warehouse version.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from datasets import accounts, jobs, supervision
from datasets.config import demo_dir, plans_dir
from datasets.demo.generator import generate
from datasets.demo.plans import install_example_plans
from datasets.ingest import IngestError, ingest
from datasets.locks import exclusive, exclusive_or_skip
from datasets.quality import materialise_quality
from datasets.warehouse import Warehouse
from indicators import ingest_rules
from indicators.catalog import Catalog, load_catalog
from indicators.engine import ComputeReport, materialise
from indicators.evidence import assess_tasks
from indicators.planning import validate_plan
from models.batch import BatchReport, forecast_all
from models.risk import materialise_risk, write_anomaly_tables


def recompute(con, catalog: Catalog | None = None, *, today=None) -> ComputeReport:
    """Indicators, then the warnings that read them, inside an open warehouse write."""
    report = materialise(con, catalog, today=today)
    materialise_risk(con, catalog)
    materialise_quality(con)  # the data-quality measures, so no page scans the raw tables
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
    ``display_names`` are the names the user knows the files by (an upload's original names).
    After a load that changed the data, every 督办事项 is judged again on it (成效评估)."""
    results = ingest(
        list(paths),
        dataset,
        warehouse=warehouse,
        today=today,
        display_names=display_names,
        fresh=fresh,
        after_load=lambda con: recompute(con, today=today),
        checks=ingest_rules.checks(),
    )
    if any(not r.skipped for r in results) and supervision.has_tasks():
        assess_tasks(warehouse or Warehouse(), occasion="load", today=today)
    return results


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
    install_example_plans(plans_dir(warehouse.path))
    results = load(sorted(files.values()), warehouse=warehouse, fresh=True)
    if forecast_after:
        forecast(warehouse)
    return results


LOAD = "load"
MAX_LISTED_ISSUES = 50


def start_load(
    warehouse: Warehouse, data: bytes, filename: str, dataset: str | None, *, actor: str = ""
) -> str:
    """Start a job that loads an uploaded file (``filename`` as the user named it) and returns
    its key at once; the upload and the load's outcome are audited under ``actor``. Set
    ``DATABRAIN_BACKGROUND_FORECAST=0`` to skip the forecast that follows a load (tests do, to
    keep the warehouse still)."""
    suffix = Path(filename).suffix.lower()
    stored = f"upload{suffix}"
    key = hashlib.sha256(
        filename.encode() + hashlib.sha256(data).digest() + str(time.time_ns()).encode()
    ).hexdigest()[:20]
    params = {
        "filename": filename,
        "file": stored,
        "dataset": dataset,
        "warehouse": str(warehouse.path),
        "forecast": os.environ.get("DATABRAIN_BACKGROUND_FORECAST", "1") != "0",
        "actor": actor,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    jobs.start(
        LOAD, key, params, module="pipeline", warehouse_path=warehouse.path, files={stored: data}
    )
    accounts.record(
        actor,
        "upload",
        target=filename,
        detail={"sha256": params["sha256"], "bytes": len(data), "dataset": dataset, "job": key},
    )
    return key


def load_status(key: str, warehouse: Warehouse) -> dict:
    """The upload job's state (:func:`datasets.jobs.status`); once the file is in, ``summaries``
    lists what was loaded, while the forecast may still run."""
    return jobs.status(LOAD, key, warehouse.path)


def cancel_load(key: str, warehouse: Warehouse) -> bool:
    """Cancel an upload job; a load that has not swapped its version in changes nothing."""
    return jobs.cancel(LOAD, key, warehouse.path)


def _load_job(params: dict, progress: jobs.Progress, job: Path) -> dict:
    """The work of a load job (runs in its own process)."""
    warehouse = Warehouse(params["warehouse"])
    steps = 1
    progress(0, steps, f"校验并加载「{params['filename']}」，重算指标与预警")
    try:
        results = load(
            [job / params["file"]],
            params["dataset"],
            warehouse=warehouse,
            display_names=[params["filename"]],
        )
    except IngestError as err:
        _audit_ingest(params, "failed", {"issues": err.total, "first": str(err.issues[0])[:300]})
        raise jobs.JobFailed(
            f"文件「{params['filename']}」未通过校验：共 {err.total} 处问题，数据仓库未作任何更改。",
            issues=[str(i) for i in err.issues[:MAX_LISTED_ISSUES]],
            issue_total=err.total,
        ) from None
    finally:
        # the uploaded bytes are not kept: what was loaded is in the warehouse, with its sha256
        (job / params["file"]).unlink(missing_ok=True)
    loaded = any(not r.skipped for r in results)
    summaries = [r.summary() for r in results]
    _audit_ingest(
        params,
        "ok",
        {
            "files": [
                {
                    "dataset": r.dataset,
                    "sha256": r.sha256,
                    "rows": r.rows,
                    "inserted": r.inserted,
                    "replaced": r.replaced,
                    "skipped": r.skipped,
                }
                for r in results
            ]
        },
    )
    forecast_job = request_forecast(warehouse) if loaded and params["forecast"] else None
    jobs.write_status(job, summaries=summaries, loaded=loaded, forecast_job=forecast_job)
    return {"summaries": summaries, "loaded": loaded, "forecast_job": forecast_job}


# --------------------------------------------------------------------------- forecasts after loads
FORECAST = "forecast"


def _note(warehouse: Warehouse) -> Path:
    """The note that the warehouse's data changed since its forecasts were made."""
    return warehouse.path.with_name(warehouse.path.name + ".forecast-due")


def _read_note(warehouse: Warehouse) -> str | None:
    try:
        return _note(warehouse).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def request_forecast(warehouse: Warehouse) -> str:
    """Ask for forecasts of the data now in the warehouse and return the job's key at once.

    The request is noted beside the warehouse before a job starts, so a forecast interrupted
    (kill -9, a reboot) is run again at the next start (:func:`resume_forecast`). Forecasts are
    made by one job at a time: a job started while another runs leaves at once, and the one at
    work goes round again for the newer data — so any number of loads in a row cost at most
    one forecast more, and never hold up an upload or another job's slot."""
    note = _note(warehouse)
    with exclusive(note.with_name(note.name + ".lock")):
        note.write_text(f"{time.time_ns()}", encoding="utf-8")
    key = hashlib.sha256(f"{FORECAST}:{warehouse.path}:{time.time_ns()}".encode()).hexdigest()[:20]
    params = {"kind": FORECAST, "warehouse": str(warehouse.path)}
    return jobs.start(
        FORECAST, key, params, module="pipeline", warehouse_path=warehouse.path, capped=False
    )


def resume_forecast(warehouse: Warehouse) -> str | None:
    """At start: the forecast job for data whose forecast never finished, if any."""
    return request_forecast(warehouse) if _read_note(warehouse) is not None else None


def _forecast_job(params: dict, progress: jobs.Progress, job: Path) -> dict:
    """The work of a forecast job: while the note says the data changed, forecast, then clear
    the note unless another load noted newer data meanwhile (then go round again)."""
    warehouse = Warehouse(params["warehouse"])
    note = _note(warehouse)
    rounds = 0
    while _read_note(warehouse) is not None:
        # one forecaster at a time; a job finding one at work leaves at once (it holds a CPU
        # slot): that one looks at the note again after it lets go, and serves this request
        with exclusive_or_skip(note.with_name(note.name + ".forecaster")) as mine:
            if not mine:
                return {"rounds": rounds, "left_to": "the forecaster at work"}
            while (seen := _read_note(warehouse)) is not None:
                progress(0, 1, "更新预测与预警" + ("（有新数据，再算一次）" if rounds else ""))
                forecast(warehouse, workers=1)  # a job holds one CPU slot: one core
                rounds += 1
                with exclusive(note.with_name(note.name + ".lock")):
                    if _read_note(warehouse) == seen:
                        note.unlink(missing_ok=True)
    return {"rounds": rounds, "version": warehouse.version()}


PLAN = "plan"


def install_plan(
    warehouse: Warehouse, text: str, *, actor: str = ""
) -> tuple[str | None, list[str]]:
    """Validate a target-set YAML and write it into the warehouse's plan folder; returns (plan
    id, no problems) or (None, the problems). A plan id of a bundled plan is refused; a plan
    already in the folder is replaced (and audited as such)."""
    folder = plans_dir(warehouse.path)
    bundled = set(load_catalog().target_sets)
    ts, problems = validate_plan(text, taken=bundled)
    if ts is None:
        accounts.record(actor, "plan_save", result="rejected", detail={"problems": problems[:5]})
        return None, problems
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ts.id}.yaml"
    replaced = path.exists()
    partial = path.with_suffix(".yaml.part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # readers see the old file or the new one, never half of one
    accounts.record(
        actor,
        "plan_save",
        target=ts.id,
        detail={"status": ts.status, "targets": len(ts.targets), "replaced": replaced},
    )
    return ts.id, []


def save_plan(warehouse: Warehouse, text: str, *, actor: str = "") -> tuple[str | None, list[str]]:
    """:func:`install_plan`, then start the job that tracks the plan; returns (job key, no
    problems) or (None, the problems)."""
    plan, problems = install_plan(warehouse, text, actor=actor)
    if plan is None:
        return None, problems
    key = hashlib.sha256(f"{plan}:{time.time_ns()}".encode()).hexdigest()[:20]
    params = {"kind": PLAN, "plan": plan, "warehouse": str(warehouse.path), "actor": actor}
    started = jobs.start(
        PLAN, key, params, module="pipeline", warehouse_path=warehouse.path, capped=False
    )
    return started, []


def plan_status(key: str, warehouse: Warehouse) -> dict:
    return jobs.status(PLAN, key, warehouse.path)


def track_plan(warehouse: Warehouse, plan: str, *, workers: int | None = None) -> BatchReport:
    """Recompute tracking with the plan folder as it is now, forecast ``plan``'s series (the
    other plans' forecasts kept) and re-run the warnings, in one new warehouse version."""
    with warehouse.writer() as staging:
        recompute(staging.con)
        report = forecast_all(staging.con, workers=workers, target_sets=[plan], track_record=False)
        materialise_risk(staging.con)
    return report


def _plan_job(params: dict, progress: jobs.Progress, job: Path) -> dict:
    """The work of a plan job (runs in its own process)."""
    warehouse = Warehouse(params["warehouse"])
    progress(0, 1, f"计算规划「{params['plan']}」的目标进度、预测与预警")
    report = track_plan(warehouse, params["plan"], workers=1)
    return {"plan": params["plan"], "series": report.series}


def _audit_ingest(params: dict, result: str, detail: dict) -> None:
    accounts.record(
        params.get("actor", ""),
        "ingest",
        result=result,
        target=params["filename"],
        detail={"sha256": params.get("sha256"), **detail},
    )


def _work_of(job: Path):
    params = json.loads((job / "params.json").read_text(encoding="utf-8"))
    return {PLAN: _plan_job, FORECAST: _forecast_job}.get(params.get("kind"), _load_job)


if __name__ == "__main__":
    sys.exit(jobs.run(Path(sys.argv[1]), _work_of(Path(sys.argv[1]))))
