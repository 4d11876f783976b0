"""规划编制 ``/planning``: draft the next plan's targets from a finished or running one.

For each indicator of the plan it starts from: the new baseline (the baseline year's value as
the warehouse knows it, with its source), the pace of the years before it and the calibrated
forecast to the new deadline with its 80 % interval. As the planner types a proposed target the
page says the yearly pace it asks for, how that compares with the pace so far and P(reach).
A target can be split across the cities by a rule (each city with its own P(reach)), and a
what-if answers "if 苏州 reaches X by 2027, what does the province reach?". The draft is
validated with the catalog's own rules, then downloaded as a target-set YAML or (for a 数据管理员)
saved into the warehouse's plan folder, where it is tracked at once.

URL state: ``from`` (the plan drafted from), ``base`` (baseline year), ``to`` (target year).
The computations are :mod:`indicators.planning`'s.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

import pipeline
from datasets.access import current_scope
from datasets.config import today
from datasets.regions import PROVINCE_CODE, cities
from datasets.warehouse import shared_warehouse
from indicators import planning, read
from indicators.catalog import PLAN_STATUS_LABELS, default_catalog
from indicators.text import fmt_value
from pages import _auth, _ids
from pages._components import (
    dropdown,
    not_ready,
    page_header,
    to_search,
)

dash.register_page(
    __name__, path="/planning", name="规划编制", title="数据大脑 · 规划编制", order=1.6
)

ROWS = "planning-rows"
SPLITS = "planning-splits"
FROM = "planning-from"
BASE = "planning-base"
TO = "planning-to"
SPLIT_INDICATOR = "planning-split-indicator"
SPLIT_RULE = "planning-split-rule"
SPLIT_SUM = "planning-split-sum"
WHATIF_INDICATOR = "planning-whatif-indicator"
WHATIF_CITY = "planning-whatif-city"
WHATIF_YEAR = "planning-whatif-year"
WHATIF_VALUE = "planning-whatif-value"
WHATIF_RESULT = "planning-whatif-result"
SAVE_ID = "planning-id"
SAVE_NAME = "planning-name"
SAVE_STATUS = "planning-status"
DOWNLOAD = "planning-download"
DOWNLOAD_BUTTON = "planning-download-button"
SAVE_BUTTON = "planning-save-button"
SAVE_RESULT = "planning-save-result"
SAVE_JOB = "planning-save-job"
SAVE_POLL = "planning-save-poll"
DOWNLOAD_RESULT = "planning-download-result"


def _pct(p: float | None) -> str:
    if p is None:
        return "—"
    if p < 0.01:
        return "<1%"
    if p > 0.99:
        return ">99%"
    return f"{100 * p:.0f}%"


def _signed(value: float | None, unit: str, decimals: int) -> str:
    """A yearly change with its sign: a rate's in percentage points."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:+.{max(decimals, 1)}f} 个百分点/年"
    sign = "+" if value > 0 else ""
    return sign + fmt_value(value, unit, decimals) + "/年"


def _years(query: dict) -> tuple[str, int, int]:
    """The plan drafted from, and the baseline and target years the URL asks for (defaults:
    the plan a page shows by default; its target year, or last year for a running plan; five
    years on)."""
    catalog = default_catalog()
    source = query.get("from")
    if source not in catalog.target_sets:
        source = read.default_target_set()
    ts = catalog.target_sets[source]
    now = today()
    default_base = ts.target_year if ts.phase(now) == "finished" else now.year - 1
    try:
        base = int(query.get("base") or default_base)
    except ValueError:
        base = default_base
    base = min(max(base, 2000), now.year - 1)
    try:
        to = int(query.get("to") or base + 5)
    except ValueError:
        to = base + 5
    return source, base, min(max(to, base + 1), base + 15)


def _prefill(source: str, base: int, to: int) -> dict:
    """A plan with the same years is being edited: its targets and splits as the start."""
    ts = default_catalog().target_sets[source]
    if ts.baseline_year != base or ts.target_year != to:
        return {}
    return {t.indicator: t for t in ts.targets if t.target is not None}


