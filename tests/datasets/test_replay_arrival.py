"""When every row arrived (recorded_at, 入库时间): kept through ingestion, simulated by the demo.

Expected facts come from the ingestion rules (docs/replays.md) and the demo generator's
documented design (monthly loads on the 8th, a late 南京 一件事 backfill, nothing after the end
date), never from running the code under test to see what it does.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from datasets.ingest import IngestError, ingest
from tests.conftest import SERVICE_ITEMS_CSV, snapshot

D = dt.date
TODAY = D(2026, 11, 22)


def arrivals(wh, table: str = "service_items") -> dict[str, dt.datetime | None]:
    rows = wh.query(f'SELECT * FROM "{table}"')
    key = rows.columns[0]
    return dict(zip(rows[key], rows["recorded_at"], strict=True))


def test_replay001_initial_population_then_late_rows_get_the_load_time(warehouse, tmp_path):
    first = tmp_path / "items.csv"
    first.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
    ingest([first], warehouse=warehouse, today=TODAY)
    # loaded into an empty dataset without arrival times: the initial population (NULL)
    assert set(arrivals(warehouse).values()) == {None}
    late = tmp_path / "late.csv"
    late.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date,achieved_date\n"
        "NJ-100,开药店一件事,一件事,320100,南京市政务办,2022-05-10,2022-09-01\n",
        encoding="utf-8",
    )
    ingest([late], warehouse=warehouse, today=TODAY)
    got = arrivals(warehouse)
    # a later load: its rows arrived then — on the pinned day
    assert got["NJ-100"].date() == TODAY
    assert got["NJ-001"] is None
    loads = warehouse.query("SELECT loaded_at FROM _loads ORDER BY load_id")["loaded_at"]
    assert loads[-1] == got["NJ-100"]


def test_replay002_a_file_may_carry_its_own_arrival_but_not_a_future_one(warehouse, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text(
        "事项编码,事项名称,清单类型,行政区划代码,牵头部门,列入清单日期,实现日期,入库时间\n"
        "NJ-1,企业开办一件事,一件事,320100,南京市政务办,2022-05-10,,2022-06-08 02:00:00\n"
        "NJ-2,出生一件事,一件事,320100,南京市卫健委,2022-05-11,,\n",
        encoding="utf-8",
    )
    ingest([path], warehouse=warehouse, today=TODAY)
    got = arrivals(warehouse)
    assert got["NJ-1"] == dt.datetime(2022, 6, 8, 2, 0)
    assert got["NJ-2"] is None  # the initial population
    future = tmp_path / "future.csv"
    future.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date,recorded_at\n"
        "NJ-3,退休一件事,一件事,320100,南京市人社局,2022-05-12,2026-12-01 09:00:00\n",
        encoding="utf-8",
    )
    before = snapshot(warehouse)
    with pytest.raises(IngestError, match=r"第 2 行 「recorded_at」（入库时间）：日期「2026-12-01"):
        ingest([future], warehouse=warehouse, today=TODAY)
    assert snapshot(warehouse) == before


def test_replay003_reingesting_the_same_file_changes_nothing(warehouse, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
    ingest([path], warehouse=warehouse, today=TODAY)
    later = tmp_path / "later.csv"
    later.write_text(SERVICE_ITEMS_CSV.replace("NJ-", "WX-"), encoding="utf-8")
    ingest([later], warehouse=warehouse, today=TODAY)
    before = snapshot(warehouse)
    for again in (path, later):
        result = ingest([again], warehouse=warehouse, today=TODAY + dt.timedelta(days=3))
        assert [r.skipped for r in result] == [True]
    # not a new version, not a new arrival time, not a kept old version: byte for byte the same
    assert snapshot(warehouse) == before


def test_replay004_identical_resubmission_keeps_arrival_changed_row_keeps_its_old_version(
    warehouse, tmp_path
):
    base = tmp_path / "base.csv"
    base.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
    ingest([base], warehouse=warehouse, today=D(2023, 4, 10))
    added = tmp_path / "added.csv"
    added.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date,achieved_date\n"
        "NJ-100,开药店一件事,一件事,320100,南京市政务办,2022-12-10,\n",
        encoding="utf-8",
    )
    ingest([added], warehouse=warehouse, today=D(2023, 4, 10))
    first_arrival = arrivals(warehouse)["NJ-100"]
    # the whole registry re-submitted in June: NJ-100 unchanged, NJ-002 now achieved
    resubmitted = tmp_path / "march.csv"
    resubmitted.write_text(
        SERVICE_ITEMS_CSV.replace("民生服务,2021-05-10,", "民生服务,2021-05-10,2023-05-20")
        + "NJ-100,开药店一件事,一件事,320100,南京市政务办,,2022-12-10,\n",
        encoding="utf-8",
    )
    ingest([resubmitted], warehouse=warehouse, today=D(2023, 6, 8))
    got = arrivals(warehouse)
    assert got["NJ-100"] == first_arrival  # identical: still arrived in April
    assert got["NJ-001"] is None  # identical and part of the initial population
    assert got["NJ-002"].date() == D(2023, 6, 8)  # the new version arrived in June
    old = warehouse.query("SELECT * FROM _superseded_service_items")
    assert old["item_id"].to_list() == ["NJ-002"]
    row = old.row(0, named=True)
    assert row["achieved_date"] is None and row["recorded_at"] is None
    assert row["superseded_at"] == got["NJ-002"]
    assert warehouse.query("SELECT count(*) AS n FROM service_items")["n"][0] == 5


# --------------------------------------------------------------------------- the demo's arrivals
@pytest.fixture(scope="module")
def demo_items(demo_files) -> pl.DataFrame:
    return pl.read_parquet(demo_files["service_items"])


def test_replay005_every_demo_row_arrives_on_a_load_day_after_its_event_and_by_the_end(
    demo_files,
):
    end = dt.datetime(2026, 10, 31, 23, 0)
    for name, path in demo_files.items():
        frame = pl.read_parquet(path)
        assert frame["is_synthetic"].all(), name
        assert frame["recorded_at"].null_count() == 0, name
        assert frame["recorded_at"].max() <= end, name
    items = pl.read_parquet(demo_files["service_items"])
    # registries arrive with the monthly load (the 8th, 02:00) on or after their listing,
    # unless the extract's end caps them
    on_load = items.filter(pl.col("recorded_at") < end)
    assert (on_load["recorded_at"].dt.day() == 8).all()
    assert (on_load["recorded_at"].dt.hour() == 2).all()
    assert (items["recorded_at"].dt.date() >= items["listed_date"]).all()
    tickets = pl.read_parquet(demo_files["hotline_tickets"])
    assert (tickets["recorded_at"] >= tickets["created_at"]).all()


def test_replay006_most_rows_arrive_within_two_months_some_much_later(demo_items):
    lag = (demo_items["recorded_at"].dt.date() - demo_items["listed_date"]).dt.total_days()
    assert (lag <= 62).mean() > 0.75
    assert (lag > 365).sum() > 0
    # the planted backfill: 南京's 一件事 listed in 2022, some recorded only in 2024–2026
    nanjing_2022 = demo_items.filter(
        (pl.col("region_code") == "320100")
        & (pl.col("list_type") == "一件事")
        & (pl.col("listed_date").dt.year() == 2022)
    )
    late = nanjing_2022.filter(pl.col("recorded_at").dt.year() >= 2024)
    assert 0 < late.height < nanjing_2022.height
    assert late["recorded_at"].min() >= dt.datetime(2024, 3, 1)


def test_replay007_arrivals_leave_the_data_themselves_unchanged(tmp_path, demo_files):
    """The arrival times use their own random streams: without them the demo is what it was
    (other tests pin its trajectories)."""
    from datasets.demo import generator

    for name in ("service_items", "economic_stats"):
        with_arrivals = pl.read_parquet(demo_files[name]).drop("recorded_at")
        rng = generator._rng(20210831, name)
        regions = generator._regions()
        end = D(2026, 10, 31)
        if name == "service_items":
            frame = generator.service_items(rng, regions, 1, end)
        else:
            source = "模拟数据（demo generator, seed 20210831）"
            frame = generator.economic_stats(rng, regions, end, source)
        schema_cols = [c for c in with_arrivals.columns if c != "is_synthetic"]
        plain = generator._conform(frame, name).sort(
            list(generator.load_schemas()[name].key), nulls_last=False, maintain_order=True
        )
        assert plain.select(schema_cols).equals(with_arrivals.select(schema_cols)), name
