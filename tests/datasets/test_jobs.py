"""The one job runner: started by a page, run in its own process, its state on disk."""

from __future__ import annotations

import os
import signal
import time

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


def test_jobs003_a_killed_job_is_reported_failed_not_polled_forever(wh_path):
    key = jobs.start("demo", KEY_A, {"mode": "slow"}, module=MODULE, warehouse_path=wh_path)
    s = wait("demo", key, wh_path, states=("running",))
    os.kill(s["pid"], signal.SIGKILL)
    s = wait("demo", key, wh_path, states=("error",))
    assert "意外退出" in s["error"]


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
