"""The cockpit's sections: target cards, summary, map, lagging lists, the economy and the top warnings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import dash_bootstrap_components as dbc
import geopandas as gpd
import polars as pl
from dash import dcc, html
from plotly.colors import get_colorscale, sample_colorscale
from shapely.ops import polylabel

from datasets import boundaries, supervision
from datasets.regions import PROVINCE_CODE, cities, region_name
from datasets.warehouse import shared_warehouse
from indicators import read, read_risk
from indicators.catalog import DOMAINS, default_catalog
from indicators.readings import DEFAULT_READING
from indicators.verdict import (
    FINAL_VERDICTS,
    LAGGING_VERDICTS,
    cities_lagging_by_target,
    progress_at_verdict,
    progress_words,
)
from indicators.views import COMPOSITE
from pages import _auth
from pages._components import (
    STATUS_STYLE,
    as_of_key,
    duban_links,
    figure,
    fmt_value,
    month_label,
    scale_note,
    severity_badge,
    since_line,
    target_decimals,
    target_figure,
    to_search,
    verdict_badge,
    verdict_summary,
    warning_key,
)
from pages._home_state import (
    COCKPIT_CARDS,
    COCKPIT_DUBAN,
    COCKPIT_ECONOMY,
    COCKPIT_LAGGING,
    COCKPIT_SUMMARY,
    COCKPIT_WARNINGS,
    DARK_MAP_STYLE,
    ECONOMY,
    JIANGSU_CENTER,
    period_label,
    sparkline_svg,
)


def _kpi_card(
    row: dict, history: pl.DataFrame, final: bool, reading: str = DEFAULT_READING
) -> dbc.Col:
    unit = row["unit"]
    colour = STATUS_STYLE.get(row["verdict"], STATUS_STYLE["not_assessable"])[1]
    values = history["current_value"].to_list() if history.height else []
    spark = sparkline_svg(values, target=row["target_value"], colour=colour)
    progress = progress_at_verdict(row)
    share = None if progress is None else max(0.0, min(1.0, progress))
    assessed = row["verdict"] in FINAL_VERDICTS
    target_text = (
        f"目标 {fmt_value(row['target_value'], unit, target_decimals(row['target_value']))}"
        f"（{int(row['target_year'])} 年）"
        if row["target_value"] is not None
        else (row.get("statement") or "定性目标")
    )
    body = [
        html.Div(row["name_zh"], className="kpi-name"),
        html.Div(
            [
                html.Span(
                    [
                        target_figure(row, className="kpi-value"),
                        html.Span(f" {int(row['target_year'])} 年末", className="small text-muted")
                        if assessed
                        else None,
                    ]
                ),
                html.Img(src=spark, className="kpi-spark", alt="") if spark else None,
            ],
            className="d-flex justify-content-between align-items-end",
        ),
        html.Div(target_text, className="kpi-target"),
        dbc.Progress(
            value=0 if share is None else round(100 * share),
            className="progress-thin my-1",
            style={"--bs-progress-bar-bg": colour},
        )
        if row["target_value"] is not None
        else None,
        html.Div(
            [
                verdict_badge(row, text=True),
                html.Span(
                    "" if progress is None or assessed else f"完成 {progress_words(progress)}",
                    className="small text-muted ms-1 kpi-progress",
                ),
            ],
            className="d-flex flex-wrap align-items-center gap-1",
        ),
        since_line(row, className="small text-muted kpi-since"),
    ]
    href = f"/targets?target={row['indicator']}&city={row['region_code']}&as_of={as_of_key(row['as_of'])}"
    if reading != DEFAULT_READING:  # the detail opens in the reading the card was read in
        href += f"&reading={reading}"
    return dbc.Col(
        html.Div(
            dcc.Link(
                dbc.Card(dbc.CardBody(body, className="p-2"), className="kpi-card h-100"),
                href=href,
                className="text-reset text-decoration-none",
                title=row["final_explain"] if assessed else row["explain"],
            ),
            className="h-100 kpi-item",
            **{"data-indicator": row["indicator"], "data-status": row["verdict"]},
        ),
        xs=6,
        md=4,
        xl=2,
        className="kpi-col",
    )


def _cards(state: dict, frame: pl.DataFrame) -> dbc.Row:
    wh = shared_warehouse()
    region_rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    )
    history = read.history(wh, state["set"], state["city"], until=state["as_of"])
    if state["reading"] != DEFAULT_READING:
        history = history.clear()  # the sparkline's vintages are of the default reading
    order = {t.indicator: i for i, t in enumerate(state["ts"].targets)}
    cards = [
        _kpi_card(
            row,
            history.filter(pl.col("indicator") == row["indicator"]),
            state["final"],
            state["reading"],
        )
        for row in sorted(region_rows.iter_rows(named=True), key=lambda r: order[r["indicator"]])
    ]
    return dbc.Row(cards, className="g-2", id=COCKPIT_CARDS)


def _summary(state: dict, frame: pl.DataFrame) -> html.Div:
    return verdict_summary(
        frame.filter(pl.col("region_code") == state["city"]).to_dicts(),
        final=state["final"],
        target_year=state["ts"].target_year,
        id=COCKPIT_SUMMARY,
        head_class="cockpit-final-count",
    )


# --- map labels --------------------------------------------------------------------------------

# A white MapLibre style with no "glyphs" URL: MapLibre then draws every label glyph with the
# browser's own fonts, so the map's text needs nothing from the network.
LIGHT_MAP_STYLE = {
    "version": 8,
    # a style must have "sources", and an empty object does not survive the page's in-place
    # update (MapLibre then rejects the style): one unused point keeps it
    "sources": {
        "none": {
            "type": "geojson",
            "data": {"type": "Point", "coordinates": [0, 0]},
        }
    },
    "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}}
    ],
}
LABEL_DARK, LABEL_LIGHT = "#13233a", "#ffffff"


@lru_cache(maxsize=4)
def label_points(level: str) -> dict[str, tuple[float, float, float]]:
    """Each region's label point (the pole of inaccessibility: the spot inside the polygon
    farthest from its edge) and its area in km², from the browser's boundaries."""
    shapes = gpd.GeoDataFrame.from_features(boundaries.geojson(level)["features"], crs=4326)
    shapes["id"] = [f["id"] for f in boundaries.geojson(level)["features"]]
    areas = shapes.to_crs(6933).area / 1e6  # equal-area projection
    out = {}
    for code, geom, area in zip(shapes["id"], shapes.geometry, areas, strict=True):
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)  # the largest island
        point = polylabel(part, tolerance=0.002)
        out[code] = (round(point.x, 4), round(point.y, 4), float(area))
    return out


