"""The pipeline's upload job: the page gets its key at once; the job loads, recomputes and
says what it loaded, or why the file was refused, and a killed load changes nothing."""

from __future__ import annotations

import os
import signal
import time

import pytest

import pipeline
from tests.conftest import SERVICE_ITEMS_CSV, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait(key, wh, states=("done", "error", "cancelled"), timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = pipeline.load_status(key, wh)
        if s["state"] in states or (states == ("loaded",) and s.get("summaries") is not None):
            return s
        time.sleep(0.1)
    raise AssertionError(f"upload job {key} still {pipeline.load_status(key, wh)}")


@pytest.fixture
def job_env(monkeypatch, warehouse):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DATABRAIN_BACKGROUND_FORECAST", "0")
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-11-22")
    return warehouse


def test_pipeline001_an_upload_returns_before_its_load_and_then_says_what_it_loaded(job_env):
    wh = job_env
    before = wh.version()
    key = pipeline.start_load(wh, SERVICE_ITEMS_CSV.encode(), "清单.csv", None)
    assert pipeline.load_status(key, wh)["state"] in ("queued", "running")
    assert wh.version() == before  # nothing loaded yet when the page gets its answer
    s = wait(key, wh)
    assert s["state"] == "done", s
    assert s["summaries"] == ["清单.csv → service_items：4 行（新增 4，替换 0）"]
    assert wh.query("SELECT count(*) AS n FROM service_items")["n"][0] == 4
    assert "target_progress" in wh.table_names()  # recomputed in the same job


def test_pipeline002_a_refused_file_names_file_row_and_column_and_changes_nothing(job_env):
    wh = job_env
    before = snapshot(wh)
    lines = SERVICE_ITEMS_CSV.splitlines()
    bad = "\n".join([lines[0], lines[1].replace("320100", "999999")]) + "\n"
    key = pipeline.start_load(wh, bad.encode(), "坏文件.csv", None)
    s = wait(key, wh)
    assert s["state"] == "error"
    assert "文件「坏文件.csv」未通过校验" in s["error"]
    assert any("第 2 行" in i and "region_code" in i and "999999" in i for i in s["issues"])
    assert snapshot(wh) == before


def test_pipeline003_a_load_killed_midway_leaves_the_warehouse_as_it_was(job_env):
    """kill -9 during the load, on every attempt: each kill leaves the warehouse as it was, and
    after MAX_ATTEMPTS the upload fails saying it was retried."""
    from datasets.jobs import MAX_ATTEMPTS

    wh = job_env
    before = snapshot(wh)
    key = pipeline.start_load(wh, SERVICE_ITEMS_CSV.encode(), "清单.csv", None)
    for _ in range(MAX_ATTEMPTS):
        s = wait(key, wh, states=("running",))
        os.killpg(s["pid"], signal.SIGKILL)
        time.sleep(0.5)
        assert snapshot(wh) == before
    s = wait(key, wh, states=("error",))
    assert s["error"] == f"任务进程意外退出（已自动重试 {MAX_ATTEMPTS - 1} 次），请重试"
    assert snapshot(wh) == before


def test_pipeline009_a_load_killed_once_is_started_again_and_lands_once(job_env):
    wh = job_env
    key = pipeline.start_load(wh, SERVICE_ITEMS_CSV.encode(), "清单.csv", None)
    s = wait(key, wh, states=("running",))
    os.killpg(s["pid"], signal.SIGKILL)
    s = wait(key, wh)
    assert s["state"] == "done" and s["attempt"] == 2, s
    assert s["summaries"] == ["清单.csv → service_items：4 行（新增 4，替换 0）"]
    loads = wh.query("SELECT count(*) AS n FROM _loads WHERE file_name = '清单.csv'")
    assert loads["n"][0] == 1
    assert wh.query("SELECT count(*) AS n FROM service_items")["n"][0] == 4


# --- forecasts after loads: their own job, one at a time, never lost --------------------------


def fake_forecasts(monkeypatch, seconds: float = 0.0, during=None):
    """Replace the forecast itself (minutes on real data) by a recorder; ``during`` runs inside
    the first forecast, as a load arriving meanwhile would."""
    calls = []

    def forecast(warehouse, workers=None):
        calls.append(warehouse.version())
        if during and len(calls) == 1:
            during()
        time.sleep(seconds)

    monkeypatch.setattr(pipeline, "forecast", forecast)
    return calls


def run_job(wh):
    return pipeline._forecast_job({"warehouse": str(wh.path)}, lambda *a: None, None)


def test_pipeline005_a_load_arriving_during_a_forecast_gets_one_more_round(warehouse, monkeypatch):
    wh = warehouse
    later = []
    calls = fake_forecasts(
        monkeypatch, during=lambda: later.append(pipeline._note(wh).write_text("newer"))
    )
    pipeline._note(wh).write_text("first")
    assert run_job(wh)["rounds"] == 2 and len(calls) == 2
    assert pipeline._read_note(wh) is None  # both loads served
    assert run_job(wh)["rounds"] == 0  # a job started meanwhile finds nothing left to do


def test_pipeline006_forecasters_take_turns_and_coalesce(warehouse, monkeypatch):
    """Two jobs at once: the second waits for the first and finds the data already forecast."""
    import threading

    wh = warehouse
    calls = fake_forecasts(monkeypatch, seconds=0.5)
    pipeline._note(wh).write_text("load")
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(run_job(wh)["rounds"])) for _ in range(2)
    ]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [0, 1] and len(calls) == 1


def test_pipeline007_an_interrupted_forecast_is_run_again_at_the_next_start(warehouse, monkeypatch):
    wh = warehouse
    started = []
    monkeypatch.setattr(
        pipeline.jobs,
        "start",
        lambda kind, key, params, **kw: started.append((kind, params)) or key,
    )
    assert pipeline.resume_forecast(wh) is None and started == []  # nothing owed
    pipeline._note(wh).write_text("a load whose forecast was killed")
    assert pipeline.resume_forecast(wh) is not None
    assert started == [("forecast", {"kind": "forecast", "warehouse": str(wh.path)})]


def test_pipeline008_an_upload_does_not_wait_for_its_forecast(job_env, monkeypatch):
    """The load job asks for the forecast and ends; the forecast runs as its own job."""
    wh = job_env
    monkeypatch.setenv("DATABRAIN_BACKGROUND_FORECAST", "1")
    key = pipeline.start_load(wh, SERVICE_ITEMS_CSV.encode(), "清单.csv", None)
    s = wait(key, wh)
    assert s["state"] == "done", s
    forecast_key = s["forecast_job"]
    assert forecast_key and forecast_key != key
    deadline = time.time() + 300
    while pipeline.jobs.status("forecast", forecast_key, wh.path)["state"] not in ("done", "error"):
        assert time.time() < deadline
        time.sleep(0.2)
    done = pipeline.jobs.status("forecast", forecast_key, wh.path)
    assert done["state"] == "done", done
    assert pipeline._read_note(wh) is None
