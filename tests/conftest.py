"""Shared fixtures: throwaway warehouses, a small hand-made dataset, the demo warehouse."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from datasets.warehouse import Warehouse

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALDATA = SHARED / "realdata"

# A small 一件事/一类事/一体事 registry made by hand: 4 items, 2 achieved.
SERVICE_ITEMS_CSV = """item_id,item_name,list_type,region_code,department,domain,listed_date,achieved_date
NJ-001,企业开办一件事,一件事,320100,南京市政务办,企业服务,2021-03-01,2022-06-30
NJ-002,出生一件事,一件事,320100,南京市卫健委,民生服务,2021-05-10,
SZ-001,违法建设治理一类事,一类事,320500,苏州市城管局,基层治理,2022-01-15,2023-03-31
SQ-001,公务员录用一体事,一体事,321300,宿迁市人社局,机关运行,2022-07-01,
"""


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (the test's own arithmetic, not the code under test)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(warehouse: Warehouse) -> dict:
    """Byte-for-byte and row-for-row fingerprint of the current warehouse version."""
    current = warehouse.current_file()
    tables = sorted(warehouse.table_names())
    counts = {t: warehouse.query(f'SELECT count(*) AS n FROM "{t}"')["n"][0] for t in tables}
    return {
        "target": os.readlink(warehouse.path),
        "sha256": file_digest(current),
        "counts": counts,
        "version_files": sorted(p.name for p in warehouse.versions_dir.iterdir()),
    }


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Warehouse:
    """An empty warehouse in a temporary directory (also set as DATABRAIN_DB)."""
    path = tmp_path / "wh" / "test.duckdb"
    monkeypatch.setenv("DATABRAIN_DB", str(path))
    wh = Warehouse(path)
    with wh.writer():
        pass  # version 1: schema only
    yield wh
    wh.close()


@pytest.fixture
def items_csv(tmp_path) -> Path:
    path = tmp_path / "service_items.csv"
    path.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
    return path


@pytest.fixture
def loaded(warehouse, items_csv) -> Warehouse:
    """The temporary warehouse with the hand-made registry loaded."""
    from datasets.ingest import ingest

    ingest([items_csv], warehouse=warehouse)
    return warehouse


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """The demo generator's files at scale 1 (default seed), made once per test session."""
    from datasets.demo.generator import generate

    return generate(tmp_path_factory.mktemp("demo-files"), scale=1)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, demo_files) -> Warehouse:
    """A warehouse built from the demo files through the normal ingestion path."""
    from datasets.ingest import ingest

    wh = Warehouse(tmp_path_factory.mktemp("demo-wh") / "demo.duckdb")
    ingest(sorted(demo_files.values()), warehouse=wh, fresh=True)
    return wh


@pytest.fixture(scope="session")
def demo_computed(tmp_path_factory, demo_files) -> Warehouse:
    """The demo warehouse with every indicator and derived table computed (as on 2026-11-22)."""
    import datetime as dt

    from datasets.ingest import ingest
    from pipeline import recompute

    wh = Warehouse(tmp_path_factory.mktemp("demo-computed") / "demo.duckdb")
    ingest(
        sorted(demo_files.values()),
        warehouse=wh,
        fresh=True,
        after_load=lambda con: recompute(con, today=dt.date(2026, 11, 22)),
    )
    return wh


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(
            f"real public statistics not available: {REALDATA} is absent (../shared is not beside the checkout)"
        )
    return REALDATA


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 server for the session (skipped, with the reason, if none can be
    started on this machine)."""
    from tests import postgres

    try:
        server = postgres.start()
    except RuntimeError as err:
        pytest.skip(str(err))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path, monkeypatch) -> str:
    """A fresh, empty operational store on SQLite and on PostgreSQL (``DATABRAIN_STATE_URL``)."""
    from datasets import store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**9}")
    monkeypatch.setenv("DATABRAIN_STATE_URL", url)
    monkeypatch.setenv("DATABRAIN_ATTACHMENTS", str(tmp_path / "attachments"))
    store.forget_engines()
    yield url
    store.forget_engines()


@pytest.fixture
def mailbox(monkeypatch):
    """A real SMTP server the product mails to (``DATABRAIN_SMTP_URL``), with what it received."""
    from tests.smtp import Mailbox

    box = Mailbox().start()
    monkeypatch.setenv("DATABRAIN_SMTP_URL", box.url)
    yield box
    box.stop()
