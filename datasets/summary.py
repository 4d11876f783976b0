"""Small read models for the overview pages (no Dash here)."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from datasets import access
from datasets.schema import load_schemas
from datasets.status import dataset_status
from datasets.warehouse import Warehouse


def records_by_city(warehouse: Warehouse | None = None) -> pl.DataFrame:
    """Rows of every dataset attributed to each of the 13 cities (county rows roll up to their
    city). Columns: ``region_code, name_zh, dataset, records``; province-level rows are left out.
    """
    warehouse = warehouse or Warehouse()
    parts = [
        f"SELECT '{s.name}' AS dataset, region_code, count(*) AS n FROM \"{s.name}\" GROUP BY region_code"
        for s in load_schemas().values()
    ]
    sql = f"""
        WITH counts AS ({" UNION ALL ".join(parts)})
        SELECT c.region_code, c.name_zh, counts.dataset, sum(counts.n)::BIGINT AS records
        FROM counts
        JOIN regions r ON r.region_code = counts.region_code
        JOIN regions c ON c.region_code = r.city_code AND c.level = 'city'
        GROUP BY ALL
        ORDER BY c.region_code, counts.dataset
    """
    return warehouse.query(sql)


@lru_cache(maxsize=16)
def _status_for(path: str, version: str) -> tuple:
    # Counts of whole datasets, shared by every user through this cache: over all rows,
    # whoever asks first.
    with access.activated(None):
        return tuple(dataset_status(Warehouse(path)))


def cached_status(warehouse: Warehouse | None = None) -> list[dict]:
    """:func:`dataset_status`, memoised per warehouse version (a new version is a new key)."""
    warehouse = warehouse or Warehouse()
    return list(_status_for(str(warehouse.path), warehouse.version()))


def is_synthetic(warehouse: Warehouse | None = None) -> bool:
    """True when the current warehouse holds demo (synthetic) rows."""
    return any(d["synthetic_rows"] for d in cached_status(warehouse))
