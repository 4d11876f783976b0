"""The job queue of several machines: web nodes push jobs into Redis, one `databrain worker` runs
them. A real redis-server is started and stopped by each test; the worker is the real command,
named ``writer`` (``DATABRAIN_NODE``), while this process plays a web node named ``web``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datasets import job_queue, jobs

ROOT = Path(__file__).resolve().parents[2]
DATABRAIN = str(Path(sys.executable).with_name("databrain"))
MODULE = "tests.datasets.job_work"
KEY_A, KEY_B = "a" * 20, "b" * 20

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server"),
    reason="redis-server 未安装：以 root 运行 make test 会安装 redis-server",
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def queue(tmp_path, monkeypatch):
    """A redis-server of this test's own; this process is the web node ``web`` with the queue
    set. Yields the warehouse path and a Redis client for the test's own looks."""
    import redis

    port = _port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/1"
    client = redis.Redis.from_url(url)
    deadline = time.time() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.time() > deadline or server.poll() is not None:
                raise
            time.sleep(0.1)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DATABRAIN_JOB_QUEUE", url)
    monkeypatch.setenv("DATABRAIN_NODE", "web")
    wh_path = tmp_path / "wh" / "w.duckdb"
    monkeypatch.setenv("DATABRAIN_DB", str(wh_path))
    workers: list[Worker] = []
    try:
        yield {"path": wh_path, "redis": client, "url": url, "workers": workers, "tmp": tmp_path}
    finally:
        for w in workers:
            w.kill()
        server.terminate()
        server.wait(timeout=30)


