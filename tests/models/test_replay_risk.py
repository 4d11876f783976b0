"""Replays of the risk layer: at an as-of, warnings, risk scores, 12345 surges, open items,
anomalies and forecasts use only what was known by then — in both readings.

The demo plants a 徐州 供水供电供气 surge in 2026-07..08 and the 2025 targets' deadline falls
at the end of 2025: neither may show in a 2023 replay.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import polars as pl
import pytest

from datasets.warehouse import Warehouse
from indicators import read, read_risk
from indicators.catalog import default_catalog
from models import risk

D = dt.date
READINGS = ("transaction", "event")
REPLAY = D(2023, 12, 31)


def _months_in(row: dict) -> list[str]:
    """Every month a warning's evidence and drill-down name."""
    evidence, drill = json.loads(row["evidence"]), json.loads(row["drill"])
    months = list(evidence.get("months") or []) + list(drill.get("months") or [])
    for key in ("since", "as_of_before", "forecast_as_of"):
        if evidence.get(key):
            months.append(str(evidence[key])[:7])
    if drill.get("as_of"):
        months.append(str(drill["as_of"])[:7])
    return months


def test_replay020_risk_vintages_are_year_ends_the_midterm_and_the_newest(demo_computed):
    with demo_computed.reader() as con:
        vintages = risk.risk_vintages(con, default_catalog())
    newest = read.vintages(demo_computed)[-1]
    assert vintages == [
        D(2021, 12, 31),
        D(2022, 12, 31),
        D(2023, 6, 30),
        D(2023, 12, 31),
        D(2024, 12, 31),
        D(2025, 12, 31),
        newest,
    ]
    assert read_risk.risk_vintages(demo_computed) == vintages


@pytest.mark.parametrize("reading", READINGS)
def test_replay021_a_2023_replay_shows_no_later_warning(demo_computed, reading):
    shown = read_risk.warnings(demo_computed, as_of=REPLAY, reading=reading)
    assert shown.height > 0
    assert set(shown["as_of"]) == {REPLAY}
    # no final assessment before the deadline, no 2026 surge, nothing fired after the replay
    assert "final_not_achieved" not in set(shown["rule_id"])
    assert not any("未达成" in m for m in shown["message"])
    assert (shown["first_fired"] <= REPLAY).all()
    for row in shown.iter_rows(named=True):
        assert all(m <= "2023-12" for m in _months_in(row)), row["message"]
        assert "2024" not in row["message"] and "2026" not in row["message"]
    assert not shown.filter(
        (pl.col("rule_id") == "hotline_surge") & (pl.col("region_code") == "320300")
    ).height
    # today both are there
    now = read_risk.warnings(demo_computed, reading=reading)
    assert "final_not_achieved" in set(now["rule_id"])
    assert now.filter(pl.col("rule_id") == "hotline_surge")["region_code"].to_list() == ["320300"]
    # risk scores of the replay come from its own warnings
    scores = read_risk.risk_scores(demo_computed, as_of=REPLAY, reading=reading)
    assert set(scores["as_of"]) == {REPLAY}
    assert scores["warnings"].sum() == shown.filter(pl.col("region_code") != "320000").height


def test_replay022_an_as_of_resolves_to_the_latest_vintage_on_or_before_it(demo_computed):
    # mid-December 2023 is before the 2023 year end: the mid-term vintage answers
    assert read_risk.risk_vintage(demo_computed, D(2023, 12, 15)) == D(2023, 6, 30)
    mid = read_risk.warnings(demo_computed, as_of=D(2023, 12, 15))
    assert set(mid["as_of"]) <= {D(2023, 6, 30)}
    # before the first vintage nothing was assessed: nothing is shown, not a later vintage
    assert read_risk.risk_vintage(demo_computed, D(2021, 6, 30)) is None
    for reading in READINGS:
        assert read_risk.warnings(demo_computed, as_of=D(2021, 6, 30), reading=reading).is_empty()
        assert read_risk.risk_scores(
            demo_computed, as_of=D(2021, 6, 30), reading=reading
        ).is_empty()


