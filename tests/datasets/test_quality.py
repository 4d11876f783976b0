"""Data quality on a small hand-made warehouse: completeness, timeliness, soft rules, score.

Every expected number is worked out here from the rows below, not taken from the code.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from datasets import quality
from datasets.ingest import ingest

TODAY = dt.date(2026, 11, 30)

ITEMS = """item_id,item_name,list_type,region_code,department,domain,listed_date,achieved_date
A1,企业开办一件事,一件事,320100,南京市政务办,企业服务,2019-03-01,2025-06-30
A2,出生一件事,一件事,320100,南京市卫健委,,2021-05-10,
A3,出生一件事,一件事,320100,南京市民政局,民生服务,2021-06-10,2021-09-01
A4,出生一件事,一类事,320100,南京市民政局,民生服务,2021-06-10,
A5,公务员录用一体事,一体事,321300,宿迁市人社局,,2022-07-01,2026-10-15
"""
# A1: achieved 6 years after listing (rule); A2/A3: the same name in the same region and list
# (rule, 2 rows; A4 is in another list); domain empty on A2 and A5.

TICKETS = """ticket_id,region_code,category,channel,created_at,due_at,closed_at,satisfaction
T1,320102,城乡建设,电话,2026-01-05 09:00:00,2026-01-15 09:00:00,2026-01-10 10:00:00,满意
T2,320102,交通出行,,2026-02-01 09:00:00,2026-02-11 09:00:00,2026-02-20 10:00:00,
T3,320102,教育,网站,2026-03-01 09:00:00,2026-03-11 09:00:00,,
T4,320102,其他,电话,2026-10-20 09:00:00,2026-10-30 09:00:00,,满意
"""
# data end 2026-10-20 (newest created/closed); T3 open and due 2026-03-11, more than 90 days
# before 2026-10-20 (rule); T4 open but rated (rule); T2 closed without satisfaction.

EVALUATIONS = """region_code,year,month,channel,evaluations,positive,negative,negative_rectified
320100,2026,9,窗口,100,95,3,3
320100,2026,10,窗口,100,90,15,2
320200,2026,10,窗口,50,40,2,5
320300,2026,10,窗口,50,40,2,
"""
# row 2: 90 + 15 > 100; row 3: 5 rectified of 2 negative; row 4: negative_rectified empty.

ECONOMIC = """region_code,region_name,year,month,day,indicator,value,unit,source
320100,南京市,2025,,,gdp,17000,亿元,统计局
320200,无锡市,2025,,,gdp,15000,万元,统计局
320300,苏州市,2025,,,gdp,16000,亿元,统计局
"""
# 无锡's unit differs from gdp's usual 亿元; 320300 is 徐州市, not 苏州市; 南京 2025 gdp is also
# in governance_stats.

GOVERNANCE = """region_code,region_name,year,month,day,indicator,value,unit,source
320100,南京市,2025,,,gdp,17000,亿元,
320100,南京市,2025,6,,pm25_monthly_mean,30,μg/m³,环境厅
"""


@pytest.fixture
def hand_made(warehouse, tmp_path):
    """The temporary warehouse with the five small files loaded, one load each."""
    for name, text in [
        ("service_items", ITEMS),
        ("hotline_tickets", TICKETS),
        ("service_evaluations", EVALUATIONS),
        ("economic_stats", ECONOMIC),
        ("governance_stats", GOVERNANCE),
    ]:
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        ingest([path], name, warehouse=warehouse)
    return warehouse


def by_dataset(warehouse) -> dict[str, dict]:
    return {q["dataset"]: q for q in quality.dataset_quality(warehouse, today=TODAY)}


def rules(q: dict) -> dict[str, int]:
    return {r["code"]: r["count"] for r in q["rules"]}


def test_quality001_service_items(hand_made):
    q = by_dataset(hand_made)["service_items"]
    assert q["rows"] == 5
    # achieved_date is left out (empty = not achieved): 7 columns × 5 rows, 2 domains empty
    assert q["completeness"] == pytest.approx(33 / 35)
    assert (q["weakest_column"], q["weakest_label"]) == ("domain", "领域")
    assert q["weakest_share"] == pytest.approx(3 / 5)
    assert "achieved_date" in q["meaningful_empty"]
    assert rules(q) == {"achieved_after_5_years": 1, "duplicate_name": 2}
    assert q["invalid_rows"] == 3
    # newest date: A5's achieved_date; 46 days before TODAY, beyond a registry's 45
    assert q["data_end"] == dt.date(2026, 10, 15)
    assert q["days_behind_today"] == 46
    assert q["days_behind_load"] == (dt.date.today() - dt.date(2026, 10, 15)).days
    assert (q["threshold_days"], q["timely"], q["timeliness"]) == (45, False, "滞后")
    timeliness = 1 - (46 - 45) / 90  # linear from 45 days down to 0 at 135
    expected = 100 * (0.4 * 33 / 35 + 0.3 * (1 - 3 / 5) + 0.3 * timeliness)
    assert q["score"] == pytest.approx(expected)


def test_quality002_hotline_tickets(hand_made):
    q = by_dataset(hand_made)["hotline_tickets"]
    # 6 columns always expected (closed_at left out) + satisfaction on the 2 closed tickets:
    # channel missing once, satisfaction missing on T2
    assert q["columns"]["satisfaction"] == {
        "label": "满意度",
        "filled": 1,
        "expected": 2,
        "share": 0.5,
    }
    assert q["completeness"] == pytest.approx(24 / 26)
    assert q["weakest_column"] == "satisfaction"
    assert rules(q) == {"open_90_days_past_due": 1, "rated_while_open": 1}
    assert q["invalid_rows"] == 2
    assert q["data_end"] == dt.date(2026, 10, 20)
    assert (q["days_behind_today"], q["threshold_days"], q["timeliness"]) == (41, 31, "滞后")


def test_quality003_service_evaluations(hand_made):
    q = by_dataset(hand_made)["service_evaluations"]
    assert q["completeness"] == pytest.approx(31 / 32)
    assert q["weakest_column"] == "negative_rectified"
    assert rules(q) == {"positive_negative_exceed": 1, "rectified_exceed": 1}
    assert q["invalid_rows"] == 2
    # a monthly table ends with its newest month: October 2026 → 31 October, 30 days ago
    assert q["data_end"] == dt.date(2026, 10, 31)
    assert (q["days_behind_today"], q["timeliness"]) == (30, "及时")
    expected = 100 * (0.4 * 31 / 32 + 0.3 * (1 - 2 / 4) + 0.3 * 1)
    assert q["score"] == pytest.approx(expected)


def test_quality004_statistics(hand_made):
    q = by_dataset(hand_made)
    econ, gov = q["economic_stats"], q["governance_stats"]
    assert rules(econ) == {
        "unit_mismatch": 1,
        "region_name_mismatch": 1,
        "duplicate_other_table": 1,
    }
    assert econ["invalid_rows"] == 3
    assert econ["completeness"] == 1.0 and econ["weakest_column"] is None
    assert rules(gov) == {"unit_mismatch": 0, "region_name_mismatch": 0, "duplicate_other_table": 1}
    # month and day are left out (empty = annual); source missing once of 2 rows × 7 columns
    assert gov["completeness"] == pytest.approx(13 / 14)
    # an annual 2025 value covers the year to 31 December; 334 days behind, ≥ 3 × 51 → 0
    assert econ["data_end"] == dt.date(2025, 12, 31)
    assert econ["days_behind_today"] == 334
    assert econ["score"] == pytest.approx(100 * (0.4 * 1 + 0.3 * (1 - 3 / 3) + 0.3 * 0))


def test_quality005_unloaded_datasets_and_overall(hand_made):
    q = by_dataset(hand_made)
    scenarios = q["scenarios"]
    assert scenarios["rows"] == 0
    assert scenarios["completeness"] is None and scenarios["score"] is None
    assert scenarios["timeliness"] == "—" and scenarios["data_end"] is None
    loaded = [v["score"] for v in q.values() if v["rows"]]
    assert len(loaded) == 5
    assert quality.overall_score(list(q.values())) == pytest.approx(sum(loaded) / 5)
    assert quality.overall_score([scenarios]) is None


def test_quality006_every_dataset_has_checks_and_a_threshold():
    from datasets.schema import load_schemas

    for name, schema in load_schemas().items():
        assert name in quality.CHECKS and name in quality.FRESHNESS, name
        checks = quality.CHECKS[name]
        for column in [*checks.meaningful_empty, *checks.expected_when]:
            assert column in schema.column_names, (name, column)
        for rule in checks.rules:
            assert rule.description and not rule.description.isascii(), (name, rule.code)


def test_quality007_cached_per_version(hand_made, tmp_path):
    first = quality.cached_quality(hand_made, today=TODAY)
    assert quality.cached_quality(hand_made, today=TODAY) == first
    extra = tmp_path / "more.csv"
    extra.write_text(
        "item_id,item_name,list_type,region_code,department,listed_date\n"
        "B1,新事项,一件事,320500,苏州市政务办,2026-11-01\n",
        encoding="utf-8",
    )
    ingest([extra], "service_items", warehouse=hand_made)
    after = {q["dataset"]: q for q in quality.cached_quality(hand_made, today=TODAY)}
    assert after["service_items"]["rows"] == 6
    assert after["service_items"]["data_end"] == dt.date(2026, 11, 1)


def test_quality008_compute_record(hand_made):
    assert quality.compute_record(hand_made) is None
    with hand_made.writer() as staging:
        staging.con.execute(
            "CREATE TABLE _computed (computed_at TIMESTAMP, data_end DATE, "
            "catalog_sha256 VARCHAR, value_rows BIGINT, seconds DOUBLE)"
        )
        staging.con.execute(
            "INSERT INTO _computed VALUES "
            "(TIMESTAMP '2026-11-23 01:52:31', DATE '2026-11-23', 'abc', 335204, 5.4)"
        )
    assert quality.compute_record(hand_made) == {
        "computed_at": dt.datetime(2026, 11, 23, 1, 52, 31),
        "data_end": dt.date(2026, 11, 23),
        "catalog_sha256": "abc",
        "value_rows": 335204,
        "seconds": 5.4,
    }


def test_quality009_demo_warehouse_is_measured_quickly(demo_warehouse):
    demo_warehouse.query("SELECT 1")  # open the connection outside the timing
    started = time.perf_counter()
    result = quality.dataset_quality(demo_warehouse, today=TODAY)
    seconds = time.perf_counter() - started
    assert seconds < 3, f"quality took {seconds:.2f} s"
    assert all(q["rows"] > 0 for q in result)
    assert all(q["score"] is not None and 0 <= q["score"] <= 100 for q in result)


def test_quality020_measures_are_taken_at_load_and_read_as_measured(demo_computed, monkeypatch):
    """The measures written in the load's own write are what scanning the tables now gives,
    so /data shows the same figures without scanning them."""
    assert quality.MEASURES_TABLE in demo_computed.table_names()
    stored = quality._measured(demo_computed)
    with demo_computed.reader() as con:
        fresh = quality.measure(con)
    assert set(stored) == set(fresh) and len(stored) == len(quality.load_schemas())
    for name, values in fresh.items():
        kept = stored[name]
        assert set(kept) == set(values), name
        for key, value in values.items():
            if key == "data_end" and value is not None:
                assert kept[key] == (value if isinstance(value, dt.date) else value.date()), name
            else:
                assert kept[key] == value, (name, key)
    today = dt.date(2026, 11, 22)
    from_load = quality.dataset_quality(demo_computed, today=today)
    monkeypatch.setattr(quality, "_measured", lambda _warehouse: {})  # scan the tables instead
    assert quality.dataset_quality(demo_computed, today=today) == from_load
