"""Take Chromium screenshots of app pages: python scripts/screenshot.py BASE_URL OUT_DIR [PATH ...].

Sizes: desktop 1920×1080 and phone 390×844. Whole pages by default; ``--viewport`` keeps only
the first screen. Prints browser console errors, if any.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"desktop": (1920, 1080), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    full_page = "--viewport" not in sys.argv
    base, out = args[0].rstrip("/"), Path(args[1])
    paths = args[2:] or ["/", "/data"]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, (w, h) in SIZES.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            errors = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            for path in paths:
                page.goto(base + path)
                page.wait_for_selector("#_pages_content *", timeout=30000)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1500)
                name = (
                    path.strip("/").replace("/", "_").replace("?", "_") or "home"
                ) + f"-{label}.png"
                page.screenshot(path=str(out / name), full_page=full_page)
                print(out / name)
            if errors:
                print("console errors:", *errors, sep="\n  ")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
