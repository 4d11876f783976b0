"""The big screen (``/?screen=big``): a 16:9 wall a leader reads in five seconds.

Header (region, plan, clock, when the data were updated), a band of headline figures (targets
met, 实名用户, 外网接入点, 上云系统 and the newest day of 12345), then three columns — the
plan's targets as rings with their change on the year before, the 13 cities' map with its
ranking, and the risks (warnings with a slow ticker, 督办, the economy) — and one legend. Every
size is a multiple of the canvas height (``--u`` in ``assets/big-screen.css``), so the same
wall reads from a 1366×768 monitor to a 7680×4320 video wall. Filtered to a city, every title
names the city.
"""

from __future__ import annotations

import polars as pl
from dash import dcc, html

from datasets import supervision
from datasets.regions import PROVINCE_CODE, region_name
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.readings import DEFAULT_READING
from indicators.text import fmt_value, month_label
from indicators.verdict import (
    FINAL_VERDICTS,
    VERDICT_ORDER,
    cities_lagging_by_target,
    progress_at_verdict,
    progress_words,
    shown_period,
)
from indicators.views import COMPOSITE
from pages import _auth
from pages._components import (
    SEVERITY_STYLE,
    as_of_key,
    status_badge,
    target_decimals,
    verdict_badge,
)
from pages._home_sections import MapLayer, _map_figure, _short, economy_latest, map_layer
from pages._home_state import COCKPIT_BIG_MAP, period_label, sparkline_svg

# Status colours on the dark canvas: the same hues as everywhere (Okabe–Ito / Tol), lifted where
# the page colour would sink into the navy; each keeps 4.5:1 with the dark text written on it.
DARK_STATUS = {
    "final_achieved": "#009E73",
    "achieved": "#009E73",
    "on_track": "#56B4E9",
    "acceleration_needed": "#E69F00",
    "limited_progress": "#D55E00",
    "deterioration": "#CC79A7",
    "not_achieved": "#EE6677",
    "final_not_achieved": "#EE6677",
    "not_assessable": "#8C8C8C",
}
DARK_SEVERITY = {1: "#EE6677", 2: "#E69F00", 3: "#DDCC77"}
GOOD, BAD = "#44BB99", "#EE6677"  # a change for the better / the worse
TICKER_ITEMS = 8

# headline totals: (indicator, period type, label)
TOTALS = [
    ("portal_real_name_users", "year", "实名用户"),
    ("extranet_access_points", "year", "外网接入点"),
    ("systems_on_cloud", "month", "上云系统"),
]


def region_of(state: dict) -> str:
    return "江苏省" if state["city"] == PROVINCE_CODE else region_name(state["city"])


def _where(state: dict) -> str:
    """' · 徐州市' after a section title on a city's wall, nothing on the province's."""
    return "" if state["city"] == PROVINCE_CODE else f" · {region_name(state['city'])}"


def section(title: str, state: dict, *extra, className: str = "") -> html.H2:
    return html.H2([title + _where(state), *extra], className=f"big-section {className}".strip())


def compact(value, unit: str, decimals: int) -> str:
    """A headline figure short enough for its tile: from 10,000 up in 万 (or 亿 for a unit
    already in 万), two decimals — 11,600 万人 → 1.16 亿人, 46,000 个 → 4.60 万个."""
    if value is None or value != value or unit in ("%", "") or abs(value) < 10_000:
        return fmt_value(value, unit, decimals)
    if unit.startswith("亿"):
        return fmt_value(value, unit, decimals)
    bigger = "亿" + unit[1:] if unit.startswith("万") else "万" + unit
    return fmt_value(value / 10_000, bigger, 2)


def big_figure(
    value, unit: str, decimals: int, *, tag: str | None = None, className: str = "", short=False
):
    """A figure with its unit set smaller beside it; ``tag`` (indicator|region|period) lets the
    figure be traced to the read API like every other figure on screen, ``short`` writes it in
    万/亿 (:func:`compact`) with the exact figure in its tooltip."""
    text = compact(value, unit, decimals) if short else fmt_value(value, unit, decimals)
    if text.endswith("%"):
        number, rest = text[:-1], "%"
    elif " " in text:
        number, rest = text.split(" ", 1)
        rest = " " + rest
    else:
        number, rest = text, ""
    attrs = {"data-figure": tag} if tag else {}
    exact = fmt_value(value, unit, decimals)
    return html.Span(
        [html.Span(number, className="big-num"), html.Span(rest, className="big-unit")],
        className=f"big-figure {className}".strip(),
        title=exact if exact != text else None,
        **attrs,
    )


