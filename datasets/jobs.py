"""The one job runner: slow work a page starts, run in its own process, its state on disk.

Report renders (:mod:`reports.jobs`) and loads with their recompute and forecast
(:mod:`pipeline`) run through here. The page's callback only starts the job and returns at once.
The browser then polls :func:`status` until the job is done.

Why processes and files, not Dash background callbacks with a diskcache or Celery manager:

* **Survival.** A job outlives the request, the page reload and the web worker that started it.
  Under gunicorn any worker can answer a poll, because the state is a file beside the warehouse
  and no worker's memory holds it. With diskcache that is true as well, but a background
  callback's result is tied to the callback that asked for it, and a reloaded page loses it.
* **No new service on one machine.** A government intranet server runs the app and a DuckDB
  file; Celery needs a broker such as Redis to install, run and watch. Redis comes in only with
  several machines, where it already holds the answer cache (see below).
* **A CPU cap that holds across workers.** At most one job per core runs at a time. The others
  wait as 排队中, held back by file locks that every worker and job process sees.
* **Cancellation and death are plain.** A job is a process group: :func:`cancel` ends it. A job
  whose process is gone is reported as failed and is not polled forever. A warehouse write that
  is killed leaves the warehouse as it was, because every load writes a copy and swaps it in.
* **Deterministic work is cached.** The caller picks the key. The same key for the same inputs
  joins a running job, or returns a finished one at once.

Layout: ``<warehouse dir>/jobs/<kind>/<key>/`` holds ``params.json``, ``status.json`` (state,
done, total, message, error, pid, host, started, updated and the work's own result fields),
``log.txt`` (the process's output, with tracebacks) and the work's files. A job runs as ``python
-m MODULE <job dir>``, and the module's ``__main__`` calls :func:`run` with its work function.
Old job directories are pruned. The functions are safe to call from several processes.

**Several machines** (docs/deployment.md, section 2). The web nodes share the job directories on
the shared storage, and only the writer may write the warehouse. With ``DATABRAIN_JOB_QUEUE``
set, :func:`start` writes the job directory as always but runs nothing: it pushes the job onto a
Redis list (:mod:`datasets.job_queue`). ``databrain worker`` on the writer (:func:`work_queue`)
takes the jobs off it and starts each one exactly as :func:`start` does on one machine. A job's
status names the machine (``host``) its process runs on. On that machine a job is judged by its
process; from any other machine, by its heartbeat, which the job writes every
:data:`HEARTBEAT_SECONDS`. :func:`cancel` on another machine leaves a request in the job
directory (and in Redis), which the job's own watcher sees within a second.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from datasets import job_queue
from datasets.config import db_path
from datasets.locks import exclusive

KEY_RE = re.compile(r"^[0-9a-f]{20}$")
KIND_RE = re.compile(r"^[a-z]+$")
MODULE_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
KEEP_JOBS = 200  # per kind
STARTING_SECONDS = 30  # a job without a pid yet is still being started
SILENT_SECONDS = 300  # a running job that has not written its status for this long is dead
POLL_SLOT_SECONDS = 0.5
HEARTBEAT_SECONDS = 30  # a running job says it is alive this often, whatever its work is doing
# a job on another machine is judged by its heartbeat alone: dead after four missed beats (the
# shared storage may show another machine's write some seconds late)
REMOTE_SILENT_SECONDS = 4 * HEARTBEAT_SECONDS
CANCEL_POLL_SECONDS = 1.0  # a job looks for a cancel request from another machine this often
CANCEL_FILE = "cancel"  # in the job directory: a request to end the job
QUEUE_FILE = "queue.json"  # in the job directory: the job as it was pushed onto the queue
ACTIVE = ("queued", "running")
LOST = "任务进程意外退出，请重试"
#: how many times a job runs before its failure stands: a process that died (killed, out of
#: memory, its machine restarted) or work that could not run yet (:class:`Retry`) is run again,
#: which is safe because every job is idempotent (a load of the same file loads nothing twice,
#: a render writes the same bytes)
MAX_ATTEMPTS = 3
RETRY_DELAYS = (2.0, 10.0)  # seconds before the second and the third attempt
QUEUE_DOWN = "无法连接任务队列（DATABRAIN_JOB_QUEUE），任务未能执行；请联系管理员检查 Redis 后重试"

Progress = Callable[[int, int, str], None]


def node() -> str:
    """This machine's name in a job's status: ``DATABRAIN_NODE``, else the host name."""
    return os.environ.get("DATABRAIN_NODE") or socket.gethostname()


def jobs_root(warehouse_path: Path | str | None = None) -> Path:
    """``<warehouse dir>/jobs/``: every kind's jobs, and the CPU slots they share."""
    return Path(warehouse_path or db_path()).parent / "jobs"


