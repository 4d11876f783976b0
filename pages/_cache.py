"""Answers from cache: a callback that only reads is answered from a cache every worker shares.

What a read callback answers is a pure function of:

- the app's code (a new release never serves what an older one rendered);
- the warehouse version (its file: versions are never renamed or reused);
- the operational store's 督办 revision (pages show 督办 counts);
- the plan folder (its files' names, sizes and times);
- the day the engine takes as today;
- what the user may see and do (role, permissions, regions, indicators, city, unit — not the
  user's name, so leaders who see the same thing share answers);
- the request's inputs, state, outputs and which input changed (for the pages router, not
  which page the browser shows: a page is a function of its URL).

The cache key is exactly that tuple. A new version, a 督办 step or a saved plan changes the key,
so nothing stale is ever served and nothing needs to be invalidated.

Only the callbacks declared here are cached (:func:`cacheable`): the routing callback for the
pages whose layout reads nothing user-specific, and the big screen's refresh (keyed by the
layer it rotates to, not by the tick count). Anything that writes, audits or shows one user's
own items (uploads, 督办 steps, the inbox, subscriptions, exports) is never cached.

The cache is flask-caching: files under ``<warehouse dir>/cache`` by default (shared by the
workers of one machine), or Redis when ``DATABRAIN_CACHE_URL=redis://…`` (shared by several
machines). ``DATABRAIN_CACHE=0`` turns it off. A response says ``X-Databrain-Cache: hit`` or
``miss`` so a load test can tell.

**Pre-warming.** A load (or a new day) changes every key, so without help the first visitor of
each page pays the full computation. So the cache also keeps what is asked: each miss (never a
hit) adds its request and the asker's scope, without the user's name, to a bounded *hot set* in
the same backend (:func:`remember`). After a load, :func:`prewarm` replays the hot set through
the app in-process, each request as a signed-in account of the recorded role, city and unit
(no header or parameter a client could send), so the answers land under exactly the keys real
requests compute. ``databrain serve`` does this once per version and day across all workers and
machines (:func:`claim`); ``databrain cache prewarm`` does it on demand.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import flask
from dash import State
from flask import g, request
from flask_caching.backends import FileSystemCache, RedisCache
from flask_login import login_user

from datasets import access, accounts, supervision
from datasets.config import db_path, plans_dir, today
from datasets.locks import exclusive
from datasets.warehouse import shared_warehouse
from indicators.catalog import plans_signature
from pages._auth import CSRF_HEADER, SignedIn

log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
TIMEOUT_SECONDS = 7 * 24 * 3600  # keys carry the version: old entries only age out
# The hot set and the pre-warm claims outlive every answer: when the file cache is over its
# threshold it drops the entries that expire soonest first.
KEEP_SECONDS = 10 * TIMEOUT_SECONDS
HOT_KEY = "hot-set"
HOT_SIZE = 200  # distinct requests kept in the hot set
HOT_HALF_LIFE = 7 * 24 * 3600  # an ask weighs half as much a week later
PREWARMED = "prewarmed"  # marks an answer pre-warmed and not yet asked for

# the routing callback's outputs; it is cached for the paths below only
ROUTER_OUTPUTS = frozenset({"_pages_content", "_pages_store"})
ROUTER_STORE = "_pages_store"  # also the router's state: the page the browser shows
CACHED_PATHS = ("/", "/targets", "/city/", "/risk", "/economy", "/indicators", "/briefing")
CACHED_PATHS += ("/plan-tasks",)

# output component id → a function of the request body giving what the answer varies by
# beyond its inputs' exact values (None: the inputs as they are)
_CACHEABLE: dict[str, Callable[[dict], object] | None] = {}


def cacheable(component_id: str, vary: Callable[[dict], object] | None = None) -> None:
    """Declare that the callback writing ``component_id`` only reads: its answer may be
    cached. ``vary(body)`` replaces the inputs in the key when they hold something the answer
    does not depend on (a tick counter)."""
    _CACHEABLE[component_id] = vary


def _output_ids(spec: str) -> list[str]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [p.rsplit(".", 1)[0] for p in parts if p]


def _input_value(body: dict, component: str, prop: str):
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == component and item.get("property") == prop:
            return item.get("value")
    return None


def _is_store(item: object) -> bool:
    return isinstance(item, dict) and item.get("id") == ROUTER_STORE


def _router_state(body: dict) -> list:
    """The router's state besides the page shown."""
    return [item for item in body.get("state") or [] if not _is_store(item)]


