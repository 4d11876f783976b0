"""Read callbacks answered from the shared cache, through the real app's request path: the same
request by users who may see the same thing is answered once; another scope, a 督办 step or a
new warehouse version is a new answer; writes and one user's own pages are never cached."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import dash
import pytest
from click.testing import CliRunner

import cli
from datasets import accounts, store, supervision
from datasets.access import city_regions
from datasets.warehouse import Warehouse, forget_connections
from pages import _cache

ROUTER = "..{_pages_content.children}...{_pages_store.data}.."


def _router(path: str, search: str = "", shown: dict | None = None) -> dict:
    """The pages router's request as Dash's renderer sends it on opening ``path``: the app's
    routing states follow the location, the page store holding what the browser shows
    (``shown``) when it navigates from another page."""
    changed = ["_pages_location.pathname", "_pages_location.search"]
    body = {
        "output": ROUTER.replace("{", "").replace("}", ""),
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    states = [
        {"id": s.component_id, "property": s.component_property}
        for s in dash.get_app().routing_callback_inputs.values()
    ]
    if states:
        body["state"] = [
            {**s, "value": shown} if shown and s["id"] == "_pages_store" else s for s in states
        ]
    return body


@pytest.fixture
def served(demo_computed, tmp_path, monkeypatch):
    """The app on a copy of the computed demo warehouse, with a store of its own."""
    folder = tmp_path / "wh"
    shutil.copytree(demo_computed.path.parent, folder)
    monkeypatch.setenv("DATABRAIN_DB", str(folder / demo_computed.path.name))
    monkeypatch.setenv("DATABRAIN_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-11-22")
    monkeypatch.delenv("DATABRAIN_CACHE_URL", raising=False)
    monkeypatch.delenv("DATABRAIN_PLANS", raising=False)
    store.forget_engines()
    forget_connections()
    import app

    for name, role, extra in [
        ("lead1", "province_leader", {}),
        ("lead2", "province_leader", {}),
        ("sz", "city_user", {"city": "320500"}),
        ("duban", "province_analyst", {}),
    ]:
        accounts.add_user(name, role, password=f"{name} password 1", **extra)
    yield app.server, Warehouse(folder / demo_computed.path.name)
    store.forget_engines()
    forget_connections()


def _client(server, user: str):
    client = server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(
        "/login", data={"username": user, "password": f"{user} password 1", "csrf_token": token}
    )
    assert done.status_code == 302
    return client


def _ask(client, body: dict):
    token = client.get_cookie("_csrf_token").value
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )


def test_cache001_the_same_view_is_computed_once(served):
    server, wh = served
    lead1, lead2, sz = (_client(server, u) for u in ("lead1", "lead2", "sz"))
    first = _ask(lead1, _router("/"))
    assert first.status_code == 200 and first.headers["X-Databrain-Cache"] == "miss"
    again = _ask(lead2, _router("/"))  # another leader: the same view, from the cache
    assert again.headers["X-Databrain-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    # 苏州's user sees another view: computed for it, never handed the province's
    own = _ask(sz, _router("/"))
    assert own.headers["X-Databrain-Cache"] == "miss"
    assert own.get_data() != first.get_data()
    assert _ask(sz, _router("/")).headers["X-Databrain-Cache"] == "hit"
    # another query is another answer
    assert _ask(lead1, _router("/", "?as_of=2023-06")).headers["X-Databrain-Cache"] == "miss"

    # a 督办 step changes what the cockpit counts: a new answer
    supervision.create_task(
        title="测试",
        indicator="system_cloud_rate",
        region="320700",
        due=dt.date(2026, 12, 31),
        creator="duban",
        today=dt.date(2026, 11, 22),
    )
    after_task = _ask(lead1, _router("/"))
    assert after_task.headers["X-Databrain-Cache"] == "miss"
    assert after_task.get_data() != first.get_data()

    # a new warehouse version: a new answer
    with wh.writer() as staging:
        staging.con.sql("CREATE TABLE cache_probe AS SELECT 1 AS x")
    forget_connections()
    assert _ask(lead1, _router("/")).headers["X-Databrain-Cache"] == "miss"


def test_cache002_one_users_pages_and_writes_are_never_cached(served):
    server, _ = served
    lead1 = _client(server, "lead1")
    for path in ("/tasks", "/inbox", "/reports", "/data", "/planning", "/audit"):
        answer = _ask(lead1, _router(path))
        assert "X-Databrain-Cache" not in answer.headers, path
    # a callback not declared as a read is not cached, whatever it outputs
    body = {
        "output": "task-result.children",
        "outputs": {"id": "task-result", "property": "children"},
        "inputs": [],
        "changedPropIds": [],
        "state": [],
    }
    assert _cache.key_for(body) is None


def test_cache003_the_big_screen_refresh_varies_by_layer_not_tick():
    from indicators.catalog import DOMAINS

    def tick(n: int, rotate: int) -> dict:
        return {
            "output": "cockpit-big-body.children",
            "outputs": {"id": "cockpit-big-body", "property": "children"},
            "inputs": [{"id": "cockpit-tick", "property": "n_intervals", "value": n}],
            "changedPropIds": ["cockpit-tick.n_intervals"],
            "state": [{"id": "cockpit-state", "property": "data", "value": {"rotate": rotate}}],
        }

    layers = len(DOMAINS) + 1
    assert _cache.key_for(tick(1, 30)) == _cache.key_for(tick(1 + layers, 30))
    assert _cache.key_for(tick(1, 30)) != _cache.key_for(tick(2, 30))
    assert _cache.key_for(tick(1, 0)) == _cache.key_for(tick(7, 0))  # no rotation: one screen


def test_cache004_static_files_are_kept_by_the_browser(served):
    server, _ = served
    client = server.test_client()
    index = _client(server, "lead1").get("/").get_data(as_text=True)
    fingerprinted = re.search(r'src="(/_dash-component-suites/[^"]+\.v[^"]+\.js)"', index).group(1)
    kept = client.get(fingerprinted)
    assert kept.status_code == 200
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Plotly is loaded by a fixed address: kept for a day, then revalidated by its ETag
    plotly = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert plotly.status_code == 200 and plotly.headers["Cache-Control"] == "public, max-age=86400"
    etag = plotly.headers["ETag"]
    again = client.get(
        "/_dash-component-suites/plotly/package_data/plotly.min.js",
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304
    # pages and callbacks are never kept
    assert "no-store" in _client(server, "lead1").get("/").headers["Cache-Control"]


# ----------------------------------------------------------------------------- pre-warming
def _codes(value, found: set[str]) -> set[str]:
    """The region codes an answer holds, leaving out the map's outlines (every city's shape is
    drawn on any map)."""
    if isinstance(value, dict):
        if value.get("type") in ("Feature", "FeatureCollection"):
            return found
        for v in value.values():
            _codes(v, found)
    elif isinstance(value, list):
        for v in value:
            _codes(v, found)
    elif isinstance(value, str):
        found.update(re.findall(r"(?<!\d)32\d{4}(?!\d)", value))
    return found


def _page(answer: bytes) -> dict:
    """A router's answer without the cache key it is tagged with (for a later patch of it)."""
    found = json.loads(answer)
    store = found["response"]["_pages_store"]
    if isinstance(store.get("data"), dict):
        store["data"].pop("key", None)
    return found


