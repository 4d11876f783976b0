"""督办事项 (supervision tasks) and their lifecycle, in the operational store.

A task asks a responsible city or unit (承办) to act on a warning or a lagging target by a
deadline; the 督办人 who raised it judges the answer. Its lifecycle is data
(``lifecycle.yaml``, validated by :class:`Lifecycle`): the states, and for each transition the
states it leaves, the state it reaches, which party may take it and what it needs (a comment).
Each transition is one row of ``task_events`` (time, actor, comment) and one audit entry.

Who is which party is decided here, from the account: the **supervisor** is the task's creator
or a province role named in ``supervisor_roles``; the **assignee** is a 市用户 of the task's city
or a 部门用户 of its unit. 逾期 (overdue) and 升级 (escalated) are derived from the deadline and
the day, never stored, so a pinned clock (``DATABRAIN_TODAY``) replays them exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, model_validator

from datasets import accounts, config, notify
from datasets.access import RoleId, load_roles
from datasets.regions import region_name, region_table
from datasets.specs import SpecError, SpecModel, load_spec
from datasets.store import (
    attachments_dir,
    engine,
    store_exists,
    task_assessments,
    task_attachments,
    task_events,
    tasks,
)

LIFECYCLE_FILE = Path(__file__).with_name("lifecycle.yaml")
Party = Literal["supervisor", "assignee"]
PRIORITIES = {"high": "高", "medium": "中", "low": "低"}


class LifecycleError(SpecError):
    subject = ("督办流程", "lifecycle")


class TaskError(ValueError):
    """A task operation that cannot be done; the message is for the person."""


class State(SpecModel):
    name_zh: str = Field(min_length=1)
    final: bool = False


class Transition(SpecModel):
    name_zh: str = Field(min_length=1)
    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    to: str
    parties: tuple[Party, ...] = Field(min_length=1)
    needs: tuple[Literal["comment"], ...] = ()


class Overdue(SpecModel):
    escalate_after_days: int = Field(ge=1)
    escalate_to: RoleId


class Lifecycle(SpecModel):
    """The states (the first is where a task starts) and the transitions between them."""

    states: dict[str, State] = Field(min_length=2)
    transitions: dict[str, Transition] = Field(min_length=1)
    supervisor_roles: tuple[RoleId, ...] = Field(min_length=1)
    overdue: Overdue

    @model_validator(mode="after")
    def _consistent(self) -> Lifecycle:
        for tid, t in self.transitions.items():
            unknown = [s for s in (*t.from_, t.to) if s not in self.states]
            if unknown:
                raise ValueError(f"操作 {tid} 引用了未声明的状态 {unknown}")
            leaving_final = [s for s in t.from_ if self.states[s].final]
            if leaving_final:
                raise ValueError(f"操作 {tid} 从终态 {leaving_final} 出发")
        reached = {t.to for t in self.transitions.values()} | {self.initial}
        unreachable = [s for s in self.states if s not in reached]
        if unreachable:
            raise ValueError(f"状态 {unreachable} 无法到达")
        if not any(s.final for s in self.states.values()):
            raise ValueError("至少须有一个终态（final: true）")
        return self

    @property
    def initial(self) -> str:
        return next(iter(self.states))

    def label(self, state: str) -> str:
        return self.states[state].name_zh if state in self.states else state


@lru_cache(maxsize=1)
def load_lifecycle(path: Path = LIFECYCLE_FILE) -> Lifecycle:
    return load_spec(Lifecycle, path, LifecycleError)


@dataclass(frozen=True)
class Task:
    id: int
    title: str
    indicator: str | None
    region_code: str | None
    unit: str | None
    requirement: str
    priority: str
    due: dt.date
    state: str
    created_by: str
    created_at: dt.datetime
    source: str
    source_ref: str | None
    evidence: dict

    def overdue(self, today: dt.date | None = None) -> bool:
        """Past its deadline and not finished."""
        today = today or config.today()
        return not load_lifecycle().states[self.state].final and today > self.due

    def escalated(self, today: dt.date | None = None) -> bool:
        """Overdue for longer than the lifecycle allows: raised to the higher level."""
        today = today or config.today()
        days = load_lifecycle().overdue.escalate_after_days
        return self.overdue(today) and (today - self.due).days >= days

    @property
    def assignee(self) -> str:
        """承办: the city's name and/or the unit."""
        city = city_of(self.region_code)
        named = [region_name(self.region_code) if city else None, self.unit]
        return " · ".join(n for n in named if n) or "—"

    def to_dict(self, today: dt.date | None = None) -> dict:
        lifecycle = load_lifecycle()
        return {
            "id": self.id,
            "title": self.title,
            "indicator": self.indicator,
            "region_code": self.region_code,
            "unit": self.unit,
            "assignee": self.assignee,
            "requirement": self.requirement,
            "priority": self.priority,
            "due": self.due.isoformat(),
            "state": self.state,
            "state_zh": lifecycle.label(self.state),
            "overdue": self.overdue(today),
            "escalated": self.escalated(today),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "source": self.source,
            "source_ref": self.source_ref,
            "evidence": self.evidence,
        }


