"""How soon a leader's cockpit is ready in Chromium at 1920×1080, cold and warm.

    python benchmarks/browser_ready.py [--db PATH] [--runs 5] [--path /]

Starts ``databrain serve`` (the demo unless ``--db``), signs in once, then opens the page
``--runs`` times in the same browser: the first visit is cold (empty browser and server
caches), the rest warm. "Ready" is when the page's heading, the map and the target cards are
drawn and no request is pending. Prints each visit's time, the bytes the browser fetched, and
how long its main thread spent running scripts, with the warm median against the 1.5 s goal.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _serve import PASSWORD, served

CHROMIUM = "/usr/bin/chromium"
GOAL_SECONDS = 1.5


def visit(page, cdp, url: str) -> tuple[float, int, float]:
    """(seconds to ready, bytes over the network, seconds of script on the main thread)."""
    before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#_pages_content h1", timeout=120_000)
    page.wait_for_selector("#cockpit-map .js-plotly-plot, .big-canvas", timeout=120_000)
    page.wait_for_load_state("networkidle")
    took = time.perf_counter() - started
    after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    # bytes that came over the network (a response kept by the browser counts 0)
    sizes = page.evaluate(
        "() => performance.getEntriesByType('resource').concat("
        "performance.getEntriesByType('navigation')).reduce((n, e) => n + e.transferSize, 0)"
    )
    script = after.get("ScriptDuration", 0) - before.get("ScriptDuration", 0)
    return took, sizes, script


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing warehouse (default: build the demo)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    with (
        served(args.db, ["leader"], "province_leader", workers=2) as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(base + "/login?next=/inbox")  # signed in away from the page measured
        page.fill("#username", "leader")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u, timeout=120_000)
        page.goto("about:blank")  # off the app, so the first visit below is cold
        cdp.send("Network.clearBrowserCache")  # signing in fetched the scripts: forget them
        rows = []
        for i in range(args.runs):
            took, size, script = visit(page, cdp, base + args.path)
            rows.append(took)
            kind = "cold" if i == 0 else "warm"
            print(
                f"visit {i + 1} ({kind}): ready in {took:.2f} s, fetched {size / 1e6:.2f} MB,"
                f" scripts ran {script:.2f} s"
            )
            page.goto("about:blank")
        browser.close()
    warm = statistics.median(rows[1:]) if len(rows) > 1 else float("nan")
    verdict = "meets" if warm <= GOAL_SECONDS else "misses"
    print(f"warm median {warm:.2f} s — {verdict} the {GOAL_SECONDS} s goal")


if __name__ == "__main__":
    main()