# --- header ------------------------------------------------------------------------------------


def header(state: dict, evaluation: str, synthetic: bool) -> html.Div:
    updated = shared_warehouse().updated_at()
    return html.Div(
        [
            html.Div(
                [
                    html.H1(f"{region_of(state)}数字政府 · 数据大脑", className="big-title"),
                    html.Div(
                        [
                            html.Span(state["ts"].short_name, className="big-plan"),
                            html.Span(evaluation, className="big-evaluation"),
                        ],
                        className="big-meta",
                    ),
                ],
                className="big-brand",
            ),
            html.Div(
                [
                    html.Div(id="big-clock", className="big-clock"),
                    html.Div(
                        [
                            html.Span(
                                f"数据更新于 {updated:%Y年%-m月%-d日 %H:%M}" if updated else "",
                                className="big-updated",
                            ),
                            html.Span("模拟数据", className="big-synthetic") if synthetic else None,
                        ],
                        className="big-meta",
                    ),
                ],
                className="big-time",
            ),
        ],
        className="big-header",
    )


# --- headline band -----------------------------------------------------------------------------


def _tile(label: str, value, note: str, **attrs) -> html.Div:
    return html.Div(
        [html.Div(label, className="band-label"), value, html.Div(note, className="band-note")],
        className="band-tile",
        **attrs,
    )


def _targets_met(state: dict, frame: pl.DataFrame) -> html.Div:
    rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    ).to_dicts()
    if state["final"]:
        judged = [r for r in rows if r["verdict"] in FINAL_VERDICTS]
        met = sum(r["verdict"] == "final_achieved" for r in judged)
        note = "量化目标到期达成"
    else:
        judged = rows
        met = sum(r["verdict"] in ("achieved", "on_track") for r in judged)
        note = "量化目标已达成或进度正常"
    value = html.Span(
        [
            html.Span(str(met), className="big-num"),
            html.Span(f" / {len(judged)} 项", className="big-unit"),
        ],
        className="big-figure",
        id="big-targets-met",
    )
    return _tile("规划目标", value, note)


def _total(state: dict, code: str, period_type: str, label: str) -> html.Div:
    wh = shared_warehouse()
    ind = default_catalog()[code]
    region = state["city"]
    frame = read.latest_values(
        wh, state["as_of"], [code], region, period_type, reading=state["reading"]
    )
    if frame.is_empty() and region != PROVINCE_CODE:  # a province-only statistic
        region = PROVINCE_CODE
        frame = read.latest_values(
            wh, state["as_of"], [code], region, period_type, reading=state["reading"]
        )
    if frame.is_empty():
        return _tile(label, big_figure(None, ind.unit, ind.decimals), "暂无数据")
    last = frame.row(-1, named=True)
    whole = "（全省）" if region == PROVINCE_CODE and state["city"] != PROVINCE_CODE else ""
    return _tile(
        label + whole,
        big_figure(
            last["value"],
            ind.unit,
            ind.decimals,
            tag=f"{code}|{region}|{last['period']}",
            short=True,
        ),
        period_label(last["period"]) + ("末" if period_type == "year" else ""),
        **{"data-total": code},
    )


def _hotline(state: dict) -> list[html.Div]:
    """12345 now: the newest day's tickets received, on-time closures and satisfaction; a
    replay shows its month as then known instead."""
    wh = shared_warehouse()
    region = state["city"]
    if state["newest"] and state["reading"] == DEFAULT_READING:
        day = read_risk.hotline_latest_day(wh, region)
        if day is not None:
            when = f"{day['day'].month}月{day['day'].day}日"
            return [
                _tile(
                    "12345 当日受理", big_figure(day["received"], "件", 0), f"{when}（最新一日）"
                ),
                _tile(
                    "12345 按时办结率",
                    big_figure(day["on_time_rate"], "%", 1),
                    f"{when}办结 {day['closed']:,} 件",
                ),
                _tile("12345 满意率", big_figure(day["satisfaction_rate"], "%", 1), f"{when}评价"),
            ]
    month = read_risk.latest_hotline_month(wh, state["as_of"], reading=state["reading"])
    rows = (
        read_risk.hotline_monthly(wh, region, as_of=state["as_of"], reading=state["reading"])
        if month
        else pl.DataFrame()
    )
    if rows.is_empty():
        return [_tile("12345", big_figure(None, "件", 0), "暂无数据")]
    last = rows.row(-1, named=True)
    when = month_label(last["month"]).removesuffix("1日")
    return [
        _tile("12345 当月受理", big_figure(last["tickets"], "件", 0), when),
        _tile("12345 按时办结率", big_figure(last["on_time_rate"], "%", 1), when),
        _tile("12345 满意率", big_figure(last["satisfaction_rate"], "%", 1), when),
    ]


