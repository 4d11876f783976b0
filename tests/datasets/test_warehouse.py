"""Warehouse versions: atomic swaps, crash safety, and readers in other processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

import datasets.ingest as ingest_module
from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from tests.conftest import SERVICE_ITEMS_CSV, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_warehouse001_each_write_is_a_new_version_behind_the_link(loaded, tmp_path):
    first = loaded.version()
    path = tmp_path / "more.csv"
    path.write_text(
        SERVICE_ITEMS_CSV.replace("NJ-", "WX-").replace("320100", "320200"), encoding="utf-8"
    )
    ingest([path], warehouse=loaded)
    assert loaded.path.is_symlink()
    assert loaded.version() > first
    assert loaded.query("SELECT count(*) AS n FROM service_items")["n"][0] == 6


def test_warehouse002_crash_midway_in_process_leaves_warehouse_unchanged(
    loaded, tmp_path, monkeypatch
):
    path = tmp_path / "new.csv"
    path.write_text(
        SERVICE_ITEMS_CSV.replace("NJ-", "CZ-").replace("320100", "320400"), encoding="utf-8"
    )
    before = snapshot(loaded)
    real_load = ingest_module._load

    def load_then_fail(con, *args, **kwargs):
        real_load(con, *args, **kwargs)  # rows are in the staged copy by now
        raise RuntimeError("simulated crash after insert")

    monkeypatch.setattr(ingest_module, "_load", load_then_fail)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([path], warehouse=loaded)
    assert snapshot(loaded) == before
    assert not list(loaded.versions_dir.glob("*.staging*"))


def test_warehouse003_killed_process_leaves_warehouse_unchanged(loaded, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(
        SERVICE_ITEMS_CSV.replace("NJ-", "YZ-").replace("320100", "321000"), encoding="utf-8"
    )
    before = snapshot(loaded)
    script = textwrap.dedent(
        f"""
        import os, datasets.ingest as m
        from datasets.warehouse import Warehouse
        real = m._load
        def die(con, *a, **k):
            real(con, *a, **k)
            os._exit(9)   # the process dies mid-write: no cleanup, no exception handling
        m._load = die
        m.ingest([{str(path)!r}], warehouse=Warehouse({str(loaded.path)!r}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert list(loaded.versions_dir.glob("*.staging*")), (
        "the dead writer should have left its staging file"
    )
    after = snapshot(loaded)
    after["version_files"] = [f for f in after["version_files"] if ".staging" not in f]
    assert after == before
    # The next writer cleans up and works.
    ingest([path], warehouse=loaded)
    assert not list(loaded.versions_dir.glob("*.staging*"))
    # 4 hand-made items + YZ-001, YZ-002 (SZ-001 and SQ-001 are replaced by key)
    assert loaded.query("SELECT count(*) AS n FROM service_items")["n"][0] == 6


def test_warehouse004_ingest_while_another_process_reads(loaded, tmp_path):
    """The app holds the warehouse open read-only in another process; ingest still works and
    the reader sees the new version on its next query."""
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys
            from datasets.warehouse import Warehouse
            wh = Warehouse({str(loaded.path)!r})
            for line in sys.stdin:
                print(wh.query("SELECT count(*) AS n FROM service_items")["n"][0], flush=True)
            """),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reader.stdin.write("?\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "4"
        path = tmp_path / "more.csv"
        path.write_text(
            SERVICE_ITEMS_CSV.replace("NJ-", "NT-").replace("320100", "320600"), encoding="utf-8"
        )
        ingest([path], warehouse=loaded)
        reader.stdin.write("?\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "6"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_warehouse005_readers_never_see_half_a_load(loaded, tmp_path):
    """Two files loaded in one call appear together or not at all to a concurrent reader."""
    files = []
    for prefix, code in (("HA-", "320800"), ("YC-", "320900")):
        p = tmp_path / f"{prefix}.csv"
        p.write_text(
            SERVICE_ITEMS_CSV.replace("NJ-", prefix)
            .replace("SZ-", prefix + "S")
            .replace("SQ-", prefix + "Q")
            .replace("320100", code),
            encoding="utf-8",
        )
        files.append(p)
    seen, stop = set(), threading.Event()
    reader = Warehouse(loaded.path)

    def poll():
        while not stop.is_set():
            seen.add(reader.query("SELECT count(*) AS n FROM service_items")["n"][0])

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        ingest(files, warehouse=loaded)
    finally:
        stop.set()
        thread.join()
    seen.add(reader.query("SELECT count(*) AS n FROM service_items")["n"][0])
    assert seen <= {4, 12} and 12 in seen


def test_warehouse006_old_versions_are_pruned(loaded, tmp_path):
    for i in range(5):
        p = tmp_path / f"v{i}.csv"
        p.write_text(SERVICE_ITEMS_CSV.replace("NJ-", f"X{i}-"), encoding="utf-8")
        ingest([p], warehouse=loaded)
    versions = sorted(p.name for p in loaded.versions_dir.glob("v*.duckdb"))
    assert len(versions) == 3
    assert loaded.current_file().name == versions[-1]


def test_warehouse007_missing_warehouse_says_how_to_build_it(tmp_path):
    wh = Warehouse(tmp_path / "none.duckdb")
    with pytest.raises(FileNotFoundError, match="databrain demo"):
        wh.query("SELECT 1")


def test_warehouse008_a_leased_version_outlives_collection_until_released(loaded):
    """A render pinned to a version keeps it through any number of loads; released (or expired:
    a holder that died), it is collected with the rest."""
    pinned, lease = loaded.pin("render-1")
    for _ in range(5):
        with loaded.writer():
            pass
    assert pinned.exists()
    assert Warehouse(pinned).query("SELECT count(*) AS n FROM service_items")["n"][0] == 4
    expired = loaded.lease(loaded.current_file(), "dead-holder", ttl=-1)
    Warehouse.release(lease)
    with loaded.writer():
        pass
    assert not pinned.exists()
    assert not expired.exists()  # an expired lease is cleared away
    kept = sorted(p.name for p in loaded.versions_dir.glob("v*.duckdb"))
    assert len(kept) == 3