class Worker:
    """`databrain worker` as the writer would run it."""

    def __init__(self, q: dict):
        self.log = q["tmp"] / f"worker-{len(q['workers'])}.log"
        self.proc = subprocess.Popen(
            [DATABRAIN, "worker"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABRAIN_JOB_QUEUE": q["url"],
                "DATABRAIN_DB": str(q["path"]),
                "DATABRAIN_NODE": "writer",
            },
            stdout=open(self.log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        q["workers"].append(self)
        self.wait_for("已启动")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def lines(self, start: str) -> list[str]:
        return [line for line in self.text().splitlines() if line.startswith(start)]

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while text not in self.text():
            if time.time() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"worker never said {text!r}:\n{self.text()}")
            time.sleep(0.1)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def wait(key, q, states=("done", "error", "cancelled"), timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = jobs.status("demo", key, q["path"])
        if s["state"] in states:
            return s
        time.sleep(0.1)
    raise AssertionError(f"job {key} still {jobs.status('demo', key, q['path'])}")


def start(q, key=KEY_A, mode="quick") -> str:
    return jobs.start("demo", key, {"mode": mode}, module=MODULE, warehouse_path=q["path"])


def _processes_running(job: Path) -> list[int]:
    """Processes on this machine whose command line names the job directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(job).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def test_queue001_a_queued_job_runs_on_the_worker_not_where_it_was_started(queue):
    key = start(queue)
    job = jobs.job_path("demo", key, queue["path"])
    s = jobs.status("demo", key, queue["path"])
    assert s["state"] == "queued" and s["queue"] and "pid" not in s
    assert _processes_running(job) == [] and not (job / "log.txt").exists()
    [message] = job_queue.waiting()
    assert message == {
        "kind": "demo",
        "key": key,
        "run": s["run"],
        "module": MODULE,
        "warehouse": str(queue["path"]),
    }
    worker = Worker(queue)
    s = wait(key, queue)
    assert s["state"] == "done" and s["steps"] == 3
    assert s["host"] == "writer" and s["worker"] == "writer"
    assert (job / "out.txt").read_text(encoding="utf-8") == "ok"
    assert job_queue.waiting() == []
    assert worker.lines(f"开始 demo/{key}") and job_queue.worker()["node"] == "writer"


def test_queue002_the_same_key_started_twice_runs_once(queue):
    key = start(queue)
    assert start(queue) == key  # a second page joins the queued job
    assert len(job_queue.waiting()) == 1
    # a second node whose start did not see the first: the same job in the list twice
    job_queue.push(job_queue.waiting()[0])
    worker = Worker(queue)
    assert wait(key, queue)["state"] == "done"
    deadline = time.time() + 30
    while job_queue.waiting() and time.time() < deadline:
        time.sleep(0.1)
    worker.wait_for(f"跳过 demo/{key}")
    assert len(worker.lines(f"开始 demo/{key}")) == 1
    assert len(worker.lines(f"跳过 demo/{key}")) == 1
    # two workers at once: the claim in Redis lets one of them have a run
    run = jobs.status("demo", key, queue["path"])["run"]
    assert not job_queue.claim("demo", key, run, "another-writer")
    assert job_queue.claimant("demo", key, run) == "writer"


def test_queue003_without_a_worker_a_queued_job_fails_with_a_clear_message(queue, monkeypatch):
    monkeypatch.setattr(jobs, "STARTING_SECONDS", 0.5)
    key = start(queue, KEY_A)
    job_queue.beat("writer")  # a worker is alive, busy: the job waits as 排队中
    time.sleep(1)
    s = jobs.status("demo", key, queue["path"])
    assert s["state"] == "queued" and s["message"].startswith("排队中")
    queue["redis"].delete(job_queue.WORKER)  # and now none has beaten for a while
    s = jobs.status("demo", key, queue["path"])
    assert s["state"] == "error"
    assert s["error"].startswith("没有运行中的任务执行节点（databrain worker）")
    assert "最近一次心跳" in s["error"]
    # a worker that comes later does not run what the page was told had failed
    worker = Worker(queue)
    worker.wait_for(f"跳过 demo/{key}")
    assert not worker.lines(f"开始 demo/{key}")
    assert jobs.status("demo", key, queue["path"])["state"] == "error"
    # the user retries: a new run of the same key
    start(queue, KEY_A)
    assert wait(key, queue)["state"] == "done"
    assert len(worker.lines(f"开始 demo/{key}")) == 1

    # no worker ever: the message says so
    queue["redis"].delete(job_queue.WORKER, job_queue.SEEN)
    worker.kill()
    key = start(queue, KEY_B)
    time.sleep(1)
    s = jobs.status("demo", key, queue["path"])
    assert s["state"] == "error" and "从未有执行节点连接任务队列" in s["error"]


def test_queue004_a_job_queued_while_no_worker_was_alive_is_not_run_late(queue):
    """Nobody looked while the worker was down: the next worker settles the job as the page
    would have, instead of running it late."""
    key = start(queue)
    job = jobs.job_path("demo", key, queue["path"])
    s = json.loads((job / "status.json").read_text(encoding="utf-8"))
    s["started"] -= 120  # queued two minutes ago, with no worker since
    (job / "status.json").write_text(json.dumps(s), encoding="utf-8")
    worker = Worker(queue)
    worker.wait_for(f"不执行 demo/{key}")
    s = jobs.status("demo", key, queue["path"])
    assert s["state"] == "error" and "没有运行中的任务执行节点" in s["error"]
    assert "pid" not in s and not worker.lines(f"开始 demo/{key}")


def test_queue005_cancel_reaches_a_queued_job_and_one_running_on_the_worker(queue, monkeypatch):
    waiting = start(queue, KEY_A, "slow")
    assert jobs.cancel("demo", waiting, queue["path"])
    assert jobs.status("demo", waiting, queue["path"])["state"] == "cancelled"
    worker = Worker(queue)
    worker.wait_for(f"跳过 demo/{waiting}")

    key = start(queue, KEY_B, "slow")
    s = wait(key, queue, states=("running",))
    assert s["host"] == "writer"

    def no_signals(*_args):
        raise AssertionError("a job on another machine cannot be signalled from here")

    monkeypatch.setattr(os, "killpg", no_signals)
    assert jobs.cancel("demo", key, queue["path"])
    deadline = time.time() + 10
    while jobs._process_alive(s["pid"]) and time.time() < deadline:
        time.sleep(0.1)
    assert not jobs._process_alive(s["pid"])
    assert jobs.status("demo", key, queue["path"])["state"] == "cancelled"
    worker.wait_for(f"结束 demo/{key}：cancelled")
    assert not worker.lines(f"开始 demo/{waiting}")


def test_queue006_a_stopped_worker_leaves_its_job_running_a_killed_one_fails_it(queue, monkeypatch):
    # SIGTERM: the worker stops taking; its running job goes on, alive to every node
    first = Worker(queue)
    key = start(queue, KEY_A, "slow")
    pid = wait(key, queue, states=("running",))["pid"]
    assert first.stop() == 0 and "停止接收任务" in first.text()
    time.sleep(1)
    assert jobs._process_alive(pid)
    assert jobs.status("demo", key, queue["path"])["state"] == "running"
    assert jobs.cancel("demo", key, queue["path"])  # through its directory, from here

    # SIGKILL of the writer, its job with it: the job's heartbeat goes silent
    second = Worker(queue)
    key = start(queue, KEY_B, "slow")
    s = wait(key, queue, states=("running",))
    second.kill()
    os.killpg(s["pid"], signal.SIGKILL)
    monkeypatch.setattr(jobs, "REMOTE_SILENT_SECONDS", 2.0)
    s = wait(key, queue, states=("error",), timeout=10)
    assert "执行节点 writer" in s["error"] and "请重试" in s["error"]

    # the next worker starts nothing of it again; a retry runs once
    third = Worker(queue)
    time.sleep(2)
    assert not third.lines("开始") and not third.lines("重新排队")
    assert jobs.status("demo", key, queue["path"])["pid"] == s["pid"]
    start(queue, KEY_B, "quick")
    assert wait(key, queue)["state"] == "done"
    assert len(third.lines(f"开始 demo/{key}")) == 1


def test_queue007_entries_lost_with_redis_are_put_back_once_by_the_next_worker(queue):
    lost = start(queue, KEY_A)
    kept = start(queue, KEY_B)
    queue["redis"].lpop(job_queue.QUEUE)  # the first entry is gone (a Redis restarted empty)
    assert [m["key"] for m in job_queue.waiting()] == [kept]
    worker = Worker(queue)
    assert wait(lost, queue)["state"] == "done" and wait(kept, queue)["state"] == "done"
    assert worker.lines("重新排队") == [f"重新排队 demo/{lost} / re-queued"]
    assert len(worker.lines(f"开始 demo/{lost}")) == 1
    assert len(worker.lines(f"开始 demo/{kept}")) == 1


def test_queue008_without_the_setting_nothing_touches_redis(queue, monkeypatch):
    monkeypatch.delenv("DATABRAIN_JOB_QUEUE")
    key = start(queue)
    s = wait(key, queue)
    assert s["state"] == "done" and s["host"] == "web" and "queue" not in s
    assert queue["redis"].keys("*") == []


def test_queue009_a_job_killed_under_a_live_worker_is_queued_again_and_runs(queue):
    worker = Worker(queue)
    key = jobs.start(
        "demo", KEY_A, {"mode": "slow", "steps": 40}, module=MODULE, warehouse_path=queue["path"]
    )
    first = wait(key, queue, states=("running",))
    os.killpg(first["pid"], signal.SIGKILL)
    worker.wait_for(f"重新排队 demo/{key}：进程意外退出（退出码 -9）")
    s = wait(key, queue, timeout=120)
    assert s["state"] == "done" and s["attempt"] == 2 and s["pid"] != first["pid"]
    assert s["run"] != first["run"]  # a new run of the key, claimed afresh
    assert len(worker.lines(f"开始 demo/{key}")) == 2


def test_queue010_a_job_that_died_after_its_worker_stopped_is_queued_again_by_the_next(queue):
    first = Worker(queue)
    key = jobs.start(
        "demo", KEY_A, {"mode": "slow", "steps": 40}, module=MODULE, warehouse_path=queue["path"]
    )
    running = wait(key, queue, states=("running",))
    assert first.stop() == 0  # its job runs on, as a stopped worker's jobs do
    os.killpg(running["pid"], signal.SIGKILL)  # and then dies, with no worker to reap it
    second = Worker(queue)
    second.wait_for(f"重新排队 demo/{key}：进程已不在")
    s = wait(key, queue, timeout=120)
    assert s["state"] == "done" and s["attempt"] == 2 and s["pid"] != running["pid"]