def _new_version(wh: Warehouse) -> None:
    """What a load does to the cache: a new warehouse version."""
    with wh.writer() as staging:
        staging.con.sql(f"CREATE TABLE probe_{len(wh._versions())} AS SELECT 1 AS x")
    forget_connections()


def test_cache005_a_new_version_is_answered_before_anyone_asks(served, monkeypatch):
    server, wh = served
    # a 督办 task in 连云港: counted on the province's cockpit, not on 苏州's
    supervision.create_task(
        title="测试",
        indicator="system_cloud_rate",
        region="320700",
        due=dt.date(2026, 12, 31),
        creator="duban",
        today=dt.date(2026, 11, 22),
    )
    lead1, sz, duban = (_client(server, u) for u in ("lead1", "sz", "duban"))
    # a leader, 苏州's user, and a 督办人 (whose pages offer to raise 督办 on what lags)
    asked = [(lead1, "/"), (lead1, "/risk"), (sz, "/"), (sz, "/city/320500"), (duban, "/")]
    for client, path in asked:
        assert _ask(client, _router(path)).headers["X-Databrain-Cache"] == "miss", path
    assert _ask(lead1, _router("/")).headers["X-Databrain-Cache"] == "hit"  # a hit: not recorded
    hot = _cache.hot_entries()
    assert len(hot) == 5
    assert all("user" not in e["scope"] for e in hot)  # who asked is not kept, only their scope
    assert sorted(e["scope"]["city"] or "" for e in hot) == ["", "", "", "320500", "320500"]
    # a request is kept as opening the page asks it, whatever page the browser showed before
    assert _ask(lead1, _router("/", shown={"key": "cb:1"})).headers["X-Databrain-Cache"] == "hit"
    assert all("value" not in state for e in hot for state in e["body"].get("state") or []), (
        "a page shown is not kept"
    )

    _new_version(wh)
    assert _ask(lead1, _router("/targets")).headers["X-Databrain-Cache"] == "miss"  # not warm yet
    done = _cache.prewarm(server)
    # the five requests asked of the old version are computed for the new one; /targets, just
    # asked, and the seeds (a leader's cockpit and /targets, both asked by lead1) are there
    assert (done["computed"], done["already"], done["failed"]) == (5, 3, 0), done
    assert not done["stopped"]

    # everyone's first ask is answered from the cache, a leader who never asked before too,
    # coming from another page of the old version
    lead2 = _client(server, "lead2")
    old_page = {"title": "目标追踪", "key": "cb:" + "0" * 64}
    warm = {}
    for client, path in [*asked[1:], (lead2, "/")]:
        answer = _ask(client, _router(path, shown=old_page if client is lead2 else None))
        assert answer.status_code == 200
        assert answer.headers["X-Databrain-Cache"] == "hit", path
        warm[client, path] = answer.get_data()

    # 苏州's replayed answers hold 苏州 and nothing of another city; the province's hold every
    # city; neither was handed the other's
    province, city = (json.loads(warm[c, "/"]) for c in (lead2, sz))
    assert _codes(city, set()) <= city_regions("320500")
    assert {"320200", "321300"} <= _codes(province, set())
    assert warm[lead2, "/"] != warm[sz, "/"]

    # and they are what an uncached computation answers
    monkeypatch.setenv("DATABRAIN_CACHE", "0")
    for (client, path), kept in warm.items():
        fresh = _ask(client, _router(path))
        assert "X-Databrain-Cache" not in fresh.headers
        assert _page(fresh.get_data()) == _page(kept), path


