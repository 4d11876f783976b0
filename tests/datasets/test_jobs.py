"""The one job runner: started by a page, run in its own process, its state on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from datasets import jobs

MODULE = "tests.datasets.job_work"
KEY_A, KEY_B = "a" * 20, "b" * 20


def wait(kind, key, path, states=("done", "error", "cancelled"), timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = jobs.status(kind, key, path)
        if s["state"] in states:
            return s
        time.sleep(0.1)
    raise AssertionError(f"job {key} still {jobs.status(kind, key, path)}")


@pytest.fixture
def wh_path(tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    return tmp_path / "wh" / "w.duckdb"


def test_jobs001_a_job_runs_in_its_own_process_and_records_its_result(wh_path):
    key = jobs.start("demo", KEY_A, {"mode": "quick"}, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path)
    assert s["state"] == "done" and s["steps"] == 3 and s["file"] == "out.txt"
    assert s["pid"] != os.getpid()
    assert (jobs.job_path("demo", key, wh_path) / "out.txt").read_text(encoding="utf-8") == "ok"


def test_jobs002_the_same_key_joins_a_running_job_and_a_done_one_is_reused(wh_path):
    key = jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    wait("demo", key, wh_path, states=("running",))
    pid = jobs.status("demo", key, wh_path)["pid"]
    assert jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path) == key
    assert jobs.status("demo", key, wh_path)["pid"] == pid  # joined, not restarted
    assert jobs.cancel("demo", key, wh_path)
    assert wait("demo", key, wh_path)["state"] == "cancelled"
    done = jobs.start("demo", KEY_B, {"mode": "quick"}, module=MODULE, warehouse_path=wh_path)
    first = wait("demo", done, wh_path)["started"]
    jobs.start(
        "demo",
        KEY_B,
        {"mode": "quick"},
        module=MODULE,
        warehouse_path=wh_path,
        reuse=lambda job, s: (job / s["file"]).is_file(),
    )
    assert jobs.status("demo", KEY_B, wh_path)["started"] == first


def test_jobs003_a_killed_job_is_started_again_then_failed_when_it_keeps_dying(wh_path):
    """kill -9 of a job's process: the next reader starts it again, saying so, and it finishes;
    a job killed on every attempt fails after MAX_ATTEMPTS, not polled forever."""
    params = {"mode": "slow", "steps": 50}
    key = jobs.start("demo", KEY_A, params, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path, states=("running",))
    os.kill(s["pid"], signal.SIGKILL)
    time.sleep(0.5)
    # asking for the job again (another page, another worker) revives it once, and never hangs
    asked = []
    thread = threading.Thread(
        target=lambda: asked.append(
            jobs.start("demo", KEY_A, params, module=MODULE, warehouse_path=wh_path)
        )
    )
    thread.start()
    thread.join(timeout=60)
    assert asked == [KEY_A]
    again = jobs.status("demo", key, wh_path)
    assert again["state"] in ("queued", "running") and again["attempt"] == 2
    assert again["pid"] != s["pid"]
    assert f"已自动重新开始（第 2/{jobs.MAX_ATTEMPTS} 次）" in again["message"]
    done = wait("demo", key, wh_path, timeout=240)
    assert done["state"] == "done" and done["steps"] == 50 and done["attempt"] == 2

    key = jobs.start("demo", KEY_B, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    killed = set()
    for _ in range(jobs.MAX_ATTEMPTS):
        s = wait("demo", key, wh_path, states=("running",), timeout=60)
        killed.add(s["pid"])
        os.kill(s["pid"], signal.SIGKILL)
        time.sleep(0.5)
    s = wait("demo", key, wh_path, states=("error",), timeout=30)
    assert len(killed) == jobs.MAX_ATTEMPTS
    assert s["error"] == f"任务进程意外退出（已自动重试 {jobs.MAX_ATTEMPTS - 1} 次），请重试"
    time.sleep(1)
    assert jobs.status("demo", key, wh_path)["pid"] in killed  # nothing started a fourth time


def test_jobs015_work_that_cannot_run_yet_is_retried_with_its_reason(wh_path):
    """Work raising Retry waits and runs again, with the parameters it handed on; when it still
    cannot run after MAX_ATTEMPTS, the job fails with the reason and the retries counted."""
    key = jobs.start(
        "demo", KEY_A, {"mode": "busy", "busy": 1}, module=MODULE, warehouse_path=wh_path
    )
    seen = wait("demo", key, wh_path, states=("queued",), timeout=60)
    while "自动重试" not in seen.get("message", ""):
        seen = jobs.status("demo", key, wh_path)
    assert seen["message"] == f"数据仓库正在更新；2 秒后自动重试（第 2/{jobs.MAX_ATTEMPTS} 次）"
    s = wait("demo", key, wh_path, timeout=60)
    assert s["state"] == "done" and s["attempt"] == 2 and s["steps"] == 2
    job = jobs.job_path("demo", key, wh_path)
    assert (job / "attempts.txt").read_text().split() == ["0", "1"]

    busy = jobs.MAX_ATTEMPTS + 5
    key = jobs.start(
        "demo", KEY_B, {"mode": "busy", "busy": busy}, module=MODULE, warehouse_path=wh_path
    )
    s = wait("demo", key, wh_path, timeout=120)
    assert s["state"] == "error"
    assert s["error"] == f"数据仓库正在更新（已自动重试 {jobs.MAX_ATTEMPTS - 1} 次）"
    tried = (jobs.job_path("demo", key, wh_path) / "attempts.txt").read_text().split()
    assert len(tried) == jobs.MAX_ATTEMPTS


def test_jobs004_a_failure_carries_its_message_and_fields_to_the_page(wh_path):
    key = jobs.start("demo", KEY_A, {"mode": "fail"}, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path)
    assert s["state"] == "error"
    assert s["error"] == "文件「x.csv」未通过校验" and s["issues"] == ["第 2 行：不对"]


def test_jobs005_at_most_one_job_per_core_runs_the_others_queue(wh_path):
    cores = os.cpu_count() or 1
    keys = [f"{i:020x}" for i in range(cores + 1)]
    for key in keys:
        jobs.start("demo", key, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        states = [jobs.status("demo", k, wh_path)["state"] for k in keys]
        if states.count("running") == cores:
            break
        time.sleep(0.1)
    assert states.count("running") == cores and states.count("queued") == 1
    for key in keys:
        jobs.cancel("demo", key, wh_path)


def test_jobs006_bad_keys_and_kinds_are_refused():
    assert jobs.status("demo", "../../etc") == {"state": "missing"}
    with pytest.raises(ValueError):
        jobs.jobs_dir("../x")


def _write_status(path, **fields):
    """A status.json as another machine's job would leave it (written by hand: write_status
    stamps ``updated`` with now)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "status.json").write_text(json.dumps(fields), encoding="utf-8")