def _what_varies(body: dict) -> object | None:
    """What the answer varies by (inputs, state, which input changed), or None when this
    callback is not to be cached."""
    spec = body.get("output")
    if not isinstance(spec, str):
        return None
    outputs = set(_output_ids(spec))
    if not outputs:
        return None
    if outputs <= ROUTER_OUTPUTS:
        path = _input_value(body, "_pages_location", "pathname")
        if not isinstance(path, str) or not (
            path == "/" or any(path.startswith(p) for p in CACHED_PATHS if p != "/")
        ):
            return None
        # a page is a function of its URL: which page the browser shows (the router's state,
        # for a patch of it) changes how the answer is sent, not what it is
        return [body.get("inputs"), _router_state(body) or None]
    if len(outputs) != 1 or next(iter(outputs)) not in _CACHEABLE:
        return None
    vary = _CACHEABLE[next(iter(outputs))]
    if vary is not None:
        return vary(body)
    return [body.get("inputs"), body.get("state"), body.get("changedPropIds")]


def _seen() -> dict:
    """What this request's user may see and do, without who they are: who it is does not change
    what a read shows, what they may see does."""
    scope = access.current_scope()
    seen = scope.to_dict() if scope is not None else {}
    seen.pop("user", None)
    return seen


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the app's own code (its Python sources and asset files): a new release answers
    afresh, never with pages an older release rendered into a cache that outlived it."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    files = [root / "app.py", root / "pipeline.py"]
    for package in ("datasets", "indicators", "models", "reports", "pages", "assets"):
        files += sorted(p for p in (root / package).rglob("*") if p.is_file())
    for path in files:
        if path.suffix in (".py", ".yaml", ".json", ".css", ".js") and path.exists():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _context(seen: dict) -> list:
    """Everything besides the request that an answer depends on."""
    return [
        code_fingerprint(),
        str(shared_warehouse().current_file()),  # this warehouse's version, by its file
        supervision.revision(),
        plans_signature(plans_dir()),
        today().isoformat(),
        seen,
    ]


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _keys(body: dict) -> tuple[str, str] | None:
    """(the cache key, the hot-set entry) of a callback request, None when it is not cached.
    The entry is the key without what a load or a new day changes: the same question asked
    again of the next version."""
    varies = _what_varies(body)
    if varies is None:
        return None
    seen = _seen()
    asked = [body.get("output"), varies]
    return "cb:" + _digest([_context(seen), *asked]), _digest([seen, *asked])


def key_for(body: dict) -> str | None:
    """The cache key of a callback request (None when it is not cached)."""
    found = _keys(body)
    return found[0] if found else None


_BACKENDS: dict[str, object] = {}


def backend():
    """The shared cache: Redis when ``DATABRAIN_CACHE_URL`` names one, else files beside the
    warehouse (one backend per place, made on first use)."""
    if _redis():
        url = os.environ["DATABRAIN_CACHE_URL"]
        if url not in _BACKENDS:
            import redis

            _BACKENDS[url] = RedisCache(
                host=redis.from_url(url),  # a client: host, port, db and password from the URL
                key_prefix="databrain:",
                default_timeout=TIMEOUT_SECONDS,
            )
        return _BACKENDS[url]
    folder = str(_folder())
    if folder not in _BACKENDS:
        _BACKENDS[folder] = FileSystemCache(
            folder, threshold=20_000, default_timeout=TIMEOUT_SECONDS
        )
    return _BACKENDS[folder]


def _folder() -> Path:
    return db_path().parent / "cache"


def _redis() -> bool:
    return os.environ.get("DATABRAIN_CACHE_URL", "").startswith(
        ("redis://", "rediss://", "unix://")
    )


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One process at a time, for a read-then-write on the file cache (whose ``add`` checks,
    then writes). Redis needs none: its ``add`` is atomic, and a hot-set update lost to a race
    only costs one ask's weight."""
    if _redis():
        yield
        return
    with exclusive(_folder().with_name("cache.lock")):
        yield


def enabled() -> bool:
    return os.environ.get("DATABRAIN_CACHE", "1") != "0"


def prewarm_enabled() -> bool:
    """Whether ``databrain serve`` pre-warms after each load (``DATABRAIN_PREWARM=0``: no)."""
    return enabled() and os.environ.get("DATABRAIN_PREWARM", "1") != "0"


