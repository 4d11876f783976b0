"""Partial page updates: a control change sends only what changed, the URL stays the state.

Every page is a function of its URL: a control writes its value into the URL's query, and the
router renders the page for the new URL. Sent whole, that is 100–200 KiB a change, and the
browser rebuilds every chart. Instead, the router's answer becomes a *patch* of the page the
browser holds:

- every answer of the router tags ``_pages_store.data`` with ``key``, the cache key of the full
  layout it carries (:func:`pages._cache.key_for`: version, plan folder, today, the user's
  scope, the URL);
- the router's request carries that store as a state (``shown_``), so the server knows exactly
  which full layout the browser shows and fetches it from the shared cache;
- the new full layout is compared with it, and only the differing parts go out as Dash ``Patch``
  operations (the props of the components that changed; a component of another type or id, or a
  list whose length changed, is replaced whole).

The full layout is still what is computed and cached, so a reload, a shared link or a browser
without the old page gets the whole page, and the result is the same page either way. When the
old layout is not in the cache (another version, another user's scope, an uncached page), or the
patch would not be much smaller, the full layout is sent.

Components keep what the user did to them that the URL does not hold (a chart's zoom, a table's
scroll): the callbacks of a page read their inputs from the layout, so what did not change in the
layout needs no new answer, and an input that did change is patched and fires its callbacks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
from collections import OrderedDict

import dash
import flask
from dash.development.base_component import Component
from flask import request

from pages import _cache

STORE = "_pages_store"
CONTENT = "_pages_content"
SHOWN = "shown_"  # the router's state: the store of the page the browser shows
MAX_SHARE = 0.6  # send the patch only when it is at most this share of the full layout


def enabled() -> bool:
    return os.environ.get("DATABRAIN_PATCH", "1") != "0" and _cache.enabled()


def _is_component(value) -> bool:
    return isinstance(value, dict) and "props" in value and "type" in value


def _same_component(a: dict, b: dict) -> bool:
    return (
        a.get("type") == b.get("type")
        and a.get("namespace") == b.get("namespace")
        and (a.get("props") or {}).get("id") == (b.get("props") or {}).get("id")
    )


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def diff(old, new, location: list | None = None) -> list[dict]:
    """Dash patch operations that turn the layout ``old`` into ``new`` (both as JSON): the
    changed parts only, down to a figure's changed arrays, each node replaced whole when that
    is shorter than the operations within it."""
    location = location or []
    if old == new:
        return []
    whole = [_assign(location, new)]
    if _is_component(old) and _is_component(new):
        if not _same_component(old, new):
            return whole
        return _diff_dicts(old["props"], new["props"], [*location, "props"])
    if isinstance(old, dict) and isinstance(new, dict) and not _is_component(new):
        ops = _diff_dicts(old, new, location)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        ops = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            ops += diff(a, b, [*location, i])
    else:
        return whole
    return ops if _size(ops) < _size(whole) else whole


def _diff_dicts(old: dict, new: dict, location: list) -> list[dict]:
    ops = []
    for name, value in new.items():
        if name not in old:
            ops.append(_assign([*location, name], value))
        else:
            ops += diff(old[name], value, [*location, name])
    for name in old.keys() - new.keys():
        ops.append({"operation": "Delete", "location": [*location, name], "params": {}})
    return ops


def _assign(location: list, value) -> dict:
    return {"operation": "Assign", "location": location, "params": {"value": value}}


def patch_of(operations: list[dict]) -> dict:
    return {"__dash_patch_update": "__dash_patch_update", "operations": operations}


def _prop_value(old, new):
    """What to send for one changed prop: the new value, or a patch of it when shorter."""
    if isinstance(old, dict | list) and isinstance(new, dict | list):
        operations = diff(old, new)
        if operations and _size(operations) < _size(new):
            return patch_of(operations)
    return new


def _output_ids(spec: str) -> list[str]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [p.rsplit(".", 1)[0] for p in parts if p]


def _live_ids() -> tuple[frozenset, frozenset]:
    """The component ids (and pattern-matching id types) that a callback run on first render
    reads or writes: such a component, when replaced, would need that callback to run afresh."""
    app = dash.get_app()
    ids, types = set(), set()
    for cb in [*app._callback_list, *dash._callback.GLOBAL_CALLBACK_LIST]:
        if cb.get("prevent_initial_call"):
            continue
        names = [i["id"] for i in cb.get("inputs", [])] + _output_ids(cb["output"])
        for name in names:
            if name.startswith("{"):
                with contextlib.suppress(ValueError, AttributeError):
                    types.add(json.loads(name).get("type"))
            else:
                ids.add(name)
    return frozenset(ids), frozenset(types)


def _has_live_ids(value, live: tuple[frozenset, frozenset]) -> bool:
    """Whether a layout (JSON) holds a component a first-render callback uses."""
    if isinstance(value, list):
        return any(_has_live_ids(v, live) for v in value)
    if _is_component(value):
        props = value["props"]
        cid = props.get("id")
        if isinstance(cid, str) and cid in live[0]:
            return True
        if isinstance(cid, dict) and cid.get("type") in live[1]:
            return True
        return _has_live_ids(props.get("children"), live)
    return False


def updates(old, new) -> dict[str, dict] | None:
    """The changed props of the components of layout ``old`` that make it ``new``, by component
    id: ``{id: {prop: value or patch}}``. None when the change cannot be said that way: a
    component of another type or id, or changed children without an id to set them on, holding
    components that first-render callbacks use (they would have to run afresh)."""
    out: dict[str, dict] = {}
    return out if _component(old, new, out, _live_ids()) else None


def _component(old, new, out: dict, live) -> bool:
    if old == new:
        return True
    if not (_is_component(old) and _is_component(new) and _same_component(old, new)):
        return False
    old_props, new_props = old["props"], new["props"]
    changed = {}
    for name in new_props.keys() | old_props.keys():
        a, b = old_props.get(name), new_props.get(name)
        if a == b:
            continue
        if name == "children":
            inner: dict[str, dict] = {}
            if _children(a, b, inner, live):
                out.update(inner)
                continue
            if _has_live_ids(b, live):
                return False
            changed[name] = b
        else:
            changed[name] = _prop_value(a, b)
    if not changed:
        return True
    cid = new_props.get("id")
    if not isinstance(cid, str):
        return False  # the parent sets its children instead
    out[cid] = changed
    return True


def _children(old, new, out: dict, live) -> bool:
    if old == new:
        return True
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return all(_component(a, b, out, live) for a, b in zip(old, new, strict=True))
    return _component(old, new, out, live)


def _is_router(body: dict) -> bool:
    spec = body.get("output")
    return isinstance(spec, str) and CONTENT in spec and STORE in spec


def _shown_key(body: dict) -> str | None:
    for item in body.get("state") or []:
        if isinstance(item, dict) and item.get("id") == STORE:
            value = item.get("value")
            if isinstance(value, dict) and isinstance(value.get("key"), str):
                return value["key"]
    return None


def _layout_of(answer: bytes) -> object:
    return json.loads(answer)["response"][CONTENT]["children"]


PLACE_ID = "pg-"  # ids given by position to a page's components that have none


def with_place_ids(tree, path: str = "0"):
    """Give every component without an id one by its place in the page (``pg-0-2-1``; no dots, which Dash reads as a property), so any
    part of a page can be set on its own. The same page structure gives the same ids."""
    if isinstance(tree, list | tuple):
        for i, child in enumerate(tree):
            with_place_ids(child, f"{path}-{i}")
        return tree
    if isinstance(tree, Component):
        if "id" in tree._prop_names and getattr(tree, "id", None) is None:
            tree.id = PLACE_ID + path
        children = getattr(tree, "children", None)
        with_place_ids(children, f"{path}-0" if isinstance(children, Component) else path)
    return tree


def without_shown(layout):
    """A page's layout function, called by the router without the ``shown_`` state (a page is a
    function of its URL alone), its components placed by id (:func:`with_place_ids`)."""
    if not callable(layout) or getattr(layout, "_without_shown", False):
        return layout

    @functools.wraps(layout)
    def page_layout(**kwargs):
        kwargs.pop(SHOWN, None)
        return with_place_ids(layout(**kwargs))

    page_layout._without_shown = True
    return page_layout


# What was answered for (the page's key, the key of the page shown): both name immutable pages,
# so the same pair always gets the same answer, and a worker makes it once.
_MADE: OrderedDict[tuple[str, str | None], tuple[str, bytes]] = OrderedDict()
_MADE_LOCK = threading.Lock()
MEMO_SIZE = 64


def _answer(raw: bytes, key: str, shown: str | None) -> tuple[str, bytes] | None:
    """The router's answer tagged with its page's key, as a side update of the page shown when
    that is in the cache and the update is much smaller: ("patch" | "full", the JSON)."""
    answer = json.loads(raw)
    outputs = answer.get("response") or {}
    if STORE not in outputs or CONTENT not in outputs:
        return None
    store = outputs[STORE].get("data")
    outputs[STORE]["data"] = {**(store if isinstance(store, dict) else {}), "key": key}
    kind = "full"
    if shown:
        try:
            old = _cache.backend().get(shown)
        except Exception:
            old = None
        if old is not None:
            new_layout = outputs[CONTENT]["children"]
            changed = updates(_layout_of(old), new_layout)
            if changed is not None and _size(changed) <= MAX_SHARE * _size(new_layout):
                del outputs[CONTENT]  # the page stays; only its changed props are set
                answer["sideUpdate"] = changed
                kind = "patch"
    return kind, json.dumps(answer, ensure_ascii=False).encode()


def register(server: flask.Flask) -> None:
    """Turn the router's full answers into patches. Register before :func:`pages._cache.register`:
    Flask runs after-request functions last-registered first, so the cache keeps the full
    answer before it is patched."""

    @server.after_request
    def patch_page(response: flask.Response) -> flask.Response:
        if (
            request.method != "POST"
            or request.path != _cache.CALLBACK_PATH
            or response.status_code != 200
            or response.mimetype != "application/json"
            or not enabled()
        ):
            return response
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not _is_router(body):
            return response
        try:
            key = _cache.key_for(body)
        except Exception:
            return response
        if key is None:
            return response
        shown = _shown_key(body)
        memo = (key, shown if shown != key else None)
        with _MADE_LOCK:
            made = _MADE.get(memo)
            if made is not None:
                _MADE.move_to_end(memo)
        if made is None:
            made = _answer(response.get_data(), key, memo[1])
            if made is None:
                return response
            with _MADE_LOCK:
                _MADE[memo] = made
                while len(_MADE) > MEMO_SIZE:
                    _MADE.popitem(last=False)
        kind, data = made
        response.set_data(data)
        response.headers["X-Databrain-Page"] = kind
        return response
