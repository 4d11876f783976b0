"""Queries of the 目标追踪 page that :mod:`indicators.read` does not offer.

Read-only, over the materialised ``target_progress`` table; small polars frames out.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from indicators.text import STATUS_ORDER


def method_comparison(
    warehouse, target_set: str, as_of: dt.date, indicator: str, region: str
) -> pl.DataFrame:
    """One target's assessment by every tracking method at ``as_of`` for one region.

    Columns: ``method, is_default_method, status, ratio, progress, numbers, explain`` — one row
    per method computed (a qualitative target has only ``ratio``), the default method first.
    """
    return warehouse.query(
        """
        SELECT method, is_default_method, status, ratio, progress, numbers, explain
        FROM target_progress
        WHERE target_set = ? AND as_of = ? AND indicator = ? AND region_code = ?
        ORDER BY is_default_method DESC, method
        """,
        [target_set, as_of, indicator, region],
    )


def sort_rows(rows: list[dict], *, final: bool, order: dict[str, int]) -> list[dict]:
    """Lagging first: by status (STATUS_ORDER, worst first) — after the deadline by the final
    assessment first (未达成 before 达成 before none) — then least progress, then plan order."""
    status_rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    final_rank = {"not_achieved": 0, "achieved": 1}

    def key(r):
        progress = r.get("progress")
        return (
            final_rank.get(r.get("final_status"), 2) if final else 0,
            status_rank.get(r["status"], len(status_rank)),
            progress if progress is not None else math.inf,
            order.get(r["indicator"], 99),
        )

    return sorted(rows, key=key)
