"""Accounts, sign-in and the audit log, over the operational store (:mod:`datasets.store`).

- **Users** have a role (``roles.yaml``), and a city (``city_user``) or a unit
  (``department_user``) where the role needs one. Passwords are hashed with argon2id; a user
  created without a password gets a one-time password that must be changed at first sign-in.
- **Sign-in** (:func:`authenticate`) counts failures: after :data:`MAX_FAILURES` in a row the
  account is locked for :data:`LOCKOUT`. A signed-in browser holds a random session token whose
  hash is a row of ``sessions``; :func:`session_user` ends a session idle for longer than
  :data:`IDLE_TIMEOUT`, and disabling a user ends all of theirs at once.
- **Audit** (:func:`record`, :func:`audit_entries`): an append-only record of sign-ins, uploads,
  exports, downloads and account changes. Nothing in the app updates or deletes an entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from datasets.access import load_roles
from datasets.regions import cities
from datasets.store import audit_log, engine, sessions, users

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
IDLE_TIMEOUT = dt.timedelta(minutes=30)
MIN_PASSWORD = 10
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is for the person."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    city_code: str | None
    unit: str | None
    source: str
    disabled: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    email: str | None = None


def utcnow() -> dt.datetime:
    """Now in UTC, as the store keeps times (naive, whole seconds)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _user(row) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=row.role,
        city_code=row.city_code,
        unit=row.unit,
        source=row.source,
        disabled=bool(row.disabled),
        must_change_password=bool(row.must_change_password),
        locked_until=row.locked_until,
        created_at=row.created_at,
        email=row.email,
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")


def _check_role(role: str, city: str | None, unit: str | None) -> None:
    roles = load_roles()
    if role not in roles:
        raise AccountError(f"未知角色「{role}」。可选：{', '.join(roles)}")
    spec = roles[role]
    if spec.regions == "own_city":
        codes = set(cities()["region_code"].to_list())
        if city not in codes:
            raise AccountError(
                f"角色 {role}（{spec.name_zh}）须用 --city 指定 13 个设区市之一的代码"
            )
    elif city:
        raise AccountError(f"角色 {role}（{spec.name_zh}）不限于一个市，不能指定 --city")
    if spec.indicators == "own_unit" and not unit:
        raise AccountError(f"角色 {role}（{spec.name_zh}）须用 --unit 指定责任单位（如 省政务办）")


def add_user(
    username: str,
    role: str,
    *,
    city: str | None = None,
    unit: str | None = None,
    password: str | None = None,
    source: str = "local",
    actor: str = "",
    email: str | None = None,
) -> tuple[User, str | None]:
    """Create a user; returns it and, when no password was given for a local account, the
    one-time password to hand over (it must be changed at first sign-in)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("用户名须为 1–64 个字符")
    _check_role(role, city, unit)
    email = _check_email(email)
    one_time = None
    if source == "local" and password is None:
        one_time = password = secrets.token_urlsafe(12)
    if password is not None:
        check_password(password)
    now = utcnow()
    with engine().begin() as con:
        if con.execute(sa.select(users.c.id).where(users.c.username == username)).first():
            raise AccountError(f"用户「{username}」已存在")
        con.execute(
            users.insert().values(
                username=username,
                role=role,
                city_code=city,
                unit=unit,
                password_hash=_hasher.hash(password) if password is not None else None,
                source=source,
                must_change_password=one_time is not None,
                email=email,
                created_at=now,
                updated_at=now,
            )
        )
    record(
        actor,
        "user_add",
        target=username,
        region=city,
        detail={"role": role, "unit": unit, "source": source},
    )
    return get_user(username), one_time


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip() or None
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise AccountError(f"邮箱地址不对：{email}")
    return email


def set_email(username: str, email: str | None, *, actor: str = "") -> None:
    """Set (or clear, with None) where a user's notifications are mailed."""
    email = _check_email(email)
    with engine().begin() as con:
        done = con.execute(
            users.update().where(users.c.username == username).values(email=email)
        ).rowcount
    if not done:
        raise AccountError(f"没有用户「{username}」")
    record(actor, "user_email", target=username, detail={"email": email})


def get_user(username: str) -> User | None:
    with engine().connect() as con:
        row = con.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def list_users() -> list[User]:
    with engine().connect() as con:
        return [_user(r) for r in con.execute(sa.select(users).order_by(users.c.username))]


