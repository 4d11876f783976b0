"""Ingest streams a file: bytes are hashed, checked and transcoded a block at a time, rows are
typed and checked in one lazy pass into a spill, and keys are compared one share at a time.
Blocks and shares shrunk to a few bytes and rows must change nothing: every corpus file is
refused with the same message, duplicate keys are found across shares, and good files in every
accepted encoding load the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from datasets import ingest as ingest_module
from datasets.ingest import IngestError, ingest
from tests.conftest import SERVICE_ITEMS_CSV
from tests.datasets import test_ingest_hardening as hardening
from tests.datasets import test_ingest_rejects as rejects
from tests.datasets.corpus import refused

TODAY = dt.date(2026, 11, 22)
HEADER = SERVICE_ITEMS_CSV.splitlines()[0]


@pytest.fixture(params=[1, 5], ids=["1-byte-blocks", "5-byte-blocks"])
def tiny(request, monkeypatch):
    """Blocks of 1 or 5 bytes (multi-byte characters straddle them) and key shares of 2 rows."""
    monkeypatch.setattr(ingest_module, "BLOCK", request.param)
    monkeypatch.setattr(ingest_module, "KEY_PART_ROWS", 2)
    return request.param


CORPUS = [(f"rejects-{c[0]}", *c[1:]) for c in rejects.CASES] + [
    (f"hardening-{c[0]}", *c[1:]) for c in hardening.CASES
]


@pytest.mark.parametrize(
    ("name", "data", "dataset", "expected", "count"),
    [c[1:] for c in CORPUS],
    ids=[c[0] for c in CORPUS],
)
def test_stream001_the_corpus_is_refused_alike_in_tiny_blocks(
    tiny, loaded, tmp_path, name, data, dataset, expected, count
):
    path = tmp_path / name
    path.write_bytes(data)
    refused(loaded, path, dataset, expected, count, TODAY)


def _registry_rows(keys: list[str]) -> list[str]:
    return [f"{k},事项{i},一件事,320100,南京市政务办,企业服务,2021-03-01," for i, k in enumerate(keys)]  # fmt: skip


def test_stream002_duplicate_keys_are_found_across_shares(tiny, loaded, tmp_path):
    """60 rows over 30 shares; keys repeat near and far. Each repeat is named with the row that
    first had its key, and all are counted, as a count by hand says."""
    keys = [f"K-{i % 23:03d}" if i % 3 else f"U-{i:03d}" for i in range(60)]
    path = tmp_path / "dups.csv"
    path.write_text("\n".join([HEADER, *_registry_rows(keys)]) + "\n", encoding="utf-8")
    first_row: dict[str, int] = {}
    expected = []
    for i, key in enumerate(keys):
        row = i + 2  # the header is row 1
        if key in first_row:
            expected.append((row, key, first_row[key]))
        else:
            first_row[key] = row
    assert len(expected) > 10  # the case is worth its name
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    assert caught.value.total == len(expected)
    assert [str(i) for i in caught.value.issues] == [
        f"文件「dups.csv」 第 {row} 行：主键（item_id）重复：item_id={key} 已在第 {first} 行出现"
        for row, key, first in expected
    ]


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [
        ("utf-8", "\n", False),
        ("utf-8", "\r\n", True),
        ("gb18030", "\r\n", False),
        ("gb18030", "\r", False),
        ("utf-8", "\r", True),
        ("gb18030", "\n", True),
    ],
    ids=[
        "utf8",
        "utf8-bom-crlf",
        "gb18030-crlf",
        "gb18030-cr-only",
        "utf8-bom-cr-only",
        "gb18030-after-a-utf8-bom",
    ],
)
def test_stream003_good_files_load_the_same_rows_in_tiny_blocks(
    tiny, warehouse, tmp_path, encoding, newline, bom
):
    lines = SERVICE_ITEMS_CSV.splitlines()
    data = newline.join(lines).encode(encoding) + newline.encode()
    path = tmp_path / "items.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    [result] = ingest([path], warehouse=warehouse, today=TODAY)
    expected = list(csv.DictReader(io.StringIO(SERVICE_ITEMS_CSV)))
    assert result.rows == len(expected)
    got = warehouse.query(
        "SELECT item_id, item_name, department FROM service_items ORDER BY item_id"
    )
    assert got.rows() == sorted((r["item_id"], r["item_name"], r["department"]) for r in expected)


def test_stream004_spills_of_a_killed_ingest_are_swept_by_the_next(warehouse, tmp_path):
    """kill -9 runs no cleanup: the next ingest removes the spills of ingests whose process is
    gone, and leaves those of live ones."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)  # fmt: skip
    temp = Path(tempfile.gettempdir())
    dead = temp / f"{ingest_module.SPILL_PREFIX}{int(ended.stdout)}-killed"
    live = temp / f"{ingest_module.SPILL_PREFIX}{os.getpid()}-running"
    for spill in (dead, live):
        (spill / "0").mkdir(parents=True)
        (spill / "0" / "service_items.typed.parquet").write_bytes(b"x" * 1000)
    try:
        path = tmp_path / "items.csv"
        path.write_text(SERVICE_ITEMS_CSV, encoding="utf-8")
        ingest([path], warehouse=warehouse, today=TODAY)
        assert not dead.exists()
        assert (live / "0" / "service_items.typed.parquet").exists()
    finally:
        shutil.rmtree(dead, ignore_errors=True)
        shutil.rmtree(live, ignore_errors=True)


def test_stream005_blocks_are_as_small_as_set(tiny, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("表头,b\n一,2\n".encode())
    blocks = list(ingest_module._blocks(path))
    assert b"".join(blocks) == path.read_bytes()
    assert max(len(b) for b in blocks) == tiny


def test_stream006_a_long_table_unreadable_late_is_named_by_its_row(loaded, tmp_path):
    """A statistics file recognised by the codes of all its rows, with a broken row far down:
    the row is named, as for any CSV."""
    rows = [f"320100,2024,{m % 12 + 1},,gdp_{m},1.5,亿元,江苏统计年鉴" for m in range(3000)]
    path = tmp_path / "stats.csv"
    path.write_text(
        "\n".join([hardening.STATS_HEADER, *rows, '320100,2024,1,,gdp_x,"1.5,亿元']) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError) as caught:
        ingest([path], warehouse=loaded, today=TODAY)
    # the open quote swallows the rest of the line: six fields where the header has eight
    header = hardening.STATS_HEADER.split(",")
    assert [str(i) for i in caught.value.issues] == [
        f"文件「stats.csv」 第 3002 行：字段数为 6，与表头的 {len(header)} 列不一致"
    ]