def _visible_cities() -> list[tuple[str, str]]:
    scope = current_scope()
    return [
        (code, name)
        for code, name in cities().select("region_code", "name_zh").iter_rows()
        if scope is None or scope.sees_region(code)
    ]


def _target_row(row: dict, prefill, to: int) -> html.Tr:
    code, unit, decimals = row["indicator"], row["unit"], row["decimals"]
    interval = (
        f"{fmt_value(row['forecast'], unit, decimals)}"
        f"（{fmt_value(row['forecast_lo'], '', decimals)}–"
        f"{fmt_value(row['forecast_hi'], unit, decimals)}）"
        if row["forecast"] is not None
        else "暂无预测"
    )
    given = prefill.get(code)
    return html.Tr(
        [
            html.Td([html.Div(row["name"], className="fw-semibold")]),
            html.Td(
                [
                    html.Div(fmt_value(row["baseline"], unit, decimals), className="fw-semibold"),
                    html.Div(row["baseline_note"], className="small text-muted planning-source"),
                ],
                style={"minWidth": "12rem"},
            ),
            html.Td(_signed(row["pace"], unit, decimals)),
            html.Td(interval, className="text-nowrap"),
            html.Td(
                dcc.Input(
                    id={"type": "planning-target", "indicator": code},
                    type="number",
                    value=given.target if given else None,
                    placeholder="输入目标值",
                    debounce=True,
                    className="form-control form-control-sm",
                    style={"width": "7.5rem"},
                )
            ),
            html.Td("—", id={"type": "planning-required", "indicator": code}),
            html.Td("—", id={"type": "planning-ratio", "indicator": code}),
            html.Td("—", id={"type": "planning-probability", "indicator": code}),
            html.Td(
                dcc.Dropdown(
                    id={"type": "planning-binding", "indicator": code},
                    options=[
                        {"label": "预期性", "value": "expected"},
                        {"label": "约束性", "value": "binding"},
                    ],
                    value=given.binding if given else row["binding"],
                    clearable=False,
                    style={"minWidth": "6.5rem"},
                )
            ),
            html.Td(
                dcc.Input(
                    id={"type": "planning-units", "indicator": code},
                    value="、".join(given.responsible_units if given else row["responsible_units"]),
                    debounce=True,
                    className="form-control form-control-sm",
                    style={"minWidth": "12rem"},
                )
            ),
        ],
        **{"data-indicator": code},
    )


def _targets_card(rows: list[dict], prefill: dict, base: int, to: int) -> dbc.Card:
    head = html.Thead(
        html.Tr(
            [
                html.Th("指标"),
                html.Th(f"基期值（{base} 年）"),
                html.Th(f"历史年均变化（{base - 5}–{base}）"),
                html.Th(f"{to} 年预测（80% 区间）"),
                html.Th(f"拟定 {to} 年目标"),
                html.Th("所需年均变化"),
                html.Th("与历史速度之比"),
                html.Th("按期达标概率"),
                html.Th("类型"),
                html.Th("责任单位（用、分隔）"),
            ]
        )
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.Strong("全省目标"),
                    html.Span(
                        "  输入目标值后，右侧即给出所需速度与达标概率（由已校准的预测给出）；"
                        "留空的指标不进入新规划。",
                        className="small text-muted",
                    ),
                ]
            ),
            dbc.CardBody(
                dbc.Table(
                    [head, html.Tbody([_target_row(r, prefill, to) for r in rows])],
                    size="sm",
                    bordered=True,
                    responsive=True,
                    className="planning-table mb-0",
                    id="planning-table",
                ),
                className="p-2",
            ),
        ],
        className="mb-3",
    )


