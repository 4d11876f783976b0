"""The indicator catalog's checks on files at ingest: a published statistic that an indicator
reports as it is (no denominator, no scale) must lie within that indicator's bounds — a 150 %
for a rate bounded [0, 100] is refused with the file's row, not loaded and charted.

:func:`checks` returns the function :func:`datasets.ingest.ingest` takes as ``checks``; the
pipeline passes it, so datasets never import the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from datasets.ingest import MAX_ISSUES
from indicators.catalog import Catalog, default_catalog
from indicators.compute import Statistic

LONG_FORM = ("economic_stats", "governance_stats")


@dataclass(frozen=True)
class Bound:
    name_zh: str
    unit: str
    low: float | None
    high: float | None

    def words(self) -> str:
        unit = "" if self.unit in ("", "%") else f" {self.unit}"
        pct = "%" if self.unit == "%" else ""
        low = "—" if self.low is None else f"{self.low:g}{pct}"
        high = "—" if self.high is None else f"{self.high:g}{pct}"
        return f"{low} 至 {high}{unit}"


def statistic_bounds(catalog: Catalog) -> dict[str, Bound]:
    """Statistic code → the bounds of the indicator that reports it unchanged."""
    out: dict[str, Bound] = {}
    for ind in catalog.indicators.values():
        c = ind.compute
        if not isinstance(c, Statistic) or c.denominator or c.scale != 1 or not ind.bounds:
            continue
        low, high = ind.bounds
        out[c.indicator] = Bound(ind.name_zh, ind.unit, low, high)
    return out


def checks(catalog: Catalog | None = None) -> Callable[[str, pl.LazyFrame], tuple[int, list]]:
    """The catalog's checks of a file's typed rows: (how many, the first of them as (row,
    column, message)) — :data:`datasets.ingest.Checks`."""
    bounds = statistic_bounds(catalog or default_catalog())

    limits = pl.DataFrame(
        {
            "indicator": list(bounds),
            "__low": [b.low for b in bounds.values()],
            "__high": [b.high for b in bounds.values()],
        },
        schema={"indicator": pl.String, "__low": pl.Float64, "__high": pl.Float64},
    )

    def check(dataset: str, rows: pl.LazyFrame) -> tuple[int, list[tuple[int, str, str]]]:
        if dataset not in LONG_FORM:
            return 0, []
        outside = (
            rows.select("_row", "indicator", "value")
            .join(limits.lazy(), on="indicator")
            .filter((pl.col("value") < pl.col("__low")) | (pl.col("value") > pl.col("__high")))
        )
        count = outside.select(pl.len()).collect(engine="streaming").item()
        first = outside.sort("_row").head(MAX_ISSUES).select("_row", "indicator", "value")
        shown = first.collect(engine="streaming").iter_rows() if count else []
        return count, [
            (row, "value", f"「{value:g}」超出指标「{bounds[code].name_zh}」（{code}）的取值范围 "
             f"{bounds[code].words()}")
            for row, code, value in shown
        ]  # fmt: skip

    return check
