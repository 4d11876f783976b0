"""The one job runner: slow work a page starts, run in its own process, its state on disk.

Report renders (:mod:`reports.jobs`) and loads with their recompute and forecast
(:mod:`pipeline`) run through here. The page's callback only starts the job and returns at once.
The browser then polls :func:`status` until the job is done.

Why processes and files, not Dash background callbacks with a diskcache or Celery manager:

* **Survival.** A job outlives the request, the page reload and the web worker that started it.
  Under gunicorn any worker can answer a poll, because the state is a file beside the warehouse
  and no worker's memory holds it. With diskcache that is true as well, but a background
  callback's result is tied to the callback that asked for it, and a reloaded page loses it.
* **No new service.** A government intranet server runs the app and a DuckDB file; Celery
  needs a broker such as Redis to install, run and watch.
* **A CPU cap that holds across workers.** At most one job per core runs at a time. The others
  wait as 排队中, held back by file locks that every worker and job process sees.
* **Cancellation and death are plain.** A job is a process group: :func:`cancel` ends it. A job
  whose process is gone is reported as failed and is not polled forever. A warehouse write that
  is killed leaves the warehouse as it was, because every load writes a copy and swaps it in.
* **Deterministic work is cached.** The caller picks the key. The same key for the same inputs
  joins a running job, or returns a finished one at once.

Layout: ``<warehouse dir>/jobs/<kind>/<key>/`` holds ``params.json``, ``status.json`` (state,
done, total, message, error, pid, started, updated and the work's own result fields), ``log.txt``
(the process's output, with tracebacks) and the work's files. A job runs as ``python -m MODULE
<job dir>``, and the module's ``__main__`` calls :func:`run` with its work function. Old job
directories are pruned. The functions are safe to call from several processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from datasets.config import db_path

KEY_RE = re.compile(r"^[0-9a-f]{20}$")
KIND_RE = re.compile(r"^[a-z]+$")
KEEP_JOBS = 200  # per kind
STARTING_SECONDS = 30  # a job without a pid yet is still being started
SILENT_SECONDS = 300  # a running job that has not written its status for this long is dead
POLL_SLOT_SECONDS = 0.5
HEARTBEAT_SECONDS = 30  # a running job says it is alive this often, whatever its work is doing
ACTIVE = ("queued", "running")

Progress = Callable[[int, int, str], None]


def jobs_dir(kind: str, warehouse_path: Path | None = None) -> Path:
    """``<warehouse dir>/jobs/<kind>/`` (created on first use)."""
    if not KIND_RE.match(kind):
        raise ValueError(f"bad job kind {kind!r}")
    path = Path(warehouse_path or db_path()).parent / "jobs" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


_WRITE = threading.Lock()  # a job's heartbeat and its progress write from two threads


def write_status(job: Path, **fields) -> None:
    """Merge ``fields`` into the job's status, atomically (a reader never sees half a file)."""
    path = job / "status.json"
    with _WRITE:
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


def _alive(s: dict) -> bool:
    """A queued or running job whose process still runs and still reports."""
    now = time.time()
    if not s.get("pid"):
        return now - s.get("started", 0) < STARTING_SECONDS
    return _process_alive(s["pid"]) and now - s.get("updated", 0) < SILENT_SECONDS


def status(kind: str, key: str, warehouse_path: Path | None = None) -> dict:
    """The job's state: ``queued`` | ``running`` | ``done`` | ``error`` | ``cancelled`` |
    ``missing``, with its progress (done, total, message) and result fields."""
    if not KEY_RE.match(key or ""):
        return {"state": "missing"}
    path = jobs_dir(kind, warehouse_path) / key / "status.json"
    if not path.exists():
        return {"state": "missing"}
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # being replaced this instant
        return {"state": "running", "done": 0, "total": 1, "message": "进行中"}
    if s.get("state") in ACTIVE and not _alive(s):
        return {**s, "state": "error", "error": "任务进程意外退出，请重试"}
    return s


def job_path(kind: str, key: str, warehouse_path: Path | None = None) -> Path:
    return jobs_dir(kind, warehouse_path) / key