def _split_card(rows: list[dict], prefill: dict) -> dbc.Card:
    choices = [{"label": r["name"], "value": r["indicator"]} for r in rows]
    first = next((r["indicator"] for r in rows if r["indicator"] in prefill), None)
    city_rows = [
        html.Tr(
            [
                html.Td(name),
                html.Td("—", id={"type": "planning-city-base", "city": code}),
                html.Td(
                    dcc.Input(
                        id={"type": "planning-city", "city": code},
                        type="number",
                        debounce=True,
                        className="form-control form-control-sm",
                        style={"width": "7rem"},
                    )
                ),
                html.Td("—", id={"type": "planning-city-forecast", "city": code}),
                html.Td("—", id={"type": "planning-city-probability", "city": code}),
            ],
            **{"data-city": code},
        )
        for code, name in _visible_cities()
    ]
    return dbc.Card(
        [
            dbc.CardHeader(html.Strong("分解到设区市")),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("指标", className="small mb-1"),
                                    dropdown(
                                        id=SPLIT_INDICATOR,
                                        options=choices,
                                        value=first or (choices[0]["value"] if choices else None),
                                        clearable=False,
                                    ),
                                ],
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("分解方法", className="small mb-1"),
                                    dbc.RadioItems(
                                        id=SPLIT_RULE,
                                        options=[
                                            {"label": label, "value": key}
                                            for key, label in planning.SPLIT_RULES.items()
                                        ],
                                        value="gap",
                                        inline=True,
                                    ),
                                ],
                                md=6,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    html.Div(id=SPLIT_SUM, className="small text-muted mb-2"),
                    dbc.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th("设区市"),
                                        html.Th("基期值"),
                                        html.Th("分解目标"),
                                        html.Th("目标年预测", id="planning-city-forecast-head"),
                                        html.Th("按期达标概率"),
                                    ]
                                )
                            ),
                            html.Tbody(city_rows),
                        ],
                        size="sm",
                        bordered=True,
                        responsive=True,
                        className="mb-0",
                        id="planning-city-table",
                    ),
                ]
            ),
        ],
        className="mb-3 h-100",
    )


def _whatif_card(rows: list[dict], base: int, to: int) -> dbc.Card:
    catalog = default_catalog()
    choices = [
        {"label": r["name"], "value": r["indicator"]}
        for r in rows
        if planning.aggregation(catalog[r["indicator"]]) is not None
    ]
    visible = _visible_cities()
    return dbc.Card(
        [
            dbc.CardHeader(html.Strong("假如……全省会怎样")),
            dbc.CardBody(
                [
                    html.P(
                        "某市在某年达到给定值、其余各市按预测中位数发展时，全省的值："
                        "数量类指标直接相加，比率类按各市分母加权。",
                        className="small text-muted",
                    ),
                    dbc.Label("指标", className="small mb-1"),
                    dropdown(
                        id=WHATIF_INDICATOR,
                        options=choices,
                        value=choices[0]["value"] if choices else None,
                        clearable=False,
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("设区市", className="small mb-1 mt-2"),
                                    dropdown(
                                        id=WHATIF_CITY,
                                        options=[{"label": n, "value": c} for c, n in visible],
                                        value="320500"
                                        if any(c == "320500" for c, _ in visible)
                                        else (visible[0][0] if visible else None),
                                        clearable=False,
                                    ),
                                ]
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("年份", className="small mb-1 mt-2"),
                                    dropdown(
                                        id=WHATIF_YEAR,
                                        options=[
                                            {"label": f"{y} 年", "value": y}
                                            for y in range(base + 1, to + 1)
                                        ],
                                        value=min(base + 2, to),
                                        clearable=False,
                                    ),
                                ]
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("达到", className="small mb-1 mt-2"),
                                    dcc.Input(
                                        id=WHATIF_VALUE,
                                        type="number",
                                        debounce=True,
                                        placeholder="数值",
                                        className="form-control",
                                    ),
                                ]
                            ),
                        ],
                        className="g-2",
                    ),
                    html.Div(id=WHATIF_RESULT, className="mt-3"),
                ]
            ),
        ],
        className="mb-3 h-100",
    )


