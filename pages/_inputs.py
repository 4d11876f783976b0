"""The callback request's inputs checked before any callback runs: each value must have the type
its property has in a browser (a pathname is text, a click count a whole number, a dropdown's
value text, a number or a list of them), and values with a known form (an as-of month) must have
it. A request that fails is answered 400 with a Chinese message naming the input, so a crafted
request never reaches a callback that would fail on it with a 500.
"""

from __future__ import annotations

import math
import re

_TEXT = (str, type(None))
_SCALAR = (str, int, float, bool, type(None))

#: property → (allowed types, what the message calls them)
PROPERTY_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "pathname": (_TEXT, "文本"),
    "search": (_TEXT, "文本"),
    "hash": (_TEXT, "文本"),
    "href": (_TEXT, "文本"),
    "date": (_TEXT, "日期文本"),
    "start_date": (_TEXT, "日期文本"),
    "end_date": (_TEXT, "日期文本"),
    "active_tab": (_TEXT, "文本"),
    "clickData": ((dict, type(None)), "对象"),
    "hoverData": ((dict, type(None)), "对象"),
    "selectedData": ((dict, type(None)), "对象"),
    "relayoutData": ((dict, type(None)), "对象"),
    "contents": (_TEXT, "文本"),
    "filename": (_TEXT, "文本"),
}
#: counters: a whole number ≥ 0 or nothing
COUNTS = {"n_clicks", "n_intervals", "n_submit", "n_blur", "n_clicks_timestamp"}
#: ids whose value is an as-of month or day (``2026-10`` or ``2026-10-31``)
AS_OF_ID = re.compile(r"(^|-)as-of$")
AS_OF_VALUE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class BadRequest(ValueError):
    """A callback request no browser would send; the message says which input is wrong."""


def _items(entries) -> list[dict]:
    """The inputs or states of a request, pattern-matching groups flattened."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise BadRequest("请求格式不正确：输入应为列表。")
    out = []
    for entry in entries:
        group = entry if isinstance(entry, list) else [entry]
        for item in group:
            if not isinstance(item, dict) or "id" not in item or "property" not in item:
                raise BadRequest("请求格式不正确：每个输入应有 id 与 property。")
            out.append(item)
    return out


def _name(item: dict) -> str:
    ident = item["id"]
    return ident if isinstance(ident, str) else str(ident)


def _finite(value) -> bool:
    """JSON as Flask reads it also admits NaN and Infinity, which no browser sends."""
    return not isinstance(value, float) or math.isfinite(value)


def _value_ok(prop: str, value) -> str | None:
    """None when ``value`` may be ``prop``'s value; otherwise what it should be."""
    if prop in COUNTS:
        whole = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and _finite(value)
            and float(value).is_integer()
            and value >= 0
        )
        return None if value is None or whole else "不小于 0 的整数"
    if prop in PROPERTY_TYPES:
        types, words = PROPERTY_TYPES[prop]
        return None if isinstance(value, types) else words
    if prop == "value":
        items = value if isinstance(value, list) else [value]
        ok = all(isinstance(v, _SCALAR) and _finite(v) for v in items)
        return None if ok else "文本、数值或其列表"
    return None  # stores, figures and the rest carry whatever their page put there


def check(body) -> None:
    """Raise :class:`BadRequest` for a callback request whose inputs no browser would send."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise BadRequest("请求格式不正确：缺少输出。")
    for item in _items(body.get("inputs")) + _items(body.get("state")):
        prop, value = item["property"], item.get("value")
        if not isinstance(prop, str):
            raise BadRequest("请求格式不正确：property 应为文本。")
        wanted = _value_ok(prop, value)
        if wanted:
            raise BadRequest(f"请求参数不正确：{_name(item)} 的 {prop} 应为{wanted}。")
        ident = item["id"]
        if (
            prop == "value"
            and isinstance(ident, str)
            and AS_OF_ID.search(ident)
            and value is not None
            and not (isinstance(value, str) and AS_OF_VALUE.match(value))
        ):
            raise BadRequest(f"请求参数不正确：{ident} 应为“年-月”或“年-月-日”，如 2026-10。")
