"""Widgets shared by pages."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from datasets.summary import is_synthetic
from datasets.warehouse import shared_warehouse


def synthetic_banner():
    """The 模拟数据 banner, shown whenever the warehouse holds demo rows."""
    warehouse = shared_warehouse()
    if not warehouse.exists() or not is_synthetic(warehouse):
        return None
    return dbc.Alert(
        [
            html.Strong("模拟数据 "),
            html.Span(
                "本页所示数据由程序按《江苏省“十四五”数字政府建设规划》的基线与目标生成，"
                "仅供演示，不代表真实统计。"
            ),
            html.Span(" Synthetic demo data.", className="text-muted ms-1"),
        ],
        color="warning",
        className="synthetic-banner mb-0 rounded-0 py-2 text-center",
        id="synthetic-banner-alert",
    )


def stat_card(title: str, value: str, note: str = "") -> dbc.Card:
    """A small figure card: title, big value, note."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="stat-title"),
                html.Div(value, className="stat-value"),
                html.Div(note, className="stat-note"),
            ]
        ),
        className="stat-card h-100",
    )


def fmt_int(n: int | None) -> str:
    """Thousands-separated integer, '—' when missing."""
    return "—" if n is None else f"{n:,}"


def fmt_rows(n: int) -> str:
    """Row counts for people: 1,234 / 12.3 万 / 1.23 亿."""
    if n >= 100_000_000:
        return f"{n / 100_000_000:.2f} 亿"
    if n >= 100_000:
        return f"{n / 10_000:.1f} 万"
    return f"{n:,}"
