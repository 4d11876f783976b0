"""What a 督办事项 is raised on, as the warehouse showed it then: the evidence snapshot kept with
the task (the indicator's value, target and status at the as-of, or the warning's message)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from datasets import config, notify, supervision
from indicators import read, read_risk
from indicators.catalog import default_catalog


def target_evidence(
    warehouse,
    indicator: str,
    region: str,
    *,
    target_set: str = read.DEFAULT_TARGET_SET,
    as_of: dt.date | str | None = None,
) -> dict:
    """A target's standing for a region at ``as_of`` (default the newest vintage)."""
    when = read.resolve_as_of(warehouse, as_of)
    if when is None:
        raise ValueError("数据仓库尚未计算指标")
    rows = read.progress(warehouse, target_set, when, regions=[region]).filter(
        pl.col("indicator") == indicator
    )
    if rows.is_empty():
        raise ValueError(f"目标集 {target_set} 中没有指标 {indicator} 在地区 {region} 的进度")
    r = rows.row(0, named=True)
    return {
        "kind": "target",
        "as_of": when.isoformat(),
        "target_set": target_set,
        "indicator": indicator,
        "name_zh": r["name_zh"],
        "region_code": region,
        "unit": r["unit"],
        "value": r["current_value"],
        "target": r["target_value"],
        "status": r["status"],
        "status_label": r["status_label"],
        # the target's one verdict (after its deadline: 到期达成 / 到期未达成), as every page says
        "verdict": r["verdict"],
        "verdict_label": r["verdict_label"],
        "verdict_text": r["verdict_text"],
        "responsible_units": r["responsible_units"],
    }


def warning_evidence(warehouse, key: str, *, as_of: dt.date | str | None = None) -> dict:
    """A warning in force at ``as_of``, by its key ``rule:region:indicator``."""
    rule, _, rest = key.partition(":")
    region, _, indicator = rest.partition(":")
    found = read_risk.warnings(
        warehouse, read.resolve_as_of(warehouse, as_of), target_set="*"
    ).filter(
        (pl.col("rule_id") == rule)
        & (pl.col("region_code") == region)
        & (pl.col("indicator").fill_null("-") == (indicator or "-"))
    )
    if found.is_empty():
        raise ValueError(f"没有在当前生效的预警「{key}」")
    r = found.row(0, named=True)
    return {
        "kind": "warning",
        "as_of": r["as_of"].isoformat(),
        "key": key,
        "rule": r["rule_name"],
        "severity": r["severity_label"],
        "region_code": region,
        "indicator": r["indicator"],
        "message": r["message"],
        "responsible_units": r["responsible_units"],
    }


# The share of the gap between the value when a task was raised and its target that the
# indicator must close to count as having moved "as required" (reaching the target always does).
REQUIRED_SHARE = 0.5


def effect(warehouse, task, *, today: dt.date) -> tuple[str, dict]:
    """成效评估 of a task now: ``effective`` (已见效), ``not_effective`` (未见效) or ``watching``
    (待观察), and the values compared.

    A task raised on a target is judged by its indicator for its region: effective once the
    value has reached the target or closed at least :data:`REQUIRED_SHARE` of the gap it had
    when the task was raised; not effective when, closed or past its deadline, it has not moved
    the right way at all; watching otherwise. A task raised on a warning is effective once the
    warning is no longer in force, not effective while it still is after closing or the
    deadline."""
    evidence = task.evidence or {}
    settled = task.state == "closed" or today > task.due
    if evidence.get("kind") == "warning":
        try:
            now = warning_evidence(warehouse, evidence["key"])
        except ValueError:
            return "effective", {"warning": evidence["key"], "in_force": False}
        detail = {"warning": evidence["key"], "in_force": True, "as_of": now["as_of"]}
        if _meets_target_now(warehouse, task, evidence):
            # a warning on a past deadline never clears; the indicator reaching its target does
            return "effective", {**detail, "target_met": True}
        return ("not_effective" if settled else "watching"), detail
    if not task.indicator or not task.region_code:
        return "watching", {}
    now = target_evidence(
        warehouse,
        task.indicator,
        task.region_code,
        target_set=evidence.get("target_set", read.DEFAULT_TARGET_SET),
    )
    base, current, target = evidence.get("value"), now["value"], evidence.get("target")
    detail = {"as_of": now["as_of"], "before": base, "now": current, "target": target}
    if base is None or current is None:
        return "watching", detail
    sign = -1.0 if default_catalog()[task.indicator].polarity == "lower" else 1.0
    moved = (current - base) * sign
    if target is None:
        if moved > 0:
            return "effective", detail
    else:
        needed = (target - base) * sign  # ≤ 0: the target was met when the task was raised
        reached = moved >= needed
        if reached or (needed > 0 and moved >= REQUIRED_SHARE * needed):
            return "effective", detail
    if moved <= 0 and settled:
        return "not_effective", detail
    return "watching", detail


def _meets_target_now(warehouse, task, evidence: dict) -> bool:
    """Whether the indicator a warning is about now meets its target in the task's region."""
    if not task.indicator or not task.region_code:
        return False
    try:
        now = target_evidence(
            warehouse,
            task.indicator,
            task.region_code,
            target_set=evidence.get("target_set", read.DEFAULT_TARGET_SET),
        )
    except (ValueError, KeyError):
        return False
    value, target = now.get("value"), now.get("target")
    if value is None or target is None:
        return False
    lower = default_catalog()[task.indicator].polarity == "lower"
    return value <= target if lower else value >= target


def assess_task(warehouse, task, *, occasion: str, today: dt.date | None = None) -> bool:
    """Judge one task on the current data and record the judgement when it differs from its
    last (a new verdict, or the same on newer data) or when it is closed now; returns whether
    one was recorded."""
    today = today or config.today()
    try:
        verdict, detail = effect(warehouse, task, today=today)
    except ValueError:  # the indicator is no longer in the data: nothing to judge by
        return False
    as_of = detail.get("as_of")
    last = (supervision.assessments(task.id) or [{}])[-1]
    if occasion != "close" and last.get("verdict") == verdict and last.get("as_of") == as_of:
        return False
    supervision.record_assessment(
        task.id,
        verdict,
        occasion=occasion,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        detail=detail,
    )
    if last and last.get("verdict") != verdict:
        _tell_effect(task, last["verdict_zh"], verdict, as_of)
    return True


def _tell_effect(task, before: str, verdict: str, as_of: str | None) -> None:
    """Tell both parties that new data changed a task's 成效评估 (once per change and data)."""
    now = supervision.EFFECT_ZH[verdict]
    people = supervision.recipients(task, "supervisor") + supervision.recipients(task, "assignee")
    notify.send(
        people,
        notify.Message(
            kind="effect",
            subject=f"成效评估改为「{now}」：#{task.id} {task.title}",
            body=f"按截至 {as_of or '—'} 的数据，督办事项 #{task.id} 的成效评估由「{before}」改为「{now}」。",
            link=f"/tasks/{task.id}",
            task_id=task.id,
        ),
        key=f"task:{task.id}:effect:{verdict}:{as_of}",
    )


def assess_tasks(warehouse, *, occasion: str = "load", today: dt.date | None = None) -> int:
    """Judge every task on the current data (:func:`assess_task`); returns how many new
    judgements were recorded."""
    today = today or config.today()
    tasks = supervision.list_tasks(today=today)
    return sum(assess_task(warehouse, t, occasion=occasion, today=today) for t in tasks)