def _unused_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_jobs007_a_job_on_another_host_is_judged_by_its_heartbeat_not_a_local_pid(
    wh_path, monkeypatch
):
    monkeypatch.setenv("DATABRAIN_NODE", "writer")
    key = jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path, states=("running",))
    assert s["host"] == "writer"
    os.kill(s["pid"], signal.SIGSTOP)  # alive, silent
    try:
        time.sleep(1.5)
        assert jobs.status("demo", key, wh_path)["state"] == "running"  # here: the pid lives
        monkeypatch.setenv("DATABRAIN_NODE", "web")
        monkeypatch.setattr(jobs, "REMOTE_SILENT_SECONDS", 1.0)
        s = jobs.status("demo", key, wh_path)  # elsewhere: its heartbeat is stale
        assert s["state"] == "error" and "执行节点 writer" in s["error"]
    finally:
        os.kill(s["pid"], signal.SIGCONT)
    assert wait("demo", key, wh_path, states=("running",), timeout=10)["state"] == "running"
    os.killpg(s["pid"], signal.SIGTERM)

    # a pid this machine has never seen: fresh heartbeat alive, stale dead
    job = jobs.job_path("demo", KEY_B, wh_path)
    alive = dict(state="running", pid=_unused_pid(), host="elsewhere", started=time.time())
    _write_status(job, **alive, updated=time.time())
    assert jobs.status("demo", KEY_B, wh_path)["state"] == "running"
    _write_status(job, **alive, updated=time.time() - 5)
    s = jobs.status("demo", KEY_B, wh_path)
    assert s["state"] == "error" and "执行节点 elsewhere" in s["error"]


def test_jobs008_a_cancel_from_another_host_is_seen_by_the_job_itself(wh_path, monkeypatch):
    monkeypatch.setenv("DATABRAIN_NODE", "writer")
    key = jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    pid = wait("demo", key, wh_path, states=("running",))["pid"]
    monkeypatch.setenv("DATABRAIN_NODE", "web")

    def no_signals(*_args):
        raise AssertionError("a job on another machine cannot be signalled from here")

    monkeypatch.setattr(os, "killpg", no_signals)
    assert jobs.cancel("demo", key, wh_path)
    assert (jobs.job_path("demo", key, wh_path) / jobs.CANCEL_FILE).is_file()
    deadline = time.time() + 5
    while jobs._process_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not jobs._process_alive(pid)
    s = jobs.status("demo", key, wh_path)
    assert s["state"] == "cancelled" and s["done"] < 599


SIGTERM_MID_WRITE = """
import os, signal, sys, time
from pathlib import Path
from datasets import jobs

def work(params, progress, job):
    with jobs._WRITE:  # as inside a progress write
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler runs on this thread, the write still under way
    return {}

sys.exit(jobs.run(Path(sys.argv[1]), work))
"""


def test_jobs009_a_cancel_that_lands_inside_a_status_write_still_ends_the_job(wh_path):
    job = jobs.job_path("demo", KEY_A, wh_path)
    job.mkdir(parents=True)
    (job / "params.json").write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_MID_WRITE, str(job)], timeout=60, capture_output=True
    )
    assert done.returncode == 143, done.stderr
    assert jobs.status("demo", KEY_A, wh_path)["state"] == "cancelled"


