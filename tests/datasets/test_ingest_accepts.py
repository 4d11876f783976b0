"""Valid files in every supported form load the same rows, with provenance, idempotently."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from datasets.ingest import ingest
from tests.conftest import SERVICE_ITEMS_CSV, file_digest, snapshot

TODAY = dt.date(2026, 11, 22)
CHINESE_HEADER = "事项编码,事项名称,清单类型,行政区划代码,牵头部门,领域,列入清单日期,实现日期"


def _as_xlsx(text: str) -> bytes:
    buffer = io.BytesIO()
    pl.read_csv(io.StringIO(text), infer_schema=False).write_excel(buffer)
    return buffer.getvalue()


def _as_parquet(text: str) -> bytes:
    frame = pl.read_csv(
        io.StringIO(text), try_parse_dates=True, schema_overrides={"region_code": pl.String}
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


VARIANTS = {
    "utf8.csv": SERVICE_ITEMS_CSV.encode("utf-8"),
    "utf8-bom.csv": b"\xef\xbb\xbf" + SERVICE_ITEMS_CSV.encode("utf-8"),
    "crlf.csv": SERVICE_ITEMS_CSV.replace("\n", "\r\n").encode("utf-8"),
    "gb18030.csv": SERVICE_ITEMS_CSV.encode("gb18030"),
    "chinese-header.csv": SERVICE_ITEMS_CSV.replace(
        SERVICE_ITEMS_CSV.splitlines()[0], CHINESE_HEADER
    ).encode(),
    "slash-dates.csv": SERVICE_ITEMS_CSV.replace("2021-03-01", "2021/3/1").encode(),
    "items.xlsx": _as_xlsx(SERVICE_ITEMS_CSV),
    "items.parquet": _as_parquet(SERVICE_ITEMS_CSV),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_ingest010_supported_forms_load_identical_rows(warehouse, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(VARIANTS[name])
    [result] = ingest([path], warehouse=warehouse, today=TODAY)
    assert (result.dataset, result.rows, result.inserted, result.replaced) == (
        "service_items",
        4,
        4,
        0,
    )
    rows = warehouse.query(
        "SELECT item_id, list_type, region_code, listed_date, achieved_date FROM service_items ORDER BY item_id"
    )
    assert rows["item_id"].to_list() == ["NJ-001", "NJ-002", "SQ-001", "SZ-001"]
    assert rows["listed_date"][0] == dt.date(2021, 3, 1)
    assert rows["achieved_date"].to_list() == [
        dt.date(2022, 6, 30),
        None,
        None,
        dt.date(2023, 3, 31),
    ]
    assert rows["region_code"].to_list() == ["320100", "320100", "321300", "320500"]


def test_ingest011_provenance_recorded(warehouse, items_csv):
    ingest([items_csv], warehouse=warehouse, today=TODAY)
    loads = warehouse.query("SELECT dataset, file_name, sha256, rows, file_bytes FROM _loads")
    assert loads.rows() == [
        ("service_items", "service_items.csv", file_digest(items_csv), 4, items_csv.stat().st_size)
    ]


def test_ingest012_reloading_same_file_is_idempotent(loaded, items_csv):
    before = snapshot(loaded)
    [result] = ingest([items_csv], warehouse=loaded, today=TODAY)
    assert result.skipped
    assert snapshot(loaded) == before


def test_ingest013_updated_registry_replaces_rows_by_key(loaded, tmp_path):
    updated = SERVICE_ITEMS_CSV.replace("民生服务,2021-05-10,", "民生服务,2021-05-10,2024-01-02")
    path = tmp_path / "service_items-2024.csv"
    path.write_text(updated, encoding="utf-8")
    [result] = ingest([path], warehouse=loaded, today=TODAY)
    assert (result.inserted, result.replaced) == (0, 4)
    rows = loaded.query("SELECT count(*) AS n, count(achieved_date) AS achieved FROM service_items")
    assert rows.row(0) == (4, 3)


def test_ingest014_dataset_recognised_from_columns(warehouse, tmp_path):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "ticket_id,region_code,category,channel,created_at,due_at,closed_at,satisfaction\n"
        "T1,320102,城乡建设,电话,2025-03-01 09:15:00,2025-03-06 09:15:00,2025-03-04 17:00:00,满意\n"
        "T2,321302,教育,网站,2025-03-02 10:00:00,2025-03-05 10:00:00,,\n",
        encoding="utf-8",
    )
    stats = tmp_path / "pm.csv"
    stats.write_text(
        "region_code,year,month,indicator,value,unit\n320100,2024,1,pm25_monthly_mean,48.2,μg/m3\n",
        encoding="utf-8",
    )
    results = ingest([tickets, stats], warehouse=warehouse, today=TODAY)
    assert [r.dataset for r in results] == ["hotline_tickets", "governance_stats"]
    assert warehouse.query("SELECT count(*) AS n FROM statistics")["n"][0] == 1


def test_ingest015_uploaded_file_keeps_its_own_name(warehouse, items_csv):
    ingest([items_csv], warehouse=warehouse, display_names=["南京市清单.csv"], today=TODAY)
    assert warehouse.query("SELECT file_name FROM _loads")["file_name"].to_list() == [
        "南京市清单.csv"
    ]