def register(server: flask.Flask) -> None:
    """Answer cacheable callbacks from the cache (after the sign-in gate has set the user's
    scope and checked the callback's permission) and keep what is computed."""

    @server.before_request
    def answer_from_cache():
        if request.method != "POST" or request.path != CALLBACK_PATH or not enabled():
            return None
        if access.current_scope() is None or flask.request.content_length is None:
            return None
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None
        try:
            found = _keys(body)
        except Exception:  # the cache never stops an answer: without it, Dash answers
            return None
        if found is None:
            return None
        key, entry = found
        try:
            kept = backend().get(key)
        except Exception:
            kept = None
        if isinstance(kept, tuple) and kept[0] == PREWARMED:
            kept = kept[1]
            if not g.get("prewarming"):
                # the first ask of a pre-warmed answer counts as the miss it saved, so what is
                # asked stays in the hot set; unmarked, later hits write nothing
                with contextlib.suppress(Exception):
                    backend().set(key, kept)
                    remember(entry, _seen(), _as_opened(body))
        if kept is not None:
            g.cache_state = "hit"
            return flask.Response(kept, status=200, mimetype="application/json")
        g.cache_key = key
        g.cache_entry = entry
        g.cache_state = "miss"
        return None

    @server.after_request
    def keep(response: flask.Response) -> flask.Response:
        key, entry = g.pop("cache_key", None), g.pop("cache_entry", None)
        if key and response.status_code == 200 and response.mimetype == "application/json":
            # a full disk or a lost Redis costs speed, not answers
            with contextlib.suppress(Exception):
                if g.get("prewarming"):
                    backend().set(key, (PREWARMED, response.get_data()))
                else:
                    backend().set(key, response.get_data())
                    remember(entry, _seen(), _as_opened(request.get_json(silent=True)))
        state = g.pop("cache_state", None)
        if state:
            response.headers["X-Databrain-Cache"] = state
        return response


# ----------------------------------------------------------------------------- the hot set
def _as_opened(body: dict) -> dict:
    """A request as a fresh page load sends it: without the page the browser showed, which is
    of the old version by the time it is replayed."""
    if not any(_is_store(item) for item in body.get("state") or []):
        return body
    state = [
        {k: v for k, v in item.items() if k != "value"} if _is_store(item) else item
        for item in body["state"]
    ]
    return {**body, "state": state}


def _weight(item: dict, now: float) -> float:
    """An entry's asks, each weighing less as it ages."""
    return item["score"] * 0.5 ** (max(0.0, now - item["at"]) / HOT_HALF_LIFE)


def remember(entry: str, seen: dict, body: dict, *, now: float | None = None) -> None:
    """Count one ask of a cacheable request (its entry, the asker's scope without the user's
    name, the request) in the hot set, which keeps the :data:`HOT_SIZE` most asked, recent asks
    weighing most. One small read and write, on a miss only."""
    now = time.time() if now is None else now
    scope_id = _digest(seen)[:16]
    with _exclusive():
        hot = backend().get(HOT_KEY) or {"scopes": {}, "entries": {}}
        entries = hot["entries"]
        before = entries.get(entry)
        entries[entry] = {
            "scope": scope_id,
            "body": body,
            "score": (_weight(before, now) if before else 0.0) + 1.0,
            "at": now,
        }
        hot["scopes"][scope_id] = seen
        if len(entries) > HOT_SIZE:
            ranked = sorted(entries, key=lambda e: _weight(entries[e], now), reverse=True)
            hot["entries"] = entries = {e: entries[e] for e in ranked[:HOT_SIZE]}
            used = {item["scope"] for item in entries.values()}
            hot["scopes"] = {k: v for k, v in hot["scopes"].items() if k in used}
        backend().set(HOT_KEY, hot, timeout=KEEP_SECONDS)


def hot_entries() -> list[dict]:
    """The hot set, most asked first: ``entry``, ``scope`` (without the user's name), ``body``,
    ``weight``."""
    hot = backend().get(HOT_KEY) or {"scopes": {}, "entries": {}}
    now = time.time()
    found = [
        {
            "entry": entry,
            "scope": hot["scopes"].get(item["scope"], {}),
            "body": item["body"],
            "weight": _weight(item, now),
        }
        for entry, item in hot["entries"].items()
    ]
    return sorted(found, key=lambda e: e["weight"], reverse=True)


def _forget(entries: set[str]) -> None:
    """Drop entries whose replay no longer answers (a callback that is gone, say)."""
    with _exclusive():
        hot = backend().get(HOT_KEY)
        if not hot or not entries & set(hot["entries"]):
            return
        hot["entries"] = {e: v for e, v in hot["entries"].items() if e not in entries}
        backend().set(HOT_KEY, hot, timeout=KEEP_SECONDS)


def clear(*, forget_asked: bool = False) -> None:
    """Empty the cache (answers and pre-warm claims); what is asked is kept unless
    ``forget_asked``."""
    with _exclusive():
        hot = None if forget_asked else backend().get(HOT_KEY)
        backend().clear()
        if hot:
            backend().set(HOT_KEY, hot, timeout=KEEP_SECONDS)


# ----------------------------------------------------------------------------- pre-warming
# What the province's leaders open first, pre-warmed even before anything is asked: the
# cockpit and the targets page, as Dash's renderer asks the pages router for them.
SEED_ROLE = "province_leader"
SEED_PATHS = ("/", "/targets")


