"""Report renders behind the 报告导出 page: a job per (data version, target set, region, as-of,
format), run in its own process, with progress and the result on disk.

Why not in the web process: a PDF takes seconds, and a callback that renders blocks its worker
for everyone else. Why on disk: under gunicorn each worker has its own memory, so the job's
state must be where every worker (and the polling browser) can read it. Reports are
deterministic, so a finished job is a cache: asking again for the same data and parameters
returns the same file at once, and two users asking together share one render.

Layout: ``<warehouse dir>/report-jobs/<key>/`` holds ``status.json`` (state, done, total,
message, file, error, pid) and the report file. Old job directories are pruned.

Run a job by hand: ``python -m indicators.reports.jobs <job dir>`` (what :func:`start` spawns).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from datasets.config import db_path
from datasets.warehouse import Warehouse
from indicators import read
from indicators.reports.batch import FORMATS

KEY_RE = re.compile(r"^[0-9a-f]{20}$")
KEEP_JOBS = 200
STALE_SECONDS = 15 * 60  # a running job whose process is gone, or older than this, is restarted


def jobs_dir(warehouse: Warehouse | None = None) -> Path:
    path = (warehouse.path if warehouse else db_path()).parent / "report-jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_key(warehouse: Warehouse, target_set: str, region: str, as_of: dt.date, fmt: str) -> str:
    """Same data version and parameters → same key (and the same file)."""
    text = "|".join(
        [str(warehouse.current_file()), target_set, region, as_of.isoformat(), fmt, "v1"]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _write_status(job: Path, **fields) -> None:
    path = job / "status.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data = {**old, **fields, "updated": time.time()}
    tmp = job / f".status.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def status(key: str, warehouse: Warehouse | None = None) -> dict:
    """The job's state: ``queued`` | ``running`` | ``done`` | ``error`` | ``missing``."""
    if not KEY_RE.match(key or ""):
        return {"state": "missing"}
    path = jobs_dir(warehouse) / key / "status.json"
    if not path.exists():
        return {"state": "missing"}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # being replaced this instant
        return {"state": "running", "done": 0, "total": 1, "message": "排队中"}


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def start(
    warehouse: Warehouse, *, target_set: str, region: str, as_of: dt.date | str | None, fmt: str
) -> str:
    """Start (or join) the job for these parameters; return its key.

    Raises ``ValueError`` in Chinese for an unknown format or a warehouse without indicators.
    """
    if fmt not in FORMATS:
        raise ValueError(f"未知格式 {fmt!r}；应为 {' / '.join(FORMATS)}")
    if not warehouse.exists() or not read.ready(warehouse):
        raise ValueError("数据仓库尚未计算指标：请先运行 `databrain demo` 或 `databrain ingest`")
    resolved = read.resolve_as_of(warehouse, as_of)
    key = job_key(warehouse, target_set, region, resolved, fmt)
    job = jobs_dir(warehouse) / key
    current = status(key, warehouse)
    if current["state"] == "done" and (job / current.get("file", "")).is_file():
        return key
    if current["state"] in ("queued", "running") and (
        _alive(current.get("pid")) and time.time() - current.get("started", 0) < STALE_SECONDS
    ):
        return key
    shutil.rmtree(job, ignore_errors=True)
    job.mkdir(parents=True)
    params = {
        "target_set": target_set,
        "region": region,
        "as_of": resolved.isoformat(),
        "format": fmt,
        "warehouse": str(warehouse.current_file()),  # this version, even if a load follows
    }
    (job / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    _write_status(job, state="queued", done=0, total=1, message="排队中", started=time.time())
    with open(job / "log.txt", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "indicators.reports.jobs", str(job)],
            env={**os.environ, "DATABRAIN_DB": str(warehouse.path)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _write_status(job, pid=proc.pid)
    _prune(jobs_dir(warehouse))
    return key


def result(key: str, warehouse: Warehouse | None = None) -> tuple[Path, str] | None:
    """The finished report's path and download name, or None."""
    s = status(key, warehouse)
    if s.get("state") != "done":
        return None
    path = jobs_dir(warehouse) / key / s["file"]
    return (path, s["file"]) if path.is_file() else None


def _prune(root: Path) -> None:
    jobs = sorted(
        (p for p in root.iterdir() if p.is_dir() and KEY_RE.match(p.name)),
        key=lambda p: p.stat().st_mtime,
    )
    for old in jobs[:-KEEP_JOBS]:
        shutil.rmtree(old, ignore_errors=True)


def run(job: Path) -> int:
    """Render the job in ``job`` (its params.json), recording progress in status.json."""
    from indicators.reports.batch import write_reports

    params = json.loads((job / "params.json").read_text(encoding="utf-8"))
    _write_status(job, state="running", message="开始", pid=os.getpid())

    def progress(done: int, total: int, message: str) -> None:
        _write_status(job, state="running", done=done, total=total, message=message)

    try:
        entries = write_reports(
            Warehouse(params["warehouse"]),
            target_set=params["target_set"],
            as_of=params["as_of"],
            regions=[params["region"]],
            formats=[params["format"]],
            out_dir=job,
            progress=progress,
        )
    except Exception as exc:  # the page shows it; the log keeps the traceback
        import traceback

        traceback.print_exc()
        _write_status(job, state="error", error=f"{type(exc).__name__}: {exc}")
        return 1
    entry = entries[0]
    _write_status(
        job,
        state="done",
        done=1,
        total=1,
        message="完成",
        file=entry["file"],
        title=entry["title"],
        bytes=entry["bytes"],
        sha256=entry["sha256"],
    )
    return 0


def register_routes(server) -> None:
    """``GET /reports/download/<key>``: the finished report as an attachment."""
    from flask import abort, send_file

    @server.route("/reports/download/<key>")
    def report_download(key: str):
        found = result(key) if KEY_RE.match(key) else None
        if found is None:
            abort(404)
        path, name = found
        mimetype = (
            "application/pdf"
            if name.endswith(".pdf")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