def _save_card(source: str, base: int, to: int) -> dbc.Card:
    catalog = default_catalog()
    src = catalog.target_sets[source]
    editing = src.baseline_year == base and src.target_year == to
    suggested = source if editing and src.status != "example" else f"jiangsu-{to}-plan-draft"
    scope = current_scope()
    can_save = scope is None or scope.can("upload")
    can_export = scope is None or scope.can("export")
    statuses = [
        {"label": PLAN_STATUS_LABELS["draft"], "value": "draft"},
        {"label": PLAN_STATUS_LABELS["adopted"] + "（已印发）", "value": "adopted"},
    ]
    return dbc.Card(
        [
            dbc.CardHeader(html.Strong("保存新规划")),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("编号（小写字母、数字、连字符）", className="small"),
                                    dbc.Input(id=SAVE_ID, value=suggested, size="sm"),
                                ],
                                md=4,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("名称", className="small"),
                                    dbc.Input(
                                        id=SAVE_NAME,
                                        value=f"江苏省数字政府建设目标（{base + 1}–{to}）",
                                        size="sm",
                                    ),
                                ],
                                md=5,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("状态", className="small"),
                                    dbc.RadioItems(
                                        id=SAVE_STATUS, options=statuses, value="draft", inline=True
                                    ),
                                ],
                                md=3,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                "校验并下载 YAML",
                                id=DOWNLOAD_BUTTON,
                                color="secondary",
                                size="sm",
                                className="me-2",
                                disabled=not can_export,
                                title=None if can_export else "当前角色无导出权限",
                            ),
                            dbc.Button(
                                "保存到规划库并开始跟踪",
                                id=SAVE_BUTTON,
                                color="primary",
                                size="sm",
                                disabled=not can_save,
                                title=None if can_save else "仅数据管理员与系统管理员可保存",
                            ),
                        ]
                    ),
                    html.Div(id=DOWNLOAD_RESULT, className="mt-2"),
                    html.Div(id=SAVE_RESULT, className="mt-2"),
                    dcc.Download(id=DOWNLOAD),
                    dcc.Store(id=SAVE_JOB),
                    dcc.Interval(id=SAVE_POLL, interval=1500, disabled=True),
                ]
            ),
        ],
        className="mb-3",
    )


def layout(**query):
    wh = shared_warehouse()
    if not wh.exists() or not read.ready(wh):
        return html.Div([page_header("规划编制"), not_ready()])
    catalog = default_catalog()
    source, base, to = _years(query)
    scope = current_scope()
    rows = [
        r
        for r in planning.workbench(wh, catalog, source, base, to)
        if scope is None or scope.sees_indicator(r["indicator"])
    ]
    prefill = _prefill(source, base, to)
    now = today()
    sets = sorted(catalog.target_sets.values(), key=lambda t: (t.baseline_year, t.id))
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("从哪个规划起草", className="small mb-1"),
                    dropdown(
                        id=FROM,
                        options=[
                            {
                                "label": f"{t.short_name}（{t.period_label}，"
                                f"{t.phase_label(now)}）",
                                "value": t.id,
                            }
                            for t in sets
                        ],
                        value=source,
                        clearable=False,
                    ),
                ],
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Label("基期年", className="small mb-1"),
                    dropdown(
                        id=BASE,
                        options=[{"label": f"{y} 年", "value": y} for y in range(2020, now.year)],
                        value=base,
                        clearable=False,
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("目标年", className="small mb-1"),
                    dropdown(
                        id=TO,
                        options=[
                            {"label": f"{y} 年", "value": y} for y in range(base + 1, base + 11)
                        ],
                        value=to,
                        clearable=False,
                    ),
                ],
                md=3,
            ),
        ],
        className="g-2 mb-3",
    )
    meta = {
        "source": source,
        "base": base,
        "to": to,
        "rows": {
            r["indicator"]: {
                "baseline": r["baseline"],
                "pace": r["pace"],
                "unit": r["unit"],
                "decimals": r["decimals"],
                "polarity": r["polarity"],
                "clause": r["clause"],
            }
            for r in rows
        },
    }
    splits = {
        code: {"rule": "manual", "targets": dict(t.city_targets), "basis": t.city_targets_basis}
        for code, t in prefill.items()
        if t.city_targets
    }
    src = catalog.target_sets[source]
    note = (
        f"起点：{src.short_name}（{src.period_label}）。基期值取 {base} 年的值（仓库当前所知），"
        f"预测与达标概率来自已校准的预测模型，只对已有 {to} 年预测的指标给出。"
    )
    return html.Div(
        [
            page_header(
                "规划编制",
                f"拟定 {base + 1}–{to} 年目标：以实绩定基期，以历史速度和预测检验目标是否积极可行",
            ),
            dbc.Alert(
                [
                    html.Strong("说明 "),
                    note,
                    " 此处编制的是草案；演示用“示例草案”不是规划原文。",
                ],
                color="light",
                className="small py-2",
            ),
            controls,
            dcc.Store(id=ROWS, data=meta),
            dcc.Store(id=SPLITS, data=splits),
            _targets_card(rows, prefill, base, to),
            dbc.Row(
                [
                    dbc.Col(_split_card(rows, prefill), lg=7),
                    dbc.Col(_whatif_card(rows, base, to), lg=5),
                ],
                className="g-3 mb-3",
            ),
            _save_card(source, base, to),
        ],
        className="planning-page",
    )