def _task(row) -> Task:
    return Task(
        id=row.id,
        title=row.title,
        indicator=row.indicator,
        region_code=row.region_code,
        unit=row.unit,
        requirement=row.requirement,
        priority=row.priority,
        due=row.due,
        state=row.state,
        created_by=row.created_by,
        created_at=row.created_at,
        source=row.source,
        source_ref=row.source_ref,
        evidence=json.loads(row.evidence) if row.evidence else {},
    )


def city_of(region: str | None) -> str | None:
    if not region:
        return None
    found = region_table().filter(pl.col("region_code") == region)["city_code"]
    return found[0] if found.len() else None


def parties(task: Task, user: accounts.User) -> set[str]:
    """Which parties of ``task`` a user is: supervisor, assignee, both or neither."""
    found = set()
    if user.username == task.created_by or user.role in load_lifecycle().supervisor_roles:
        found.add("supervisor")
    if user.role == "city_user" and user.city_code and user.city_code == city_of(task.region_code):
        found.add("assignee")
    if user.role == "department_user" and user.unit and user.unit == task.unit:
        found.add("assignee")
    return found


def can_see(task: Task, user: accounts.User) -> bool:
    """A city user sees its city's tasks, a unit's user its unit's; province roles see all."""
    spec = load_roles().get(user.role)
    if spec is None:
        return False
    if spec.regions == "own_city":
        return bool(user.city_code) and user.city_code == city_of(task.region_code)
    if spec.indicators == "own_unit":
        return bool(user.unit) and user.unit == task.unit
    return True


def in_scope(task: Task, scope) -> bool:
    """Whether a task is within an access scope (:class:`datasets.access.Scope`; None: no
    limit): a city's scope holds its city's tasks, a unit's its unit's — as :func:`can_see`
    decides for an account, for code that runs with a scope rather than an account (reports,
    summaries inside a web request)."""
    if scope is None:
        return True
    if scope.regions is not None:
        return bool(scope.city) and scope.city == city_of(task.region_code)
    if scope.indicators is not None:
        return bool(scope.unit) and scope.unit == task.unit
    return True