@contextlib.contextmanager
def _start_lock(root: Path) -> Iterator[None]:
    with open(root / ".start.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start(
    kind: str,
    key: str,
    params: dict,
    *,
    module: str,
    warehouse_path: Path,
    files: dict[str, bytes] | None = None,
    reuse: Callable[[Path, dict], bool] | None = None,
) -> str:
    """Start the job ``key`` of ``kind`` (``python -m module <job dir>``), or join it when it
    is queued or running, or return it as it is when it is done and ``reuse(job dir, status)``
    says its result is still there. ``files`` are written into the job directory first (an
    upload's bytes). Returns ``key``."""
    if not KEY_RE.match(key):
        raise ValueError(f"bad job key {key!r}")
    root = jobs_dir(kind, warehouse_path)
    job = root / key
    with _start_lock(root):
        current = status(kind, key, warehouse_path)
        if current["state"] in ACTIVE:
            return key  # alive: status() reports dead jobs as errors
        if current["state"] == "done" and reuse is not None and reuse(job, current):
            os.utime(job)  # recently used: pruned last
            return key
        shutil.rmtree(job, ignore_errors=True)
        job.mkdir(parents=True)
        for name, data in (files or {}).items():
            (job / name).write_bytes(data)
        (job / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        write_status(job, state="queued", done=0, total=1, message="排队中", started=time.time())
        with open(job / "log.txt", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, str(job)],
                env={**os.environ, "DATABRAIN_DB": str(warehouse_path)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: cancel() ends all of it
            )
        write_status(job, pid=proc.pid)
    # reap the child when it exits, so it never lingers as a zombie of this web worker
    threading.Thread(target=proc.wait, name=f"job-{kind}-{key}", daemon=True).start()
    _prune(root)
    return key


def cancel(kind: str, key: str, warehouse_path: Path | None = None) -> bool:
    """End a queued or running job (its whole process group); True if there was one."""
    s = status(kind, key, warehouse_path)
    if s["state"] not in ACTIVE or not s.get("pid"):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(s["pid"], signal.SIGTERM)
    write_status(job_path(kind, key, warehouse_path), state="cancelled", message="已取消")
    return True


def _prune(root: Path) -> None:
    jobs = []
    for p in root.iterdir():
        with contextlib.suppress(OSError):  # another worker may be pruning too
            if p.is_dir() and KEY_RE.match(p.name):
                jobs.append((p.stat().st_mtime, p))
    for _, old in sorted(jobs)[:-KEEP_JOBS]:
        shutil.rmtree(old, ignore_errors=True)


def _take_slot(job: Path):
    """Wait for one of ``cpu_count`` slots shared by every kind of job (a file lock held until
    this process ends)."""
    slots_dir = job.parent.parent
    slots = max(1, os.cpu_count() or 1)
    while True:
        for i in range(slots):
            fh = open(slots_dir / f".slot-{i}.lock", "a+")  # noqa: SIM115  (held for the process)
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fh
            except BlockingIOError:
                fh.close()
        write_status(job, state="queued", message="排队中：其他任务正在进行")
        time.sleep(POLL_SLOT_SECONDS)


class JobFailed(Exception):
    """Raised by a job's work to end it with a message for the user and extra status fields
    (e.g. the list of problems in a rejected file), without a traceback in the log."""

    def __init__(self, message: str, **fields):
        super().__init__(message)
        self.fields = fields


def run(job: Path, work: Callable[[dict, Progress, Path], dict]) -> int:
    """The job process: take a CPU slot, call ``work(params, progress, job dir)`` and record its
    result fields as ``done``, or its failure as ``error``. Returns the exit code."""
    params = json.loads((job / "params.json").read_text(encoding="utf-8"))
    write_status(job, pid=os.getpid())

    def on_term(_signum, _frame):
        write_status(job, state="cancelled", message="已取消")
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    slot = _take_slot(job)
    write_status(job, state="running", message="开始")

    def progress(done: int, total: int, message: str) -> None:
        write_status(job, state="running", done=done, total=total, message=message)

    # a long step (a big load, waiting for the warehouse's write lock, a forecast) reports
    # nothing for minutes: the heartbeat keeps the job from being taken for dead
    finished = threading.Event()

    def heartbeat() -> None:
        while not finished.wait(HEARTBEAT_SECONDS):
            write_status(job)

    threading.Thread(target=heartbeat, name="job-heartbeat", daemon=True).start()
    try:
        result = work(params, progress, job)
    except JobFailed as failed:
        write_status(job, state="error", error=str(failed), **failed.fields)
        return 1
    except Exception as exc:  # the page shows it; the log keeps the traceback
        traceback.print_exc()
        write_status(job, state="error", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        finished.set()
        slot.close()
    write_status(job, state="done", done=1, total=1, message="完成", **result)
    return 0