# --------------------------------------------------------------------------- callbacks
@callback(
    Output(_ids.PAGES_LOCATION, "search", allow_duplicate=True),
    Input(FROM, "value"),
    Input(BASE, "value"),
    Input(TO, "value"),
    State(ROWS, "data"),
    prevent_initial_call=True,
)
def planning_state_to_url(source, base, to, meta):
    """The plan drafted from and the years live in the URL."""
    if meta and (source, base, to) == (meta["source"], meta["base"], meta["to"]):
        raise dash.exceptions.PreventUpdate
    if ctx.triggered_id in (FROM, BASE):
        to = None  # a new start suggests its own target year
    return to_search({"from": source, "base": base, "to": to})


@callback(
    Output({"type": "planning-required", "indicator": ALL}, "children"),
    Output({"type": "planning-ratio", "indicator": ALL}, "children"),
    Output({"type": "planning-probability", "indicator": ALL}, "children"),
    Input({"type": "planning-target", "indicator": ALL}, "value"),
    State(ROWS, "data"),
)
def derive(targets, meta):
    """For each typed target: the yearly change it asks for, its ratio to the pace so far, and
    P(reach) from the stored calibrated forecast."""
    wh = shared_warehouse()
    ids = [i["id"]["indicator"] for i in ctx.inputs_list[0]]
    years = meta["to"] - meta["base"]
    required, ratios, probabilities = [], [], []
    for code, target in zip(ids, targets, strict=True):
        row = meta["rows"][code]
        if not isinstance(target, int | float):
            required.append("—")
            ratios.append("—")
            probabilities.append("—")
            continue
        need = planning.required_pace(row["baseline"], float(target), years)
        ratio = planning.pace_ratio(need, row["pace"])
        p = planning.probability(
            wh, code, PROVINCE_CODE, meta["to"], float(target), row["polarity"]
        )
        required.append(_signed(need, row["unit"], max(row["decimals"], 1)))
        ratios.append(
            html.Span(
                f"{ratio:.2f} 倍" if ratio is not None else "—",
                className="text-danger fw-semibold" if ratio is not None and ratio > 1.5 else "",
                title="高于历史速度 1.5 倍以上：需要新的举措" if ratio and ratio > 1.5 else None,
            )
        )
        probabilities.append(
            html.Span(
                _pct(p) if p is not None else "暂无预测",
                className=(
                    "fw-semibold "
                    + ("text-danger" if p is not None and p < 0.5 else "text-success")
                )
                if p is not None
                else "text-muted",
                **{"data-probability": "" if p is None else f"{p:.4f}"},
            )
        )
    return required, ratios, probabilities