def band(state: dict, frame: pl.DataFrame) -> html.Div:
    return html.Div(
        [
            _targets_met(state, frame),
            *(_total(state, *t) for t in TOTALS),
            *_hotline(state),
        ],
        className="big-band",
        id="big-band",
    )


# --- the plan's targets as rings ---------------------------------------------------------------


def _previous_values(state: dict, indicators: list[str]) -> dict[tuple[str, str], float]:
    """(indicator, year) → the yearly value as known at the as-of, for the change arrows."""
    frame = read.latest_values(
        shared_warehouse(),
        state["as_of"],
        indicators,
        state["city"],
        "year",
        reading=state["reading"],
    )
    return {(i, p): v for i, p, v in frame.select("indicator", "period", "value").iter_rows()}


def _change(row: dict, values: dict, polarity: str) -> html.Span | None:
    """较上年 ↑1.2 个百分点: the shown value against the year before, coloured by whether the
    change is for the better."""
    period = shown_period(row)
    if not period or not period.isdigit():
        return None
    before = values.get((row["indicator"], str(int(period) - 1)))
    now = row["shown_value"]
    if before is None or now is None:
        return None
    delta = now - before
    unit = "百分点" if row["unit"] == "%" else row["unit"]
    if round(delta, row["decimals"]) == 0:
        return html.Span("较上年持平", className="ring-change")
    better = (delta > 0) == (polarity != "lower")
    return html.Span(
        [
            "较上年",
            html.Span("↑" if delta > 0 else "↓", className="ring-arrow"),
            fmt_value(abs(delta), unit, row["decimals"]).replace(" ", ""),
        ],
        className="ring-change",
        style={"color": GOOD if better else BAD},
        **{"data-change": f"{delta:+.{row['decimals']}f}"},
    )


def _ring(share: float | None, colour: str) -> html.Div:
    """A progress ring: the share of the way from the baseline to the target."""
    deg = 0 if share is None else round(360 * max(0.0, min(1.0, share)))
    return html.Div(
        html.Div(
            [
                html.Div(progress_words(share) if share is not None else "—", className="ring-pct"),
                html.Div("进度", className="ring-caption"),
            ],
            className="ring-hole",
        ),
        className="ring",
        style={"background": f"conic-gradient({colour} {deg}deg, #22365a {deg}deg)"},
    )


def _target_tile(r: dict, previous: dict, polarity: str, behind: int | None, word: str):
    """One target: its name, a progress ring, the value with its target and change, the verdict
    and (on the province's wall) how many cities lag on it."""
    colour = DARK_STATUS.get(r["verdict"], DARK_STATUS["not_assessable"])
    target = fmt_value(r["target_value"], r["unit"], target_decimals(r["target_value"]))
    tag = f"{r['indicator']}|{r['region_code']}|{shown_period(r) or ''}"
    side = html.Div(
        [
            big_figure(r["shown_value"], r["unit"], r["decimals"], tag=tag, className="ring-value"),
            html.Div(
                f"目标 {target}",
                className="ring-target",
                title=f"{int(r['target_year'])} 年目标 {target}",
            ),
            _change(r, previous, polarity),
        ],
        className="ring-side",
    )
    foot = html.Div(
        [
            verdict_badge(r),
            html.Span(f"{behind} 市{word}", className="ring-behind") if behind else None,
        ],
        className="ring-foot",
    )
    link = dcc.Link(
        [
            html.Div(r["name_zh"], className="ring-name"),
            html.Div([_ring(progress_at_verdict(r), colour), side], className="ring-row"),
            foot,
        ],
        href=f"/targets?target={r['indicator']}&city={r['region_code']}"
        f"&as_of={as_of_key(r['as_of'])}",
        className="ring-link",
        title=r.get("final_explain") if r["verdict"] in FINAL_VERDICTS else r.get("explain"),
    )
    return html.Div(
        link,
        className="ring-tile kpi-item",
        **{"data-indicator": r["indicator"], "data-status": r["verdict"]},
    )


