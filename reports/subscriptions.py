"""Report subscriptions: a user asks for a target set's evaluation report for a region, in a
format, on a schedule, and :func:`run_due` renders and delivers each one that is due (to the
inbox with a download link, and by e-mail with the file attached).

Schedules: ``after_load`` (whenever a load has made a new data version), ``monthly`` (once per
calendar month), or a five-field cron expression (``0 8 1 * *``: 08:00 on the 1st), read in the
server's time. A subscription runs as its user: the report holds only what that user may see,
and a user whose account is disabled, or who may no longer see the region, gets nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from croniter import croniter

from datasets import access, accounts, notify
from datasets.config import db_path
from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.store import engine, subscriptions
from datasets.warehouse import Warehouse
from indicators import read
from indicators.access import user_scope
from indicators.catalog import default_catalog
from reports.batch import FORMATS, MEDIA_TYPES, render, report_filename, write_atomically
from reports.content import build_report

SCHEDULES = {"after_load": "每次数据更新后", "monthly": "每月一次"}


class SubscriptionError(ValueError):
    """A subscription that cannot be made; the message is for the person."""


@dataclass(frozen=True)
class Subscription:
    id: int
    username: str
    target_set: str
    region_code: str
    format: str
    schedule: str
    created_at: dt.datetime
    last_run_at: dt.datetime | None
    last_version: str | None
    active: bool

    @property
    def schedule_zh(self) -> str:
        return SCHEDULES.get(self.schedule, f"定时（{self.schedule}）")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "username": self.username,
            "target_set": self.target_set,
            "region_code": self.region_code,
            "region_zh": region_name(self.region_code),
            "format": self.format,
            "schedule": self.schedule,
            "schedule_zh": self.schedule_zh,
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
            "active": self.active,
        }


def check_schedule(schedule: str) -> str:
    schedule = " ".join(schedule.split())
    if schedule in SCHEDULES:
        return schedule
    if not croniter.is_valid(schedule) or len(schedule.split()) != 5:
        raise SubscriptionError(
            f"订阅周期「{schedule}」不对：应为 after_load（每次数据更新后）、monthly（每月）"
            "或五段 cron 表达式，如 0 8 1 * *（每月 1 日 8 时）"
        )
    return schedule


def subscribe(
    username: str, *, target_set: str, region: str, fmt: str, schedule: str
) -> Subscription:
    """Add a subscription for a user, within what the user may see."""
    user = accounts.get_user(username)
    if user is None or user.disabled:
        raise SubscriptionError(f"没有可用的账号「{username}」")
    if target_set not in default_catalog().target_sets:
        raise SubscriptionError(f"未知目标集「{target_set}」")
    if region not in {PROVINCE_CODE, *cities()["region_code"].to_list()}:
        raise SubscriptionError(f"未知地区代码「{region}」：应为全省 320000 或 13 个设区市之一")
    if fmt not in FORMATS:
        raise SubscriptionError(f"格式应为 {' / '.join(FORMATS)}")
    _check_scope(user, region)
    schedule = check_schedule(schedule)
    with engine().begin() as con:
        new_id = con.execute(
            subscriptions.insert()
            .values(
                username=username,
                target_set=target_set,
                region_code=region,
                format=fmt,
                schedule=schedule,
                created_at=accounts.utcnow(),
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
    accounts.record(
        username,
        "subscribe",
        target=f"{target_set} {region} {fmt}",
        region=region,
        detail={"schedule": schedule, "id": new_id},
    )
    return get(new_id)


def _check_scope(user: accounts.User, region: str) -> None:
    scope = user_scope(user)
    if not scope.can("export"):
        raise SubscriptionError("当前账号的角色不能导出报告，也就不能订阅")
    if scope.regions is not None and region != scope.city:
        raise SubscriptionError("当前账号只能订阅本市的报告")


def _row(r) -> Subscription:
    return Subscription(
        id=r.id,
        username=r.username,
        target_set=r.target_set,
        region_code=r.region_code,
        format=r.format,
        schedule=r.schedule,
        created_at=r.created_at,
        last_run_at=r.last_run_at,
        last_version=r.last_version,
        active=bool(r.active),
    )


def get(sub_id: int) -> Subscription | None:
    with engine().connect() as con:
        r = con.execute(sa.select(subscriptions).where(subscriptions.c.id == sub_id)).first()
    return _row(r) if r else None


def listed(username: str | None = None, *, active_only: bool = True) -> list[Subscription]:
    query = sa.select(subscriptions).order_by(subscriptions.c.id)
    if username:
        query = query.where(subscriptions.c.username == username)
    if active_only:
        query = query.where(subscriptions.c.active.is_(True))
    with engine().connect() as con:
        return [_row(r) for r in con.execute(query)]


def cancel(sub_id: int, username: str) -> bool:
    """End a user's own subscription."""
    with engine().begin() as con:
        done = con.execute(
            subscriptions.update()
            .where(subscriptions.c.id == sub_id, subscriptions.c.username == username)
            .values(active=False)
        ).rowcount
    if done:
        accounts.record(username, "unsubscribe", target=f"#{sub_id}")
    return bool(done)