def fill_colour(scale: list, value: float, low: float, high: float) -> str:
    """The colour plotly paints ``value`` with on ``scale`` stretched from ``low`` to ``high``."""
    t = 0.5 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    return sample_colorscale(scale, [t], colortype="rgb")[0]


def label_colour(fill: str) -> str:
    """Dark text on a light fill, white text on a dark one (relative luminance, WCAG)."""
    r, g, b = (int(float(c)) / 255 for c in fill[fill.index("(") + 1 : -1].split(",")[:3])

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    # the text colour with the higher contrast ratio against the fill
    return LABEL_DARK if (luminance + 0.05) / 0.0606 > 1.05 / (luminance + 0.05) else LABEL_LIGHT


def label_layers(labels: list[tuple[float, float, str, str]], size: int) -> list[dict]:
    """Map layers writing ``(lon, lat, text, colour)`` labels: one symbol layer per text colour,
    each reading its text from the points' ``label`` property."""
    by_colour: dict[str, list[dict]] = {}
    for lon, lat, text, colour in labels:
        by_colour.setdefault(colour, []).append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"label": text},
            }
        )
    return [
        {
            "sourcetype": "geojson",
            "source": {"type": "FeatureCollection", "features": features},
            "type": "symbol",
            "symbol": {
                "text": "{label}",
                # text only: an icon name plotly.js will not try to fetch from a CDN
                "icon": "_",
                "placement": "point",
                "textposition": "middle center",
                "textfont": {"size": size, "color": colour},
            },
        }
        for colour, features in sorted(by_colour.items())
    ]


