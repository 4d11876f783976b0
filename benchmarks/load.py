"""Many people on one server: throughput and latency of real page sessions, beside the floor.

    python benchmarks/load.py [--db PATH] [--users 1,10,50,200] [--seconds 20] [--workers N]

1. A warehouse: ``--db`` (an existing one), else the demo is built into a temporary folder
   (not timed; forecasts for two targets only).
2. ``databrain serve`` (gunicorn, ``--workers``) on a free port, with the trivial callback the
   floor is measured on (``DATABRAIN_FLOOR_CALLBACK=1``: one input echoed to one output).
3. Real page sessions are recorded once in headless Chromium as a 省级分析员 browses: the cockpit,
   /targets with a target's detail, a city page, /risk, and a table export. Every callback
   request the browser made is kept, in order.
4. For each number of simulated users, for a fixed time, each user (a thread with its own
   signed-in session) replays the recorded sessions over and over, as fast as answers come;
   then the same number of users ask the trivial callback. The first pass warms the cache.

Prints, per number of users: requests per second, p50/p95/p99 latency and errors, for the page
sessions (all their callbacks), for the cockpit's own callbacks, and for the floor; and the
cockpit's throughput as a share of the floor's. Targets (2 cores): cockpit ≥ 25 % of the floor
with a warm cache; at 50 users p95 ≤ 500 ms and no errors; at 200 users no errors.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
from _serve import PASSWORD, served

CHROMIUM = "/usr/bin/chromium"
SESSIONS = [  # (name, path, what the person does there)
    ("cockpit", "/", None),
    ("targets", "/targets?target=system_cloud_rate", None),
    ("city", "/city/320500", None),
    ("risk", "/risk", None),
    ("export", "/targets", "export"),
]
FLOOR = {
    "output": "floor-out.children",
    "outputs": {"id": "floor-out", "property": "children"},
    "inputs": [{"id": "floor-in", "property": "value", "value": "x"}],
    "changedPropIds": ["floor-in.value"],
    "state": [],
}


class Client:
    """One simulated person: its own cookies, signed in through the form."""

    def __init__(self, base: str, user: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(base + "/login", timeout=120).read()
        form = {"username": user, "password": PASSWORD, "csrf_token": self._cookie("_csrf_token")}
        self.opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=120).read()
        self.token = self._cookie("_csrf_token")

    def _cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def callback(self, payload: bytes) -> tuple[bool, float, str]:
        request = urllib.request.Request(
            self.base + "/_dash-update-component",
            data=payload,
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as r:
                r.read()
                ok, cache = r.status in (200, 204), r.headers.get("X-Databrain-Cache", "")
        except urllib.error.HTTPError as err:
            ok, cache = err.code == 204, ""
        except OSError:
            ok, cache = False, ""
        return ok, time.perf_counter() - started, cache


def record(base: str, user: str) -> dict[str, list[bytes]]:
    """The callback requests a person's browser makes in each session, in order."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[bytes]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(base + "/login")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for name, path, action in SESSIONS:
            seen: list[bytes] = []

            def keep(request, seen=seen):
                if "/_dash-update-component" in request.url and request.post_data:
                    seen.append(request.post_data.encode())

            page.on("request", keep)
            page.goto(base + path)
            page.wait_for_selector("#_pages_content h1", timeout=120_000)
            page.wait_for_load_state("networkidle")
            if action == "export":
                with page.expect_download():
                    page.locator("button[data-fmt=csv]").first.click()
                page.wait_for_load_state("networkidle")
            page.remove_listener("request", keep)
            out[name] = seen
        browser.close()
    return out


def _is_cockpit(payload: bytes) -> bool:
    body = json.loads(payload)
    values = [i.get("value") for i in body.get("inputs") or [] if isinstance(i, dict)]
    return "_pages_content" in body.get("output", "") and values[:1] == ["/"]


def run_level(base: str, users: list[str], seconds: float, scripts: list[list[bytes]]) -> dict:
    """``len(users)`` people replaying ``scripts`` for ``seconds``: every request's latency,
    whether it was a cockpit callback, and whether it failed."""
    clients = [Client(base, u) for u in users]
    stop = time.perf_counter() + seconds
    results: list[tuple[bool, float, bool, str]] = []
    lock = threading.Lock()

    def person(i: int) -> None:
        client, mine = clients[i], []
        k = i
        while time.perf_counter() < stop:
            for payload in scripts[k % len(scripts)]:
                ok, took, cache = client.callback(payload)
                mine.append((ok, took, _is_cockpit(payload), cache))
                if time.perf_counter() >= stop:
                    break
            k += 1
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(len(clients))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"results": results, "seconds": elapsed}


def summary(results, seconds, only=None) -> str:
    kept = [r for r in results if only is None or r[2] == only]
    if not kept:
        return "—"
    took = np.array([r[1] for r in kept]) * 1000
    errors = sum(not r[0] for r in kept)
    p50, p95, p99 = np.percentile(took, [50, 95, 99])
    return (
        f"{len(kept) / seconds:7.1f}/s  p50 {p50:6.0f}  p95 {p95:6.0f}  p99 {p99:6.0f} ms"
        f"  errors {errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing warehouse (default: build the demo)")
    parser.add_argument("--users", default="1,10,50,200")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    people = [f"analyst{i:03d}" for i in range(max(levels))]
    with served(
        args.db,
        people,
        "province_analyst",
        workers=args.workers,
        extra_env={"DATABRAIN_FLOOR_CALLBACK": "1"},
    ) as base:
        sessions = record(base, people[0])
        scripts = list(sessions.values())
        total = sum(len(s) for s in scripts)
        print(
            f"recorded {total} callback requests in {len(scripts)} sessions "
            f"({', '.join(f'{k} {len(v)}' for k, v in sessions.items())}); "
            f"{args.workers} gunicorn workers, {os.cpu_count()} cores, {args.seconds:.0f} s a level"
        )
        run_level(base, people[:1], 5, scripts)  # warm the cache and every worker
        floor = [[json.dumps(FLOOR).encode()]]
        cockpit = [sessions["cockpit"]]
        print(f"{'users':>5}  {'what':<8} throughput and latency")
        for n in levels:
            pages = run_level(base, people[:n], args.seconds, scripts)
            alone = run_level(base, people[:n], args.seconds, cockpit)
            bottom = run_level(base, people[:n], args.seconds, floor)
            hits = sum(r[3] == "hit" for r in alone["results"] if r[2])
            routed = sum(r[2] for r in alone["results"])
            print(f"{n:5d}  sessions {summary(pages['results'], pages['seconds'])}")
            print(
                f"{'':5}  cockpit  {summary(alone['results'], alone['seconds'])}"
                f"  (page renders from cache {hits}/{routed})"
            )
            print(f"{'':5}  floor    {summary(bottom['results'], bottom['seconds'])}")
            rate = len(alone["results"]) / alone["seconds"]
            floor_rate = len(bottom["results"]) / bottom["seconds"]
            print(f"{'':5}  cockpit callbacks / floor = {rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