def due_key(sub: Subscription, now: dt.datetime, version: str) -> str | None:
    """What the run due now is called (its delivery key), or None when nothing is due."""
    if sub.schedule == "after_load":
        return f"version:{version}" if version != sub.last_version else None
    if sub.schedule == "monthly":
        month = f"{now:%Y-%m}"
        done = sub.last_run_at is not None and f"{sub.last_run_at:%Y-%m}" == month
        return None if done else f"month:{month}"
    previous = croniter(sub.schedule, now).get_prev(dt.datetime)
    since = sub.last_run_at or sub.created_at
    return f"cron:{previous:%Y-%m-%dT%H:%M}" if previous > since else None


def delivered_dir(warehouse: Warehouse | None = None) -> Path:
    """Where delivered reports are kept for download from the inbox: beside the warehouse."""
    return (warehouse.path if warehouse else db_path()).parent / "delivered"


def delivered_file(sub_id: int, name: str, warehouse: Warehouse | None = None) -> Path | None:
    """A delivered report's file (names are checked: no path leaves the folder)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = delivered_dir(warehouse) / str(sub_id) / name
    return path if path.is_file() else None


def run_due(now: dt.datetime | None = None, warehouse: Warehouse | None = None) -> list[dict]:
    """Render and deliver every subscription due at ``now``; returns what was done."""
    now = now or dt.datetime.now().replace(microsecond=0)
    warehouse = warehouse or Warehouse()
    if not warehouse.exists():
        return []
    version = warehouse.version()
    pinned = Warehouse(warehouse.current_file())
    done = []
    try:
        if not read.ready(pinned):
            return []
        for sub in listed():
            key = due_key(sub, now, version)
            if key is None:
                continue
            done.append(_deliver(sub, key, pinned, delivered_dir(warehouse), version, now))
    finally:
        pinned.close()
    return done


def _deliver(sub: Subscription, key: str, warehouse: Warehouse, out: Path, version: str, now):
    user = accounts.get_user(sub.username)
    outcome = {"id": sub.id, "username": sub.username, "key": key}
    try:
        if user is None or user.disabled:
            raise SubscriptionError("账号已停用")
        _check_scope(user, sub.region_code)
        with access.activated(user_scope(user)):
            report = build_report(warehouse, sub.target_set, sub.region_code)
            data = render(report, sub.format)
        name = report_filename(report, sub.format)
    except (SubscriptionError, ValueError) as err:
        accounts.record(
            sub.username,
            "subscription_run",
            result="failed",
            target=f"#{sub.id}",
            detail={"error": str(err), "key": key},
        )
        outcome["error"] = str(err)
        _mark(sub.id, now, version)
        return outcome
    folder = out / str(sub.id)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / name, data)
    notify.send(
        [sub.username],
        notify.Message(
            kind="report",
            subject=f"订阅报告：{report.title}",
            body=f"{report.title}（{report.subtitle}），按订阅（{sub.schedule_zh}）生成。",
            link=f"/inbox/report/{sub.id}/{name}",
            attachments=(notify.Attachment(name, data, MEDIA_TYPES[sub.format]),),
        ),
        key=f"subscription:{sub.id}:{key}",
    )
    accounts.record(
        sub.username,
        "subscription_run",
        target=f"#{sub.id} {name}",
        region=sub.region_code,
        detail={"key": key, "bytes": len(data), "version": version},
    )
    _mark(sub.id, now, version)
    return {**outcome, "file": name, "bytes": len(data)}


def _mark(sub_id: int, now: dt.datetime, version: str) -> None:
    with engine().begin() as con:
        con.execute(
            subscriptions.update()
            .where(subscriptions.c.id == sub_id)
            .values(last_run_at=now, last_version=version)
        )