def _tickets(wh, as_of: dt.date, reading: str) -> pl.DataFrame:
    """徐州's 12345 tickets by month as known at ``as_of``, worked out from the tickets."""
    held = "AND (recorded_at IS NULL OR CAST(recorded_at AS DATE) <= ?)"
    return wh.query(
        f"""
        SELECT CAST(date_trunc('month', t.created_at) AS DATE) AS month, count(*) AS n
        FROM hotline_tickets t JOIN regions r USING (region_code)
        WHERE r.city_code = '320300' AND CAST(t.created_at AS DATE) <= ?
          {held if reading == "transaction" else ""}
        GROUP BY 1 ORDER BY 1
        """,
        [as_of, as_of] if reading == "transaction" else [as_of],
    )


@pytest.mark.parametrize("reading", READINGS)
def test_replay023_hotline_panels_and_surges_as_known_then(demo_computed, reading):
    window = read_risk.hotline_window(demo_computed, as_of=REPLAY, reading=reading)
    assert window == (D(2022, 12, 1), D(2023, 12, 1))
    monthly = read_risk.hotline_monthly(demo_computed, "320300", as_of=REPLAY, reading=reading)
    expected = _tickets(demo_computed, REPLAY, reading)
    assert monthly.select("month", "tickets").rows() == expected.rows()
    surges = read_risk.hotline_surges(demo_computed, as_of=REPLAY, reading=reading)
    assert surges.height > 0
    assert surges["month"].max() <= D(2023, 12, 1)
    assert surges["month"].min() >= D(2023, 7, 1)  # the last 6 complete months
    assert (surges["ratio"] == surges["tickets"] / surges["expected"]).all()
    top = read_risk.hotline_surges(demo_computed, reading=reading).row(0, named=True)
    assert (top["region_code"], top["category"]) == ("320300", "供水供电供气")


def test_replay024_the_transaction_reading_of_recent_tickets_waits_for_their_arrival(
    demo_computed,
):
    held = _tickets(demo_computed, REPLAY, "transaction")
    event = _tickets(demo_computed, REPLAY, "event")
    assert held["n"].sum() <= event["n"].sum()
    assert held["month"].to_list() == event["month"].to_list()


@pytest.mark.parametrize("reading", READINGS)
def test_replay025_open_items_as_the_warehouse_held_them(demo_computed, reading):
    items = read_risk.open_items(
        demo_computed, ["one_thing_completion_rate"], "320100", as_of=REPLAY, reading=reading
    )
    held = (
        "AND (i.recorded_at IS NULL OR CAST(i.recorded_at AS DATE) <= $d)"
        if reading == "transaction"
        else ""
    )
    count = demo_computed.query(
        f"""
        SELECT count(*) AS n FROM service_items i JOIN regions r USING (region_code)
        WHERE i.list_type = '一件事' AND r.city_code = '320100' AND i.listed_date <= $d
          AND (i.achieved_date IS NULL OR i.achieved_date > $d) {held}
        """,
        {"d": REPLAY},
    )["n"][0]
    assert items["total"][0] == count
    assert (items["since"] <= REPLAY).all()


def test_replay026_the_two_readings_differ_where_late_rows_matter(demo_computed):
    counts = {
        r: read_risk.open_items(
            demo_computed, ["one_thing_completion_rate"], "320100", as_of=REPLAY, reading=r
        )["total"][0]
        for r in READINGS
    }
    # the demo's 南京 items listed in 2022 but recorded only from 2024: open in event time
    assert counts["event"] > counts["transaction"]


