"""Settings: where the warehouse lives.

One setting, ``DATABRAIN_DB``, names the warehouse. Several warehouses can coexist by pointing
it at different paths. The default is ``data/databrain.duckdb`` under the project directory.
"""

from __future__ import annotations

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
