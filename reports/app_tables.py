"""Every table the app shows, as an exportable :class:`~reports.tables.Table`.

One builder per table, ``builder(warehouse, query) -> AppTable``, where ``query`` is the page's
URL query (the keys and defaults the page itself resolves; the city page adds its path's
``code``). A builder reads through the read APIs only (:mod:`indicators.read`,
:mod:`indicators.read_risk`, :mod:`datasets.summary`, :mod:`datasets.quality`) and exports the
values the page shows: the same rows, filters and order, each value with its unit and the
catalog's decimals (progress and completeness as shares).

:func:`export` renders one table as CSV or as an Excel workbook with its 说明 sheet
(:func:`about`: the indicators shown and their source files, the as-of date, the target set,
the synthetic flag) and names the file (``目标进度_2026-11_模拟数据.xlsx``).

Nothing here imports Dash: ``pages/_exports.py`` calls :func:`export`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from datasets.summary import cached_status
from indicators.county import (
    county_frame,
    county_layers,
    county_period_label,
    county_ranking,
)
from reports.exports.common import (
    FORMATS,
    AppTable,
)
from reports.exports.data import (
    datasets,
    load_time,
    loads,
    quality,
)
from reports.exports.economy import (
    economy,
)
from reports.exports.indicators import (
    indicator_series,
    indicator_values,
)
from reports.exports.places import (
    city_ranks,
    composite,
    county_values,
    league,
)
from reports.exports.risk import (
    anomalies,
    hotline_categories,
    hotline_monthly,
    hotline_surges,
    risk_scores,
    warnings,
)
from reports.exports.targets import (
    target_cities,
    target_methods,
    targets,
    targets_heatmap,
)
from reports.tables import (
    Provenance,
    filename,
    provenance,
    to_csv,
    to_xlsx,
)

# --- registry and rendering ----------------------------------------------------------------------

BUILDERS: dict[str, Callable[[object, dict], AppTable]] = {
    "targets": targets,
    "target_cities": target_cities,
    "targets_heatmap": targets_heatmap,
    "target_methods": target_methods,
    "city_ranks": city_ranks,
    "county_values": county_values,
    "composite": composite,
    "league": league,
    "indicator_values": indicator_values,
    "indicator_series": indicator_series,
    "warnings": warnings,
    "anomalies": anomalies,
    "risk_scores": risk_scores,
    "hotline_categories": hotline_categories,
    "hotline_monthly": hotline_monthly,
    "hotline_surges": hotline_surges,
    "economy": economy,
    "datasets": datasets,
    "loads": loads,
    "quality": quality,
}


def build(warehouse, key: str, query: dict) -> AppTable:
    """The table ``key`` for a page's URL ``query``."""
    if key not in BUILDERS:
        raise KeyError(f"没有名为 {key!r} 的表，可选：{', '.join(BUILDERS)}")
    return BUILDERS[key](warehouse, dict(query or {}))


def _every_load(warehouse) -> pl.DataFrame:
    """Every loaded file (not only each dataset's newest), for the /data tables' 说明 sheet."""
    records = [
        {
            "dataset": d["dataset"],
            "file_name": f["file_name"],
            "sha256": f["sha256"],
            "rows": f["rows"],
            "loaded_at": load_time(f["loaded_at"]),
        }
        for d in cached_status(warehouse)
        for f in d["files"]
    ]
    schema = {
        "dataset": pl.String,
        "file_name": pl.String,
        "sha256": pl.String,
        "rows": pl.Int64,
        "loaded_at": pl.Datetime,
    }
    return pl.DataFrame(records, schema=schema, orient="row").sort("dataset", "loaded_at")


def about(warehouse, table: AppTable) -> Provenance:
    """The table's 说明: its indicators' definitions, their source files, as-of, target set."""
    info = provenance(
        warehouse,
        title=table.title,
        indicators=list(table.indicators) or None,
        datasets=None if table.datasets is None else list(table.datasets),
        as_of=table.as_of,
        target_set=table.target_set,
        region=table.region,
        extra=(("导出表", table.key), *table.extra),
    )
    if table.every_load:
        info = replace(info, sources=_every_load(warehouse))
    return info


def export(warehouse, key: str, query: dict, fmt: str) -> tuple[bytes, str]:
    """(file bytes, file name) of table ``key`` as ``csv`` or ``xlsx`` for a page's query."""
    if fmt not in FORMATS:
        raise ValueError(f"导出格式应为 {' 或 '.join(FORMATS)}，而不是 {fmt!r}")
    table = build(warehouse, key, query)
    info = about(warehouse, table)
    data = to_csv(table) if fmt == "csv" else to_xlsx([table], info)
    return data, filename(table.stem or key, fmt, synthetic=info.synthetic)


__all__ = [
    *BUILDERS,
    "AppTable",
    "BUILDERS",
    "about",
    "build",
    "county_frame",
    "county_layers",
    "county_period_label",
    "county_ranking",
    "export",
]