def targets(state: dict, frame: pl.DataFrame) -> html.Div:
    rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    )
    order = {t.indicator: i for i, t in enumerate(state["ts"].targets)}
    rows = sorted(rows.iter_rows(named=True), key=lambda r: order.get(r["indicator"], 99))
    previous = _previous_values(state, [r["indicator"] for r in rows])
    catalog = default_catalog()
    behind = {}
    if state["city"] == PROVINCE_CODE:
        lagging = cities_lagging_by_target(frame, final=state["final"], limit=99)
        behind = {d["indicator"]: d["count"] for d in lagging}
    word = "未达成" if state["final"] else "滞后"
    tiles = [
        _target_tile(
            r, previous, catalog[r["indicator"]].polarity, behind.get(r["indicator"]), word
        )
        for r in rows
    ]
    return html.Div(
        [
            section(
                "规划目标",
                state,
                html.Span(
                    f"{state['ts'].target_year} 年末值" if state["final"] else "最新值",
                    className="section-aside",
                ),
            ),
            html.Div(tiles, className="ring-grid", id="big-targets"),
        ],
        className="big-left",
    )


# --- the map and its ranking -------------------------------------------------------------------


def ranking(state: dict, m: MapLayer) -> html.Ol:
    """The 13 cities best first, each bar in its map colour and as long as its value."""
    values = [v for v in m.frame["value"].to_list() if v is not None]
    top = max((abs(v) for v in values), default=1.0) or 1.0
    items = []
    for code, name, value, rank in m.frame.iter_rows():
        share = 0 if value is None else max(abs(value) / top, 0.02)
        items.append(
            html.Li(
                [
                    html.Span(f"{rank}" if rank is not None else "—", className="rank-no"),
                    html.Span(_short(name), className="rank-name"),
                    html.Span(
                        html.Span(
                            className="rank-fill",
                            style={
                                "width": f"{100 * share:.1f}%",
                                "background": m.colour(value) if value is not None else "#3a4a66",
                            },
                        ),
                        className="rank-bar",
                    ),
                    html.Span(
                        fmt_value(value, "" if m.unit == "分" else m.unit, m.decimals),
                        className="rank-value",
                    ),
                ],
                className="rank-item" + (" rank-chosen" if code == state["city"] else ""),
                **{"data-region": code},
            )
        )
    return html.Ol(items, className="big-ranking", id="big-ranking")


def map_panel(state: dict) -> html.Div:
    layers = [COMPOSITE, *DOMAINS]
    m = map_layer(state, big=True)
    name = f"{state['layer']}指数" if state["layer"] in layers else m.title
    return html.Div(
        [
            html.H2(f"13 市 · {name}", className="big-section"),
            html.Div(m.meaning, className="big-scale"),
            html.Div(
                [
                    dcc.Graph(
                        id=COCKPIT_BIG_MAP,
                        figure=_map_figure(state, big=True, layer=m),
                        config={
                            "displaylogo": False,
                            "scrollZoom": False,
                            "responsive": True,
                            "displayModeBar": False,
                        },
                        className="big-map",
                    ),
                    ranking(state, m),
                ],
                className="big-map-row",
            ),
        ],
        className="big-center",
    )


# --- risks: warnings, 督办, the economy ---------------------------------------------------------


def severity_chip(rank: int | None, *, short: bool = False) -> html.Span:
    text, _, symbol = SEVERITY_STYLE.get(rank or 3, SEVERITY_STYLE[3])
    return html.Span(
        [html.Span(symbol, className="status-symbol"), text if short else f"{text}风险"],
        title=f"{text}风险",
        className="severity-chip",
        style={"color": DARK_SEVERITY.get(rank or 3), "borderColor": DARK_SEVERITY.get(rank or 3)},
        **{"data-severity": str(rank)},
    )


def warnings_panel(state: dict) -> html.Div:
    wh = shared_warehouse()
    if read_risk.has_risk(wh):
        frame = read_risk.warnings(
            wh, state["as_of"], reading=state["reading"], target_set=state["set"]
        )
    else:
        frame = pl.DataFrame(schema={"severity_rank": pl.Int64, "region_code": pl.String})
    if state["city"] != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == state["city"])
    counts = {k: frame.filter(pl.col("severity_rank") == k).height for k in (1, 2, 3)}
    tally = html.Div(
        [
            html.Span(
                [severity_chip(k, short=True), html.Span(f"{counts[k]}", className="tally-n")],
                className="tally",
                **{"data-severity-count": str(k)},
            )
            for k in (1, 2, 3)
        ],
        className="warning-tally",
    )
    top = list(frame.head(TICKER_ITEMS).iter_rows(named=True))
    if not top:
        body = html.Div("当前没有预警。", className="ticker-empty")
    else:
        items = [
            html.Li(
                [
                    html.Div(
                        [
                            severity_chip(r["severity_rank"]),
                            html.Span(
                                f"{_short(region_name(r['region_code']))} · {r['rule_name']}",
                                className="ticker-title",
                            ),
                        ],
                        className="ticker-head",
                    ),
                    html.Div(r["message"], className="ticker-text"),
                ],
                className="ticker-item",
            )
            for r in top
        ]
        # the list is written twice so the slow upward scroll wraps round without a jump; the
        # copy is hidden from screen readers
        moving = len(items) > 3
        body = html.Div(
            html.Div(
                [
                    html.Ul(items, className="ticker-list"),
                    html.Ul(items, className="ticker-list", **{"aria-hidden": "true"})
                    if moving
                    else None,
                ],
                className="ticker-track" + (" ticker-moving" if moving else ""),
                style={"animationDuration": f"{8 * len(items)}s"} if moving else None,
            ),
            className="ticker",
        )
    return html.Div(
        [
            section(
                "风险预警", state, html.Span(f"共 {frame.height} 条", className="section-aside")
            ),
            tally,
            body,
        ],
        className="big-panel big-warnings",
        id="big-warnings",
    )


