"""The `databrain` console script, run as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import snapshot

BIN = Path(sys.executable).with_name("databrain")


def run(*args, db: Path):
    env = {**os.environ, "DATABRAIN_DB": str(db)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(autouse=True)
def _console_script_installed():
    if not BIN.exists():
        pytest.fail(f"console script missing: {BIN} (run scripts/setup.sh)")


def test_cli001_ingest_then_status_json(warehouse, items_csv):
    result = run("ingest", str(items_csv), db=warehouse.path)
    assert result.returncode == 0, result.stderr
    assert "service_items.csv → service_items：4 行" in result.stdout
    status = json.loads(run("status", "--json", db=warehouse.path).stdout)
    by_name = {d["dataset"]: d for d in status}
    assert by_name["service_items"]["rows"] == 4
    assert by_name["service_items"]["period_start"] == "2021-03-01"
    assert by_name["service_items"]["period_end"] == "2022-07-01"
    assert by_name["service_items"]["files"][0]["file_name"] == "service_items.csv"
    assert by_name["hotline_tickets"]["rows"] == 0


def test_cli002_rejected_file_exits_nonzero_with_chinese_message(loaded, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date\nA,名,一件事,000000,部门,2021-01-01\n",
        encoding="utf-8",
    )
    before = snapshot(loaded)
    result = run("ingest", str(bad), db=loaded.path)
    assert result.returncode == 1
    assert (
        "文件「bad.csv」 第 2 行 「region_code」（行政区划代码）：未知的行政区划代码「000000」"
        in result.stderr
    )
    assert snapshot(loaded) == before
    as_json = json.loads(run("ingest", "--json", str(bad), db=loaded.path).stdout)
    assert as_json["ok"] is False and as_json["issues"][0]["row"] == 2


def test_cli003_status_without_warehouse_says_how_to_build_one(tmp_path):
    result = run("status", db=tmp_path / "none.duckdb")
    assert result.returncode == 1
    assert "databrain demo" in result.stderr


def test_cli004_demo_builds_a_synthetic_warehouse(tmp_path):
    db = tmp_path / "demo.duckdb"
    result = run("demo", db=db)
    assert result.returncode == 0, result.stderr
    status = json.loads(run("status", "--json", db=db).stdout)
    assert all(d["rows"] > 0 for d in status), [d["dataset"] for d in status if not d["rows"]]
    assert all(d["synthetic_rows"] == d["rows"] for d in status)
    shutil.rmtree(tmp_path / "demo-files", ignore_errors=True)


def test_cli010_demo_forecasts_every_target_series_with_accuracy(tmp_path):
    """`databrain demo` leaves forecasts and probabilities for every numeric target series of
    the province and the 13 cities, each with its model and backtest accuracy stored."""
    from datasets.warehouse import Warehouse
    from indicators.catalog import default_catalog

    db = tmp_path / "fc" / "demo.duckdb"
    result = run("demo", db=db)
    assert result.returncode == 0, result.stderr
    wh = Warehouse(db)
    models = wh.query(
        "SELECT indicator, region_code, model, mase, naive_mase, probability, note "
        "FROM forecast_models WHERE as_of = DATE '2023-12-31'"
    )
    numeric = [
        t.indicator
        for t in default_catalog().target_sets["jiangsu-14fyp-digital-gov"].targets
        if t.target is not None
    ]
    assert models.height == len(numeric) * 14
    assert models["model"].null_count() == 0
    # before the deadline every series carries a probability of meeting its target
    assert models["probability"].null_count() == 0
    # every model is scored by its backtest, except where there was nothing to score: a short or
    # flat series (drift) or a count that has not moved since its programme began
    scored = models.filter((pl.col("model") != "drift") & ~pl.col("note").str.contains("未做回测"))
    assert scored["mase"].null_count() == 0
    unscored = models.filter(pl.col("model") == "counts").filter(pl.col("mase").is_null())
    assert unscored.height < models.filter(pl.col("model") == "counts").height
    assert wh.query("SELECT count(*) AS n FROM forecasts")["n"][0] > 0
    # the planted anomalies are found and appear as warnings
    rules = set(wh.query("SELECT rule_id || ':' || region_code AS k FROM warnings")["k"])
    assert {"hotline_surge:320300", "stalled_progress:320700"} <= rules
    wh.close()
