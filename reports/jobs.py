"""Report renders behind the 报告导出 page: a job per (data version, target set, region, as-of,
format), run in its own process, with progress and the result on disk.

Why not in the web process: a PDF takes seconds, and a callback that renders blocks its worker
for everyone else. Why on disk: under gunicorn each worker has its own memory, so the job's
state must be where every worker (and the polling browser) can read it. Reports are
deterministic, so a finished job is a cache: asking again for the same data and parameters
returns the same file at once, and two users asking together share one render.

Layout: ``<warehouse dir>/report-jobs/<key>/`` holds ``params.json``, ``status.json`` (state,
done, total, message, file, error, pid, heartbeat) and the report file. Starting a job is done
under a file lock, so two web workers never start the same job twice; at most one render per
CPU core runs at a time (the others wait, shown as 排队中). A job whose process has died is
reported as failed, not polled forever. Old job directories are pruned.

Run a job by hand: ``python -m reports.jobs <job dir>`` (what :func:`start` spawns).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from datasets.config import db_path
from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import Warehouse
from indicators import read
from indicators.catalog import default_catalog
from reports.batch import FORMATS, all_regions, write_reports

KEY_RE = re.compile(r"^[0-9a-f]{20}$")
ALL_REGIONS = "all"  # the province and the 13 cities, one report each, as a ZIP
KEEP_JOBS = 200
STARTING_SECONDS = 30  # a job without a pid yet is still being started
SILENT_SECONDS = 300  # a running job that has not written its status for this long is dead
POLL_SLOT_SECONDS = 0.5
SOURCES = ("content.py", "pdf.py", "workbook.py", "charts.py", "tables.py", "batch.py")


def jobs_dir(warehouse: Warehouse | None = None) -> Path:
    path = (warehouse.path if warehouse else db_path()).parent / "report-jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@lru_cache(maxsize=1)
def _code_version() -> str:
    """A hash of the report code and templates: an upgrade makes new keys (no stale cache)."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [here / name for name in SOURCES] + sorted((here / "templates").iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def job_key(version_file: Path, target_set: str, region: str, as_of: dt.date, fmt: str) -> str:
    """Same warehouse version (file, inode, modification time), parameters and report code →
    same key, and the same file."""
    st = version_file.stat()
    parts = [str(version_file), str(st.st_ino), str(st.st_mtime_ns), _code_version()]
    parts += [target_set, region, as_of.isoformat(), fmt]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _write_status(job: Path, **fields) -> None:
    path = job / "status.json"
    try:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:
        old = {}
    data = {**old, **fields, "updated": time.time()}
    fd, tmp = tempfile.mkstemp(dir=job, prefix=".status.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _process_alive(pid: int | None) -> bool:
    """True when ``pid`` runs (a zombie — exited, not yet reaped — counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _active(s: dict) -> bool:
    """A queued or running job that is still alive."""
    now = time.time()
    if not s.get("pid"):
        return now - s.get("started", 0) < STARTING_SECONDS
    return _process_alive(s["pid"]) and now - s.get("updated", 0) < SILENT_SECONDS


def status(key: str, warehouse: Warehouse | None = None) -> dict:
    """The job's state: ``queued`` | ``running`` | ``done`` | ``error`` | ``missing``."""
    if not KEY_RE.match(key or ""):
        return {"state": "missing"}
    path = jobs_dir(warehouse) / key / "status.json"
    if not path.exists():
        return {"state": "missing"}
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # being replaced this instant
        return {"state": "running", "done": 0, "total": 1, "message": "生成中"}
    if s.get("state") in ("queued", "running") and not _active(s):
        return {**s, "state": "error", "error": "生成进程意外退出，请重新生成"}
    return s


@contextlib.contextmanager
def _start_lock(root: Path) -> Iterator[None]:
    with open(root / ".start.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check(target_set: str, region: str, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"未知格式 {fmt!r}；应为 {' / '.join(FORMATS)}")
    if target_set not in default_catalog().target_sets:
        raise ValueError(f"未知目标集 {target_set!r}")
    if region not in {PROVINCE_CODE, ALL_REGIONS, *cities()["region_code"].to_list()}:
        raise ValueError(
            f"未知地区代码 {region!r}；应为江苏省 320000、13 个设区市之一或 all（全省与 13 市）"
        )


def start(
    warehouse: Warehouse, *, target_set: str, region: str, as_of: dt.date | str | None, fmt: str
) -> str:
    """Start (or join) the job for these parameters; return its key. ``region="all"`` renders
    the province's report and one per city (each holding only its region's data) into a ZIP.

    The job renders the warehouse version current now, even if a load follows. Raises
    ``ValueError`` in Chinese for an unknown format, target set or region, or a warehouse
    without computed indicators.
    """
    _check(target_set, region, fmt)
    if not warehouse.exists():
        raise ValueError("数据仓库不存在：请先运行 `databrain demo` 或 `databrain ingest`")
    version_file = warehouse.current_file()
    pinned = Warehouse(version_file)
    try:
        if not read.ready(pinned):
            raise ValueError(
                "数据仓库尚未计算指标：请先运行 `databrain demo` 或 `databrain ingest`"
            )
        resolved = read.resolve_as_of(pinned, as_of)
    finally:
        pinned.close()
    if resolved is None:
        raise ValueError("数据仓库中没有目标进度（target_progress 为空）")
    key = job_key(version_file, target_set, region, resolved, fmt)
    root = jobs_dir(warehouse)
    job = root / key
    with _start_lock(root):
        current = status(key, warehouse)
        if current["state"] == "done" and (job / current.get("file", "")).is_file():
            os.utime(job)  # recently used: pruned last
            return key
        if current["state"] in ("queued", "running"):
            return key  # alive (status() reports dead jobs as errors)
        shutil.rmtree(job, ignore_errors=True)
        job.mkdir(parents=True)
        params = {
            "target_set": target_set,
            "region": region,
            "as_of": resolved.isoformat(),
            "format": fmt,
            "warehouse": str(version_file),
        }
        (job / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        _write_status(job, state="queued", done=0, total=1, message="排队中", started=time.time())
        with open(job / "log.txt", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "reports.jobs", str(job)],
                env={**os.environ, "DATABRAIN_DB": str(warehouse.path)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _write_status(job, pid=proc.pid)
    # reap the child when it exits, so it never lingers as a zombie of this web worker
    threading.Thread(target=proc.wait, name=f"report-job-{key}", daemon=True).start()
    _prune(root)
    return key


def result(key: str, warehouse: Warehouse | None = None) -> tuple[Path, str] | None:
    """The finished report's path and download name, or None."""
    s = status(key, warehouse)
    if s.get("state") != "done":
        return None
    path = jobs_dir(warehouse) / key / s["file"]
    return (path, s["file"]) if path.is_file() else None


def _prune(root: Path) -> None:
    jobs = []
    for p in root.iterdir():
        with contextlib.suppress(OSError):  # another worker may be pruning too
            if p.is_dir() and KEY_RE.match(p.name):
                jobs.append((p.stat().st_mtime, p))
    for _, old in sorted(jobs)[:-KEEP_JOBS]:
        shutil.rmtree(old, ignore_errors=True)


def _take_slot(root: Path, job: Path):
    """Wait for one of ``cpu_count`` render slots (a file lock held until this process ends)."""
    slots = max(1, os.cpu_count() or 1)
    while True:
        for i in range(slots):
            fh = open(root / f".slot-{i}.lock", "a+")  # noqa: SIM115  (held for the process)
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fh
            except BlockingIOError:
                fh.close()
        _write_status(job, state="queued", message="排队中：其他报告正在生成")
        time.sleep(POLL_SLOT_SECONDS)


def run(job: Path) -> int:
    """Render the job in ``job`` (its params.json), recording progress in status.json."""
    params = json.loads((job / "params.json").read_text(encoding="utf-8"))
    _write_status(job, pid=os.getpid())
    slot = _take_slot(job.parent, job)
    _write_status(job, state="running", message="开始")

    def progress(done: int, total: int, message: str) -> None:
        _write_status(job, state="running", done=done, total=total, message=message)

    bundle = params["region"] == ALL_REGIONS
    try:
        entries = write_reports(
            Warehouse(params["warehouse"]),
            target_set=params["target_set"],
            as_of=params["as_of"],
            regions=all_regions() if bundle else [params["region"]],
            formats=[params["format"]],
            out_dir=job / "files" if bundle else job,
            progress=progress,
        )
        if bundle:
            entries = [_zip(job, entries)]
    except Exception as exc:  # the page shows it; the log keeps the traceback
        import traceback

        traceback.print_exc()
        _write_status(job, state="error", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        slot.close()
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


def _zip(job: Path, entries: list[dict]) -> dict:
    """The 14 reports and their manifest in one ZIP (fixed timestamps: same reports, same
    bytes); returns its manifest entry, titled after the province's report."""
    import zipfile

    files = job / "files"
    province = next(e for e in entries if e["region_code"] == PROVINCE_CODE)
    name = (
        province["file"].replace(f"_{PROVINCE_CODE}_江苏省_", "_全省及13市_").rsplit(".", 1)[0]
        + f"_{province['format']}.zip"
    )
    tmp = job / f".{name}.part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in [*entries, {"file": "manifest.json"}]:
            info = zipfile.ZipInfo(e["file"], date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (files / e["file"]).read_bytes())
    os.replace(tmp, job / name)
    data = (job / name).read_bytes()
    return {
        "file": name,
        "title": f"{province['title']}等 {len(entries)} 份（全省及 13 个设区市）",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def register_routes(server) -> None:
    """``GET /reports/download/<key>``: the finished report as an attachment."""
    from flask import abort, send_file

    @server.route("/reports/download/<key>")
    def report_download(key: str):
        found = result(key) if KEY_RE.match(key) else None
        if found is None:
            abort(404)
        path, name = found
        mimetype = {
            "pdf": "application/pdf",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "zip": "application/zip",
        }[name.rsplit(".", 1)[-1]]
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