def scale_words(name: str, reverse: bool, *, big: bool) -> str:
    """What the colour means, in words: 颜色越深，综合指数越高。"""
    shade = "越亮" if big else "越深"
    return f"颜色{shade}，{name}{'越低' if reverse else '越高'}"


def _short(name: str) -> str:
    """苏州市 → 苏州 (a city's name as the map writes it)."""
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


@dataclass(frozen=True)
class MapLayer:
    """What a cockpit map shows: the 13 cities' values of one layer with their names and
    ranks, and how they are coloured."""

    frame: pl.DataFrame  # region_code, name, value, rank (rank 1 is best)
    title: str  # 综合指数 / the indicator's name
    unit: str
    decimals: int
    reverse: bool  # lower is better
    meaning: str  # the colour scale in words
    scale: list
    low: float
    high: float

    def colour(self, value: float) -> str:
        return fill_colour(self.scale, value, self.low, self.high)


def map_layer(state: dict, *, big: bool = False) -> MapLayer:
    """The selected layer (the composite, a domain's index or one indicator) at the as-of."""
    wh = shared_warehouse()
    layer, as_of = state["layer"], state["as_of"]
    names = {c: n for c, n in cities().select("region_code", "name_zh").iter_rows()}
    if layer == COMPOSITE or layer in DOMAINS:
        frame = read.composite(wh, as_of, layer)
        value_col, title, unit, decimals, reverse = "score", f"{layer}指数", "分", 1, False
        meaning = f"{scale_words(title, False, big=big)}（0–100，最好者 100）"
    else:
        frame = read.league(wh, as_of, layer)
        ind = default_catalog()[layer]
        value_col, title, unit, decimals = "value", ind.name_zh, ind.unit, ind.decimals
        reverse = ind.polarity == "lower"
        meaning = f"{scale_words(title, reverse, big=big)}（越{'低' if reverse else '高'}越好）"
    frame = frame.select(
        "region_code",
        name=pl.col("region_code").replace_strict(names, default=pl.col("region_code")),
        value=pl.col(value_col),
        rank=pl.col("rank"),
    ).sort("rank", nulls_last=True)
    # the big screen's dark canvas: viridis (colour-blind safe), the best city brightest
    if big:
        scale = get_colorscale("Viridis_r" if reverse else "Viridis")
    else:  # plotly.py's scale, not plotly.js's own (different) "Blues"
        scale = get_colorscale("Blues_r" if reverse else "Blues")
    values = [v for v in frame["value"].to_list() if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    return MapLayer(frame, title, unit, decimals, reverse, meaning, scale, low, high)


@lru_cache(maxsize=4)
def region_bounds(level: str) -> tuple[float, float, float, float]:
    """[west, south, east, north] of all regions of a level (what a map fits to its box)."""
    shapes = gpd.GeoDataFrame.from_features(boundaries.geojson(level)["features"], crs=4326)
    return tuple(round(float(b), 3) for b in shapes.total_bounds)


def _map_figure(state: dict, *, big: bool = False, layer: MapLayer | None = None) -> dict:
    """The 13 cities coloured by the layer, each named with its value, as a plain figure dict:
    plotly's figure objects would validate and deep-copy the boundaries on every render, and
    Dash needs only the JSON. On the big screen the ranking beside the map is its legend and
    the scale's meaning is written above it."""
    m = layer or map_layer(state, big=big)
    frame, title, unit, decimals = m.frame, m.title, m.unit, m.decimals
    hover = [
        f"{n}<br>{title}：{fmt_value(v, unit, decimals)}<br>13 市第 {r} 名"
        for n, v, r in frame.select("name", "value", "rank").iter_rows()
    ]
    shapes = boundaries.geojson("city")  # one object per process, never copied
    text_colour = "#e6edf7" if big else "#1b2a41"
    points = label_points("city")
    labels = [
        (
            *points[code][:2],
            f"{_short(name)}\n{fmt_value(v, '' if unit == '分' else unit, decimals)}",
            label_colour(m.colour(v)),
        )
        for code, name, v in frame.select("region_code", "name", "value").iter_rows()
        if code in points and v is not None
    ]
    data = [
        {
            "type": "choroplethmap",
            "geojson": shapes,
            "locations": frame["region_code"].to_list(),
            "z": frame["value"].to_list(),
            "zmin": m.low,
            "zmax": m.high,
            "text": hover,
            "hoverinfo": "text",
            "colorscale": m.scale,
            "showscale": not big,
            "marker": {
                "opacity": 1 if big else 0.9,
                "line": {"width": 0.8, "color": "#0b1526" if big else "#5b6b7f"},
            },
            "colorbar": {
                "title": {"text": unit, "font": {"color": text_colour}},
                "thickness": 12,
                "len": 0.7,
                "tickfont": {"color": text_colour},
            },
        }
    ]
    if state["city"] != PROVINCE_CODE:
        data.append(
            {
                "type": "choroplethmap",
                "geojson": shapes,
                "locations": [state["city"]],
                "z": [0],
                "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                "showscale": False,
                "marker": {"line": {"width": 4, "color": "#E69F00"}},
                "hoverinfo": "skip",
            }
        )
    layout = {
        "map": {
            "style": LIGHT_MAP_STYLE if not big else DARK_MAP_STYLE,
            "center": JIANGSU_CENTER,
            "zoom": 5.5 if not big else 6.0,
            "layers": label_layers(labels, 15 if big else 11),
        },
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "clickmode": "event",
        "annotations": [] if big else [scale_note(m.meaning, colour=text_colour)],
        # the browser fits Jiangsu to the map's box and, on the wall, scales the labels with
        # the canvas (assets/big-screen.js)
        "meta": {"fit": region_bounds("city"), **({"labels": 18, "room": 0.97} if big else {})},
    }
    return {"data": data, "layout": layout}


def _layer_options() -> list[dict]:
    catalog = default_catalog()
    options = [{"label": f"{COMPOSITE}指数（13 市）", "value": COMPOSITE}]
    options += [{"label": f"{d}指数", "value": d} for d in DOMAINS]
    options += [
        {"label": f"指标：{i.name_zh}", "value": i.code}
        for i in catalog.indicators.values()
        if i.kind == "target"
    ]
    return options


def _city_lagging(state: dict, frame: pl.DataFrame) -> html.Div:
    """For one city: its own targets that lag (or were not achieved), worst first."""
    rows = frame.filter(
        (pl.col("region_code") == state["city"]) & pl.col("target_value").is_not_null()
    )
    rows = rows.filter(pl.col("verdict").is_in(list(LAGGING_VERDICTS)))
    if rows.is_empty():
        return html.Div(
            f"{region_name(state['city'])}没有{'未达成' if state['final'] else '滞后'}的目标。",
            className="text-muted",
            id=COCKPIT_LAGGING,
        )
    duban = duban_links()
    items = [
        html.Li(
            [
                html.Div(
                    [
                        dcc.Link(
                            r["name_zh"],
                            href=f"/targets?target={r['indicator']}&city={state['city']}",
                            className="fw-bold me-2",
                        ),
                        verdict_badge(r, text=True),
                        duban(
                            indicator=r["indicator"],
                            region=state["city"],
                            target_set=state.get("set"),
                        ),
                    ]
                ),
                html.Div(
                    f"{_value_words(r)}，目标 {fmt_value(r['target_value'], r['unit'], target_decimals(r['target_value']))}",
                    className="small",
                ),
                html.Div(
                    f"责任单位：{r['responsible_units']}",
                    className="small text-muted text-truncate",
                ),
            ],
            className="mb-2 lagging-item",
            **{"data-indicator": r["indicator"]},
        )
        for r in rows.sort("judged_progress", nulls_last=True).iter_rows(named=True)
    ]
    return html.Ol(items, className="ps-4 mb-0", id=COCKPIT_LAGGING)


def _value_words(r: dict) -> str:
    """The value a verdict is about: 2025 年末 94.8% after the deadline, 当前 62.0% before."""
    shown = fmt_value(r["shown_value"], r["unit"], r["decimals"])
    if r["verdict"] in FINAL_VERDICTS:
        return f"{int(r['target_year'])} 年末 {shown}"
    return f"当前 {shown}"


def _lagging(state: dict, frame: pl.DataFrame) -> html.Div:
    if state["city"] != PROVINCE_CODE:
        return _city_lagging(state, frame)
    items = cities_lagging_by_target(frame, final=state["final"], limit=5)
    if not items:
        return html.Div("各市均无滞后目标。", className="text-muted", id=COCKPIT_LAGGING)
    blocks = []
    duban = duban_links()
    for item in items:
        first = item["rows"].row(0, named=True)
        unit, decimals = first["unit"], first["decimals"]
        province = item["province"]
        cities_text = [
            html.Span(
                [
                    dcc.Link(region_name(r["region_code"]), href=f"/city/{r['region_code']}"),
                    f" {fmt_value(r['shown_value'], unit, decimals)}",
                ],
                className="me-2 text-nowrap",
            )
            for r in item["rows"].head(4).iter_rows(named=True)
        ]
        more = item["count"] - min(4, item["count"])
        blocks.append(
            html.Li(
                [
                    html.Div(
                        [
                            dcc.Link(
                                first["name_zh"],
                                href=f"/targets?target={item['indicator']}",
                                className="fw-bold me-2",
                            ),
                            verdict_badge(province) if province else None,
                            html.Span(
                                f" 全省目标 {fmt_value(province['target_value'], unit, target_decimals(province['target_value']))}"
                                if province
                                else "",
                                className="small text-muted ms-1",
                            ),
                            duban(
                                indicator=item["indicator"],
                                region=PROVINCE_CODE,
                                target_set=state.get("set"),
                            )
                            if province and province.get("verdict") in LAGGING_VERDICTS
                            else None,
                        ]
                    ),
                    html.Div(
                        [
                            html.Span(
                                f"{item['count']} 市{'未达成' if state['final'] else '滞后'}：",
                                className="small",
                            ),
                            *cities_text,
                            html.Span(f"等 {more} 市" if more > 0 else "", className="small"),
                        ],
                        className="small",
                    ),
                    html.Div(
                        f"责任单位：{first['responsible_units']}",
                        className="small text-muted text-truncate",
                        title=first["responsible_units"],
                    ),
                ],
                className="mb-2 lagging-item",
                **{"data-indicator": item["indicator"]},
            )
        )
    return html.Ol(blocks, className="ps-4 mb-0", id=COCKPIT_LAGGING)


def economy_latest(state: dict) -> list[tuple[str, str, object, pl.DataFrame]]:
    """The cockpit's economic figures: (indicator, label, catalog entry, its periods as known at
    the as-of in the reading, newest last) — shared by the desktop strip and the wall."""
    wh = shared_warehouse()
    catalog = default_catalog()
    return [
        (
            code,
            label,
            catalog[code],
            read.latest_values(
                wh, state["as_of"], [code], state["city"], period_type, reading=state["reading"]
            ),
        )
        for code, period_type, label in ECONOMY
    ]


def _economy(state: dict) -> dbc.Row:
    cols = []
    for code, label, ind, frame in economy_latest(state):
        if frame.is_empty():
            value, note, spark, period = None, "暂无数据", "", None
        else:
            last = frame.row(-1, named=True)
            value, period = last["value"], last["period"]
            note = period_label(last["period"])
            spark = sparkline_svg(frame["value"].tail(12).to_list(), colour="#0072B2")
        cols.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="kpi-name"),
                            html.Div(
                                [
                                    figure(
                                        value,
                                        ind.unit,
                                        ind.decimals,
                                        indicator=code,
                                        region=state["city"],
                                        period=period,
                                        className="kpi-value",
                                    ),
                                    html.Img(src=spark, className="kpi-spark", alt="")
                                    if spark
                                    else None,
                                ],
                                className="d-flex justify-content-between align-items-end",
                            ),
                            html.Div(note, className="kpi-target"),
                        ],
                        className="p-2",
                    ),
                    className="kpi-card h-100",
                    id={"type": "economy-card", "indicator": code},
                ),
                xs=6,
                md=3,
            )
        )
    return dbc.Row(cols, className="g-2", id=COCKPIT_ECONOMY)