def test_cache006_a_prewarmed_answer_asked_counts_as_asked(served):
    server, wh = served
    lead1 = _client(server, "lead1")
    _ask(lead1, _router("/"))
    (entry,) = _cache.hot_entries()
    _new_version(wh)
    _cache.prewarm(server)
    stored = _cache.backend().get(_cache.HOT_KEY)["entries"]
    assert stored[entry["entry"]]["score"] == 1.0  # the replay itself is not an ask
    assert _ask(lead1, _router("/")).headers["X-Databrain-Cache"] == "hit"
    stored = _cache.backend().get(_cache.HOT_KEY)["entries"]
    assert 1.9 < stored[entry["entry"]]["score"] <= 2.0  # the miss it saved counts
    at = stored[entry["entry"]]["at"]
    assert _ask(lead1, _router("/")).headers["X-Databrain-Cache"] == "hit"
    assert _cache.backend().get(_cache.HOT_KEY)["entries"][entry["entry"]]["at"] == at  # no write


def test_cache007_each_version_and_day_is_prewarmed_once(served, monkeypatch):
    server, wh = served
    name = _cache.generation()
    assert str(wh.current_file()) in name and "2026-11-22" in name
    # of many processes noticing the version at once, one claims it (even when looking takes
    # long enough for all of them to look before any has written)
    files = type(_cache.backend())
    has = files.has
    monkeypatch.setattr(files, "has", lambda self, key: time.sleep(0.05) or has(self, key))
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda _: _cache.claim(name), range(8)))
    assert won.count(True) == 1
    assert not _cache.claim(name)
    monkeypatch.setattr(files, "has", has)
    skipped = CliRunner().invoke(cli.main, ["cache", "prewarm", "--json"])
    assert skipped.exit_code == 0, skipped.output
    assert json.loads(skipped.output)["skipped"]
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-11-23")  # a new day changes every key too
    assert _cache.generation() != name
    monkeypatch.setenv("DATABRAIN_TODAY", "2026-11-22")

    # the server's watch runs the pre-warm command (which claims first) once for each version
    runs = []
    monkeypatch.setattr(cli.subprocess, "run", lambda command, **_: runs.append(command))
    assert cli._prewarm_step(None, ["prewarm"]) == name and runs == [["prewarm"]]
    assert cli._prewarm_step(name, ["prewarm"]) == name and len(runs) == 1
    _new_version(wh)
    newer = _cache.generation()
    assert newer != name
    assert cli._prewarm_step(name, ["prewarm"]) == newer and len(runs) == 2
    assert cli._prewarm_step(newer, ["prewarm"]) == newer and len(runs) == 2

    # the command claims the version and replays (here the seeds: nothing was asked yet)
    done = CliRunner().invoke(cli.main, ["cache", "prewarm", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["computed"] == len(_cache.SEED_PATHS)
    assert _cache.claim_record(newer)["done"]["computed"] == len(_cache.SEED_PATHS)
    again = CliRunner().invoke(cli.main, ["cache", "prewarm", "--json"])
    assert json.loads(again.output)["skipped"]

    # whatever fails, the watch carries on; DATABRAIN_PREWARM=0 turns it off
    def broken():
        raise OSError("cache unreachable")

    monkeypatch.setattr(_cache, "generation", broken)
    assert cli._prewarm_step(newer, ["prewarm"]) == newer
    monkeypatch.setenv("DATABRAIN_PREWARM", "0")
    assert cli._start_prewarmer() is False


def test_cache008_the_hot_set_keeps_the_most_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABRAIN_DB", str(tmp_path / "wh" / "demo.duckdb"))
    monkeypatch.delenv("DATABRAIN_CACHE_URL", raising=False)
    day = 24 * 3600.0
    province, city = (
        {"role": "province_leader", "city": None},
        {"role": "city_user", "city": "320500"},
    )
    for _ in range(5):
        _cache.remember("popular", province, _router("/"), now=0.0)
    for _ in range(3):
        _cache.remember("stale", city, _router("/economy"), now=-30 * day)  # 3 asks, a month ago
    for i in range(_cache.HOT_SIZE + 50):
        _cache.remember(f"once-{i:03d}", province, _router(f"/city/{i}"), now=day + i)
    hot = _cache.hot_entries()
    assert len(hot) == _cache.HOT_SIZE
    kept = {e["entry"] for e in hot}
    assert "popular" in kept and "stale" not in kept
    assert "once-000" not in kept and f"once-{_cache.HOT_SIZE + 49}" in kept
    assert hot[0]["entry"] == "popular" and hot[0]["body"] == _router("/")
    # the scope of a dropped entry goes with it: the record stays small
    assert list(_cache.backend().get(_cache.HOT_KEY)["scopes"].values()) == [province]
    # clearing the cache keeps what is asked, unless told to forget it too
    _cache.clear()
    assert len(_cache.hot_entries()) == _cache.HOT_SIZE
    _cache.clear(forget_asked=True)
    assert _cache.hot_entries() == []


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_cache009_on_redis_the_claim_and_the_hot_set_are_shared(tmp_path, monkeypatch):
    socket_path = tmp_path / "redis.sock"
    redis = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(socket_path), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket_path}"
    try:
        deadline = time.time() + 10
        while not socket_path.exists() and time.time() < deadline:
            time.sleep(0.05)
        monkeypatch.setenv("DATABRAIN_CACHE_URL", url)
        monkeypatch.setenv("DATABRAIN_DB", str(tmp_path / "wh" / "demo.duckdb"))
        name = "prewarm:/srv/v000007.duckdb:2026-11-22"
        with ThreadPoolExecutor(8) as pool:
            won = list(pool.map(lambda _: _cache.claim(name), range(8)))
        assert won.count(True) == 1 and _cache.claimed(name)
        city = {"role": "city_user", "city": "320500"}
        _cache.remember("opened", city, _router("/"))
        _cache.remember("opened", city, _router("/"))
        (entry,) = _cache.hot_entries()
        assert entry["scope"] == city and 1.9 < entry["weight"] <= 2.0
        _cache.backend().set("cb:answer", (_cache.PREWARMED, b"{}"))
        assert _cache.backend().get("cb:answer") == (_cache.PREWARMED, b"{}")
        _cache.clear()
        assert not _cache.claimed(name) and len(_cache.hot_entries()) == 1
    finally:
        redis.terminate()
        redis.wait(timeout=30)
        _cache._BACKENDS.pop(url, None)