@callback(
    Output({"type": "planning-city", "city": ALL}, "value"),
    Output({"type": "planning-city", "city": ALL}, "disabled"),
    Output({"type": "planning-city-base", "city": ALL}, "children"),
    Output({"type": "planning-city-forecast", "city": ALL}, "children"),
    Input(SPLIT_INDICATOR, "value"),
    Input(SPLIT_RULE, "value"),
    Input({"type": "planning-target", "indicator": ALL}, "value"),
    State(ROWS, "data"),
    State(SPLITS, "data"),
    State({"type": "planning-city", "city": ALL}, "value"),
)
def split(indicator, rule, targets, meta, splits, current):
    """The cities' targets for the chosen indicator: by the rule from the province's typed
    target, or as typed (or saved) by hand."""
    codes = [i["id"]["city"] for i in ctx.outputs_list[0]]
    n = len(codes)
    if not indicator or indicator not in meta["rows"]:
        return [None] * n, [True] * n, ["—"] * n, ["—"] * n
    wh = shared_warehouse()
    ind = default_catalog()[indicator]
    row = meta["rows"][indicator]
    values = planning.year_values(wh, indicator)
    bases = {c: values.get(c, {}).get(meta["base"], {}).get("value") for c in codes}
    dists = planning.distributions(wh, indicator, f"{meta['to']}-12")
    ids = [i["id"]["indicator"] for i in ctx.inputs_list[2]]
    province_target = dict(zip(ids, targets, strict=True)).get(indicator)
    saved = (splits or {}).get(indicator)
    if rule == "manual":
        if ctx.triggered_id == SPLIT_RULE:
            chosen = dict(zip(codes, current, strict=True))
        else:
            chosen = dict(saved["targets"]) if saved else {}
    elif isinstance(province_target, int | float) and row["baseline"] is not None:
        chosen = planning.city_split(
            rule,
            ind,
            row["baseline"],
            float(province_target),
            {c: b for c, b in bases.items() if b is not None},
        )
    else:
        chosen = {}
    decimals = row["decimals"]
    return (
        [chosen.get(c) for c in codes],
        [rule != "manual"] * n,
        [fmt_value(bases[c], row["unit"], decimals) for c in codes],
        [
            fmt_value(dists[c].median, row["unit"], decimals) if c in dists else "暂无预测"
            for c in codes
        ],
    )


@callback(
    Output({"type": "planning-city-probability", "city": ALL}, "children"),
    Output(SPLITS, "data"),
    Output(SPLIT_SUM, "children"),
    Input({"type": "planning-city", "city": ALL}, "value"),
    State(SPLIT_INDICATOR, "value"),
    State(SPLIT_RULE, "value"),
    State(ROWS, "data"),
    State(SPLITS, "data"),
)
def split_probabilities(values, indicator, rule, meta, splits):
    """Each city's P(reach) of its target; the split is kept for saving."""
    codes = [i["id"]["city"] for i in ctx.inputs_list[0]]
    if not indicator or indicator not in meta["rows"]:
        return ["—"] * len(codes), splits, ""
    row = meta["rows"][indicator]
    dists = planning.distributions(shared_warehouse(), indicator, f"{meta['to']}-12")
    out = []
    for code, value in zip(codes, values, strict=True):
        if not isinstance(value, int | float) or code not in dists:
            out.append("—")
            continue
        p = dists[code].probability(float(value), row["polarity"])
        out.append(
            html.Span(
                _pct(p),
                className="text-danger" if p < 0.5 else "text-success",
                **{"data-probability": f"{p:.4f}"},
            )
        )
    chosen = {c: float(v) for c, v in zip(codes, values, strict=True) if isinstance(v, int | float)}
    splits = dict(splits or {})
    if chosen:
        splits[indicator] = {
            "rule": rule,
            "targets": chosen,
            "basis": f"规划编制工作台按“{planning.SPLIT_RULES[rule]}”分解",
        }
    else:
        splits.pop(indicator, None)
    ind = default_catalog()[indicator]
    total = (
        f"各市目标合计 {fmt_value(sum(chosen.values()), row['unit'], row['decimals'])}"
        if chosen and planning.aggregation(ind) == "sum"
        else ""
    )
    note = planning.SPLIT_NOTES.get(rule, "")
    return out, splits, f"{note}。{total}" if total else note


