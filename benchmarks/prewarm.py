"""How soon a leader's cockpit is ready on the first visit after a load, with and without the
server pre-warming the answer cache.

    python benchmarks/prewarm.py [--db PATH] [--loads 3] [--port P]

For each setting (``DATABRAIN_PREWARM=0``, then on) it serves a copy of the warehouse (the
demo unless ``--db``; the given one is never written) with two workers, signs a leader in to
Chromium and opens the cockpit once, so the server has seen it asked. Then ``--loads`` times:
a load makes a new warehouse version (an empty write: a new version changes every cache key,
as any load does), the pre-warm, when on, is waited for, and the cockpit is opened again: the
first visit after the load. Prints each visit's time to ready (as ``browser_ready.py``: the
heading, the map and no request pending), whether the page's router answer came from the
cache and how long it took, and how long the pre-warm ran.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _serve
from _serve import _BUILD, DATABRAIN, PASSWORD, ROOT, served

CHROMIUM = "/usr/bin/chromium"
_NEW_VERSION = """
from datasets.warehouse import Warehouse
with Warehouse().writer() as staging:
    staging.con.sql("CREATE OR REPLACE TABLE benchmark_load AS SELECT now() AS at")
"""


def _visit(page, url: str) -> tuple[float, str, float]:
    """(seconds to ready, the router answer's cache state, the router request's seconds)."""
    router: dict = {}

    def seen(request) -> None:
        body = request.post_data or ""
        if "_dash-update-component" in request.url and "_pages_content" in body:
            router["state"] = request.response().headers.get("x-databrain-cache", "-")
            timing = request.timing
            router["seconds"] = (timing["responseEnd"] - timing["requestStart"]) / 1000

    page.on("requestfinished", seen)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#_pages_content h1", timeout=120_000)
    page.wait_for_selector("#cockpit-map .js-plotly-plot", timeout=120_000)
    page.wait_for_load_state("networkidle")
    took = time.perf_counter() - started
    page.remove_listener("requestfinished", seen)
    return took, router.get("state", "?"), router.get("seconds", float("nan"))


def _prewarm_done(env: dict, timeout: float = 600) -> dict | None:
    """The pre-warm record of the current version once it is done (None if none came)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(
            [DATABRAIN, "cache", "status", "--json", "--top", "0"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        claim = json.loads(out)["claim"]
        if claim and claim.get("done"):
            return claim["done"]
        time.sleep(0.5)
    return None


def run(source: Path, prewarm: bool, loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="databrain-prewarm-") as tmp:
        db = Path(tmp) / "wh" / "databrain.duckdb"
        db.parent.mkdir()
        shutil.copyfile(source.resolve(), db)  # a copy: loads below write new versions
        if (source.parent / "plans").is_dir():
            shutil.copytree(source.parent / "plans", db.parent / "plans")
        setting = {"DATABRAIN_PREWARM": str(int(prewarm))}
        env = {**os.environ, "DATABRAIN_DB": str(db), **setting}
        label = "pre-warm on " if prewarm else "pre-warm off"
        times = []
        with (
            served(str(db), ["leader"], "province_leader", workers=2, extra_env=setting) as base,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(base + "/login")
            page.fill("#username", "leader")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/login" not in u, timeout=120_000)
            page.goto("about:blank")  # off the app (a signed-in /login opens the cockpit)
            if prewarm:
                _prewarm_done(env)  # the version the server started on
            took, state, router = _visit(page, base + "/")
            print(
                f"{label}  warm, before any load: ready {took:.2f} s (router {state} {router:.2f} s)"
            )
            for i in range(loads):
                page.goto("about:blank")
                subprocess.run([sys.executable, "-c", _NEW_VERSION], env=env, cwd=ROOT, check=True)
                done = _prewarm_done(env) if prewarm else None
                warmed = (
                    f"; pre-warm {done['seconds']:.1f} s: {done['computed']} computed, "
                    f"{done['already']} there, {done['failed']} failed"
                    if done
                    else ""
                )
                took, state, router = _visit(page, base + "/")
                times.append(took)
                print(
                    f"{label}  load {i + 1}: first visit ready {took:.2f} s "
                    f"(router {state} {router:.2f} s){warmed}",
                    flush=True,
                )
            browser.close()
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing warehouse, copied (default: build the demo)")
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--port", type=int, help="serve on this port (default: a free one)")
    args = parser.parse_args()
    if args.port:
        _serve._free_port = lambda: args.port
    with tempfile.TemporaryDirectory(prefix="databrain-demo-") as tmp:
        if args.db:
            source = Path(args.db)
        else:
            source = Path(tmp) / "demo.duckdb"
            os.environ.setdefault("DATABRAIN_TODAY", "2026-11-22")
            print("building the demo warehouse (not timed) …", flush=True)
            subprocess.run(
                [sys.executable, "-c", _BUILD],
                env={**os.environ, "DATABRAIN_DB": str(source)},
                check=True,
                cwd=ROOT,
            )
        results = {on: run(source, on, args.loads) for on in (False, True)}
    for on, times in results.items():
        print(
            f"pre-warm {'on ' if on else 'off'}: first visit after a load, median "
            f"{statistics.median(times):.2f} s over {len(times)} loads"
        )


if __name__ == "__main__":
    main()
