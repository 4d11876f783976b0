"""Queries of the 目标追踪 page that :mod:`indicators.read` does not offer.

Read-only, over the materialised ``target_progress`` table; small polars frames out.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from indicators.verdict import progress_at_verdict, verdict_of, verdict_rank


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
    """Lagging first: after the deadline 到期未达成, then 到期达成, then targets without a final
    assessment; within each by verdict (:data:`indicators.verdict.VERDICT_ORDER`, worst first),
    then least progress, then plan order. ``final`` is accepted for callers; the verdict
    already carries the phase."""

    def key(r):
        progress = progress_at_verdict(r) if "shown_value" in r else r.get("progress")
        verdict = r.get("verdict") or verdict_of(r.get("status"), r.get("final_status"))
        return (
            {"final_not_achieved": 0, "final_achieved": 1}.get(verdict, 2),
            verdict_rank(verdict),
            progress if progress is not None else math.inf,
            order.get(r["indicator"], 99),
        )

    return sorted(rows, key=key)
