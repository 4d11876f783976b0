"""Read callbacks answered from the shared cache, through the real app's request path: the same
request by users who may see the same thing is answered once; another scope, a 督办 step or a
new warehouse version is a new answer; writes and one user's own pages are never cached."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from datasets import accounts, store, supervision
from datasets.warehouse import Warehouse, forget_connections
from pages import _cache

ROUTER = "..{_pages_content.children}...{_pages_store.data}.."


def _router(path: str, search: str = "") -> dict:
    return {
        "output": ROUTER.replace("{", "").replace("}", ""),
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


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
