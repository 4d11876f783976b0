"""Two readings of "known at as-of": 按当时已入库数据 (transaction time, the default) and
按现有数据回溯 (event time). Late-recorded rows change the second, never the first.

Every expected value is worked out here from the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from indicators import read
from indicators.engine import values_as_of
from pipeline import recompute
from tests.indicators.conftest import write_files

D = dt.date
TODAY = D(2026, 11, 22)
MID = D(2023, 6, 30)
NANJING = "320100"
CODE = "one_thing_completion_rate"

# Two 南京 一件事 items listed in May 2022 (one achieved that September), recorded only now.
LATE_ITEMS = """
item_id,item_name,list_type,region_code,department,listed_date,achieved_date
NJ-5,开药店一件事,一件事,320100,南京市政务办,2022-05-10,2022-09-01
NJ-6,二手房转移登记一件事,一件事,320100,南京市住建局,2022-05-20,
"""


def value(wh, as_of, reading=None, *, code=CODE, region=NANJING, period="2023", kind="year"):
    chosen = {} if reading is None else {"reading": reading}
    frame = values_as_of(wh, as_of, period_type=kind, indicators=[code], regions=[region], **chosen)
    rows = frame.filter(pl.col("period") == period)
    return None if rows.is_empty() else rows["value"][0]


def test_replay010_late_rows_change_the_event_reading_only(tmp_path):
    wh = Warehouse(tmp_path / "wh" / "late.duckdb")
    compute = lambda con: recompute(con, today=TODAY)  # noqa: E731
    ingest(write_files(tmp_path / "base"), warehouse=wh, fresh=True, after_load=compute)
    # 南京 by 2023-06 (county 玄武区 included): NJ-1 (achieved 2022-06), NJ-2, XW-1 (achieved
    # 2023-03) listed → 2 of 3. Both readings agree: the base files are the initial population.
    before = {r: value(wh, MID, r) for r in ("transaction", "event")}
    assert before["transaction"] == pytest.approx(100 * 2 / 3)
    assert before["event"] == pytest.approx(100 * 2 / 3)
    progress_before = read.progress(wh, read.DEFAULT_TARGET_SET, MID, regions=[NANJING])

    ingest(
        write_files(tmp_path / "late", {"late_items.csv": LATE_ITEMS}),
        warehouse=wh,
        today=TODAY,
        after_load=compute,
    )
    # what the warehouse held at 2023-06 is what it held then
    assert value(wh, MID, "transaction") == pytest.approx(100 * 2 / 3)
    assert value(wh, MID) == pytest.approx(100 * 2 / 3)  # the default reading
    # read back with today's data: NJ-5 (achieved 2022-09) and NJ-6 join → 3 of 5
    assert value(wh, MID, "event") == pytest.approx(100 * 3 / 5)
    # the year 2022 as known at its end, likewise
    assert value(wh, D(2022, 12, 31), "transaction", period="2022") == pytest.approx(100 * 1 / 3)
    assert value(wh, D(2022, 12, 31), "event", period="2022") == pytest.approx(100 * 2 / 5)
    # today both readings have them: the rows arrived in November 2026
    assert value(wh, TODAY, "transaction", period="2026") == pytest.approx(100 * 3 / 5)
    assert value(wh, D(2026, 10, 31), "transaction", period="2026") == pytest.approx(100 * 2 / 3)
    # target progress: the materialised (transaction-time) rows are unchanged …
    progress_after = read.progress(wh, read.DEFAULT_TARGET_SET, MID, regions=[NANJING])
    cols = ["indicator", "status", "current_value", "progress"]
    assert progress_after.select(cols).equals(progress_before.select(cols))
    # … and the event-time assessment, computed on demand, sees the late items
    event = read.progress(
        wh, read.DEFAULT_TARGET_SET, MID, regions=[NANJING], reading="event"
    ).filter(pl.col("indicator") == CODE)
    assert event["current_value"][0] == pytest.approx(100 * 3 / 5)
    assert set(event.columns) == set(progress_after.columns)


def test_replay011_unknown_reading_is_refused():
    from indicators.engine import parse_reading

    assert parse_reading(None) == "transaction"
    assert parse_reading("按现有数据回溯") == "event"
    with pytest.raises(ValueError, match="未知的数据口径「valid」"):
        parse_reading("valid")


# --------------------------------------------------------------------------- the demo
def _items(wh) -> pl.DataFrame:
    return wh.query(
        "SELECT i.listed_date, i.achieved_date, i.recorded_at FROM service_items i "
        "JOIN regions r USING (region_code) WHERE i.list_type = '一件事' AND r.city_code = ?",
        [NANJING],
    )


def _share(items: pl.DataFrame, as_of: dt.date, *, held: bool) -> float:
    """一件事 completion of the items listed by ``as_of`` (a month end); ``held``: only rows
    the warehouse had received by then."""
    if held:
        items = items.filter(
            pl.col("recorded_at").is_null() | (pl.col("recorded_at").dt.date() <= as_of)
        )
    listed = items.filter(pl.col("listed_date") <= as_of)
    done = listed.filter(pl.col("achieved_date") <= as_of)
    return 100 * done.height / listed.height


def test_replay012_demo_readings_differ_at_the_midterm_and_agree_today(demo_computed):
    items = _items(demo_computed)
    held, event = _share(items, MID, held=True), _share(items, MID, held=False)
    assert held != pytest.approx(event)  # the demo's late 南京 backfill shows
    assert value(demo_computed, MID, "transaction") == pytest.approx(held)
    assert value(demo_computed, MID, "event") == pytest.approx(event)
    # the newest vintage: every demo row has arrived, so both readings agree on every value
    newest = read.vintages(demo_computed)[-1]
    both = [
        values_as_of(demo_computed, newest, period_type="month", reading=r)
        .select("indicator", "region_code", "period", "value")
        .sort("indicator", "region_code", "period")
        for r in ("transaction", "event")
    ]
    assert both[0].height == both[1].height > 20_000
    pair = both[0].join(both[1], on=["indicator", "region_code", "period"], suffix="_event")
    assert pair.height == both[0].height
    assert (pair["value"].is_null() == pair["value_event"].is_null()).all()
    assert (pair["value"] - pair["value_event"]).abs().max() < 1e-9


def test_replay013_loading_items_listed_in_2022_today_leaves_the_midterm_replay(
    tmp_path, demo_computed
):
    """The issue's measurement: items listed in 2022-05 loaded today moved 南京's 一件事通办 at
    2023-06. Now only the event reading moves; the 中期评估 reading does not."""
    path = tmp_path / "wh" / "copy.duckdb"
    path.parent.mkdir()
    shutil.copyfile(demo_computed.current_file(), path)
    wh = Warehouse(path)
    before = {r: value(wh, MID, r) for r in ("transaction", "event")}
    midterm = read.progress(wh, read.DEFAULT_TARGET_SET, MID, regions=[NANJING])
    rows = "\n".join(
        f"NJ-LATE-{i:03d},补录一件事（{i}）,一件事,320100,南京市政务办,2022-05-{1 + i % 28:02d},"
        for i in range(60)
    )
    late = tmp_path / "late.csv"
    late.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date,achieved_date\n"
        + rows
        + "\n",
        encoding="utf-8",
    )
    ingest([late], warehouse=wh, today=TODAY, after_load=lambda con: recompute(con, today=TODAY))
    items = _items(wh)
    assert value(wh, MID, "transaction") == pytest.approx(before["transaction"])
    assert value(wh, MID, "transaction") == pytest.approx(_share(items, MID, held=True))
    # read back today: 60 more listed and none achieved
    assert value(wh, MID, "event") == pytest.approx(_share(items, MID, held=False))
    assert value(wh, MID, "event") < before["event"] - 10
    again = read.progress(wh, read.DEFAULT_TARGET_SET, MID, regions=[NANJING])
    cols = ["indicator", "status", "current_value", "progress", "explain"]
    assert again.select(cols).equals(midterm.select(cols))
    wh.close()
