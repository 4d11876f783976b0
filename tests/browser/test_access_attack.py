"""Attacks on the access rules, by crafted requests rather than hidden buttons.

The administrator browses every page with other cities in the URL while the test records each
callback request the browser makes. A 市用户 of 苏州 then replays every one of them with its own
session, and asks the export and download routes for other regions. No answer may hold a value
of any of the other 12 cities: the test takes their values from the warehouse, formats them as
the pages do, and searches every response body for them. Requests without a session or without
the CSRF token get nothing but the sign-in page and static assets.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import polars as pl
import pytest

from datasets.regions import PROVINCE_CODE, region_table
from indicators.catalog import default_catalog
from tests.browser.conftest import Page, password_of

SUZHOU = "320500"
PAGES = [
    "/",
    "/?city=320100",
    "/?screen=big&city=320300",
    "/targets?city=320100",
    "/targets?city=320700&target=system_cloud_rate",
    "/city/320100",
    "/city/320300",
    "/economy?regions=320100,320200",
    "/indicators?code=one_thing_completion_rate&regions=320100,320300",
    "/risk?city=320300",
    "/reports?region=320100",
    "/data",
    "/planning",
]


class Client:
    """An HTTP client with its own cookies, signed in through the /login form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.geturl(), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, path, err.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def sign_in(self, user: str) -> None:
        self.request("/login")
        form = {"username": user, "password": password_of(user), "csrf_token": self.csrf()}
        status, url, _ = self.request("/login", urllib.parse.urlencode(form).encode())
        assert status == 200 and "/login" not in url, (status, url)

    def csrf(self) -> str:
        token = self.cookie("_csrf_token")
        assert token, "no CSRF cookie"
        return token

    def callback(self, payload: str, *, csrf: bool = True):
        headers = {"Content-Type": "application/json"}
        if csrf:
            headers["X-CSRFToken"] = self.csrf()
        return self.request("/_dash-update-component", payload.encode(), headers)


@pytest.fixture(scope="module")
def recorded(browser, server) -> list[str]:
    """Every callback request the administrator's browser makes on PAGES."""
    payloads: list[str] = []
    tab = Page(browser, server, 1600, 1000)
    tab.page.on(
        "request",
        lambda r: (
            payloads.append(r.post_data)
            if "/_dash-update-component" in r.url and r.post_data
            else None
        ),
    )
    for path in PAGES:
        tab.page.goto(server + path)
        tab.page.wait_for_selector("#_pages_content h1", timeout=60_000)
        tab.page.wait_for_load_state("networkidle")
        if path.startswith(("/targets", "/city/")):  # an export of another city's table
            with tab.page.expect_download():
                tab.page.locator("button[data-fmt=csv]").first.click()
    tab.page.close()
    assert len(payloads) > 30
    return payloads


@pytest.fixture(scope="module")
def forbidden(app_warehouse) -> dict[str, str]:
    """The newest values of the other 12 cities (and their counties) as the pages print them,
    minus any text that a value 苏州's user may see (苏州, its counties or the province, any
    indicator, any period, any target) also prints as: formatted text → where it comes from."""
    regions = region_table()
    mine = set(regions.filter(pl.col("city_code") == SUZHOU)["region_code"]) | {PROVINCE_CODE}
    decimals = {c: i.decimals for c, i in default_catalog().indicators.items()}
    newest = app_warehouse.query("SELECT max(as_of) AS d FROM league_table")["d"][0]
    rows = app_warehouse.query(
        "SELECT indicator, region_code, value FROM league_table WHERE as_of = ? AND value IS NOT NULL "
        "UNION ALL SELECT indicator, region_code, current_value FROM target_progress "
        "WHERE as_of = ? AND current_value IS NOT NULL",
        [newest, newest],
    )

    def shown(indicator: str, value: float) -> str:
        return f"{value:,.{decimals.get(indicator, 1)}f}"

    visible = app_warehouse.query(
        "SELECT indicator, region_code, value FROM indicator_values WHERE value IS NOT NULL "
        "UNION ALL SELECT indicator, region_code, current_value FROM target_progress "
        "WHERE current_value IS NOT NULL UNION ALL SELECT indicator, region_code, target_value "
        "FROM target_progress WHERE target_value IS NOT NULL "
        "UNION ALL SELECT indicator, region_code, baseline_value FROM target_progress "
        "WHERE baseline_value IS NOT NULL"
    ).filter(pl.col("region_code").is_in(sorted(mine)))
    allowed = {shown(i, v) for i, _, v in visible.iter_rows()}
    other = {}
    for ind, region, value in rows.iter_rows():
        text = shown(ind, value)
        if region not in mine and sum(ch.isdigit() for ch in text) >= 3:
            other.setdefault(text, f"{ind} {region}")
    found = {t: w for t, w in other.items() if t not in allowed}
    assert len(found) > 25
    return found