@callback(
    Output(WHATIF_RESULT, "children"),
    Input(WHATIF_INDICATOR, "value"),
    Input(WHATIF_CITY, "value"),
    Input(WHATIF_YEAR, "value"),
    Input(WHATIF_VALUE, "value"),
)
def whatif(indicator, city, year, value):
    """The province's value in ``year`` if ``city`` reaches ``value``."""
    if not indicator or not city or not year:
        raise dash.exceptions.PreventUpdate
    catalog = default_catalog()
    if indicator not in catalog.indicators or not str(year).isdigit():
        return html.P("请从列表中选择指标与年份。", className="text-muted small")
    wh = shared_warehouse()
    ind = catalog[indicator]
    dists = planning.distributions(wh, indicator, f"{year}-12")
    medians = {c: d.median for c, d in dists.items()}
    region_weights = planning.weights(ind, planning.year_values(wh, indicator), int(year) - 1)
    names = dict(cities().select("region_code", "name_zh").iter_rows())
    if PROVINCE_CODE not in medians or city not in medians or not region_weights:
        return html.P(f"{year} 年暂无该指标的预测，无法推算。", className="text-muted small")
    if not isinstance(value, int | float):
        return html.P(
            f"{names.get(city, city)} {year} 年预测 {fmt_value(medians[city], ind.unit, ind.decimals)}，"
            f"全省 {fmt_value(medians[PROVINCE_CODE], ind.unit, ind.decimals)}。输入一个值看全省变化。",
            className="small",
        )
    result = planning.what_if(ind, medians, region_weights, city, float(value))
    if result is None:
        return html.P("该指标的全省值不由各市相加或加权得到，无法推算。", className="small")
    weight = (
        "数量直接计入全省"
        if planning.aggregation(ind) == "sum"
        else f"按分母权重 {100 * result['share']:.1f}%"
    )
    decimals = max(ind.decimals, 1) if ind.unit == "%" else ind.decimals
    return html.Div(
        [
            html.Div(
                [
                    f"若{names.get(city, city)} {year} 年达到 ",
                    html.Strong(fmt_value(float(value), ind.unit, decimals)),
                    f"（预测 {fmt_value(result['city_forecast'], ind.unit, decimals)}），全省约为 ",
                    html.Strong(
                        fmt_value(result["province"], ind.unit, decimals),
                        id="planning-whatif-province",
                        **{"data-value": f"{result['province']:.6f}"},
                    ),
                    f"（预测 {fmt_value(result['province_forecast'], ind.unit, decimals)}）。",
                ]
            ),
            html.Div(f"其余各市按预测中位数；{weight}。", className="small text-muted"),
        ]
    )


def _document(meta, targets, bindings, units, splits, plan_id, name, status):
    ids = [i["id"]["indicator"] for i in ctx.states_list[0]]
    proposed = []
    for code, target, binding, unit_text in zip(ids, targets, bindings, units, strict=True):
        if not isinstance(target, int | float):
            continue
        split = (splits or {}).get(code) or {}
        if not split.get("targets"):
            made = planning.default_city_targets(
                shared_warehouse(), default_catalog()[code], meta["base"], float(target)
            )
            if made is not None:
                split = {"targets": made[0], "basis": made[1]}
        proposed.append(
            planning.ProposedTarget(
                indicator=code,
                target=float(target),
                binding=binding or "expected",
                responsible_units=[u.strip() for u in (unit_text or "").split("、") if u.strip()],
                clause=f"规划编制工作台拟定：{meta['to']} 年目标 "
                f"{target:g}{meta['rows'][code]['unit']}",
                city_targets=split.get("targets") or {},
                city_targets_basis=split.get("basis") or "",
            )
        )
    who = _auth.current_username() or "未登录用户"
    basis = (
        f"由 {who} 于 {today():%Y-%m-%d} 在规划编制工作台编制，起点为 {meta['source']}，"
        f"基期 {meta['base']} 年值取自数据仓库"
    )
    doc = planning.target_set_document(
        planning.PlanMeta(
            id=(plan_id or "").strip(),
            name_zh=(name or "").strip() or "未命名规划",
            status=status if status in ("draft", "adopted") else "draft",
            base_year=meta["base"],
            target_year=meta["to"],
            basis=basis,
        ),
        proposed,
    )
    return doc, proposed


