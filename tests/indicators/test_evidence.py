"""成效评估: after a data load that moves a task's indicator, its judgement changes with it."""

from __future__ import annotations

import datetime as dt

import polars as pl

import pipeline
from datasets import accounts, notify, supervision
from datasets.warehouse import Warehouse
from indicators.evidence import REQUIRED_SHARE, assess_tasks, effect, target_evidence
from tests.conftest import SERVICE_ITEMS_CSV

TODAY = dt.date(2024, 6, 30)


def _load(warehouse: Warehouse, tmp_path, text: str, name: str, *, fresh=False):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return pipeline.load([path], warehouse=warehouse, fresh=fresh, today=TODAY)


def test_evidence001_a_load_that_moves_the_indicator_changes_the_verdict(
    tmp_path, state_url, monkeypatch
):
    monkeypatch.setenv("DATABRAIN_TODAY", TODAY.isoformat())
    wh = Warehouse(tmp_path / "wh" / "databrain.duckdb")
    _load(wh, tmp_path, SERVICE_ITEMS_CSV, "items-1.csv", fresh=True)
    evidence = target_evidence(wh, "one_thing_completion_rate", "320100")
    assert (evidence["value"], evidence["target"]) == (50.0, 80.0)  # 1 of 南京's 2 items
    accounts.add_user("duban", "province_analyst", password="long enough pw")
    task = supervision.create_task(
        title="南京一件事通办率偏低",
        due=dt.date(2024, 12, 31),
        creator="duban",
        indicator="one_thing_completion_rate",
        region="320100",
        source="target",
        evidence=evidence,
        today=TODAY,
    )
    assert effect(wh, task, today=TODAY)[0] == "watching"
    assert effect(wh, task, today=dt.date(2025, 1, 1))[0] == "not_effective"  # due, unmoved

    # a load that adds an unachieved item to another city: 南京 does not move, nothing new
    other = SERVICE_ITEMS_CSV + "SZ-009,新事项,一件事,320500,苏州市政务办,企业服务,2021-04-01,\n"
    _load(wh, tmp_path, other, "items-2.csv")
    assert [a["verdict"] for a in supervision.assessments(task.id)] == ["watching"]

    # 南京's second item achieved: 100 % ≥ 80 % — the load records 已见效
    done = other.replace(
        "NJ-002,出生一件事,一件事,320100,南京市卫健委,民生服务,2021-05-10,",
        "NJ-002,出生一件事,一件事,320100,南京市卫健委,民生服务,2021-05-10,2023-01-15",
    )
    assert done != other
    _load(wh, tmp_path, done, "items-3.csv")
    history = supervision.assessments(task.id)
    assert [a["verdict"] for a in history] == ["watching", "effective"]
    assert history[-1]["occasion"] == "load" and history[-1]["detail"]["now"] == 100.0
    assert history[-1]["verdict_zh"] == "已见效"
    (told,) = notify.inbox("duban").filter(pl.col("kind") == "effect").iter_rows(named=True)
    assert "由「待观察」改为「已见效」" in told["body"]  # the 督办人 hears of the change
    assert assess_tasks(wh, today=TODAY) == 0  # nothing new to record on the same data


def test_evidence002_the_decision_on_fixed_values(monkeypatch):
    """Half the gap counts, the wrong way never does, a lower-is-better indicator is mirrored,
    and a warning is judged by whether it still fires."""
    from indicators import evidence as ev

    now = {"value": None}
    monkeypatch.setattr(
        ev, "target_evidence", lambda *a, **k: {"as_of": "2024-06-30", "value": now["value"]}
    )

    def task(
        indicator="one_thing_completion_rate", kind="target", state="in_progress", target=80.0
    ):
        snap = {"kind": kind, "value": 50.0, "target": target, "key": "hotline_surge:320300:x"}
        return supervision.Task(
            id=1,
            title="t",
            indicator=indicator,
            region_code="320100",
            unit=None,
            requirement="",
            priority="medium",
            due=dt.date(2024, 12, 31),
            state=state,
            created_by="d",
            created_at=dt.datetime(2024, 1, 1),
            source=kind,
            source_ref=None,
            evidence=snap,
        )

    def verdict(value, **kw):
        now["value"] = value
        return ev.effect(None, task(**kw), today=TODAY)[0]

    assert verdict(50 + REQUIRED_SHARE * 30) == "effective"  # half of the 30-point gap
    assert verdict(50 + REQUIRED_SHARE * 30 - 0.1) == "watching"
    assert verdict(40.0) == "watching"  # worse, but not due yet
    assert verdict(40.0, state="closed") == "not_effective"
    lower = {"indicator": "hotline_overdue_rate", "target": 20.0}  # lower is better: 50 → 20
    assert verdict(35.0, **lower) == "effective" and verdict(45.0, **lower) == "watching"
    assert verdict(60.0, **lower, state="closed") == "not_effective"
    monkeypatch.setattr(ev, "warning_evidence", lambda *a, **k: {"as_of": "2024-06-30"})
    assert verdict(None, kind="warning") == "watching"
    assert verdict(None, kind="warning", state="closed") == "not_effective"
    # a warning that stays (a past deadline missed) while the indicator now meets its target
    monkeypatch.setattr(
        ev,
        "target_evidence",
        lambda *a, **k: {"as_of": "2024-06-30", "value": now["value"], "target": 80.0},
    )
    assert verdict(80.0, kind="warning", state="closed") == "effective"
    assert verdict(79.9, kind="warning", state="closed") == "not_effective"

    def gone(*a, **k):
        raise ValueError("no longer in force")

    monkeypatch.setattr(ev, "warning_evidence", gone)
    assert verdict(None, kind="warning") == "effective"