def _router_body(path: str) -> dict | None:
    """The pages router's request for opening ``path``, as Dash's renderer sends it: the
    location's path and query as inputs, then the app's own routing inputs, whose values are
    known only when they are states (sent without a value on opening a page). None when the
    app routes by an input whose value is not known here."""
    extra = list(dash.get_app().routing_callback_inputs.values())
    if any(not isinstance(item, State) for item in extra):
        return None
    changed = ["_pages_location.pathname", "_pages_location.search"]
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": ROUTER_STORE, "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if extra:
        body["state"] = [{"id": s.component_id, "property": s.component_property} for s in extra]
    return body


def generation() -> str | None:
    """The name of what every cached answer of this moment shares and a load or a new day
    changes (the warehouse version's file and today); None without a warehouse."""
    current = shared_warehouse().current_file()
    return None if current is None else f"prewarm:{current}:{today().isoformat()}"


def claimed(name: str) -> bool:
    """Whether some process has taken (or done) pre-warming ``name``."""
    return bool(backend().has(name))


def claim(name: str) -> bool:
    """Take pre-warming ``name`` for this process: True for exactly one process of all the
    workers and machines sharing the cache."""
    value = {"by": os.environ.get("DATABRAIN_NODE") or f"{socket.gethostname()}:{os.getpid()}"}
    value["at"] = time.time()
    with _exclusive():
        if _redis():
            return bool(backend().add(name, value, timeout=KEEP_SECONDS))
        if backend().has(name):
            return False
        return bool(backend().set(name, value, timeout=KEEP_SECONDS))


def claim_record(name: str) -> dict | None:
    """Who claimed ``name``, when, and what their pre-warm did once done."""
    found = backend().get(name)
    return found if isinstance(found, dict) else None


def _replay(server: flask.Flask, seen: dict, body: dict) -> str | None:
    """Ask ``body`` as a signed-in account of the role, city and unit of ``seen``, through the
    app's whole request path (the gate derives the scope from the account, checks the callback's
    permission; the cache looks up and keeps the answer), in this process: nothing a client
    sends can ask for it. The answer's cache state, None when it was not kept."""
    account = accounts.User(
        id=0,
        username="",
        role=seen.get("role") or "",
        city_code=seen.get("city"),
        unit=seen.get("unit"),
        source="prewarm",
        disabled=False,
        must_change_password=False,
        locked_until=None,
        created_at=accounts.utcnow(),
    )
    token = secrets.token_urlsafe(16)
    with server.test_request_context(
        CALLBACK_PATH, method="POST", json=body, headers={CSRF_HEADER: token}
    ):
        flask.session["csrf"] = token  # the session's CSRF token, as the gate checks it
        login_user(SignedIn(account, token=""))
        g.prewarming = True
        response = server.full_dispatch_request()
        if response.status_code != 200:
            return None
        return response.headers.get("X-Databrain-Cache")


def prewarm(server: flask.Flask, *, name: str | None = None) -> dict:
    """Answer every request of the hot set (most asked first), and the seeds, for the current
    warehouse version and day, so that the answers are in the cache before anyone asks. Stops
    when the version or day changes meanwhile (the next pre-warm is for the new one). Entries
    that no longer answer are dropped from the hot set. Returns what was done."""
    started = time.perf_counter()
    name = name or generation()
    done = {"generation": name, "asked": 0, "computed": 0, "already": 0, "failed": 0}
    if name is None or not enabled():
        return {**done, "stopped": False, "seconds": 0.0}
    work = [(e["entry"], e["scope"], e["body"]) for e in hot_entries()]
    seed_scope = {"role": SEED_ROLE, "city": None, "unit": None}
    seeds = [_router_body(path) for path in SEED_PATHS]
    work += [(None, seed_scope, body) for body in seeds if body is not None]
    broken: set[str] = set()
    stopped = False
    for entry, seen, body in work:
        if generation() != name:
            stopped = True
            break
        done["asked"] += 1
        try:
            state = _replay(server, seen, body)
        except Exception:
            log.warning("pre-warming a %s request failed", body.get("output"), exc_info=True)
            state = None
        if state == "miss":
            done["computed"] += 1
        elif state == "hit":
            done["already"] += 1
        else:
            done["failed"] += 1
            if entry is not None:
                broken.add(entry)
    if broken:
        _forget(broken)
    result = {**done, "stopped": stopped, "seconds": round(time.perf_counter() - started, 2)}
    record = claim_record(name)
    if record is not None:
        with contextlib.suppress(Exception):
            backend().set(name, {**record, "done": result}, timeout=KEEP_SECONDS)
    return result
