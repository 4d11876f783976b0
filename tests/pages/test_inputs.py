"""Callback inputs checked before any callback runs: the types a browser sends pass, anything
else is refused with a Chinese message naming the input."""

from __future__ import annotations

import pytest

from pages._inputs import BadRequest, check


def request(*inputs, state=()):
    return {"output": "x.children", "inputs": list(inputs), "state": list(state)}


def item(ident, prop, value):
    return {"id": ident, "property": prop, "value": value}


GOOD = [
    item("url", "pathname", "/targets"),
    item("url", "search", "?city=320500"),
    item("btn", "n_clicks", 3),
    item("btn", "n_clicks", None),
    item("tick", "n_intervals", 0),
    item("cockpit-as-of", "value", "2026-10"),
    item("cockpit-as-of", "value", "2026-11-22"),
    item("cockpit-as-of", "value", None),
    item("regions", "value", ["320100", "320500"]),
    item("rotate", "value", 20),
    item({"type": "economy-card", "indicator": "x"}, "n_clicks", 1),
    item("map", "clickData", {"points": [{"location": "320500"}]}),
    item("store", "data", {"anything": [1, {"nested": True}]}),
    item("data-upload", "contents", "data:text/csv;base64,YSxi"),
    item("data-upload", "filename", "清单.csv"),
    item("btn", "n_clicks", 2.0),
]
BAD = [
    (item("url", "pathname", 123), "url 的 pathname 应为文本"),
    (item("url", "search", {"a": 1}), "url 的 search 应为文本"),
    (item("btn", "n_clicks", "many"), "btn 的 n_clicks 应为不小于 0 的整数"),
    (item("btn", "n_clicks", -1), "btn 的 n_clicks 应为不小于 0 的整数"),
    (item("btn", "n_clicks", True), "btn 的 n_clicks 应为不小于 0 的整数"),
    (item("cockpit-as-of", "value", 202610), "cockpit-as-of 应为“年-月”或“年-月-日”"),
    (item("cockpit-as-of", "value", {"y": 2026}), "cockpit-as-of 的 value 应为文本、数值或其列表"),
    (item("cockpit-as-of", "value", "2026-10'; drop"), "cockpit-as-of 应为“年-月”或“年-月-日”"),
    (item("regions", "value", [["320100"]]), "regions 的 value 应为文本、数值或其列表"),
    (item("map", "clickData", "320500"), "map 的 clickData 应为对象"),
    (item("btn", "n_clicks", 1.5), "btn 的 n_clicks 应为不小于 0 的整数"),
    (item("btn", "n_clicks", float("inf")), "btn 的 n_clicks 应为不小于 0 的整数"),
    (item("rotate", "value", float("nan")), "rotate 的 value 应为文本、数值或其列表"),
    (item("data-upload", "contents", 12), "data-upload 的 contents 应为文本"),
    (item("data-upload", "filename", ["a.csv"]), "data-upload 的 filename 应为文本"),
]


@pytest.mark.parametrize("good", GOOD, ids=lambda g: f"{g['property']}={g['value']!r}"[:40])
def test_inputs001_what_a_browser_sends_passes(good):
    check(request(good))
    check(request(state=[good]))
    check(request([good, good]))  # a pattern-matching group


@pytest.mark.parametrize(("bad", "message"), BAD, ids=lambda x: str(x)[:40])
def test_inputs002_anything_else_is_refused_naming_the_input(bad, message):
    for body in (request(bad), request(state=[bad]), request([bad])):
        with pytest.raises(BadRequest, match=message.split("“")[0]) as err:
            check(body)
        assert message in str(err.value)


@pytest.mark.parametrize(
    "body",
    [None, [], "text", {"inputs": []}, {"output": 1}, request("not an item"),
     {"output": "x.children", "inputs": {"id": "a"}}, request({"id": "a"})],
)  # fmt: skip
def test_inputs003_malformed_requests_are_refused(body):
    with pytest.raises(BadRequest, match="请求格式不正确"):
        check(body)
