"""Settings: where the warehouse lives, and which day it is.

``DATABRAIN_DB`` names the warehouse. Several warehouses can coexist by pointing it at different
paths. The default is ``data/databrain.duckdb`` under the project directory.

``DATABRAIN_TODAY`` (``YYYY-MM-DD``) pins the date the engine treats as today — the last
vintage it computes, data-quality timeliness, the check against future dates — so a replay or
a test run gives the same results on any day. Unset, it is the calendar date.

``DATABRAIN_ENGINE`` picks where the indicator engine's fact aggregation runs: the warehouse's
own DuckDB (default) or an Apache Spark master.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "databrain.duckdb"


def db_path() -> Path:
    """The warehouse path from ``DATABRAIN_DB`` (default ``data/databrain.duckdb``)."""
    return Path(os.environ.get("DATABRAIN_DB") or DEFAULT_DB).expanduser().absolute()


def demo_dir(db: Path | None = None) -> Path:
    """Where the demo generator writes its files: ``<warehouse dir>/demo-files``."""
    return (db or db_path()).parent / "demo-files"


def plans_dir(db: Path | None = None) -> Path:
    """The warehouse's plan folder, where drafted and adopted target sets are saved beside the
    bundled ones: ``DATABRAIN_PLANS``, else ``<warehouse dir>/plans``."""
    pinned = os.environ.get("DATABRAIN_PLANS")
    if pinned:
        return Path(pinned).expanduser().absolute()
    return (db or db_path()).parent / "plans"


def today() -> dt.date:
    """``DATABRAIN_TODAY`` when set (``YYYY-MM-DD``), else the calendar date."""
    pinned = os.environ.get("DATABRAIN_TODAY")
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(
            f"DATABRAIN_TODAY 应为 YYYY-MM-DD，收到 {pinned!r} / expected YYYY-MM-DD"
        ) from None


def engine() -> str:
    """Where the indicator engine aggregates the facts: ``DATABRAIN_ENGINE``.

    ``duckdb`` (the default) runs everything inside the warehouse. Any other value is an Apache
    Spark master — ``local[N]``, ``spark://host:7077``, ``yarn``, ``k8s://https://…`` — and the
    fact aggregation over the raw registries runs there (see :mod:`indicators.spark`).
    """
    return (os.environ.get("DATABRAIN_ENGINE") or "duckdb").strip()


def upload_limit_mb() -> int:
    """The largest file an upload may carry, in MB (``DATABRAIN_MAX_UPLOAD_MB``, default 200)."""
    text = os.environ.get("DATABRAIN_MAX_UPLOAD_MB", "200")
    return int(text) if text.isdigit() and int(text) > 0 else 200
