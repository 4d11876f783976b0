"""Queries of the 目标追踪 page that :mod:`indicators.read` does not offer.

Read-only, over the materialised ``target_progress`` table; small polars frames out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl


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
