"""督办事项 on the operational store (SQLite and PostgreSQL): the lifecycle as data, the whole
loop with a return, who may take each step, what a step needs, and the derived 逾期 / 升级."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets import accounts
from datasets.supervision import (
    LifecycleError,
    TaskError,
    create_task,
    list_tasks,
    load_lifecycle,
    timeline,
    transition,
)

TODAY = dt.date(2026, 12, 1)


def _task(people, **kw):
    args = {
        "title": "苏州市公共数据按需共享率未达标",
        "due": dt.date(2026, 12, 31),
        "creator": "duban",
        "indicator": "data_sharing_rate",
        "region": "320500",
        "requirement": "说明原因并提出整改措施",
        "evidence": {"value": 98.8, "target": 99, "status": "final_not_achieved"},
        "today": TODAY,
    }
    return create_task(**{**args, **kw})


def test_supervision001_the_lifecycle_is_declared_and_checked(tmp_path):
    lifecycle = load_lifecycle()
    assert lifecycle.initial == "pending" and lifecycle.label("closed") == "已办结"
    assert lifecycle.transitions["close"].from_ == ("answered",)  # no closing without feedback
    assert "comment" in lifecycle.transitions["return"].needs  # returning needs a reason
    bad = tmp_path / "lifecycle.yaml"
    bad.write_text(
        "states: {a: {name_zh: 甲}, b: {name_zh: 乙, final: true}}\n"
        "transitions: {go: {name_zh: 走, from: [a], to: c, parties: [assignee]}}\n"
        "supervisor_roles: [system_admin]\n"
        "overdue: {escalate_after_days: 7, escalate_to: province_leader}\n",
        encoding="utf-8",
    )
    with pytest.raises(LifecycleError, match="操作 go 引用了未声明的状态"):
        load_lifecycle.__wrapped__(bad)


def test_supervision002_the_whole_loop_with_a_return(people):
    task = _task(people)
    assert task.state == "pending" and task.evidence["value"] == 98.8
    sz, duban = people["sz"], people["duban"]
    assert transition(task.id, "sign", sz).state == "in_progress"
    with pytest.raises(TaskError, match="须填写说明"):
        transition(task.id, "answer", sz)
    transition(task.id, "answer", sz, comment="已完成 3 个部门的数据目录对接")
    with pytest.raises(TaskError, match="须填写说明"):
        transition(task.id, "return", duban)
    transition(task.id, "return", duban, comment="缺少整改时间表")
    transition(task.id, "sign", sz)
    transition(task.id, "answer", sz, comment="补充整改时间表：2027 年 3 月前完成")
    assert transition(task.id, "close", duban).state == "closed"
    events = timeline(task.id)
    assert [e["action"] for e in events] == [
        "create",
        "sign",
        "answer",
        "return",
        "sign",
        "answer",
        "close",
    ]
    assert [e["to_zh"] for e in events][-1] == "已办结" and events[3]["comment"] == "缺少整改时间表"
    audited = accounts.audit_entries()
    assert audited.filter(audited["action"].str.starts_with("task_")).height == 7


def test_supervision003_only_the_permitted_party_takes_a_step(people):
    task = _task(people)
    sz, nj, leader, duban = people["sz"], people["nj"], people["leader"], people["duban"]
    with pytest.raises(TaskError, match="没有督办事项"):
        transition(task.id, "sign", nj)  # another city cannot even see it
    with pytest.raises(TaskError, match="须由承办单位进行"):
        transition(task.id, "sign", duban)
    with pytest.raises(TaskError, match="须由承办单位进行"):
        transition(task.id, "sign", leader)
    with pytest.raises(TaskError, match="不能办结"):
        transition(task.id, "close", duban)  # not answered yet
    transition(task.id, "sign", sz)
    transition(task.id, "answer", sz, comment="已整改")
    with pytest.raises(TaskError, match="须由督办人进行"):
        transition(task.id, "close", sz)
    denied = accounts.audit_entries(action="task_close")
    assert denied["result"].to_list() == ["denied"]


def test_supervision004_who_sees_which_tasks(people):
    mine = _task(people)
    other = _task(people, region="320100", title="南京")
    unit = _task(people, region=None, unit="省政务办", title="省政务办")
    seen = {name: {t.id for t in list_tasks(user=people[name], today=TODAY)} for name in people}
    assert seen["sz"] == {mine.id} and seen["nj"] == {other.id} and seen["gov"] == {unit.id}
    assert seen["leader"] == seen["duban"] == {mine.id, other.id, unit.id}


def test_supervision005_overdue_and_escalated_follow_the_clock(people):
    task = _task(people, due=dt.date(2026, 12, 10))
    assert not task.overdue(dt.date(2026, 12, 10))
    assert task.overdue(dt.date(2026, 12, 11)) and not task.escalated(dt.date(2026, 12, 16))
    assert task.escalated(dt.date(2026, 12, 17))
    first = list_tasks(today=dt.date(2026, 12, 11))[0]
    later = _task(people, due=dt.date(2027, 1, 31), title="later")
    assert list_tasks(today=dt.date(2026, 12, 11))[0].id == first.id != later.id  # overdue first


def test_supervision006_a_task_needs_an_assignee_and_a_future_deadline(people):
    with pytest.raises(TaskError, match="承办"):
        _task(people, region=None)
    with pytest.raises(TaskError, match="早于今天"):
        _task(people, due=dt.date(2026, 11, 1))
    with pytest.raises(TaskError, match="未知地区代码"):
        _task(people, region="329999")