def create_task(
    *,
    title: str,
    due: dt.date,
    creator: str,
    indicator: str | None = None,
    region: str | None = None,
    unit: str | None = None,
    requirement: str = "",
    priority: str = "medium",
    source: str = "manual",
    source_ref: str | None = None,
    evidence: dict | None = None,
    today: dt.date | None = None,
) -> Task:
    """Raise a task in the lifecycle's first state; it needs an assignee (a city and/or a unit)
    and a deadline not in the past."""
    title = title.strip()
    if not title:
        raise TaskError("督办事项须有标题")
    if not region and not unit:
        raise TaskError("须指定承办的设区市（--region）或单位（--unit）")
    if region and city_of(region) is None:
        raise TaskError(f"未知地区代码「{region}」")
    if priority not in PRIORITIES:
        raise TaskError(f"优先级应为 {' / '.join(PRIORITIES)}")
    today = today or config.today()
    if due < today:
        raise TaskError(f"截止日期 {due} 早于今天 {today}")
    now = accounts.utcnow()
    state = load_lifecycle().initial
    with engine().begin() as con:
        task_id = con.execute(
            tasks.insert()
            .values(
                title=title,
                indicator=indicator,
                region_code=region,
                unit=unit,
                requirement=requirement,
                priority=priority,
                due=due,
                state=state,
                created_by=creator,
                created_at=now,
                updated_at=now,
                source=source,
                source_ref=source_ref,
                evidence=json.dumps(evidence or {}, ensure_ascii=False, default=str),
            )
            .returning(tasks.c.id)
        ).scalar_one()
        con.execute(
            task_events.insert().values(
                task_id=task_id,
                at=now,
                actor=creator,
                action="create",
                to_state=state,
                comment=requirement or None,
            )
        )
    accounts.record(
        creator,
        "task_create",
        target=f"#{task_id} {title}",
        region=region,
        detail={"indicator": indicator, "unit": unit, "due": due.isoformat()},
    )
    made = get_task(task_id)
    _tell(made, "task_new", recipients(made, "assignee"), key=f"task:{task_id}:new")
    return made


def has_tasks() -> bool:
    """Whether any task exists (a load judges them only then: no store is opened otherwise)."""
    if not store_exists():
        return False
    with engine().connect() as con:
        return con.execute(sa.select(tasks.c.id).limit(1)).first() is not None


def revision() -> str:
    """Changes whenever a task, its timeline or its 成效评估 change: pages that show 督办
    counts are cached under it."""
    if not store_exists():
        return ""
    with engine().connect() as con:
        row = con.execute(
            sa.select(
                sa.select(sa.func.max(task_events.c.id)).scalar_subquery(),
                sa.select(sa.func.max(task_assessments.c.id)).scalar_subquery(),
                sa.select(sa.func.count(tasks.c.id)).scalar_subquery(),
            )
        ).first()
    return ":".join(str(v or 0) for v in row)


def get_task(task_id: int) -> Task | None:
    with engine().connect() as con:
        row = con.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
    return _task(row) if row else None


def list_tasks(
    *,
    user: accounts.User | None = None,
    state: str | None = None,
    region: str | None = None,
    today: dt.date | None = None,
) -> list[Task]:
    """Tasks a user may see (all of them without a user: the command line), overdue first, then
    by deadline."""
    query = sa.select(tasks)
    if state:
        query = query.where(tasks.c.state == state)
    if region:
        query = query.where(tasks.c.region_code == region)
    with engine().connect() as con:
        found = [_task(r) for r in con.execute(query)]
    if user is not None:
        found = [t for t in found if can_see(t, user)]
    return sorted(found, key=lambda t: (not t.overdue(today), t.due, t.id))


