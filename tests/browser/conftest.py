"""A real app server on a demo warehouse, and a real headless Chromium driving it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from datasets.ingest import ingest
from datasets.warehouse import Warehouse
from pipeline import recompute

CHROMIUM = "/usr/bin/chromium"
TODAY = dt.date(2026, 11, 22)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_warehouse(tmp_path_factory, demo_files) -> Warehouse:
    """A demo warehouse of the browser tests' own (uploads change it), indicators computed."""
    from models.batch import forecast_all
    from models.risk import write_anomaly_tables

    wh = Warehouse(tmp_path_factory.mktemp("browser-wh") / "app.duckdb")
    # "today" pinned as in the demo_computed fixture: the newest vintage (and which months a
    # rule's window still sees) must not move with the calendar
    ingest(
        sorted(demo_files.values()),
        warehouse=wh,
        fresh=True,
        today=TODAY,  # the server pins the same day: later uploads' load times sort after it
        after_load=lambda con: recompute(con, today=TODAY),
    )
    with wh.writer() as staging:  # forecasts for one target, province and 连云港 (kept small)
        forecast_all(
            staging.con, indicators=["system_cloud_rate"], regions=["320000", "320700"], workers=1
        )
        write_anomaly_tables(staging.con)
    return wh


# The accounts the browser tests sign in with: one per role, made with `databrain user add`.
USERS = {
    "admin": ("system_admin", []),
    "leader": ("province_leader", []),
    "analyst": ("province_analyst", []),
    "sz": ("city_user", ["--city", "320500"]),
    "gov": ("department_user", ["--unit", "省大数据管理中心"]),
    "data": ("data_admin", []),
}


def password_of(user: str) -> str:
    return f"{user} password 2026"


def databrain(args: list[str], env: dict, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("databrain")), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def server_env(app_warehouse) -> dict:
    """The server's environment; its operational store (beside the warehouse) holds USERS."""
    env = {
        **os.environ,
        "DATABRAIN_DB": str(app_warehouse.path),
        "DATABRAIN_BACKGROUND_FORECAST": "0",  # no forecast rewriting the warehouse mid-test
        "DATABRAIN_TODAY": TODAY.isoformat(),  # an upload's recompute sees the same calendar
    }
    env.pop("DATABRAIN_STATE_URL", None)
    for user, (role, extra) in USERS.items():
        databrain(
            ["user", "add", user, "--role", role, *extra, "--password-stdin"],
            env,
            password_of(user) + "\n",
        )
    return env


@contextlib.contextmanager
def serving(env: dict, log_name: str = "server"):
    """`databrain serve` in its own process with ``env``, as a user starts it; yields its URL."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"{log_name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("databrain")), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/login", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        f"server did not start; see {ARTIFACTS / f'{log_name}.log'}"
                    ) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def server(server_env):
    """`databrain serve` in its own process, as a user starts it."""
    with serving(server_env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: run `scripts/setup.sh --test` as root (installs chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


_SIGNED_IN: dict[tuple[str, str], dict] = {}


def signed_in(browser, base_url: str, user: str) -> dict:
    """The browser storage (cookies) of ``user`` signed in through the /login form, once per
    server and user."""
    key = (base_url, user)
    if key not in _SIGNED_IN:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base_url + "/login")
        page.fill("#username", user)
        page.fill("#password", password_of(user))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)
        _SIGNED_IN[key] = context.storage_state()
        context.close()
    return _SIGNED_IN[key]


class Page:
    """A browser tab, signed in as ``user`` (the administrator unless told), that records
    console errors and failed requests."""

    def __init__(
        self,
        browser,
        base_url,
        width=1920,
        height=1080,
        user: str | None = "admin",
        *,
        enforce_csp: bool = False,
    ):
        self.base_url = base_url
        state = signed_in(browser, base_url, user) if user else None
        # Playwright's wait_for_function evaluates its expression with eval inside the page,
        # which the app's Content-Security-Policy forbids; the tests lift it for themselves,
        # and test_app checks every page under the policy (enforce_csp=True)
        self.page = browser.new_page(
            viewport={"width": width, "height": height},
            storage_state=state,
            bypass_csp=not enforce_csp,
        )
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # a request cut off because the test navigates on (net::ERR_ABORTED) is not an error of
        # the app; every other failure is
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("#_pages_content h1", timeout=30_000)
        return self.page

    def screenshot(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def tab(browser, server):
    t = Page(browser, server)
    yield t
    t.page.close()


def vintage_of(wh, month: str | None) -> dt.date:
    """The vintage a page shows for ``?as_of=month`` (the newest when None): the latest one on
    or before that month."""
    vintages = wh.query("SELECT DISTINCT as_of FROM target_progress ORDER BY as_of")["as_of"]
    if month is None:
        return vintages[-1]
    year, m = map(int, month.split("-"))
    return max(v for v in vintages if (v.year, v.month) <= (year, m))
