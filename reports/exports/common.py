"""What every page export shares: the table type, names, the as-of and reading of a view, and numbers with the catalog's decimals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from datasets.regions import region_table
from indicators import read
from indicators.catalog import default_catalog
from reports.tables import (
    Column,
    Table,
)

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class AppTable(Table):
    """A :class:`Table` as a page shows it, with what its 说明 sheet and file name need.

    ``datasets=None`` means every loaded dataset; ``every_load`` lists every loaded file in the
    说明 sheet (the /data tables), not only each dataset's newest.
    """

    stem: str = ""
    as_of: dt.date | None = None
    target_set: str | None = None
    region: str | None = None
    indicators: tuple[str, ...] = ()
    datasets: tuple[str, ...] | None = None
    every_load: bool = False
    extra: tuple[tuple[str, str], ...] = ()


# --- shared helpers ------------------------------------------------------------------------------


def _ym(d: dt.date) -> str:
    return f"{d:%Y-%m}"


def _stem(*parts: str) -> str:
    """A file name stem from its parts, without characters file systems refuse."""
    text = "_".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text)


def _all_names() -> dict[str, str]:
    return dict(region_table().select("region_code", "name_zh").iter_rows())


def _target_set(query: dict):
    catalog = default_catalog()
    key = query.get("set") or read.default_target_set()
    return catalog.target_sets.get(key) or catalog.target_sets[read.default_target_set()]


def _target_set_text(ts) -> str:
    return f"{ts.name_zh}（{ts.document}；{ts.id}）"


def _as_of(warehouse, query: dict) -> dt.date:
    as_of = read.resolve_as_of(warehouse, query.get("as_of"))
    if as_of is None:
        raise ValueError("指标尚未计算：没有可导出的数据截至日期")
    return as_of


def _reading_extra(view: dict) -> tuple[tuple[str, str], ...]:
    return (("数据口径", read.reading_label(view["reading"])),)


def _number(name: str, header: str, unit: str = "", **kwargs) -> Column:
    return Column(name, header, "number", unit, **kwargs)


def _frame(records: list[dict], columns: tuple[Column, ...]) -> pl.DataFrame:
    """A frame of ``records`` with every declared column (an empty table keeps its header)."""
    schema = {
        c.name: {
            "number": pl.Float64,
            "share": pl.Float64,
            "integer": pl.Int64,
            "year": pl.Int64,
            "date": pl.Date,
            "month": pl.Date,
            "datetime": pl.Datetime,
        }.get(c.kind, pl.String)
        for c in columns
    }
    for c in columns:
        if c.decimals_from:
            schema.setdefault(c.decimals_from, pl.Int64)
    return pl.DataFrame(
        [{k: r.get(k) for k in schema} for r in records], schema=schema, strict=False
    )