def duban_panel(state: dict) -> html.Div:
    found = supervision.list_tasks(user=_auth.current_account()) if supervision.has_tasks() else []
    if state["city"] != PROVINCE_CODE:
        found = [t for t in found if supervision.city_of(t.region_code) == state["city"]]
    c = supervision.counts(found)
    worst = "、".join(f"{unit} {n} 件" for unit, n in c["most_overdue"][:2])

    def count(label, n, cls=""):
        return html.Div(
            [
                html.Div(str(n), className=f"duban-n {cls}".strip()),
                html.Div(label, className="band-note"),
            ],
            className="duban-count",
        )

    return html.Div(
        [
            section("督办", state),
            html.Div(
                [
                    count("在办", c["open"], "duban-open"),
                    count(
                        "逾期", c["overdue"], "duban-overdue" + (" is-late" if c["overdue"] else "")
                    ),
                    count("已升级", c["escalated"]),
                ],
                className="duban-counts",
            ),
            html.Div(f"逾期最多：{worst}" if worst else "暂无逾期事项", className="duban-worst"),
        ],
        className="big-panel",
        id="cockpit-duban",
    )


def economy_panel(state: dict) -> html.Div:
    tiles = []
    for code, label, ind, frame in economy_latest(state):
        if frame.is_empty():
            value, note, spark = big_figure(None, ind.unit, ind.decimals), "暂无数据", ""
        else:
            last = frame.row(-1, named=True)
            value = big_figure(
                last["value"],
                ind.unit,
                ind.decimals,
                tag=f"{code}|{state['city']}|{last['period']}",
            )
            note = period_label(last["period"])
            spark = sparkline_svg(frame["value"].tail(12).to_list(), colour="#56B4E9")
        tiles.append(
            html.Div(
                [
                    html.Div(label, className="econ-label"),
                    html.Div(
                        [
                            value,
                            html.Img(src=spark, className="econ-spark", alt="") if spark else None,
                        ],
                        className="econ-row",
                    ),
                    html.Div(note, className="band-note"),
                ],
                className="econ-tile",
                id={"type": "economy-card", "indicator": code},
            )
        )
    return html.Div(
        [section("经济运行", state), html.Div(tiles, className="econ-grid")],
        className="big-panel",
    )


def legend(verdicts: set[str]) -> html.Div:
    """One legend for the wall: each status's colour, symbol and word; each risk level's."""
    shown = [v for v in VERDICT_ORDER if v in verdicts] or ["not_assessable"]
    return html.Div(
        [
            html.Span("状态", className="legend-head"),
            *(status_badge(v) for v in shown),
            html.Span("风险", className="legend-head ms"),
            *(severity_chip(k) for k in (1, 2, 3)),
            html.Span(
                "进度环：从基期值到目标值已走过的比例 · 数据来源：数据仓库（部门与 13 市台账、统计）",
                className="legend-note",
            ),
        ],
        className="big-legend",
        id="big-legend",
    )


def body(state: dict) -> html.Div:
    wh = shared_warehouse()
    frame = read.progress(wh, state["set"], state["as_of"], reading=state["reading"])
    region_rows = frame.filter(pl.col("region_code") == state["city"])
    return html.Div(
        [
            band(state, frame),
            html.Div(
                [
                    targets(state, frame),
                    map_panel(state),
                    html.Div(
                        [warnings_panel(state), duban_panel(state), economy_panel(state)],
                        className="big-right",
                    ),
                ],
                className="big-main",
            ),
            legend(set(region_rows["verdict"].to_list())),
        ],
        className="big-body",
    )