def transition(
    task_id: int,
    action: str,
    user: accounts.User,
    *,
    comment: str = "",
    attachment: tuple[str, bytes] | None = None,
    ip: str | None = None,
) -> Task:
    """Take ``action`` on a task as ``user``: refused unless the task is in a state the action
    leaves, the user is a party the action allows, and what it needs is given. An attachment
    (file name, content) is checked (:func:`check_attachment`) before anything changes and kept
    with the step."""
    lifecycle = load_lifecycle()
    step = lifecycle.transitions.get(action)
    if step is None:
        raise TaskError(f"未知操作「{action}」；可选：{', '.join(lifecycle.transitions)}")
    task = get_task(task_id)
    if task is None or not can_see(task, user):
        raise TaskError(f"没有督办事项 #{task_id}")
    if task.state not in step.from_:
        raise TaskError(
            f"事项当前为「{lifecycle.label(task.state)}」，不能{step.name_zh}"
            f"（须为 {'、'.join(lifecycle.label(s) for s in step.from_)}）"
        )
    if not parties(task, user) & set(step.parties):
        accounts.record(
            user.username,
            "task_" + action,
            result="denied",
            target=f"#{task_id}",
            region=task.region_code,
            ip=ip,
        )
        raise TaskError(
            f"「{step.name_zh}」须由{'或'.join(_PARTY_ZH[p] for p in step.parties)}进行"
        )
    comment = comment.strip()
    if "comment" in step.needs and not comment:
        raise TaskError(f"「{step.name_zh}」须填写说明")
    kept = None
    if attachment is not None:
        name, data = attachment
        media_type = check_attachment(name, data)
        kept = _keep(task_id, name, data)
    now = accounts.utcnow()
    try:
        event_id = _step(task, step, action, user, comment, now, kept, media_type if kept else "")
    except BaseException:
        if kept:
            (attachments_dir() / kept[0]).unlink(missing_ok=True)
        raise
    accounts.record(
        user.username,
        "task_" + action,
        target=f"#{task_id}",
        region=task.region_code,
        ip=ip,
        detail={"to": step.to, "comment": comment, "attachment": kept[1] if kept else None},
    )
    moved = get_task(task_id)
    tell = _TELL.get(action)
    if tell:
        kind, party = tell
        _tell(
            moved,
            kind,
            recipients(moved, party),
            key=f"task:{task_id}:event:{event_id}",
            comment=comment,
            actor=user.username,
        )
    return moved


def _step(task, step, action, user, comment, now, kept, media_type) -> int:
    """Move a task one step (only from the state it was read in) and record the event and its
    attachment, in one transaction."""
    with engine().begin() as con:
        done = con.execute(
            tasks.update()
            .where(tasks.c.id == task.id, tasks.c.state == task.state)
            .values(state=step.to, updated_at=now)
        ).rowcount
        if not done:  # someone else moved it meanwhile
            raise TaskError("事项状态已被他人更新，请刷新后重试")
        event_id = con.execute(
            task_events.insert()
            .values(
                task_id=task.id,
                at=now,
                actor=user.username,
                action=action,
                from_state=task.state,
                to_state=step.to,
                comment=comment or None,
            )
            .returning(task_events.c.id)
        ).scalar_one()
        if kept:
            stored, name, size, digest = kept
            con.execute(
                task_attachments.insert().values(
                    task_id=task.id,
                    event_id=event_id,
                    name=name,
                    stored=stored,
                    size=size,
                    media_type=media_type,
                    sha256=digest,
                    uploaded_by=user.username,
                    at=now,
                )
            )
    return event_id


_PARTY_ZH = {"supervisor": "督办人", "assignee": "承办单位"}
EFFECT_ZH = {"effective": "已见效", "not_effective": "未见效", "watching": "待观察"}


def record_assessment(
    task_id: int, verdict: str, *, occasion: str, as_of: dt.date | None, detail: dict
) -> None:
    """Append one 成效评估 of a task (the latest is its current one)."""
    if verdict not in EFFECT_ZH:
        raise TaskError(f"成效评估应为 {' / '.join(EFFECT_ZH)}")
    with engine().begin() as con:
        con.execute(
            task_assessments.insert().values(
                task_id=task_id,
                at=accounts.utcnow(),
                as_of=as_of,
                verdict=verdict,
                occasion=occasion,
                detail=json.dumps(detail, ensure_ascii=False, default=str),
            )
        )


def _rows_of(table: sa.Table, task_id: int) -> list:
    """A task's rows of one of its tables (events, assessments, attachments), oldest first."""
    with engine().connect() as con:
        return con.execute(
            sa.select(table).where(table.c.task_id == task_id).order_by(table.c.id)
        ).all()


def assessments(task_id: int) -> list[dict]:
    """A task's 成效评估, oldest first."""
    return [
        {
            "at": r.at.isoformat(),
            "as_of": r.as_of.isoformat() if r.as_of else None,
            "verdict": r.verdict,
            "verdict_zh": EFFECT_ZH[r.verdict],
            "occasion": r.occasion,
            "detail": json.loads(r.detail) if r.detail else {},
        }
        for r in _rows_of(task_assessments, task_id)
    ]


