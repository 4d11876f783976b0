"""Small multiples: many regions' lines drawn one panel each, every panel with the same
reference line (the province), instead of a dozen lines tangled in one chart."""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: more lines than this in one chart are drawn as small multiples
MAX_LINES = 4
LINE, REFERENCE = "#0072B2", "#8C8C8C"


@dataclass(frozen=True)
class Line:
    name: str
    x: list
    y: list
    hover: list[str]


def _trace(line: Line, style: dict, **kwargs) -> go.Scatter:
    return go.Scatter(
        x=line.x,
        y=line.y,
        name=line.name,
        mode="lines",
        line=style,
        text=line.hover,
        hoverinfo="text",
        **kwargs,
    )


def small_multiples(
    lines: list[Line],
    reference: Line | None,
    *,
    y_title: str,
    shared_y: bool,
    tickformat: str = ",",
    columns: int = 4,
    panel_height: int = 150,
) -> go.Figure:
    """One panel per line, in a grid of ``columns``, each with ``reference`` dashed behind it;
    panels share the time axis, and the value axis when ``shared_y`` (rates, growths) so
    heights compare across panels; levels of very different size get an axis each."""
    rows = max(1, math.ceil(len(lines) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[line.name for line in lines],
        shared_xaxes="all",
        shared_yaxes="all" if shared_y else False,
        horizontal_spacing=0.04 if shared_y else 0.07,
        vertical_spacing=min(0.6 / rows, 0.16),
    )
    for i, line in enumerate(lines):
        row, col = i // columns + 1, i % columns + 1
        if reference is not None:
            style = {"color": REFERENCE, "width": 1.5, "dash": "dash"}
            trace = _trace(reference, style, showlegend=i == 0, legendgroup="reference")
            fig.add_trace(trace, row=row, col=col)
        trace = _trace(line, {"color": LINE, "width": 2}, showlegend=False)
        fig.add_trace(trace, row=row, col=col)
    fig.update_annotations(font_size=12)  # the panel titles
    fig.update_xaxes(showgrid=False, tickfont_size=10, automargin=True, showticklabels=True)
    fig.update_yaxes(gridcolor="#eef1f5", tickfont_size=10, tickformat=tickformat, automargin=True)
    fig.update_layout(
        height=70 + panel_height * rows,
        margin={"l": 8, "r": 8, "t": 60, "b": 8},
        showlegend=reference is not None,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0.995,
            "yanchor": "top",
            "yref": "container",
        },
        hovermode="closest",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(yaxis_title_text=y_title)  # the first panel names the measure
    return fig
