"""Pure helpers of the city page (ranks, strengths and gaps, lagging targets, map view)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from indicators.tracking import value_at_deadline
from pages._city_state import (
    county_view,
    rank_text,
    strengths_and_weaknesses,
)


def test_city001_rank_text():
    assert rank_text(3) == "第 3/13"
    assert rank_text(13) == "第 13/13"
    assert rank_text(None) == "—"


@pytest.mark.parametrize(
    ("target", "gap", "polarity", "expected"),
    [
        (95.0, -28.75, "higher", 66.25),  # 28.75 short of 95 → 66.25
        (80.0, 2.0, "higher", 82.0),  # 2 better than 80 → 82
        (10.0, 2.0, "lower", 8.0),  # lower is better: 2 better than 10 → 8
        (10.0, -3.0, "lower", 13.0),  # 3 worse than 10 → 13
        (None, 1.0, "higher", None),
        (80.0, None, "higher", None),
    ],
)
def test_city002_value_at_deadline_from_the_final_gap(target, gap, polarity, expected):
    assert value_at_deadline(target, gap, polarity) == expected


def test_city003_strengths_are_top_three_and_weaknesses_bottom_three():
    ranks = pl.DataFrame(
        {"indicator": ["a", "b", "c", "d", "e", "f", "g"], "rank": [1, 3, 4, 11, 13, 12, 10]}
    )
    strong, weak = strengths_and_weaknesses(ranks)
    assert strong["indicator"].to_list() == ["a", "b"]
    assert weak["indicator"].to_list() == ["e", "f", "d"]  # worst first


def test_city005_county_view_fits_the_box():
    square = {
        "type": "Feature",
        "id": "x",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[119.0, 32.0], [120.0, 32.0], [120.0, 33.0], [119.0, 33.0]]],
        },
    }
    view = county_view([square], width=280, height=400)

    def merc(lat):  # Web-Mercator y in radians
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    # 1° of longitude in 280 px: the world (360°) is 280·360 px = 512·2^z → z = log2(196.875)
    zoom_lon = math.log2(280 * 360 / 512)
    lat_span = math.degrees(merc(33) - merc(32))  # ≈ 1.186 Mercator degrees
    zoom_lat = math.log2(400 * 360 / (512 * lat_span))
    assert zoom_lon < zoom_lat  # the width is the tighter side here
    assert view["zoom"] == pytest.approx(zoom_lon - 0.1, abs=0.01)
    assert view["center"]["lon"] == pytest.approx(119.5)
    # Mercator y grows faster than latitude, so the middle in y lies a little north of 32.5°
    assert 32.5 < view["center"]["lat"] < 32.51
    assert county_view([]) == {"center": {"lat": 32.95, "lon": 119.45}, "zoom": 5.6}