def _drafted(clicks, draft: tuple) -> tuple[dict, dbc.Alert | None]:
    """The draft the page holds (the states of :data:`_DRAFT_STATES`) as a target-set document,
    or why there is nothing to save; no click, no update."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    targets, bindings, units, splits, plan_id, name, status, meta = draft
    doc, proposed = _document(meta, targets, bindings, units, splits, plan_id, name, status)
    return doc, None if proposed else _problems(["还没有填写任何目标值"])


def _problems(problems: list[str]) -> dbc.Alert:
    return dbc.Alert(
        [
            html.Strong("未通过校验："),
            html.Ul([html.Li(p) for p in problems[:20]], className="mb-0 small"),
        ],
        color="danger",
        id="planning-problems",
    )


_auth.require_for_output(DOWNLOAD, "export")
_auth.require_for_output(SAVE_JOB, "upload")
_auth.require_for_output(SAVE_POLL, "upload")

_DRAFT_STATES = [
    State({"type": "planning-target", "indicator": ALL}, "value"),
    State({"type": "planning-binding", "indicator": ALL}, "value"),
    State({"type": "planning-units", "indicator": ALL}, "value"),
    State(SPLITS, "data"),
    State(SAVE_ID, "value"),
    State(SAVE_NAME, "value"),
    State(SAVE_STATUS, "value"),
    State(ROWS, "data"),
]


@callback(
    Output(DOWNLOAD, "data"),
    Output(DOWNLOAD_RESULT, "children"),
    Input(DOWNLOAD_BUTTON, "n_clicks"),
    *_DRAFT_STATES,
    prevent_initial_call=True,
)
def download(clicks, *draft):
    """Validate the draft and download it as a target-set YAML."""
    doc, refused = _drafted(clicks, draft)
    if refused is not None:
        return dash.no_update, refused
    text = planning.to_yaml(doc)
    ts, problems = planning.validate_plan(text, taken=set())
    if ts is None:
        return dash.no_update, _problems(problems)
    _auth.audit("plan_download", target=ts.id, detail={"targets": len(ts.targets)})
    return (
        {"content": text, "filename": f"{ts.id}.yaml", "type": "application/x-yaml"},
        dbc.Alert(f"已通过校验：{len(ts.targets)} 项目标。", color="success", className="small"),
    )


@callback(
    Output(SAVE_JOB, "data"),
    Output(SAVE_POLL, "disabled"),
    Output(SAVE_RESULT, "children"),
    Input(SAVE_BUTTON, "n_clicks"),
    *_DRAFT_STATES,
    prevent_initial_call=True,
)
def save(clicks, *draft):
    """Validate the draft, save it into the plan folder and start tracking it."""
    doc, refused = _drafted(clicks, draft)
    if refused is not None:
        return dash.no_update, True, refused
    key, problems = pipeline.save_plan(
        shared_warehouse(), planning.to_yaml(doc), actor=_auth.current_username()
    )
    if key is None:
        return dash.no_update, True, _problems(problems)
    job = {"key": key, "plan": doc["id"]}
    return job, False, _progress({"message": "排队中"}, doc["id"])


def _progress(s: dict, plan: str) -> dbc.Alert:
    return dbc.Alert(
        [
            html.Div(f"规划「{plan}」已保存：{s.get('message') or '计算中'}……", className="small"),
            dbc.Progress(value=50, striped=True, animated=True, style={"height": "6px"}),
        ],
        color="info",
        id="planning-progress",
    )


@callback(
    Output(SAVE_RESULT, "children", allow_duplicate=True),
    Output(SAVE_POLL, "disabled", allow_duplicate=True),
    Input(SAVE_POLL, "n_intervals"),
    State(SAVE_JOB, "data"),
    prevent_initial_call=True,
)
def poll(_ticks, job):
    """The tracking job's progress; when done, links to the new plan on the cockpit and
    /targets."""
    if not job:
        raise dash.exceptions.PreventUpdate
    s = pipeline.plan_status(job["key"], shared_warehouse())
    plan = job["plan"]
    if s["state"] in ("queued", "running"):
        return _progress(s, plan), False
    if s["state"] != "done":
        return (
            dbc.Alert(
                f"规划已保存，但计算未完成：{s.get('error') or s.get('message') or s['state']}",
                color="warning",
                id="planning-failed",
            ),
            True,
        )
    search = to_search({"set": plan})
    return (
        dbc.Alert(
            [
                html.Strong("已开始跟踪："),
                f"规划「{plan}」的目标进度、{s.get('series', 0)} 条预测序列与预警已计算。",
                html.Div(
                    [
                        html.A("在驾驶舱查看", href=f"/?{search}", className="me-3"),
                        html.A("在目标追踪查看", href=f"/targets?{search}"),
                    ],
                    className="mt-1",
                ),
            ],
            color="success",
            id="planning-saved",
        ),
        True,
    )
