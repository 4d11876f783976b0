"""The one place that opens DuckDB.

The warehouse is a *versioned* DuckDB file. ``DATABRAIN_DB`` (say ``data/databrain.duckdb``) is
a symbolic link to the current version, ``data/databrain.duckdb.versions/v000007.duckdb``.

Why: DuckDB lets one process hold a file for writing, and a writer shuts out readers in other
processes. So nothing ever writes the current version. A write (an ingest, a demo rebuild) copies
the current version to a staging file, works on the copy inside one transaction, checkpoints,
and then swaps the link atomically (``rename(2)``). Consequences:

* readers (the running app) never see a half-loaded state and are never locked out;
* a failed validation or a crash midway leaves the current version byte-for-byte unchanged;
* readers notice the new version on their next query and reopen (read-only).

Writers serialise on an advisory lock file beside the link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from datasets import access
from datasets.config import db_path
from datasets.locks import exclusive
from datasets.regions import region_table
from datasets.schema import RECORDED_COLUMN, SYNTHETIC_COLUMN, DatasetSchema, load_schemas

KEEP_VERSIONS = 3
#: how long a lease keeps a version if its holder never releases it (a job that died)
LEASE_SECONDS = 6 * 3600
_VERSION_RE = re.compile(r"^v(\d{6})\.duckdb$")

SYSTEM_DDL = [
    """CREATE TABLE IF NOT EXISTS _loads (
        load_id BIGINT PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        file_bytes BIGINT NOT NULL,
        file_format VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        inserted BIGINT NOT NULL,
        replaced BIGINT NOT NULL,
        synthetic_rows BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS regions (
        region_code VARCHAR PRIMARY KEY,
        name_zh VARCHAR NOT NULL,
        name_pinyin VARCHAR NOT NULL,
        level VARCHAR NOT NULL,
        parent_code VARCHAR,
        city_code VARCHAR NOT NULL
    )""",
]


def dataset_ddl(schema: DatasetSchema) -> str:
    cols = [f'"{c.name}" {c.sql_type}' for c in schema.columns]
    cols += [
        f"{SYNTHETIC_COLUMN} BOOLEAN NOT NULL DEFAULT FALSE",
        "_load_id BIGINT NOT NULL",
        f"{RECORDED_COLUMN} TIMESTAMP",
    ]
    return f'CREATE TABLE IF NOT EXISTS "{schema.name}" ({", ".join(cols)})'


def superseded_table(name: str) -> str:
    """Where the replaced versions of dataset ``name``'s rows are kept (transaction time)."""
    return f"_superseded_{name}"


def superseded_ddl(schema: DatasetSchema) -> str:
    """A dataset's replaced row versions: its columns, when each version arrived
    (``recorded_at``) and when the newer version replaced it (``superseded_at``). What the
    warehouse held at a past moment is the current rows recorded by then plus these versions
    valid then; the event-time reading ignores them."""
    cols = [f'"{c.name}" {c.sql_type}' for c in schema.columns]
    cols += [
        f"{SYNTHETIC_COLUMN} BOOLEAN NOT NULL DEFAULT FALSE",
        "_load_id BIGINT NOT NULL",
        f"{RECORDED_COLUMN} TIMESTAMP",
        "superseded_at TIMESTAMP NOT NULL",
    ]
    return f'CREATE TABLE IF NOT EXISTS "{superseded_table(schema.name)}" ({", ".join(cols)})'


def _add_recorded_column(con, schema: DatasetSchema) -> None:
    """Warehouses made before arrival times were recorded get the column, NULL on every row: the
    rows already there are the initial population (see :data:`datasets.schema.RECORDED_COLUMN`)."""
    con.execute(f'ALTER TABLE "{schema.name}" ADD COLUMN IF NOT EXISTS {RECORDED_COLUMN} TIMESTAMP')


def _statistics_view(schemas: dict[str, DatasetSchema], *, superseded: bool = False) -> str:
    """``statistics``: every long-form dataset in one view (``_superseded_statistics``: their
    replaced versions)."""
    longs = [s for s in schemas.values() if s.long_form]
    names = longs[0].column_names + [SYNTHETIC_COLUMN, RECORDED_COLUMN]
    if superseded:
        names.append("superseded_at")
    cols = ", ".join(f'"{c}"' for c in names)
    parts = [
        f"SELECT '{s.name}' AS dataset, {cols} FROM "
        f'"{superseded_table(s.name) if superseded else s.name}"'
        for s in longs
    ]
    view = superseded_table("statistics") if superseded else "statistics"
    return f"CREATE OR REPLACE VIEW {view} AS " + " UNION ALL ".join(parts)


@dataclass
class Staging:
    """A write in progress: ``con`` is an open transaction on a copy of the current version."""

    con: duckdb.DuckDBPyConnection
    path: Path
    discarded: bool = False

    def discard(self) -> None:
        """Throw the copy away on exit (nothing changed); the current version stays."""
        self.discarded = True


class Warehouse:
    """Access to one warehouse (``DATABRAIN_DB`` by default).

    Reads go through :meth:`query` (read-only, one connection per process, a cursor per call)
    and return polars frames. Writes go through :meth:`writer`.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).absolute() if path else db_path()
        self.versions_dir = self.path.with_name(self.path.name + ".versions")
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con_target: str | None = None

    # ------------------------------------------------------------------ versions
    def exists(self) -> bool:
        """True when a current version exists."""
        return self.path.exists()

    def current_file(self) -> Path | None:
        """The file of the current version (the link's target), or None."""
        return Path(os.path.realpath(self.path)) if self.path.exists() else None

    def version(self) -> str:
        """Name of the current version, e.g. ``v000007`` (empty when there is none)."""
        current = self.current_file()
        return current.stem if current else ""

    def updated_at(self) -> dt.datetime | None:
        """When the current version was written (its file's modification time, local time)."""
        current = self.current_file()
        return dt.datetime.fromtimestamp(current.stat().st_mtime) if current else None

    def _versions(self) -> list[tuple[int, Path]]:
        if not self.versions_dir.exists():
            return []
        found = []
        for p in self.versions_dir.iterdir():
            m = _VERSION_RE.match(p.name)
            if m:
                found.append((int(m.group(1)), p))
        return sorted(found)

    # ------------------------------------------------------------------ reading
    def _connection(self) -> duckdb.DuckDBPyConnection:
        target = os.path.realpath(self.path)
        if not os.path.exists(target):
            raise FileNotFoundError(
                f"数据仓库不存在：{self.path}。请先运行 `databrain demo` 或 `databrain ingest`。"
            )
        with self._lock:
            if self._con is None or self._con_target != target:
                # The old connection is left to the garbage collector: another thread may still
                # hold a cursor on it, and its file stays readable until then.
                self._con = duckdb.connect(target, read_only=True)
                self._con_target = target
            return self._con

    def query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        """Run a read-only query with bound parameters and return a polars frame, without the
        rows the active user's scope may not see (:mod:`datasets.access`)."""
        cursor = self._connection().cursor()
        scope = access.current_scope()
        try:
            frame = cursor.sql(sql, params=params).pl()
        finally:
            cursor.close()
        if scope is None:
            return frame
        return frame.clear() if scope.refuses(sql, params, frame.columns) else scope.restrict(frame)

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyCursor]:
        """A read-only cursor on the current version, for code that takes a connection (the
        risk rules evaluated at an earlier as-of date for a report)."""
        cursor = self._connection().cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def table_names(self) -> set[str]:
        """Names of the tables and views in the current version."""
        rows = self.query("SELECT table_name FROM information_schema.tables")
        return set(rows["table_name"].to_list())

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con, self._con_target = None, None

    # ------------------------------------------------------------------ writing
    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        with exclusive(self.path.with_name(self.path.name + ".lock")):
            yield

    @contextlib.contextmanager
    def writer(self, *, fresh: bool = False) -> Iterator[Staging]:
        """Open a write: a transaction on a staged copy, swapped in atomically on success.

        ``fresh=True`` starts from an empty warehouse instead of a copy (``databrain demo``).
        Any exception (or :meth:`Staging.discard`) leaves the current version untouched.
        """
        with self._write_lock():
            self.versions_dir.mkdir(parents=True, exist_ok=True)
            for stale in self.versions_dir.glob("*.staging*"):
                stale.unlink(missing_ok=True)  # left by a crashed writer; never current
            self._adopt_plain_file()
            current = self.current_file()
            versions = self._versions()
            number = (versions[-1][0] if versions else 0) + 1
            final = self.versions_dir / f"v{number:06d}.duckdb"
            staged = final.with_name(final.name + ".staging")
            if current is not None and not fresh:
                shutil.copyfile(current, staged)
            con = duckdb.connect(str(staged))
            staging = Staging(con=con, path=staged)
            try:
                ensure_schema(con)
                con.execute("BEGIN TRANSACTION")
                yield staging
                if staging.discarded:
                    con.execute("ROLLBACK")
                else:
                    con.execute("COMMIT")
                    con.execute("CHECKPOINT")
                con.close()
                if staging.discarded:
                    staged.unlink(missing_ok=True)
                    return
                _fsync(staged)
                os.replace(staged, final)
                self._point_to(final)
                self._collect_garbage()
            except BaseException:
                with contextlib.suppress(Exception):
                    con.close()
                for leftover in (staged, Path(str(staged) + ".wal")):
                    leftover.unlink(missing_ok=True)
                raise

    def _adopt_plain_file(self) -> None:
        """A plain DuckDB file at the path (not a link) becomes version 1."""
        if self.path.exists() and not self.path.is_symlink():
            first = self.versions_dir / "v000001.duckdb"
            shutil.copyfile(self.path, first)
            self._point_to(first)

    def _point_to(self, target: Path) -> None:
        link_tmp = self.path.with_name(f".{self.path.name}.link-{os.getpid()}")
        link_tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(target, self.path.parent), link_tmp)
        os.replace(link_tmp, self.path)
        _fsync_dir(self.path.parent)

    def _collect_garbage(self) -> None:
        held = self._leased()
        for _, old in self._versions()[:-KEEP_VERSIONS]:
            if old.name not in held:  # a leased version waits for its holder
                old.unlink(missing_ok=True)  # open readers keep their handle; space frees later

    # ------------------------------------------------------------------ leases
    def lease(self, version: Path, holder: str, *, ttl: float = LEASE_SECONDS) -> Path:
        """Keep ``version`` from collection while ``holder`` (a job pinned to it) reads it:
        until :meth:`release`, or ``ttl`` seconds (a holder that died releases nothing)."""
        leases = self.versions_dir / "leases"
        leases.mkdir(parents=True, exist_ok=True)
        path = leases / f"{version.name}.{holder}.lease"
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"until": time.time() + ttl, "pid": os.getpid()}))
        os.replace(tmp, path)
        return path

    @staticmethod
    def release(lease: str | Path | None) -> None:
        """Give up a lease (collection may take the version at the next write)."""
        if lease:
            Path(lease).unlink(missing_ok=True)

    def pin(self, holder: str) -> tuple[Path, Path]:
        """The current version, leased to ``holder``: (version file, lease)."""
        for _ in range(10):
            version = self.current_file()
            if version is None:
                raise FileNotFoundError(f"数据仓库不存在：{self.path}")
            lease = self.lease(version, holder)
            if version.exists():  # not collected between reading the link and leasing it
                return version, lease
            self.release(lease)
        raise RuntimeError(f"无法固定数据仓库版本：{self.path}")

    def _leased(self) -> set[str]:
        """Versions with a live lease; expired leases are cleared away."""
        held, now = set(), time.time()
        for path in (self.versions_dir / "leases").glob("*.lease"):
            try:
                until = json.loads(path.read_text())["until"]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being written: its version counts as held at the next write
            if until > now:
                held.add(path.name.split(".duckdb.", 1)[0] + ".duckdb")
            else:
                path.unlink(missing_ok=True)
        return held


@functools.lru_cache(maxsize=8)
def _shared(path: str) -> Warehouse:
    return Warehouse(path)


def forget_connections() -> None:
    """Drop this process's shared warehouse connections (a freshly forked web worker must open
    its own, never use its parent's)."""
    _shared.cache_clear()


def shared_warehouse() -> Warehouse:
    """The process-wide :class:`Warehouse` for ``DATABRAIN_DB``: one read-only connection per
    process, re-opened only when a new version is swapped in."""
    return _shared(str(db_path()))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the system tables, one table per dataset (with its table of replaced versions) and
    the ``statistics`` views if missing."""
    for ddl in SYSTEM_DDL:
        con.execute(ddl)
    schemas = load_schemas()
    for schema in schemas.values():
        con.execute(dataset_ddl(schema))
        _add_recorded_column(con, schema)
        con.execute(superseded_ddl(schema))
    con.execute(_statistics_view(schemas))
    con.execute(_statistics_view(schemas, superseded=True))
    if con.execute("SELECT count(*) FROM regions").fetchall()[0][0] == 0:
        con.register("_region_reference", region_table().to_arrow())
        con.execute("INSERT INTO regions SELECT * FROM _region_reference")
        con.unregister("_region_reference")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)