def _leaks(body: str, forbidden: dict[str, str]) -> list[str]:
    """The forbidden values that appear in ``body`` as numbers of their own (not inside a
    longer number, a hash or a timestamp)."""
    return [
        f"{t} ({w})"
        for t, w in forbidden.items()
        if re.search(rf"(?<![\w.,]){re.escape(t)}(?![\w]|[.,]\d)", body)
    ]


def test_attack001_a_city_user_replaying_every_callback_sees_no_other_city(
    server, recorded, forbidden
):
    admin = Client(server)
    admin.sign_in("admin")
    sz = Client(server)
    sz.sign_in("sz")
    admin_leaks, checked = 0, 0
    for payload in recorded:
        status, _, body = sz.callback(payload)
        assert status in (200, 204, 403), (status, body[:300])
        leaks = _leaks(body, forbidden)
        assert not leaks, (json.loads(payload).get("output"), leaks[:5])
        checked += 1
        # the same request as the administrator does carry other cities' values: the search works
        admin_leaks += bool(_leaks(admin.callback(payload)[2], forbidden))
    assert checked == len(recorded) and admin_leaks >= 2


def test_attack002_other_cities_by_url_and_path_variations(server, browser, forbidden):
    sz = Page(browser, server, 1600, 1000, user="sz")
    for path in ["/city/320100", "/city/320100/", "/city/%33%32%30%31%30%30", "/?city=320100"]:
        sz.page.goto(server + path)
        sz.page.wait_for_selector("#_pages_content h1", timeout=60_000)
        sz.page.wait_for_load_state("networkidle")
        leaks = _leaks(sz.page.content(), forbidden)
        assert not leaks, (path, leaks[:5])
    sz.page.close()


def test_attack003_without_a_session_only_the_sign_in_page_and_static_assets(server, recorded):
    anon = Client(server)
    for path in ["/", "/targets", "/city/320100", "/data", "/reports"]:
        status, url, body = anon.request(path)
        assert status == 200 and "/login" in url and 'name="password"' in body, path
    for path in ["/_dash-layout", "/_dash-dependencies"]:
        status, _, body = anon.request(path)
        assert status == 401 and "指标" not in body, (path, status)
    status, url, body = anon.request("/reports/download/" + "a" * 20)
    assert "/login" in url and 'name="password"' in body
    assert anon.request("/assets/app.css")[0] == 200
    anon.request("/login")  # a CSRF token, but no session: callbacks still refused
    status, _, _ = anon.callback(recorded[0])
    assert status == 401


def test_attack004_callbacks_need_the_csrf_token(server, recorded):
    sz = Client(server)
    sz.sign_in("sz")
    status, _, body = sz.callback(recorded[0], csrf=False)
    assert status == 400 and "CSRF" in body
    forged = {"Content-Type": "application/json", "X-CSRFToken": "forged"}
    assert sz.request("/_dash-update-component", recorded[0].encode(), forged)[0] == 400


