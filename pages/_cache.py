"""Answers from cache: a callback that only reads is answered from a cache every worker shares.

What a read callback answers is a pure function of:

- the warehouse version (its file: versions are never renamed or reused);
- the operational store's 督办 revision (pages show 督办 counts);
- the plan folder (its files' names, sizes and times);
- the day the engine takes as today;
- what the user may see and do (role, permissions, regions, indicators, city, unit — not the
  user's name, so leaders who see the same thing share answers);
- the request's inputs, state, outputs and which input changed.

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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable

import flask
from flask import g, request
from flask_caching.backends import FileSystemCache, RedisCache

from datasets import access, supervision
from datasets.config import db_path, plans_dir, today
from datasets.warehouse import shared_warehouse
from indicators.catalog import plans_signature

CALLBACK_PATH = "/_dash-update-component"
TIMEOUT_SECONDS = 7 * 24 * 3600  # keys carry the version: old entries only age out

# the routing callback's outputs; it is cached for the paths below only
ROUTER_OUTPUTS = frozenset({"_pages_content", "_pages_store"})
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
        return [body.get("inputs"), body.get("state")]
    if len(outputs) != 1 or next(iter(outputs)) not in _CACHEABLE:
        return None
    vary = _CACHEABLE[next(iter(outputs))]
    if vary is not None:
        return vary(body)
    return [body.get("inputs"), body.get("state"), body.get("changedPropIds")]


def _context() -> list:
    """Everything besides the request that an answer depends on."""
    scope = access.current_scope()
    seen = scope.to_dict() if scope is not None else {}
    seen.pop("user", None)  # who it is does not change what a read shows: what they may see does
    return [
        str(shared_warehouse().current_file()),  # this warehouse's version, by its file
        supervision.revision(),
        plans_signature(plans_dir()),
        today().isoformat(),
        seen,
    ]


def key_for(body: dict) -> str | None:
    """The cache key of a callback request (None when it is not cached)."""
    varies = _what_varies(body)
    if varies is None:
        return None
    text = json.dumps(
        [_context(), body.get("output"), varies], sort_keys=True, default=str, ensure_ascii=False
    )
    return "cb:" + hashlib.sha256(text.encode()).hexdigest()


_BACKENDS: dict[str, object] = {}


def backend():
    """The shared cache: Redis when ``DATABRAIN_CACHE_URL`` names one, else files beside the
    warehouse (one backend per place, made on first use)."""
    url = os.environ.get("DATABRAIN_CACHE_URL", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        if url not in _BACKENDS:
            import redis

            _BACKENDS[url] = RedisCache(
                host=redis.from_url(url),  # a client: host, port, db and password from the URL
                key_prefix="databrain:",
                default_timeout=TIMEOUT_SECONDS,
            )
        return _BACKENDS[url]
    folder = str(db_path().parent / "cache")
    if folder not in _BACKENDS:
        _BACKENDS[folder] = FileSystemCache(
            folder, threshold=20_000, default_timeout=TIMEOUT_SECONDS
        )
    return _BACKENDS[folder]


def enabled() -> bool:
    return os.environ.get("DATABRAIN_CACHE", "1") != "0"


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
            key = key_for(body)
        except Exception:  # the cache never stops an answer: without it, Dash answers
            return None
        if key is None:
            return None
        try:
            kept = backend().get(key)
        except Exception:
            kept = None
        if kept is not None:
            g.cache_state = "hit"
            return flask.Response(kept, status=200, mimetype="application/json")
        g.cache_key = key
        g.cache_state = "miss"
        return None

    @server.after_request
    def keep(response: flask.Response) -> flask.Response:
        key = g.pop("cache_key", None)
        if key and response.status_code == 200 and response.mimetype == "application/json":
            # a full disk or a lost Redis costs speed, not answers
            with contextlib.suppress(Exception):
                backend().set(key, response.get_data())
        state = g.pop("cache_state", None)
        if state:
            response.headers["X-Databrain-Cache"] = state
        return response