def disable_user(username: str, *, actor: str = "") -> None:
    """Disable a user and end every session they have."""
    now = utcnow()
    with engine().begin() as con:
        row = con.execute(sa.select(users.c.id).where(users.c.username == username)).first()
        if row is None:
            raise AccountError(f"没有用户「{username}」")
        con.execute(
            users.update().where(users.c.id == row.id).values(disabled=True, updated_at=now)
        )
        con.execute(
            sessions.update()
            .where(sessions.c.user_id == row.id, sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
    record(actor, "user_disable", target=username)


def set_password(username: str, password: str, *, actor: str = "", one_time: bool = False) -> None:
    """Set a user's password (and unlock them); ``one_time`` makes them change it at sign-in."""
    check_password(password)
    with engine().begin() as con:
        done = con.execute(
            users.update()
            .where(users.c.username == username)
            .values(
                password_hash=_hasher.hash(password),
                must_change_password=one_time,
                failed_logins=0,
                locked_until=None,
                updated_at=utcnow(),
            )
        ).rowcount
    if not done:
        raise AccountError(f"没有用户「{username}」")
    record(actor or username, "user_passwd", target=username)


def authenticate(username: str, password: str, *, ip: str | None = None) -> tuple[User | None, str]:
    """Check a sign-in. Returns the user and ``"ok"``, or None and why not (in Chinese, the same
    words for an unknown user and a wrong password). Every attempt is audited."""
    now = utcnow()
    refused = "用户名或密码不正确"
    user, reason = None, refused
    with engine().begin() as con:
        row = con.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None or row.password_hash is None:
            _hasher.hash(password)  # the same work as a real check: no timing oracle for names
        elif row.disabled:
            reason = "该账号已停用，请联系系统管理员"
        elif row.locked_until and row.locked_until > now:
            reason = f"连续登录失败次数过多，账号已锁定至 {row.locked_until:%H:%M}（UTC）"
        else:
            try:
                _hasher.verify(row.password_hash, password)
                ok = True
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok:
                con.execute(
                    users.update()
                    .where(users.c.id == row.id)
                    .values(failed_logins=0, locked_until=None)
                )
                user = _user(row)
            else:
                failures = row.failed_logins + 1
                locked = now + LOCKOUT if failures >= MAX_FAILURES else None
                con.execute(
                    users.update()
                    .where(users.c.id == row.id)
                    .values(failed_logins=0 if locked else failures, locked_until=locked)
                )
                if locked is not None:
                    minutes = int(LOCKOUT.total_seconds() // 60)
                    reason = f"连续 {MAX_FAILURES} 次登录失败，账号已锁定 {minutes} 分钟"
    if user is not None:
        record(username, "login", ip=ip)
        return user, "ok"
    record(username, "login", result="failed", ip=ip, detail={"reason": reason})
    return None, reason


def start_session(user: User, *, ip: str | None = None) -> str:
    """A new session for ``user``; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine().begin() as con:
        con.execute(
            sessions.insert().values(
                id=_digest(token), user_id=user.id, created_at=now, last_seen=now, ip=ip
            )
        )
    return token


def session_user(token: str | None) -> User | None:
    """The user of a live session, its idle clock reset; None for an unknown, ended, idle or
    disabled one (an idle session is ended)."""
    if not token:
        return None
    now = utcnow()
    key = _digest(token)
    with engine().begin() as con:
        row = con.execute(
            sa.select(sessions, users.c.disabled)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.id == key)
        ).first()
        if row is None or row.ended_at is not None or row.disabled:
            return None
        if now - row.last_seen > IDLE_TIMEOUT:
            con.execute(sessions.update().where(sessions.c.id == key).values(ended_at=now))
            return None
        if (now - row.last_seen).total_seconds() >= 30:  # a write per half minute, not per request
            con.execute(sessions.update().where(sessions.c.id == key).values(last_seen=now))
        user = con.execute(sa.select(users).where(users.c.id == row.user_id)).first()
    return _user(user)


def end_session(token: str | None) -> None:
    if token:
        with engine().begin() as con:
            con.execute(
                sessions.update().where(sessions.c.id == _digest(token)).values(ended_at=utcnow())
            )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record(
    actor: str,
    action: str,
    *,
    result: str = "ok",
    target: str | None = None,
    region: str | None = None,
    as_of: dt.date | None = None,
    detail: dict | None = None,
    ip: str | None = None,
) -> None:
    """Append one entry to the audit log."""
    with engine().begin() as con:
        con.execute(
            audit_log.insert().values(
                at=utcnow(),
                actor=actor or "",
                action=action,
                result=result,
                target=target,
                region_code=region,
                as_of=as_of,
                detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                ip=ip,
            )
        )


def audit_entries(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """Audit entries, newest first, as a frame (``at`` in UTC)."""
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    if limit:
        query = query.limit(limit)
    with engine().connect() as con:
        rows = [r._asdict() for r in con.execute(query)]
    schema = {
        "id": pl.Int64,
        "at": pl.Datetime,
        "actor": pl.String,
        "action": pl.String,
        "result": pl.String,
        "target": pl.String,
        "region_code": pl.String,
        "as_of": pl.Date,
        "detail": pl.String,
        "ip": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