def test_attack006_another_citys_report_cannot_be_downloaded(browser, server):
    admin = Page(browser, server, 1600, 1000)
    page = admin.open("/reports?region=320100&format=xlsx")
    page.click("#reports-start")
    page.wait_for_selector("#reports-download:not(.d-none)", timeout=240_000)
    href = page.get_attribute("#reports-download", "href")
    admin.page.close()
    sz = Client(server)
    sz.sign_in("sz")
    status, _, body = sz.request(href)
    assert status == 403 and "南京" not in body
    for variant in (href + "/", href.upper(), href.replace("/reports/", "/reports//")):
        status, _, body = sz.request(variant)  # refused, or the app's page for an unknown path
        assert status in (403, 404) or body.lstrip().startswith("<!DOCTYPE html>"), variant
    analyst = Client(server)
    analyst.sign_in("analyst")
    assert analyst.request(href)[0] == 200  # the same link works for a role that may see it
    started = {"output": "..reports-job.data...reports-poll.disabled..", "inputs": []}
    leader = Client(server)
    leader.sign_in("leader")
    assert leader.callback(json.dumps(started))[0] == 403


def test_attack005_roles_without_export_or_upload_are_refused_those_callbacks(server, recorded):
    leader = Client(server)
    leader.sign_in("leader")
    exports = [p for p in recorded if "table-export-download" in p]
    assert exports, "no export request was recorded"
    status, _, body = leader.callback(exports[0])
    assert status == 403 and "无权" in body


WRONG_TYPES = {  # property → a value of a type no browser sends for it
    "pathname": 123,
    "search": {"as_of": "2026-10"},
    "n_clicks": "many",
    "n_intervals": -5,
    "value": {"nested": ["x"]},
    "clickData": "320500",
}
ODD_VALUES = {  # well typed, but nothing a page offers
    "pathname": "/city/999999/../../etc",
    "search": "?as_of=abcd&city=999999&layer=nope&screen=big&rotate=x",
    "value": "不存在的选项",
}


def _mutations(payload: str, table: dict) -> list[tuple[str, str, str]]:
    """(input id, property, mutated payload) for each input or state with a property in table."""
    body = json.loads(payload)
    out = []
    for key in ("inputs", "state"):
        for i, entry in enumerate(body.get(key) or []):
            if isinstance(entry, dict) and entry.get("property") in table:
                changed = json.loads(payload)
                changed[key][i]["value"] = table[entry["property"]]
                out.append((str(entry["id"]), entry["property"], json.dumps(changed)))
    return out


def test_attack007_wrong_input_types_answer_400_in_chinese_never_500(server, recorded):
    admin = Client(server)
    admin.sign_in("admin")
    refused, survived, failed = 0, 0, []
    seen: set[tuple[str, ...]] = set()
    for payload in recorded:
        for ident, prop, changed in _mutations(payload, WRONG_TYPES):
            if (ident, prop) in seen:
                continue
            seen.add((ident, prop))
            status, _, body = admin.callback(changed)
            assert status == 400, (ident, prop, status, body[:200])
            assert "请求参数不正确" in body and prop in body
            refused += 1
        for ident, prop, changed in _mutations(payload, ODD_VALUES):
            if (ident, prop, "odd") in seen:
                continue
            seen.add((ident, prop, "odd"))
            status, _, body = admin.callback(changed)
            if status not in (200, 204, 400):
                failed.append((ident, prop, status))
            survived += 1
    assert failed == [], f"crafted values that broke a callback: {failed}"
    assert refused >= 20 and survived >= 20, (refused, survived)


def test_attack008_each_callback_is_registered_once(server):
    admin = Client(server)
    admin.sign_in("admin")
    status, _, body = admin.request("/_dash-dependencies")
    assert status == 200
    outputs = [d["output"] for d in json.loads(body)]
    assert len(outputs) > 20
    twice = sorted({o for o in outputs if outputs.count(o) > 1})
    assert twice == [], f"callbacks registered more than once: {twice}"