def jobs_dir(kind: str, warehouse_path: Path | None = None) -> Path:
    """``<warehouse dir>/jobs/<kind>/`` (created on first use)."""
    if not KIND_RE.match(kind):
        raise ValueError(f"bad job kind {kind!r}")
    path = jobs_root(warehouse_path) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


# a job's watcher and its progress write from two threads. Re-entrant: SIGTERM's handler
# writes from the main thread, which may be inside a write when the signal comes.
_WRITE = threading.RLock()


def write_status(job: Path, **fields) -> None:
    """Merge ``fields`` into the job's status, atomically (a reader never sees half a file)."""
    path = job / "status.json"
    with _WRITE:
        try:
            old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except ValueError:
            old = {}
        data = {**old, **fields, "updated": time.time()}
        if old.get("state") == "cancelled":
            # a cancelled job stays cancelled: its process may report once more as it ends
            data.update(state="cancelled", message=old.get("message") or "已取消")
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


def _read(job: Path) -> dict | None:
    try:
        return json.loads((job / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _ago(seconds: float) -> str:
    seconds = max(0, seconds)
    if seconds < 90:
        return f"{round(seconds)} 秒"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} 分钟"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} 小时"
    return f"{round(seconds / 86400)} 天"


def _no_worker(waited: float, seen: float | None) -> str:
    since = (
        "从未有执行节点连接任务队列"
        if seen is None
        else f"执行节点最近一次心跳在 {_ago(time.time() - seen)}前"
    )
    return (
        f"没有运行中的任务执行节点（databrain worker）：任务已排队 {_ago(waited)}，{since}，"
        "任务未执行。请联系管理员在写入节点上启动 databrain worker 后重试。"
    )


def _dead(kind: str, key: str, job: Path, s: dict) -> str | None:
    """Why a queued or running job is dead (the message for the user), or None while it lives."""
    now = time.time()
    pid, host = s.get("pid"), s.get("host")
    if pid:
        if not host or host == node():  # on this machine: its process must run and report
            alive = _process_alive(pid) and now - s.get("updated", 0) < SILENT_SECONDS
            return None if alive else LOST
        # on another machine: only its heartbeat tells
        if now - s.get("updated", 0) < REMOTE_SILENT_SECONDS:
            return None
        return f"任务进程意外退出或已无响应（执行节点 {host}），请重试"
    if s.get("queue"):
        return _dead_in_queue(kind, key, job, s, now)
    return None if now - s.get("started", 0) < STARTING_SECONDS else LOST


def _dead_in_queue(kind: str, key: str, job: Path, s: dict, now: float) -> str | None:
    """A job in the queue lives while a worker is alive to take it. With none for
    :data:`STARTING_SECONDS`, it fails once and for all: the reader claims it, so a worker that
    comes later does not run a job the user was told had failed."""
    claimed = s.get("claimed")
    if claimed:  # a worker took it and is starting its process
        if now - claimed < STARTING_SECONDS:
            return None
        return f"任务执行节点 {s.get('worker') or ''} 未能启动任务进程，请重试"
    waited = now - s.get("started", 0)
    try:
        if job_queue.worker() is not None or waited < STARTING_SECONDS:
            return None  # 排队中: a worker takes it in turn
        run = s.get("run", "")
        taken = not job_queue.claim(kind, key, run, job_queue.ABANDONED)
        if taken and job_queue.claimant(kind, key, run) != job_queue.ABANDONED:
            return None  # a worker has taken it this instant
        seen = job_queue.last_seen()
    except job_queue.QueueUnavailable:
        return None if waited < STARTING_SECONDS else QUEUE_DOWN
    message = _no_worker(waited, seen)
    write_status(job, state="error", error=message)
    return message


def status(kind: str, key: str, warehouse_path: Path | None = None, *, revive: bool = True) -> dict:
    """The job's state: ``queued`` | ``running`` | ``done`` | ``error`` | ``cancelled`` |
    ``missing``, with its progress (done, total, message) and result fields. A job on this
    machine found dead is started again (:func:`_revive`) unless ``revive`` is False (for a
    caller that holds the start lock)."""
    if not KEY_RE.match(key or ""):
        return {"state": "missing"}
    path = jobs_dir(kind, warehouse_path) / key / "status.json"
    if not path.exists():
        return {"state": "missing"}
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # being replaced this instant
        return {"state": "running", "done": 0, "total": 1, "message": "进行中"}
    if s.get("state") in ACTIVE:
        dead = _dead(kind, key, path.parent, s)
        if dead == LOST and s.get("queue"):
            # the worker that ran it re-queues it as it reaps it (or, restarted, as it starts);
            # a job no worker took back within a heartbeat's grace has failed
            if time.time() - s.get("updated", 0) < REMOTE_SILENT_SECONDS:
                return s
        elif dead == LOST and revive:
            return _revive(kind, key, path.parent, s, warehouse_path)
        if dead == LOST:
            return {**s, "state": "error", "error": _lost(s)}
        if dead:
            # recorded as the user is told it: no worker that comes later runs it after all
            write_status(path.parent, state="error", error=dead)
            return {**s, "state": "error", "error": dead}
    return s


def _attempt(s: dict) -> int:
    return int(s.get("attempt") or 1)


def _lost(s: dict) -> str:
    tried = _attempt(s) - 1
    return f"任务进程意外退出（已自动重试 {tried} 次），请重试" if tried else LOST


def _queue_again(job: Path, attempt: int, message: str, **more) -> float:
    """Record the job as queued for its next attempt, which starts after a pause (returned);
    ``message`` may name the pause ``{wait}`` and the attempt ``{n}``."""
    wait = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    write_status(
        job,
        state="queued",
        done=0,
        total=1,
        attempt=attempt + 1,
        retry_at=time.time() + wait,
        message=message.replace("{wait}", f"{wait:g}").replace(
            "{n}", f"{attempt + 1}/{MAX_ATTEMPTS}"
        ),
        **more,
    )
    return wait


def _revive(kind: str, key: str, job: Path, s: dict, warehouse_path: Path | None) -> dict:
    """A job on this machine whose process is gone, or hung (silent for SILENT_SECONDS): its
    process group ended for sure, then started again while attempts remain (the first reader
    to see it does so; the others find it alive), else failed for good."""
    if _attempt(s) >= MAX_ATTEMPTS or not s.get("module"):
        return {**s, "state": "error", "error": _lost(s)}
    proc = None
    with _start_lock(job.parent):
        now = _read(job) or {}
        if now.get("pid") == s.get("pid") and now.get("state") in ACTIVE:
            _end_group(s.get("pid"))
            _queue_again(
                job,
                _attempt(now),
                "任务进程意外退出，已自动重新开始（第 {n} 次）",
                started=time.time(),
                pid=None,
            )
            proc = _spawn(job, s["module"], Path(s.get("warehouse") or db_path()))
            write_status(job, pid=proc.pid, host=node())
    if proc is not None:
        threading.Thread(target=proc.wait, name=f"job-{kind}-{key}", daemon=True).start()
    return status(kind, key, warehouse_path, revive=False)


def _end_group(pid: int | None) -> None:
    """End a job's process group (a hung job is still running) and wait until it is gone."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def job_path(kind: str, key: str, warehouse_path: Path | None = None) -> Path:
    return jobs_dir(kind, warehouse_path) / key


@contextlib.contextmanager
def _start_lock(root: Path) -> Iterator[None]:
    with exclusive(root / ".start.lock"):
        yield


class Busy(ValueError):
    """Too many jobs queued or running to start another: the page says to try again later."""


def max_active() -> int:
    """How many jobs may be queued or running at once, of every kind (``DATABRAIN_MAX_JOBS``,
    default four per core): each waiting job is a process, so requests beyond this are refused
    rather than queued without end."""
    configured = os.environ.get("DATABRAIN_MAX_JOBS", "")
    return (
        int(configured)
        if configured.isdigit() and int(configured) > 0
        else 4 * max(1, os.cpu_count() or 1)
    )


def active_jobs(warehouse_path: Path) -> int:
    """Jobs of every kind queued or running now (dead ones are found dead, or revived)."""
    count = 0
    for path in jobs_root(warehouse_path).glob("*/*/status.json"):
        s = _read(path.parent) or {}
        kind, key = path.parent.parent.name, path.parent.name
        if s.get("state") in ACTIVE and status(kind, key, warehouse_path)["state"] in ACTIVE:
            count += 1
    return count


def start(
    kind: str,
    key: str,
    params: dict,
    *,
    module: str,
    warehouse_path: Path,
    files: dict[str, bytes] | None = None,
    reuse: Callable[[Path, dict], bool] | None = None,
    capped: bool = True,
) -> str:
    """Start the job ``key`` of ``kind`` (``python -m module <job dir>``), or join it when it
    is queued or running, or return it as it is when it is done and ``reuse(job dir, status)``
    says its result is still there. ``files`` are written into the job directory first (an
    upload's bytes). With ``DATABRAIN_JOB_QUEUE`` set the job is pushed onto the queue for the
    writer's ``databrain worker`` instead of run here. Returns ``key``.

    A ``capped`` job that is not already queued or running is refused with :class:`Busy` when
    :func:`max_active` jobs are (the forecast after a load is not capped: it is one at a time
    and the load that asked for it was)."""
    if not KEY_RE.match(key):
        raise ValueError(f"bad job key {key!r}")
    if not MODULE_RE.match(module):
        raise ValueError(f"bad job module {module!r}")
    root = jobs_dir(kind, warehouse_path)
    job = root / key
    proc = None
    if capped and status(kind, key, warehouse_path)["state"] not in ACTIVE:
        limit = max_active()
        active = active_jobs(warehouse_path)
        if active >= limit:
            raise Busy(f"当前已有 {active} 个任务在排队或运行（上限 {limit} 个），请稍后再试")
    with _start_lock(root):
        current = status(kind, key, warehouse_path, revive=False)
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
        run = uuid.uuid4().hex  # this run of the key: what a worker claims
        queued = dict(
            state="queued",
            done=0,
            total=1,
            message="排队中",
            started=time.time(),
            module=module,
            warehouse=str(warehouse_path),
        )
        if job_queue.enabled():
            message = {
                "kind": kind,
                "key": key,
                "run": run,
                "module": module,
                "warehouse": str(warehouse_path),
            }
            (job / QUEUE_FILE).write_text(json.dumps(message, ensure_ascii=False), "utf-8")
            write_status(job, **queued, run=run, queue=True)
            try:
                job_queue.push(message)
            except job_queue.QueueUnavailable:
                write_status(job, state="error", error=QUEUE_DOWN)
        else:
            write_status(job, **queued, run=run)
            proc = _spawn(job, module, warehouse_path)
            write_status(job, pid=proc.pid, host=node())
    if proc is not None:
        # reap the child when it exits, so it never lingers as a zombie of this web worker
        threading.Thread(target=proc.wait, name=f"job-{kind}-{key}", daemon=True).start()
    _prune(root)
    return key


def _spawn(job: Path, module: str, warehouse_path: Path) -> subprocess.Popen:
    """``python -m module <job dir>``, through :mod:`datasets.job_launcher` (which waits for a
    CPU slot before importing the module), its output in ``log.txt``."""
    with open(job / "log.txt", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "datasets.job_launcher", module, str(job)],
            env={**os.environ, "DATABRAIN_DB": str(warehouse_path)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: cancel() ends all of it
        )


def cancel(kind: str, key: str, warehouse_path: Path | None = None) -> bool:
    """End a queued or running job (its whole process group); True if there was one. A job on
    another machine, or one not started yet, is asked to end: its own watcher ends it within a
    second, and a worker does not start it."""
    if not KEY_RE.match(key or ""):
        return False
    job = job_path(kind, key, warehouse_path)
    s = _read(job) or {}
    if s.get("state") not in ACTIVE:  # a job that died unseen is cancelled too, not revived
        return False
    # recorded first, so no reader revives the job between the signal and the record, and a
    # process that starts anyway ends itself at once
    (job / CANCEL_FILE).write_text(node(), encoding="utf-8")
    write_status(job, state="cancelled", message="已取消")
    pid, host = s.get("pid"), s.get("host")
    if pid and (not host or host == node()):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    elif s.get("queue") and s.get("run"):
        # Redis as well: shared storage may show a new file to another machine late
        with contextlib.suppress(job_queue.QueueUnavailable):
            job_queue.request_cancel(kind, key, s["run"])
    return True


def _cancel_requested(job: Path, s: dict) -> bool:
    if (job / CANCEL_FILE).exists():
        return True
    if not (s.get("queue") and s.get("run")):
        return False
    try:
        return job_queue.cancel_requested(job.parent.name, job.name, s["run"])
    except job_queue.QueueUnavailable:
        return False


def _prune(root: Path) -> None:
    jobs = []
    for p in root.iterdir():
        with contextlib.suppress(OSError):  # another worker may be pruning too
            if p.is_dir() and KEY_RE.match(p.name):
                jobs.append((p.stat().st_mtime, p))
    for _, old in sorted(jobs)[:-KEEP_JOBS]:
        shutil.rmtree(old, ignore_errors=True)


_HELD: list = []  # a slot the launcher took before the job's module was imported


def hold_slot(job: Path) -> None:
    """Take a CPU slot now, for the job's first attempt (:mod:`datasets.job_launcher`); a job
    started again after a failure first waits out its pause, holding no slot."""
    _pause_until(job, (_read(job) or {}).get("retry_at"))
    _HELD.append(_take_slot(job))


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


class Retry(Exception):
    """Raised by a job's work that cannot run now but may in a moment (what it needs is being
    rewritten, say): the job says why and runs again, up to :data:`MAX_ATTEMPTS` times.
    ``params`` replaces some of the job's parameters for the next attempt."""

    def __init__(self, reason: str, *, params: dict | None = None):
        super().__init__(reason)
        self.params = params or {}


class JobFailed(Exception):
    """Raised by a job's work to end it with a message for the user and extra status fields
    (e.g. the list of problems in a rejected file), without a traceback in the log."""

    def __init__(self, message: str, **fields):
        super().__init__(message)
        self.fields = fields


def _end_cancelled(job: Path) -> None:
    """Record the cancel and end this job's process group, this process last."""
    write_status(job, state="cancelled", message="已取消")
    if os.getpgrp() == os.getpid():  # started as its own group: the work's children end too
        with contextlib.suppress(OSError):
            os.killpg(os.getpgrp(), signal.SIGTERM)
    os._exit(143)


def _watch(job: Path, s: dict, finished: threading.Event) -> None:
    """The job's second thread. Every :data:`HEARTBEAT_SECONDS` it says the job is alive: a long
    step (a big load, waiting for the warehouse's write lock, a forecast) reports nothing for
    minutes, and another machine judges the job by this alone. Every second it looks for a
    cancel request from another machine."""
    beaten = time.monotonic()
    while not finished.wait(CANCEL_POLL_SECONDS):
        if _cancel_requested(job, s):
            _end_cancelled(job)
        if time.monotonic() - beaten >= HEARTBEAT_SECONDS:
            write_status(job)
            beaten = time.monotonic()


def run(job: Path, work: Callable[[dict, Progress, Path], dict]) -> int:
    """The job process: take a CPU slot, call ``work(params, progress, job dir)`` and record its
    result fields as ``done``, or its failure as ``error``. Work that raises :class:`Retry` is
    run again after a pause (its CPU slot given back meanwhile) while attempts remain. Returns
    the exit code."""
    write_status(job, pid=os.getpid(), host=node())

    def on_term(_signum, _frame):
        write_status(job, state="cancelled", message="已取消")
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    s = _read(job) or {}
    if _cancel_requested(job, s):  # cancelled while it was being started
        _end_cancelled(job)
    finished = threading.Event()
    threading.Thread(target=_watch, args=(job, s, finished), name="job-watch", daemon=True).start()
    try:
        _pause_until(job, s.get("retry_at"))
        while True:
            params = json.loads((job / "params.json").read_text(encoding="utf-8"))
            outcome = _attempt_once(job, work, params)
            if not isinstance(outcome, Retry):
                return outcome
            attempt = _attempt(_read(job) or {})
            if attempt >= MAX_ATTEMPTS:
                write_status(job, state="error", error=f"{outcome}（已自动重试 {attempt - 1} 次）")
                return 1
            if outcome.params:
                params.update(outcome.params)
                _write_params(job, params)
            wait = _queue_again(job, attempt, f"{outcome}；{{wait}} 秒后自动重试（第 {{n}} 次）")
            _pause_until(job, time.time() + wait)
    finally:
        finished.set()


def _write_params(job: Path, params: dict) -> None:
    """Replace the job's parameters atomically (a kill mid-write leaves the old ones)."""
    fd, tmp = tempfile.mkstemp(dir=job, prefix=".params.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(params, fh, ensure_ascii=False)
    os.replace(tmp, job / "params.json")


def _pause_until(job: Path, moment: float | None) -> None:
    """Wait before a retry (a cancel still ends the job at once: the watcher sees it)."""
    if moment:
        time.sleep(max(0.0, moment - time.time()))


def _attempt_once(job: Path, work: Callable[[dict, Progress, Path], dict], params: dict):
    """One run of the work in a CPU slot: the exit code, or the :class:`Retry` it raised."""
    slot = _HELD.pop() if _HELD else _take_slot(job)
    write_status(job, state="running", message="开始")

    def progress(done: int, total: int, message: str) -> None:
        write_status(job, state="running", done=done, total=total, message=message)

    try:
        result = work(params, progress, job)
    except Retry as again:
        return again
    except JobFailed as failed:
        write_status(job, state="error", error=str(failed), **failed.fields)
        return 1
    except Exception as exc:  # the page shows it; the log keeps the traceback
        traceback.print_exc()
        write_status(job, state="error", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        slot.close()
    write_status(job, state="done", done=1, total=1, message="完成", **result)
    return 0


# ----------------------------------------------------------------------------- the writer's worker
WORKER_WAIT_SECONDS = 1  # the longest wait for a job, so a stop or a heartbeat is never late


def work_queue(
    *,
    slots: int | None = None,
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """``databrain worker``: take jobs off the queue and run each one as :func:`start` does on one
    machine, at most ``slots`` at a time (default: one per core; the jobs' CPU slots hold the cap
    as well), with a heartbeat in Redis while it runs. SIGTERM or SIGINT (or ``stop``) ends the
    taking; running jobs go on to their end in their own process groups, holding their CPU
    slots, so a restarted worker does not crowd them. Returns when stopped."""
    me = node()
    slots = slots or max(1, os.cpu_count() or 1)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    # a job that waited in the queue while no worker was alive is not run late (a page may have
    # reported it failed): it counts as abandoned when no worker beat after it came in
    try:
        seen = job_queue.last_seen()
    except job_queue.QueueUnavailable:
        seen = None
    down = (seen + job_queue.WORKER_TTL_SECONDS if seen else 0.0, time.time())
    running: dict[int, tuple[subprocess.Popen, Path]] = {}
    beaten = 0.0
    rescan = True  # at the start, and when Redis is back: its list may have been lost
    echo(f"任务执行节点 {me} 已启动，同时至多运行 {slots} 个任务 / worker started")
    while not stop.is_set():
        _reap(running, echo)
        try:
            if time.monotonic() - beaten >= job_queue.WORKER_BEAT_SECONDS:
                job_queue.beat(me, running=len(running), slots=slots)
                beaten = time.monotonic()
            if rescan:
                _requeue_lost(echo)
                rescan = False
            if len(running) >= slots:
                stop.wait(POLL_SLOT_SECONDS)
                continue
            message = job_queue.pop(WORKER_WAIT_SECONDS)
            if message is not None:
                _take(message, running, me, down, echo)
        except job_queue.QueueUnavailable as err:
            echo(f"无法连接任务队列：{err}；稍后重试 / queue unreachable")
            rescan = True
            stop.wait(2)
    _reap(running, echo)
    echo(f"任务执行节点 {me} 停止接收任务；{len(running)} 个运行中的任务继续运行至结束 / stopped")


def _take(
    message: dict,
    running: dict[int, tuple[subprocess.Popen, Path]],
    me: str,
    down: tuple[float, float],
    echo: Callable[[str], None],
) -> None:
    """Start one job off the queue, unless it is not what it claims, is gone, was cancelled,
    has been started already (a copy pushed twice) or waited while no worker was alive."""
    kind, key, run_id, module, warehouse = (
        message.get(k) for k in ("kind", "key", "run", "module", "warehouse")
    )
    fields = (kind, key, run_id, module, warehouse)
    if not all(isinstance(f, str) and f for f in fields) or not (
        KIND_RE.match(kind) and KEY_RE.match(key) and MODULE_RE.match(module)
    ):
        echo(f"忽略无效的队列项 / invalid entry: {message!r}")
        return
    label = f"{kind}/{key}"
    job = jobs_root(warehouse) / kind / key
    s = _read(job)
    if s is None:
        echo(f"跳过 {label}：找不到任务目录 {job}（各节点须以同一路径挂载共享存储）")
        return
    if s.get("run") != run_id:
        echo(f"跳过 {label}：已被同一任务的新一次运行取代")
        return
    if s.get("state") != "queued" or s.get("pid") or s.get("claimed"):
        echo(f"跳过 {label}：已在执行或已结束（{s.get('state')}）")
        return
    if _cancel_requested(job, s):
        write_status(job, state="cancelled", message="已取消")
        echo(f"跳过 {label}：已取消")
        return
    if max(s.get("started", 0) + STARTING_SECONDS, down[0]) < down[1]:
        if job_queue.claim(kind, key, run_id, job_queue.ABANDONED):
            waited = down[1] - s.get("started", 0)
            write_status(job, state="error", error=_no_worker(waited, down[0] or None))
        echo(f"不执行 {label}：排队时没有运行中的执行节点，已报告失败")
        return
    if not job_queue.claim(kind, key, run_id, me):
        echo(f"跳过 {label}：已由 {job_queue.claimant(kind, key, run_id)} 领取")
        return
    write_status(job, claimed=time.time(), worker=me)
    proc = _spawn(job, module, Path(warehouse))
    write_status(job, pid=proc.pid, host=me)
    running[proc.pid] = (proc, job)
    echo(f"开始 {label}（进程 {proc.pid}）/ started")


def _reap(running: dict[int, tuple[subprocess.Popen, Path]], echo: Callable[[str], None]) -> None:
    """Collect the jobs that have ended. One that ended without saying so (killed, out of
    memory) is recorded as failed at once, not after its heartbeat goes stale."""
    for pid, (proc, job) in list(running.items()):
        code = proc.poll()
        if code is None:
            continue
        del running[pid]
        s = _read(job) or {}
        if s.get("state") in ACTIVE and s.get("pid") == pid:
            if _requeue_dead(job, s, code):
                echo(
                    f"重新排队 {job.parent.name}/{job.name}：进程意外退出（退出码 {code}）/ retried"
                )
                continue
            tried = _attempt(s) - 1
            again = f"，已自动重试 {tried} 次" if tried else ""
            write_status(
                job, state="error", error=f"任务进程意外退出（退出码 {code}{again}），请重试"
            )
            s = _read(job) or {}
        echo(f"结束 {job.parent.name}/{job.name}：{s.get('state')} / ended")


def _requeue_dead(job: Path, s: dict, code: int | None) -> bool:
    """Put a job whose process died back on the queue as a new run, while attempts remain."""
    attempt = _attempt(s)
    entry = job / QUEUE_FILE
    if attempt >= MAX_ATTEMPTS or not entry.exists():
        return False
    try:
        message = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    message["run"] = uuid.uuid4().hex
    entry.write_text(json.dumps(message, ensure_ascii=False), "utf-8")
    exit_code = "" if code is None else f"（退出码 {code}）"
    _queue_again(
        job,
        attempt,
        f"任务进程意外退出{exit_code}，已自动重新排队（第 {{n}} 次）",
        run=message["run"],
        pid=None,
        claimed=None,
        started=time.time(),
    )
    # with Redis down, the job waits queued in its directory: the worker puts it back on the
    # queue when Redis answers again (_requeue_lost)
    with contextlib.suppress(job_queue.QueueUnavailable):
        job_queue.push(message)
    return True


def _requeue_lost(echo: Callable[[str], None]) -> None:
    """Put back on the queue the jobs of this writer's warehouse that wait in their directories
    but whose entry the queue no longer holds (a Redis restarted without its data). Each goes
    back once: a run a worker or a reader has claimed, or one still in the list, is left."""
    root = jobs_root()
    if not root.is_dir():
        return
    listed = {m.get("run") for m in job_queue.waiting()}
    for entry in sorted(root.glob(f"*/*/{QUEUE_FILE}")):
        job = entry.parent
        s = _read(job)
        if s and s.get("state") in ACTIVE and s.get("pid") and s.get("host") == node():
            # run on this machine by a worker since stopped, and dead since
            if not _process_alive(s["pid"]) and _requeue_dead(job, s, None):
                echo(f"重新排队 {job.parent.name}/{job.name}：进程已不在 / retried")
            continue
        if not s or s.get("state") != "queued" or s.get("pid") or s.get("claimed"):
            continue
        try:
            message = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        run_id = message.get("run")
        if run_id != s.get("run") or run_id in listed:
            continue
        if job_queue.claimant(job.parent.name, job.name, run_id) is not None:
            continue
        job_queue.push(message)
        echo(f"重新排队 {job.parent.name}/{job.name} / re-queued")