@pytest.fixture(scope="module")
def with_anomalies(demo_computed, tmp_path_factory) -> Warehouse:
    """A copy of the demo warehouse with the anomaly scan of every risk vintage, as
    ``databrain forecast`` writes it, and two stored forecasts of 南京's 一件事 rate (made
    at the mid-term and today)."""
    path = tmp_path_factory.mktemp("replay-anomalies") / "demo.duckdb"
    shutil.copyfile(demo_computed.current_file(), path)
    wh = Warehouse(path)
    with wh.writer() as staging:
        risk.write_anomaly_tables(staging.con)
        for made in (D(2023, 6, 30), D(2026, 11, 22)):
            staging.con.execute(
                "CREATE TABLE IF NOT EXISTS forecast_models (indicator VARCHAR, region_code "
                "VARCHAR, as_of DATE, model VARCHAR, probability DOUBLE)"
            )
            staging.con.execute(
                "CREATE TABLE IF NOT EXISTS forecasts (indicator VARCHAR, region_code VARCHAR, "
                "as_of DATE, step INTEGER, period VARCHAR, mean DOUBLE, lo80 DOUBLE, hi80 DOUBLE,"
                " lo95 DOUBLE, hi95 DOUBLE)"
            )
            staging.con.execute(
                "INSERT INTO forecast_models VALUES ('one_thing_completion_rate', '320100', ?, "
                "'theta', 0.5)",
                [made],
            )
            staging.con.execute(
                "INSERT INTO forecasts VALUES ('one_thing_completion_rate', '320100', ?, 1, ?, "
                "50, 45, 55, 40, 60)",
                [made, f"{made.year}-{made.month + 1:02d}"],
            )
    yield wh
    wh.close()


@pytest.mark.parametrize("reading", READINGS)
def test_replay027_anomalies_of_a_replay_end_with_it(with_anomalies, reading):
    shown = read_risk.anomalies(with_anomalies, as_of=REPLAY, reading=reading, limit=1000)
    assert shown.height > 0
    assert set(shown["as_of"]) == {REPLAY}
    assert shown["period"].max() <= "2023-12"
    stored = with_anomalies.query(
        "SELECT count(*) AS n FROM anomaly_vintages WHERE as_of = ? AND reading = ?",
        [REPLAY, reading],
    )["n"][0]
    assert shown.height == stored
    now = read_risk.anomalies(with_anomalies, reading=reading, limit=1000)
    assert "2026-08" in set(now["period"])
    assert read_risk.anomalies(with_anomalies, as_of=D(2021, 6, 30), reading=reading).is_empty()


def test_replay028_the_surge_has_one_expected_volume_on_every_panel(with_anomalies):
    """徐州's 2026-08 utilities surge: the warning, the surge table and the anomaly list show
    the same expected volume, for the same month."""
    warning = read_risk.warnings(with_anomalies).filter(
        (pl.col("rule_id") == "hotline_surge") & (pl.col("region_code") == "320300")
    )
    evidence = json.loads(warning["evidence"][0])
    from_warning = dict(zip(evidence["months"], evidence["expected"], strict=True))
    surge = read_risk.hotline_surges(with_anomalies).row(0, named=True)
    month = f"{surge['month']:%Y-%m}"
    anomaly = read_risk.anomalies(with_anomalies, region="320300", limit=1000).filter(
        (pl.col("indicator") == "hotline_utility_tickets") & (pl.col("period") == month)
    )
    assert month in from_warning
    assert surge["expected"] == from_warning[month] == anomaly["expected"][0]
    assert surge["tickets"] == anomaly["value"][0]
    assert (
        f"{month} {surge['tickets']:,} 件（预期约 {surge['expected']:,.0f} 件）"
        in (warning["message"][0])
    )


@pytest.mark.parametrize("reading", READINGS)
def test_replay029_a_replay_reads_the_forecast_made_by_then(with_anomalies, reading):
    model, rows = read.forecast(
        with_anomalies, "one_thing_completion_rate", "320100", REPLAY, reading=reading
    )
    assert model["as_of"] == D(2023, 6, 30)
    assert rows["period"].to_list() == ["2023-07"]
    before, nothing = read.forecast(
        with_anomalies, "one_thing_completion_rate", "320100", D(2023, 5, 31), reading=reading
    )
    assert before is None and nothing.is_empty()
    newest, _ = read.forecast(
        with_anomalies, "one_thing_completion_rate", "320100", D(2026, 11, 22), reading=reading
    )
    assert newest["as_of"] == D(2026, 11, 22)
