"""The city page's county map: one indicator across the city's counties."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html
from plotly.colors import get_colorscale

from datasets import boundaries
from datasets.warehouse import shared_warehouse
from indicators.catalog import default_catalog
from indicators.county import (
    county_frame,
    county_layers,
    county_period_label,
    county_ranking,
)
from pages._city_state import (
    CITY_COUNTY_GRAPH,
    CITY_COUNTY_MAP,
    CITY_COUNTY_TABLE,
    CITY_LAYER,
    MAP_HEIGHT,
    county_view,
)
from pages._components import (
    DROPDOWN_LABELS,
    fmt_value,
    month_label,
    scale_note,
)
from pages._home_sections import (
    LIGHT_MAP_STYLE,
    fill_colour,
    label_colour,
    label_layers,
    label_points,
    scale_words,
)

LABEL_SIZE = 11  # px, the county names' size

# --- county map --------------------------------------------------------------------------------


def _county_labels(
    codes: list[str], values: list, names: dict[str, str], ind, scale: list, zoom: float
) -> list[tuple[float, float, str, str]]:
    """Each county's name at its label point, and its value too when the polygon has room for
    both lines (its area at the map's zoom several times the label's box): a city district of
    a few km² gets its name only, and MapLibre drops any label that would overlap another."""
    points = label_points("county")
    present = [v for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    # Web-Mercator pixels per km at Jiangsu's latitude (≈32.9°N) at this zoom
    px_per_km = 512 * 2**zoom / 40075 / math.cos(math.radians(32.9))
    out = []
    for code, v in zip(codes, values, strict=True):
        if code not in points:
            continue
        lon, lat, area_km2 = points[code]
        name = names[code]
        text = name
        if v is not None:
            value = fmt_value(v, ind.unit, ind.decimals)
            width = max(len(name), len(value) * 0.6) * LABEL_SIZE
            if area_km2 * px_per_km**2 >= 4 * width * 2.4 * LABEL_SIZE:
                text = f"{name}\n{value}"
        colour = label_colour(fill_colour(scale, v, low, high)) if v is not None else "#13233a"
        out.append((lon, lat, text, colour))
    return out


def _county_figure(names: dict[str, str], rows: pl.DataFrame, ind, geojson: dict) -> dict:
    features = [f for f in geojson["features"] if f["id"] in names]
    view = county_view(features)
    codes = rows["region_code"].to_list()
    values = rows["value"].to_list()
    ranks = rows["rank"].to_list()
    hover = [
        f"{names[c]}<br>{ind.name_zh}：{fmt_value(v, ind.unit, ind.decimals)}<br>本市第 {k}/{len(codes)}"
        for c, v, k in zip(codes, values, ranks, strict=True)
    ]
    # plotly.py's scale, not plotly.js's
    scale = get_colorscale({"higher": "Blues", "lower": "Blues_r"}.get(ind.polarity, "Purples"))
    present = [v for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    if ind.polarity == "neutral":
        meaning = f"颜色越深，{ind.name_zh}越高"
    else:
        meaning = scale_words(ind.name_zh, ind.polarity == "lower", big=False) + (
            f"（越{'低' if ind.polarity == 'lower' else '高'}越好）"
        )
    # plain figure data: plotly's figure objects would validate and copy the shapes each time
    return {
        "data": [
            {
                "type": "choroplethmap",
                "geojson": {"type": "FeatureCollection", "features": features},
                "locations": codes,
                "z": values,
                "zmin": low,
                "zmax": high,
                "text": hover,
                "hoverinfo": "text",
                "colorscale": scale,
                "marker": {"opacity": 0.9, "line": {"width": 1, "color": "#5b6b7f"}},
                "colorbar": {"title": {"text": ind.unit}, "thickness": 12, "len": 0.8},
            }
        ],
        "layout": {
            "map": {
                "style": LIGHT_MAP_STYLE,
                "center": view["center"],
                "zoom": view["zoom"],
                "layers": label_layers(
                    _county_labels(codes, values, names, ind, scale, view["zoom"]), LABEL_SIZE
                ),
            },
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "height": MAP_HEIGHT,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "annotations": [scale_note(meaning)],
        },
    }


def _county(state: dict) -> tuple[str | None, html.Div]:
    """The county map and table, and the layer they show (None without county data)."""
    catalog = default_catalog()
    names, frame = county_frame(shared_warehouse(), state["code"], state["as_of"])
    available, layer = county_layers(frame, state["layer"])
    selector = dcc.Dropdown(
        labels=DROPDOWN_LABELS,
        id=CITY_LAYER,
        options=[{"label": catalog[c].name_zh, "value": c} for c in available],
        value=layer,
        clearable=False,
        disabled=not available,
        placeholder="无县级指标",
        style={"minWidth": "14rem", "overflow": "hidden"},
    )
    if layer is None:
        body = dbc.Alert(
            f"截至 {month_label(state['as_of'])}，{state['name']}所辖 {len(names)} 个县（市、区）"
            "尚无县级指标数据（县级数据目前来自 12345 热线工单与掌上执法台账）。",
            color="light",
            className="mb-0",
        )
        return None, html.Div([selector, body], id=CITY_COUNTY_MAP)
    ind = catalog[layer]
    rows = county_ranking(frame, layer, ind.polarity)
    period_label = county_period_label(rows, state["as_of"])
    rank_word = "本市位次" if ind.polarity != "neutral" else "按数值由高到低"
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("县（市、区）"),
                        html.Th(f"{ind.name_zh}", className="text-end"),
                        html.Th(rank_word, className="text-end"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(names[r["region_code"]]),
                            html.Td(
                                fmt_value(r["value"], ind.unit, ind.decimals),
                                className="text-end text-nowrap",
                            ),
                            html.Td(f"{r['rank']}/{rows.height}", className="text-end"),
                        ],
                        **{"data-region": r["region_code"]},
                    )
                    for r in rows.iter_rows(named=True)
                ]
            ),
        ],
        size="sm",
        className="small mb-0",
        id=CITY_COUNTY_TABLE,
    )
    missing = len(names) - rows.height
    return layer, html.Div(
        [
            html.Div(
                [
                    selector,
                    html.Span(
                        f"{ind.name_zh} · {period_label}（{ind.unit}）",
                        className="small text-muted",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            id=CITY_COUNTY_GRAPH,
                            figure=_county_figure(names, rows, ind, boundaries.geojson("county")),
                            config={"displaylogo": False, "scrollZoom": False},
                            style={"height": f"{MAP_HEIGHT}px"},
                        ),
                        lg=6,
                    ),
                    dbc.Col(table, lg=6),
                ],
                className="g-2",
            ),
            html.Div(
                f"{ind.description}"
                + (f"{missing} 个县（市、区）无数据。" if missing > 0 else "")
                + f"数据截至 {month_label(state['as_of'])}。",
                className="small text-muted mt-1",
            ),
        ],
        id=CITY_COUNTY_MAP,
    )