def _mapped(pid: int, name: str) -> bool:
    """True when the process has a file whose path contains ``name`` mapped (an imported
    extension module)."""
    return name in Path(f"/proc/{pid}/maps").read_text()


def test_jobs016_a_waiting_job_has_not_imported_its_module_and_too_many_are_refused(
    wh_path, monkeypatch
):
    """Every slot busy: the next job waits in a process that has not imported its (heavy)
    module; once the slots free, it imports and runs it. Beyond DATABRAIN_MAX_JOBS queued or
    running, a new job is refused in Chinese, while joining a running one still works."""
    slots = max(1, os.cpu_count() or 1)
    keys = [f"{i:020x}" for i in range(slots)]
    params = {"mode": "slow", "steps": 600}
    for key in keys:
        jobs.start("demo", key, params, module=MODULE, warehouse_path=wh_path)
    for key in keys:
        wait("demo", key, wh_path, states=("running",))
    heavy = "e" * 20
    jobs.start("demo", heavy, {}, module="tests.datasets.job_heavy", warehouse_path=wh_path)
    s = wait("demo", heavy, wh_path, states=("queued",))
    deadline = time.time() + 60
    while "其他任务正在进行" not in s.get("message", "") and time.time() < deadline:
        s = jobs.status("demo", heavy, wh_path)
        time.sleep(0.1)
    assert "其他任务正在进行" in s["message"]
    assert not _mapped(s["pid"], "polars") and not _mapped(s["pid"], "duckdb")

    monkeypatch.setenv("DATABRAIN_MAX_JOBS", str(slots + 1))
    with pytest.raises(jobs.Busy) as refused:
        jobs.start("demo", "f" * 20, {"mode": "quick"}, module=MODULE, warehouse_path=wh_path)
    assert str(refused.value) == (
        f"当前已有 {slots + 1} 个任务在排队或运行（上限 {slots + 1} 个），请稍后再试"
    )
    assert jobs.start("demo", keys[0], params, module=MODULE, warehouse_path=wh_path) == keys[0]

    for key in keys:
        jobs.cancel("demo", key, wh_path)
    done = wait("demo", heavy, wh_path, timeout=120)
    assert done["state"] == "done" and done["steps"] == 42


def test_jobs017_a_hung_job_is_ended_before_it_is_started_again(wh_path, monkeypatch):
    """Alive but silent past SILENT_SECONDS (stopped, stuck): its process group is ended first,
    so two copies never run at once."""
    key = jobs.start(
        "demo", KEY_A, {"mode": "slow", "steps": 30}, module=MODULE, warehouse_path=wh_path
    )
    s = wait("demo", key, wh_path, states=("running",))
    os.kill(s["pid"], signal.SIGSTOP)
    monkeypatch.setattr(jobs, "SILENT_SECONDS", 1)
    time.sleep(1.5)
    again = jobs.status("demo", key, wh_path)
    assert again["attempt"] == 2 and again["pid"] != s["pid"]
    assert not jobs._process_alive(s["pid"])
    monkeypatch.setattr(jobs, "SILENT_SECONDS", 300)
    assert wait("demo", key, wh_path, timeout=120)["state"] == "done"


def test_jobs018_a_job_that_died_unseen_and_is_cancelled_stays_cancelled(wh_path):
    key = jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path, states=("running",))
    os.kill(s["pid"], signal.SIGKILL)
    time.sleep(0.5)
    assert jobs.cancel("demo", key, wh_path)  # read from disk: no reader revived it first
    time.sleep(3)
    after = jobs.status("demo", key, wh_path)
    assert after["state"] == "cancelled" and after["pid"] == s["pid"]


def test_jobs019_a_job_started_again_waits_out_its_pause_without_a_cpu_slot(wh_path, monkeypatch):
    import fcntl

    monkeypatch.setattr(jobs, "RETRY_DELAYS", (8.0, 8.0))  # read here: this process revives it
    key = jobs.start(
        "demo", KEY_A, {"mode": "slow", "steps": 20}, module=MODULE, warehouse_path=wh_path
    )
    s = wait("demo", key, wh_path, states=("running",))
    os.kill(s["pid"], signal.SIGKILL)
    time.sleep(0.5)
    again = jobs.status("demo", key, wh_path)
    time.sleep(3)  # the new process has started and is in its pause
    assert again["attempt"] == 2 and again["retry_at"] - time.time() > 1
    assert jobs._process_alive(again["pid"])
    root = jobs.job_path("demo", key, wh_path).parent.parent
    slots = max(1, os.cpu_count() or 1)
    for i in range(slots):  # every slot is free: the waiting process holds none
        with open(root / f".slot-{i}.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh, fcntl.LOCK_UN)
    assert wait("demo", key, wh_path, timeout=120)["state"] == "done"