def _top_warnings(state: dict, limit: int = 5) -> html.Div | None:
    """The most severe early warnings (for the selected city, or everywhere), linked to /risk."""
    wh = shared_warehouse()
    if not read_risk.has_risk(wh):
        return None
    frame = read_risk.warnings(
        wh, state["as_of"], reading=state["reading"], target_set=state["set"]
    )
    if state["city"] != PROVINCE_CODE:
        frame = frame.filter(pl.col("region_code") == state["city"])
    if frame.is_empty():
        items = [html.Li("当前没有预警。", className="text-muted")]
    else:
        duban = duban_links()
        items = [
            html.Li(
                [
                    severity_badge(r["severity_rank"]),
                    " ",
                    dcc.Link(
                        f"{region_name(r['region_code'])} · {r['rule_name']}",
                        href=f"/risk?warning={warning_key(r)}",
                        className="fw-bold",
                    ),
                    duban(warning=warning_key(r)),
                    html.Div(r["message"], className="small text-muted"),
                ],
                className="mb-2",
                **{"data-warning": warning_key(r)},
            )
            for r in frame.head(limit).iter_rows(named=True)
        ]
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(
                            f"风险预警 · 共 {frame.height} 条（按级别，截至 "
                            f"{month_label(state['as_of'])}）"
                        ),
                        dcc.Link(
                            "全部预警 →",
                            href="/risk"
                            + to_search(
                                {
                                    "as_of": None if state["newest"] else as_of_key(state["as_of"]),
                                    "reading": None
                                    if state["reading"] == DEFAULT_READING
                                    else state["reading"],
                                }
                            ),
                            className="small",
                        ),
                    ],
                    className="d-flex justify-content-between",
                )
            ),
            dbc.CardBody(html.Ul(items, className="list-unstyled mb-0")),
        ],
        className="mt-3",
        id=COCKPIT_WARNINGS,
    )


