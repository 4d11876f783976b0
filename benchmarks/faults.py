"""Fault injection: kill -9 the writers at random moments and check what is left.

    python benchmarks/faults.py [--runs 24] [--seed 7]

Builds a demo warehouse (forecasts skipped), then, ``--runs`` times, starts one of
``databrain ingest`` (a changed registry), ``databrain compute`` or ``databrain forecast
--workers 2`` in a process group of its own, waits a random 0.3–6 s and kills the command with
SIGKILL (not its group: its pool workers must end by themselves). Meanwhile a reader thread
queries the warehouse without pause. After each kill it counts:

* consistent — the current version opens, holds every dataset's rows as before or as after the
  command, and its derived tables are complete (``_computed`` has a row);
* lost — the current version is missing, unreadable or half-written;
* orphaned — processes of the killed command's group still alive 10 s after the kill.

Then two ``databrain ingest`` commands run at once, and both must land. Prints the counts and
the reader's query and error counts; all but ``consistent`` should be 0.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

import pipeline
from datasets.warehouse import Warehouse

DATABRAIN = str(Path(sys.executable).with_name("databrain"))


def group_alive(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    alive = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(proc.name))
    return alive


def counts(wh: Warehouse) -> dict[str, int] | None:
    """Rows per dataset and whether the derived tables are complete; None when unreadable."""
    try:
        probe = Warehouse(wh.path)
        try:
            rows = {
                t: probe.query(f'SELECT count(*) AS n FROM "{t}"')["n"][0]
                for t in ("service_items", "hotline_tickets", "economic_stats")
            }
            rows["_computed"] = probe.query("SELECT count(*) AS n FROM _computed")["n"][0]
            return rows
        finally:
            probe.close()
    except Exception:
        return None


def reader(wh: Warehouse, stop: threading.Event, tally: dict) -> None:
    while not stop.is_set():
        probe = Warehouse(wh.path)
        try:
            probe.query("SELECT count(*) FROM target_progress")
            tally["queries"] += 1
        except Exception as err:  # a reader must never see a broken warehouse
            tally["errors"] += 1
            tally["last"] = str(err)[:200]
        finally:
            probe.close()
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="databrain-faults-") as tmp:
        wh = Warehouse(Path(tmp) / "wh" / "demo.duckdb")
        env = {**os.environ, "DATABRAIN_DB": str(wh.path), "DATABRAIN_BACKGROUND_FORECAST": "0"}
        os.environ.update(env)
        pipeline.build_demo(warehouse=wh, forecast_after=False)
        registry = sorted((Path(tmp) / "wh").rglob("service_items.parquet"))[0]
        changed = Path(tmp) / "service_items.csv"
        commands = {
            "ingest": [DATABRAIN, "ingest", str(changed), "--no-forecast"],
            "compute": [DATABRAIN, "compute"],
            "forecast": [DATABRAIN, "forecast", "--workers", "2"],
        }
        result = {"consistent": 0, "lost": 0, "orphaned": 0}
        tally = {"queries": 0, "errors": 0, "last": ""}
        stop = threading.Event()
        watcher = threading.Thread(target=reader, args=(wh, stop, tally), daemon=True)
        watcher.start()
        for run in range(args.runs):
            op = ["ingest", "compute", "forecast"][run % 3]
            if op == "ingest":  # a real change each time: the load replaces rows
                frame = pl.read_parquet(registry).with_columns(
                    pl.col("item_name") + f"（第{run}次）"
                )
                changed.write_text(frame.write_csv(), encoding="utf-8")
            before = counts(wh)
            proc = subprocess.Popen(
                commands[op],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(rng.uniform(0.3, 6.0))
            finished = proc.poll() is not None
            group = len(group_alive(proc.pid))  # the command and its pool workers at the kill
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 10
            while group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            left = group_alive(proc.pid)
            if left:
                result["orphaned"] += 1
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
            after = counts(wh)
            # the rows are as before (a load replaces renamed items one for one) and the derived
            # tables are complete: the old version, or a whole new one
            ok = (
                after is not None
                and before is not None
                and after["_computed"] > 0
                and all(
                    after[t] == before[t]
                    for t in ("service_items", "hotline_tickets", "economic_stats")
                )
            )
            result["consistent" if ok else "lost"] += 1
            print(
                f"run {run + 1:2d} {op:8s} killed with {group} process(es) running"
                f"{' (it had ended)' if finished else ''}: "
                f"{'consistent' if ok else 'LOST'}{'，orphans ' + str(left) if left else ''}",
                flush=True,
            )
        # two writers at once: both land, one after the other
        first = [DATABRAIN, "ingest", str(changed), "--no-forecast"]
        other = Path(tmp) / "service_items_b.csv"
        frame = pl.read_parquet(registry).with_columns(pl.col("item_name") + "（并发）")
        other.write_text(frame.write_csv(), encoding="utf-8")
        version = int(wh.version().lstrip("v"))
        both = [
            subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for c in (first, [DATABRAIN, "ingest", str(other), "--no-forecast"])
        ]
        codes = [p.wait() for p in both]
        landed = int(wh.version().lstrip("v")) - version
        stop.set()
        watcher.join(timeout=10)
        print(f"\nkill -9 runs: {args.runs}")
        for k, v in result.items():
            print(f"{k}: {v}")
        print(f"two concurrent writers: exit codes {codes}, new versions {landed}")
        print(
            f"reader during writes: {tally['queries']} queries, {tally['errors']} errors {tally['last']}"
        )


if __name__ == "__main__":
    main()
