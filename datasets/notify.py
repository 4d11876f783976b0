"""Notifications: the in-app inbox, and e-mail through the intranet's SMTP server.

Every message goes to the recipient's inbox (the navbar badge counts the unread); when
``DATABRAIN_SMTP_URL`` is set and the user has an e-mail address it is also mailed. A message is
about something — a task's step, a deadline, a day's digest, a report run — named by its ``key``:
sending the same key to the same user again does nothing, so a scheduler that runs twice, or a
cron job that overlaps the last, never sends twice. Each delivery (inbox or e-mail, delivered or
failed) is one row of ``deliveries`` and one audit entry.

``DATABRAIN_SMTP_URL``: ``smtp://[user:password@]host[:port][?from=addr&starttls=1]``, or
``smtps://…`` for TLS from the start. The sender defaults to ``databrain@localhost``.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlsplit

import polars as pl
import sqlalchemy as sa

from datasets import accounts
from datasets.store import deliveries, engine, notifications

SMTP_TIMEOUT = 20
KINDS = {
    "task_new": "新督办事项",
    "task_answered": "承办单位已反馈",
    "task_returned": "退回重办",
    "task_closed": "已办结",
    "task_signed": "已签收",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "escalated": "逾期升级",
    "digest": "每日督办摘要",
    "report": "订阅报告",
    "effect": "成效评估",
}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str = ""
    link: str | None = None
    task_id: int | None = None
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    ssl: bool
    starttls: bool


def smtp_settings(url: str | None = None) -> Smtp | None:
    """The SMTP server named by ``DATABRAIN_SMTP_URL`` (None: no e-mail)."""
    url = url if url is not None else os.environ.get("DATABRAIN_SMTP_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"DATABRAIN_SMTP_URL 应为 smtp://主机:端口 或 smtps://…，收到 {url!r}")
    query = parse_qs(parts.query)
    ssl = parts.scheme == "smtps"
    return Smtp(
        host=parts.hostname,
        port=parts.port or (465 if ssl else 25),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=query.get("from", ["databrain@localhost"])[0],
        ssl=ssl,
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    )


def _mail(smtp: Smtp, to: str, message: Message) -> None:
    mail = EmailMessage()
    mail["From"] = formataddr(("数据大脑", smtp.sender))
    mail["To"] = to
    mail["Subject"] = f"【数据大脑】{message.subject}"
    text = message.body
    if message.link:
        text += f"\n\n查看：{message.link}"
    mail.set_content(text or message.subject)
    for item in message.attachments:
        main, _, sub = item.media_type.partition("/")
        mail.add_attachment(
            item.data, maintype=main, subtype=sub or "octet-stream", filename=item.name
        )
    client = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
    with client(smtp.host, smtp.port, timeout=SMTP_TIMEOUT) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(mail)


def _log(channel: str, user: str, address: str | None, message: Message, error: str = "") -> None:
    result = "failed" if error else "ok"
    with engine().begin() as con:
        con.execute(
            deliveries.insert().values(
                at=accounts.utcnow(),
                channel=channel,
                username=user,
                address=address,
                kind=message.kind,
                subject=message.subject[:255],
                result=result,
                error=error or None,
            )
        )
    accounts.record(
        "",
        "deliver",
        result=result,
        target=f"{user}：{message.subject}"[:255],
        detail={"channel": channel, "kind": message.kind, "address": address, "error": error},
    )


def send(usernames: Iterable[str], message: Message, *, key: str) -> list[str]:
    """Deliver ``message`` to each named user not sent ``key`` before: to the inbox, and by
    e-mail when SMTP is set up and they have an address. Returns who got it. A failed e-mail is
    logged and does not stop the others (the inbox has it anyway)."""
    smtp = smtp_settings()
    sent = []
    for name in dict.fromkeys(usernames):
        user = accounts.get_user(name)
        if user is None or user.disabled:
            continue
        try:
            with engine().begin() as con:
                con.execute(
                    notifications.insert().values(
                        username=name,
                        at=accounts.utcnow(),
                        kind=message.kind,
                        task_id=message.task_id,
                        subject=message.subject[:255],
                        body=message.body,
                        link=message.link,
                        key=key,
                    )
                )
        except sa.exc.IntegrityError:
            continue  # already sent
        _log("inbox", name, None, message)
        if smtp and user.email:
            try:
                _mail(smtp, user.email, message)
            except (OSError, smtplib.SMTPException) as err:
                _log("email", name, user.email, message, error=str(err) or type(err).__name__)
            else:
                _log("email", name, user.email, message)
        sent.append(name)
    return sent


def inbox(username: str, *, limit: int = 200) -> pl.DataFrame:
    """A user's messages, newest first."""
    with engine().connect() as con:
        rows = con.execute(
            sa.select(notifications)
            .where(notifications.c.username == username)
            .order_by(notifications.c.id.desc())
            .limit(limit)
        ).all()
    schema = {
        "id": pl.Int64,
        "at": pl.Datetime,
        "kind": pl.String,
        "task_id": pl.Int64,
        "subject": pl.String,
        "body": pl.String,
        "link": pl.String,
        "read_at": pl.Datetime,
    }
    return pl.DataFrame([{k: getattr(r, k) for k in schema} for r in rows], schema=schema)


def unread_count(username: str) -> int:
    with engine().connect() as con:
        return con.execute(
            sa.select(sa.func.count())
            .select_from(notifications)
            .where(notifications.c.username == username, notifications.c.read_at.is_(None))
        ).scalar_one()


def mark_read(username: str, ids: Iterable[int] | None = None) -> int:
    """Mark a user's messages read (all of them without ``ids``); only their own."""
    query = notifications.update().where(
        notifications.c.username == username, notifications.c.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(notifications.c.id.in_(list(ids)))
    with engine().begin() as con:
        return con.execute(query.values(read_at=accounts.utcnow())).rowcount


def delivery_log(*, limit: int = 500) -> pl.DataFrame:
    """The newest deliveries (for operators and tests)."""
    with engine().connect() as con:
        rows = con.execute(sa.select(deliveries).order_by(deliveries.c.id.desc()).limit(limit))
        return pl.DataFrame(
            [dict(r._mapping) for r in rows],
            schema={c.name: pl.String for c in deliveries.columns}
            | {"id": pl.Int64, "at": pl.Datetime},
        )
