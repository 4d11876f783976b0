"""The operational store: users, sign-in sessions, the audit log, 督办 tasks and what is sent.

It is kept apart from the analytical warehouse, which is copied and swapped on every load: what
people do must not be lost or rolled back with a data version. SQLAlchemy 2 over SQLite beside
the warehouse (``<warehouse dir>/state.sqlite``) by default, or any database named by
``DATABRAIN_STATE_URL`` (PostgreSQL in production: ``postgresql+psycopg://user@host/db``). The
schema is created and upgraded by Alembic migrations (``datasets/migrations``), never by
``create_all``, so a production database moves forward one reviewed step at a time.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from datasets.config import db_path

MIGRATIONS = Path(__file__).with_name("migrations")

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("city_code", sa.String(6)),
    sa.Column("unit", sa.String(64)),
    sa.Column("password_hash", sa.String(255)),  # NULL: signs in only through the proxy or OIDC
    sa.Column("source", sa.String(16), nullable=False, server_default="local"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("email", sa.String(255)),  # where notifications are mailed, when SMTP is set up
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the token in the cookie
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("ip", sa.String(64)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False, server_default=""),
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("result", sa.String(16), nullable=False),  # ok | denied | failed
    sa.Column("target", sa.String(255)),
    sa.Column("region_code", sa.String(6)),
    sa.Column("as_of", sa.Date),
    sa.Column("detail", sa.Text),  # JSON
    sa.Column("ip", sa.String(64)),
)


tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("indicator", sa.String(64)),
    sa.Column("region_code", sa.String(6), index=True),
    sa.Column("unit", sa.String(64), index=True),
    sa.Column("requirement", sa.Text, nullable=False, server_default=""),
    sa.Column("priority", sa.String(8), nullable=False, server_default="medium"),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("state", sa.String(32), nullable=False, index=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.String(16), nullable=False, server_default="manual"),
    sa.Column("source_ref", sa.String(200)),
    sa.Column("evidence", sa.Text),  # JSON: the values, status and as-of when it was raised
)

task_events = sa.Table(
    "task_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(32)),
    sa.Column("to_state", sa.String(32), nullable=False),
    sa.Column("comment", sa.Text),
)


task_assessments = sa.Table(
    "task_assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("as_of", sa.Date),  # the data the judgement read
    sa.Column("verdict", sa.String(16), nullable=False),  # effective | not_effective | watching
    sa.Column("occasion", sa.String(16), nullable=False),  # close | load
    sa.Column("detail", sa.Text),  # JSON: the values compared
)


task_attachments = sa.Table(
    "task_attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("task_events.id")),
    sa.Column("name", sa.String(255), nullable=False),  # as the user named it
    sa.Column("stored", sa.String(255), nullable=False),  # file name under the attachments folder
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("task_id", sa.Integer),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("link", sa.String(255)),
    # what the message is about (one per recipient): sending again is a no-op
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("read_at", sa.DateTime),
    sa.UniqueConstraint("username", "key", name="uq_notifications_username_key"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("target_set", sa.String(64), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    sa.Column("schedule", sa.String(64), nullable=False),  # after_load | monthly | cron text
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_run_at", sa.DateTime),
    sa.Column("last_version", sa.String(32)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("channel", sa.String(8), nullable=False),  # inbox | email
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("address", sa.String(255)),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("result", sa.String(16), nullable=False),  # ok | failed
    sa.Column("error", sa.Text),
)


def attachments_dir() -> Path:
    """Where 督办 attachments are kept: ``DATABRAIN_ATTACHMENTS``, else beside the store (a
    SQLite file) or the warehouse. Several web servers share one folder (a network mount)."""
    configured = os.environ.get("DATABRAIN_ATTACHMENTS")
    if configured:
        return Path(configured)
    url = state_url()
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).parent / "attachments"
    return db_path().parent / "attachments"


def state_url(warehouse: Path | None = None) -> str:
    """``DATABRAIN_STATE_URL``, else SQLite beside the warehouse."""
    url = os.environ.get("DATABRAIN_STATE_URL")
    if url:
        return url
    return f"sqlite:///{(warehouse or db_path()).parent / 'state.sqlite'}"


def store_exists(url: str | None = None) -> bool:
    """Whether the store has been created (a SQLite file that is not there yet is not made just
    to be asked; any other database is taken to exist)."""
    url = url or state_url()
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


def _sqlite_pragmas(dbapi_con, _record) -> None:
    cursor = dbapi_con.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_engines: dict[str, sa.Engine] = {}
_engines_lock = threading.Lock()


def engine(url: str | None = None) -> sa.Engine:
    """One engine (connection pool) per URL and process, its schema upgraded to the newest."""
    url = url or state_url()
    with _engines_lock:
        eng = _engines.get(url)
        if eng is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            eng = sa.create_engine(url, pool_pre_ping=True)
            if eng.dialect.name == "sqlite":
                sa.event.listen(eng, "connect", _sqlite_pragmas)
            upgrade(eng)
            _engines[url] = eng
    return eng


def forget_engines() -> None:
    """Drop this process's pools (a forked web worker opens its own connections)."""
    with _engines_lock:
        for eng in _engines.values():
            eng.dispose(close=False)
        _engines.clear()


def _alembic_config(eng: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = eng
    return cfg


def upgrade(eng: sa.Engine) -> None:
    """Bring the store's schema to the newest migration (a no-op when it is there)."""
    if current_revision(eng) == head_revision():
        return
    command.upgrade(_alembic_config(eng), "head")


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(eng: sa.Engine) -> str | None:
    with eng.connect() as con:
        return MigrationContext.configure(con).get_current_revision()
