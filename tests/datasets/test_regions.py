"""The region reference table and the map boundaries."""

from __future__ import annotations

import json
import re

import pytest

from datasets import boundaries, regions

CITY_NAMES = [
    "南京市",
    "无锡市",
    "徐州市",
    "常州市",
    "苏州市",
    "南通市",
    "连云港市",
    "淮安市",
    "盐城市",
    "扬州市",
    "镇江市",
    "泰州市",
    "宿迁市",
]


def test_regions001_province_13_cities_95_counties():
    table = regions.region_table()
    assert table.filter(table["level"] == "province")["region_code"].to_list() == ["320000"]
    cities = regions.cities()
    assert cities["region_code"].to_list() == [f"32{i:02d}00" for i in range(1, 14)]
    assert cities["name_zh"].to_list() == CITY_NAMES
    assert regions.counties().height == 95


def test_regions002_codes_parents_and_pinyin():
    table = regions.region_table()
    assert all(re.fullmatch(r"32\d{4}", c) for c in table["region_code"])
    counties = regions.counties()
    assert (counties["parent_code"] == counties["region_code"].str.slice(0, 4) + "00").all()
    assert set(counties["parent_code"]) == set(regions.cities()["region_code"])
    row = table.filter(table["region_code"] == "320102").row(0, named=True)
    assert (row["name_zh"], row["name_pinyin"], row["parent_code"]) == (
        "玄武区",
        "Xuanwu",
        "320100",
    )
    assert regions.region_name("321300") == "宿迁市"


@pytest.fixture(scope="module")
def city_shapes():
    return boundaries.read_boundaries("city")


def test_boundaries001_13_city_polygons_union_matches_province(city_shapes):
    assert sorted(city_shapes["region_code"]) == [f"32{i:02d}00" for i in range(1, 14)]
    assert city_shapes.geometry.is_valid.all()
    utm = 32650  # UTM zone 50N: areas in square metres
    cities = city_shapes.to_crs(utm)
    province = boundaries.province_outline().to_crs(utm).iloc[0]
    union = cities.union_all()
    # Up to a sliver, the cities tile the province ...
    assert union.symmetric_difference(province).area / province.area < 0.005
    # ... without overlapping one another.
    assert abs(cities.geometry.area.sum() - union.area) / union.area < 0.005
    # Jiangsu is about 107,200 km².
    assert 100_000 < province.area / 1e6 < 110_000


def test_boundaries002_browser_geojson_is_small_and_keyed_by_code():
    data = boundaries.geojson("city")
    size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    assert size <= 100 * 1024, f"{size} bytes"
    assert sorted(f["id"] for f in data["features"]) == [f"32{i:02d}00" for i in range(1, 14)]
    names = {f["id"]: f["properties"]["name_zh"] for f in data["features"]}
    assert names["320500"] == "苏州市"


def test_boundaries003_simplified_shapes_stay_close_to_the_originals(city_shapes):
    simple = boundaries.simplified("city").set_index("region_code")
    full = city_shapes.set_index("region_code")
    for code in full.index:
        diff = full.geometry[code].symmetric_difference(simple.geometry[code]).area
        assert diff / full.geometry[code].area < 0.02, code
