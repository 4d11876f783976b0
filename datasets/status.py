"""What the warehouse holds: datasets, rows, period coverage and provenance."""

from __future__ import annotations

from datasets.schema import load_schemas
from datasets.warehouse import Warehouse


def _period_expr(schema) -> str:
    names = schema.column_names
    if "year" in names:
        month = "coalesce(month, 1)" if "month" in names else "1"
        day = "coalesce(day, 1)" if "day" in names else "1"
        return f"make_date(year::BIGINT, {month}::BIGINT, {day}::BIGINT)"
    return f'CAST("{schema.period_column}" AS DATE)'


def dataset_status(warehouse: Warehouse | None = None) -> list[dict]:
    """One record per dataset (every dataset of the schema, loaded or not).

    Keys: ``dataset, title, rows, synthetic_rows, period_start, period_end, files, last_loaded_at,
    version``; ``files`` lists ``file_name, sha256, rows, loaded_at`` of every load.
    """
    warehouse = warehouse or Warehouse()
    schemas = load_schemas()
    parts = [
        f"SELECT '{s.name}' AS dataset, count(*) AS rows, "
        f"count(*) FILTER (WHERE is_synthetic) AS synthetic_rows, "
        f"min({_period_expr(s)}) AS period_start, max({_period_expr(s)}) AS period_end "
        f'FROM "{s.name}"'
        for s in schemas.values()
    ]
    counts = {
        r["dataset"]: r for r in warehouse.query(" UNION ALL ".join(parts)).iter_rows(named=True)
    }
    loads = warehouse.query(
        "SELECT dataset, file_name, sha256, rows, inserted, replaced, loaded_at FROM _loads ORDER BY load_id"
    )
    version = warehouse.version()
    result = []
    for name, schema in schemas.items():
        c = counts[name]
        files = [
            {
                "file_name": r["file_name"],
                "sha256": r["sha256"],
                "rows": r["rows"],
                "inserted": r["inserted"],
                "replaced": r["replaced"],
                "loaded_at": r["loaded_at"].isoformat(timespec="seconds"),
            }
            for r in loads.filter(loads["dataset"] == name).iter_rows(named=True)
        ]
        result.append(
            {
                "dataset": name,
                "title": schema.title,
                "rows": c["rows"],
                "synthetic_rows": c["synthetic_rows"],
                "period_start": c["period_start"].isoformat() if c["period_start"] else None,
                "period_end": c["period_end"].isoformat() if c["period_end"] else None,
                "files": files,
                "last_loaded_at": files[-1]["loaded_at"] if files else None,
                "version": version,
            }
        )
    return result


def has_synthetic_data(warehouse: Warehouse | None = None) -> bool:
    """True when any loaded row is marked synthetic (demo data): pages then say 模拟数据."""
    warehouse = warehouse or Warehouse()
    return sum(d["synthetic_rows"] for d in dataset_status(warehouse)) > 0
