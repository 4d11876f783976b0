"""概览 `/`: what the brain holds — datasets, coverage and a 13-city map of records."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.express as px
import polars as pl
from dash import dcc, html

from datasets import boundaries
from datasets.summary import cached_status, records_by_city
from datasets.warehouse import shared_warehouse
from pages import _ids
from pages._components import fmt_rows, stat_card

dash.register_page(__name__, path="/", name="概览", title="数据大脑 · 概览", order=0)

JIANGSU_CENTER = {"lat": 32.95, "lon": 119.45}


def _coverage_map(frame) -> dcc.Graph:
    totals = (
        frame.group_by(["region_code", "name_zh"]).agg(pl.col("records").sum()).sort("region_code")
    )
    fig = px.choropleth_map(
        totals.to_pandas(),
        geojson=boundaries.geojson("city"),
        locations="region_code",
        color="records",
        hover_name="name_zh",
        hover_data={"region_code": False, "records": ":,"},
        labels={"records": "记录数"},
        color_continuous_scale="Blues",
        map_style="white-bg",
        center=JIANGSU_CENTER,
        zoom=5.6,
        opacity=0.9,
    )
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=460, coloraxis_colorbar={"title": "记录数"}
    )
    return dcc.Graph(
        id=_ids.HOME_MAP, figure=fig, config={"displaylogo": False, "scrollZoom": False}
    )


def layout(**_query):
    warehouse = shared_warehouse()
    if not warehouse.exists():
        return dbc.Alert(
            "数据仓库尚未建立：请运行 `databrain demo` 或在“数据管理”页上传数据。", color="info"
        )
    status = cached_status(warehouse)
    loaded = [d for d in status if d["rows"]]
    total_rows = sum(d["rows"] for d in status)
    last = max((d["last_loaded_at"] for d in loaded), default=None)
    ends = [d["period_end"] for d in loaded if d["period_end"]]
    cards = dbc.Row(
        [
            dbc.Col(
                stat_card("已加载数据集", f"{len(loaded)} / {len(status)}", "按数据集模式校验入库"),
                md=3,
                xs=6,
            ),
            dbc.Col(
                stat_card("数据总行数", fmt_rows(total_rows), "事项级台账与统计长表"), md=3, xs=6
            ),
            dbc.Col(
                stat_card(
                    "数据最新时期", max(ends)[:7] if ends else "—", "各数据集时期覆盖的最晚月份"
                ),
                md=3,
                xs=6,
            ),
            dbc.Col(
                stat_card(
                    "最近加载", (last or "—").replace("T", " "), f"仓库版本 {warehouse.version()}"
                ),
                md=3,
                xs=6,
            ),
        ],
        className="g-3 mb-3",
        id=_ids.HOME_CARDS,
    )
    rows = [
        html.Tr(
            [
                html.Td(d["title"]),
                html.Td(fmt_rows(d["rows"]), className="text-end"),
                html.Td(f"{(d['period_start'] or '—')[:7]} ~ {(d['period_end'] or '—')[:7]}"),
            ]
        )
        for d in status
    ]
    table = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [html.Th("数据集"), html.Th("行数", className="text-end"), html.Th("时期覆盖")]
                )
            ),
            html.Tbody(rows),
        ],
        size="sm",
        hover=True,
        responsive=True,
        className="mb-0",
    )
    return html.Div(
        [
            html.H1("江苏省数字政府 · 数据大脑", className="page-title"),
            html.P(
                "依据《江苏省“十四五”数字政府建设规划》（苏政办发〔2021〕61号），汇聚部门与 13 个设区市的事项级台账和经济、治理统计，"
                "支撑监测、评估与决策。",
                className="text-muted",
            ),
            cards,
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    "13 个设区市数据覆盖（记录数，县区数据汇总到所属市）"
                                ),
                                dbc.CardBody(_coverage_map(records_by_city(warehouse))),
                            ]
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card([dbc.CardHeader("数据集一览"), dbc.CardBody(table)]),
                        lg=5,
                        className="mb-3",
                    ),
                ]
            ),
        ]
    )
