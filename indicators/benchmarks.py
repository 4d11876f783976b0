"""“全国领先”: Jiangsu's standing among the provinces in a public benchmark
(``national_benchmarks``), as known at an as-of — its rank in the newest year published by then,
how many provinces were ranked, the leader and the gap to it, and whether the rank meets the
target's leading rank (:class:`indicators.catalog.Benchmark`)."""

from __future__ import annotations

import datetime as dt

from indicators.catalog import Benchmark

TABLE = "national_benchmarks"
HOME = "江苏"


def standing(warehouse, benchmark: Benchmark, as_of: dt.date) -> dict | None:
    """Jiangsu's standing in ``benchmark`` at ``as_of`` (None when nothing is published yet)."""
    if TABLE not in warehouse.table_names():
        return None
    columns = warehouse.query(f"SELECT * FROM {TABLE} LIMIT 0").columns
    known = "AND CAST(recorded_at AS DATE) <= ?" if "recorded_at" in columns else ""
    params = [benchmark.code] + ([as_of] if known else [])
    rows = warehouse.query(
        f"""
        SELECT year, benchmark_name, province, value, unit, rank, source FROM {TABLE}
        WHERE benchmark = ? {known}
          AND year = (SELECT max(year) FROM {TABLE} WHERE benchmark = ? {known})
        ORDER BY rank NULLS LAST, province
        """,
        params + params,
    )
    home = rows.filter(rows["province"] == HOME) if rows.height else rows
    if home.is_empty() or home["rank"][0] is None:
        return None
    me = home.row(0, named=True)
    leader = rows.row(0, named=True)
    gap = None
    if me["value"] is not None and leader["value"] is not None:
        gap = leader["value"] - me["value"]
    leading = me["rank"] <= benchmark.leading_rank
    return {
        "benchmark": benchmark.code,
        "name_zh": me["benchmark_name"],
        "year": me["year"],
        "rank": me["rank"],
        "of": rows.height,
        "value": me["value"],
        "unit": me["unit"] or "",
        "leader": leader["province"],
        "leader_value": leader["value"],
        "gap": gap,
        "leading_rank": benchmark.leading_rank,
        "leading": leading,
        "source": me["source"],
        "text": _text(me, rows.height, leader, gap, benchmark.leading_rank, leading),
    }


def _text(me: dict, of: int, leader: dict, gap, leading_rank: int, leading: bool) -> str:
    verdict = "全国领先" if leading else "未达全国领先"
    place = f"{me['year']} 年{me['benchmark_name']}全国第 {me['rank']} 名（共 {of} 个省份）"
    if me["rank"] == 1:
        behind = "，居首位"
    elif gap is not None:
        unit = me["unit"] or ""
        size = f"{gap:.2f} 个百分点" if unit == "%" else f"{gap:,.2f}{unit}"
        behind = f"，低于第一名{leader['province']} {size}"
    else:
        behind = f"，第一名为{leader['province']}"
    return f"{verdict}：{place}{behind}；以前 {leading_rank} 名为领先"