def duban_summary(state: dict) -> html.Div | None:
    """督办 at a glance: open, overdue and escalated tasks (of the selected city, or all the
    user may see) and the 承办单位 with most overdue, linked to the 督办中心."""
    if not supervision.has_tasks():
        return None
    found = supervision.list_tasks(user=_auth.current_account())
    if state["city"] != PROVINCE_CODE:
        found = [t for t in found if supervision.city_of(t.region_code) == state["city"]]
    c = supervision.counts(found)
    worst = "、".join(f"{unit} {n} 件" for unit, n in c["most_overdue"][:3])
    figures = [
        html.Span(["在办 ", html.Strong(str(c["open"]), className="duban-open")], className="me-3"),
        html.Span(
            ["逾期 ", html.Strong(str(c["overdue"]), className="text-danger duban-overdue")],
            className="me-3",
        ),
        html.Span(["已升级 ", html.Strong(str(c["escalated"]))], className="me-3"),
    ]
    late = html.Div(
        f"逾期最多：{worst}" if worst else "暂无逾期事项", className="small duban-worst"
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span("督办事项"),
                        dcc.Link("督办中心 →", href="/tasks", className="small"),
                    ],
                    className="d-flex justify-content-between",
                )
            ),
            dbc.CardBody([html.Div(figures), late]),
        ],
        className="mt-3",
        id=COCKPIT_DUBAN,
    )