def timeline(task_id: int) -> list[dict]:
    """Every event of a task, oldest first, with the states' Chinese names."""
    lifecycle = load_lifecycle()
    files: dict[int, list[dict]] = {}
    for a in attachments(task_id):
        files.setdefault(a["event_id"], []).append(
            {"id": a["id"], "name": a["name"], "size": a["size"]}
        )
    return [
        {
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "action_zh": "发起"
            if r.action == "create"
            else lifecycle.transitions[r.action].name_zh
            if r.action in lifecycle.transitions
            else r.action,
            "from": r.from_state,
            "to": r.to_state,
            "to_zh": lifecycle.label(r.to_state),
            "comment": r.comment,
            "attachments": files.get(r.id, []),
        }
        for r in _rows_of(task_events, task_id)
    ]


# ----------------------------------------------------------------------------------- attachments

# What a 承办单位 may attach: documents, sheets and pictures, recognised by their content as well
# as their name (a renamed executable is refused).
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
}
_OOXML_PART = {".docx": b"word/", ".xlsx": b"xl/"}


def attachment_limit() -> int:
    """The largest attachment accepted, in bytes (``DATABRAIN_ATTACHMENT_MAX_MB``, default 10)."""
    return int(float(os.environ.get("DATABRAIN_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024)


def check_attachment(name: str, data: bytes) -> str:
    """The media type of an acceptable attachment; a :class:`TaskError` naming the file and the
    reason otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise TaskError(f"附件「{name}」的类型不支持；可上传 {'、'.join(sorted(ATTACHMENT_TYPES))}")
    if not data:
        raise TaskError(f"附件「{name}」是空文件")
    limit = attachment_limit()
    if len(data) > limit:
        raise TaskError(
            f"附件「{name}」有 {len(data) / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB"
        )
    head = data[:8]
    ok = {
        ".pdf": head.startswith(b"%PDF-"),
        ".png": head.startswith(b"\x89PNG\r\n\x1a\n"),
        ".jpg": head.startswith(b"\xff\xd8\xff"),
        ".jpeg": head.startswith(b"\xff\xd8\xff"),
    }.get(suffix)
    if suffix in _OOXML_PART:
        ok = head.startswith(b"PK\x03\x04") and _OOXML_PART[suffix] in data[:65536]
    if suffix in (".txt", ".csv"):
        try:
            ok = b"\x00" not in data and bool(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            ok = False
    if not ok:
        raise TaskError(f"附件「{name}」的内容不是 {suffix} 文件（文件可能已损坏或被改了扩展名）")
    return ATTACHMENT_TYPES[suffix]


def _keep(task_id: int, name: str, data: bytes) -> tuple[str, str, int, str]:
    """Write an attachment under the attachments folder (written whole, then renamed); returns
    (stored file name, the user's name for it, size, sha256)."""
    folder = attachments_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{task_id}-{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    partial = folder / f".{stored}.part"
    partial.write_bytes(data)
    partial.replace(folder / stored)
    return stored, Path(name).name[:255], len(data), hashlib.sha256(data).hexdigest()


def attachments(task_id: int) -> list[dict]:
    return [dict(r._mapping) for r in _rows_of(task_attachments, task_id)]


def attachment_file(attachment_id: int, user: accounts.User) -> tuple[Path, dict] | None:
    """An attachment's file and record, if the user may see its task."""
    with engine().connect() as con:
        row = con.execute(
            sa.select(task_attachments).where(task_attachments.c.id == attachment_id)
        ).first()
    if row is None:
        return None
    task = get_task(row.task_id)
    if task is None or not can_see(task, user):
        return None
    path = attachments_dir() / row.stored
    return (path, dict(row._mapping)) if path.exists() else None


# --------------------------------------------------------------------------------- notifications

# Which step tells whom: the 承办单位 hears of new and returned tasks and of closing, the 督办人
# of signing and answers.
_TELL = {
    "sign": ("task_signed", "supervisor"),
    "answer": ("task_answered", "supervisor"),
    "return": ("task_returned", "assignee"),
    "close": ("task_closed", "assignee"),
}
DUE_SOON_DAYS = 3


def recipients(task: Task, party: str) -> list[str]:
    """The active users who are ``party`` of a task: ``assignee`` (the city's 市用户, the
    unit's 部门用户), ``supervisor`` (its 督办人) or ``escalation`` (the role it escalates to)."""
    if party == "supervisor":
        return [task.created_by]
    users = [u for u in accounts.list_users() if not u.disabled]
    if party == "escalation":
        role = load_lifecycle().overdue.escalate_to
        return [u.username for u in users if u.role == role]
    return [u.username for u in users if "assignee" in parties(task, u)]


def _tell(
    task: Task, kind: str, users: list[str], *, key: str, comment: str = "", actor: str = ""
) -> None:
    lines = [
        f"督办事项 #{task.id}：{task.title}",
        f"承办：{task.assignee}　截止：{task.due}　状态：{load_lifecycle().label(task.state)}",
    ]
    if task.requirement and kind == "task_new":
        lines.append(f"要求：{task.requirement}")
    if comment:
        lines.append(f"{actor}：{comment}")
    notify.send(
        [u for u in users if u != actor],
        notify.Message(
            kind=kind,
            subject=f"{notify.KINDS[kind]}：#{task.id} {task.title}",
            body="\n".join(lines),
            link=f"/tasks/{task.id}",
            task_id=task.id,
        ),
        key=key,
    )


def remind(today: dt.date | None = None) -> dict[str, int]:
    """Send what the day calls for, once each: 即将到期 to the 承办单位 of tasks due within
    :data:`DUE_SOON_DAYS`, 逾期 to both parties, 升级 to the escalation role and the 督办人, and
    one digest of its open tasks to each 承办单位. Safe to run any number of times a day."""
    today = today or config.today()
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0, "digest": 0}
    open_tasks = [t for t in list_tasks(today=today) if not load_lifecycle().states[t.state].final]
    for t in open_tasks:
        due = []  # (what, who) the day calls for on this task
        if t.escalated(today):
            due.append(("escalated", recipients(t, "escalation") + recipients(t, "supervisor")))
        if t.overdue(today):
            due.append(("overdue", recipients(t, "assignee") + recipients(t, "supervisor")))
        elif (t.due - today).days <= DUE_SOON_DAYS:
            due.append(("due_soon", recipients(t, "assignee")))
        for kind, users in due:
            counts[kind] += 1
            _tell(t, kind, users, key=f"task:{t.id}:{kind}:{t.due}")
    by_user: dict[str, list[Task]] = {}
    for t in open_tasks:
        for name in recipients(t, "assignee"):
            by_user.setdefault(name, []).append(t)
    for name, mine in by_user.items():
        late = sum(t.overdue(today) for t in mine)
        body = "\n".join(
            f"#{t.id} {t.title}　{load_lifecycle().label(t.state)}　截止 {t.due}"
            + ("　【逾期】" if t.overdue(today) else "")
            for t in mine
        )
        got = notify.send(
            [name],
            notify.Message(
                kind="digest",
                subject=f"每日督办摘要 {today}：待办 {len(mine)} 件，逾期 {late} 件",
                body=body,
                link="/tasks",
            ),
            key=f"digest:{today}",
        )
        counts["digest"] += len(got)
    return counts


# ---------------------------------------------------------------------------------------- counts


def counts(found: list[Task], today: dt.date | None = None) -> dict:
    """Open, overdue and escalated tasks, and the 承办单位 with most overdue (most first)."""
    today = today or config.today()
    final = {s for s, spec in load_lifecycle().states.items() if spec.final}
    live = [t for t in found if t.state not in final]
    late: dict[str, int] = {}
    for t in live:
        if t.overdue(today):
            late[t.assignee] = late.get(t.assignee, 0) + 1
    return {
        "total": len(found),
        "open": len(live),
        "overdue": sum(t.overdue(today) for t in live),
        "escalated": sum(t.escalated(today) for t in live),
        "closed": len(found) - len(live),
        "most_overdue": sorted(late.items(), key=lambda kv: (-kv[1], kv[0])),
    }


# ---------------------------------------------------------------------------------------- ledger

SOURCE_ZH = {"warning": "风险预警", "target": "滞后目标", "manual": "手工发起"}
# The 督办台账's columns, in order, with their Chinese headings: one list for the page's table
# and the Excel ledger.
LEDGER_COLUMNS = {
    "id": "编号",
    "title": "事项",
    "assignee": "承办",
    "state_zh": "状态",
    "late_zh": "逾期",
    "due": "截止日期",
    "priority_zh": "优先级",
    "created_by": "督办人",
    "created_on": "发起日期",
    "source_zh": "来源",
    "subject_zh": "指标或预警",
    "effect_zh": "成效评估",
    "requirement": "督办要求",
}


def latest_assessments(task_ids: list[int]) -> dict[int, dict]:
    """Each task's newest 成效评估 (none for a task not judged yet)."""
    if not task_ids:
        return {}
    newest = (
        sa.select(sa.func.max(task_assessments.c.id))
        .where(task_assessments.c.task_id.in_(task_ids))
        .group_by(task_assessments.c.task_id)
    )
    with engine().connect() as con:
        rows = con.execute(sa.select(task_assessments).where(task_assessments.c.id.in_(newest)))
        return {r.task_id: {"verdict": r.verdict, "as_of": r.as_of} for r in rows}


def late_label(task: Task, today: dt.date | None = None) -> str:
    """逾期 N 天, with 已升级 once escalated; empty when on time."""
    today = today or config.today()
    if not task.overdue(today):
        return ""
    days = (today - task.due).days
    return f"逾期 {days} 天" + ("，已升级" if task.escalated(today) else "")


def ledger(found: list[Task], today: dt.date | None = None) -> list[dict]:
    """The ledger rows of some tasks (:data:`LEDGER_COLUMNS`, plus the ids behind the words)."""
    today = today or config.today()
    judged = latest_assessments([t.id for t in found])
    lifecycle = load_lifecycle()
    rows = []
    for t in found:
        evidence = t.evidence or {}
        effect = judged.get(t.id, {}).get("verdict")
        rows.append(
            {
                "id": t.id,
                "title": t.title,
                "assignee": t.assignee,
                "state": t.state,
                "state_zh": lifecycle.label(t.state),
                "overdue": t.overdue(today),
                "escalated": t.escalated(today),
                "late_zh": late_label(t, today),
                "due": t.due.isoformat(),
                "priority": t.priority,
                "priority_zh": PRIORITIES.get(t.priority, t.priority),
                "created_by": t.created_by,
                "created_on": t.created_at.date().isoformat(),
                "source_zh": SOURCE_ZH.get(t.source, t.source),
                "subject_zh": evidence.get("name_zh") or evidence.get("rule") or t.indicator or "",
                "effect": effect,
                "effect_zh": EFFECT_ZH.get(effect, "未评估"),
                "requirement": t.requirement,
                "region_code": t.region_code,
                "unit": t.unit,
            }
        )
    return rows


def can_raise(user: accounts.User | None) -> bool:
    """Whether a user may raise tasks: the 省级督办 roles of the lifecycle."""
    return user is not None and user.role in load_lifecycle().supervisor_roles


def open_refs() -> dict[str, int]:
    """The open tasks by what they were raised on (a warning's key, ``target_set:indicator:
    region`` for a target), so a page can say a warning is already being handled."""
    if not store_exists():
        return {}
    final = [s for s, spec in load_lifecycle().states.items() if spec.final]
    with engine().connect() as con:
        rows = con.execute(
            sa.select(tasks.c.source_ref, sa.func.max(tasks.c.id))
            .where(tasks.c.source_ref.is_not(None), tasks.c.state.not_in(final))
            .group_by(tasks.c.source_ref)
        )
        return {ref: task_id for ref, task_id in rows}
