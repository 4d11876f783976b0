"""数据大脑 — the Dash application shell.

Pages live in ``pages/`` (one module each, registered with ``dash.register_page``). Nothing is
read from the warehouse at import time: pages read per visit.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

import pages._exports  # noqa: F401  (the table-export callback)
from pages import _ids
from pages._components import synthetic_banner
from reports.jobs import register_routes as register_report_routes

HERE = Path(__file__).resolve().parent


def _nav_pages() -> list[dict]:
    return sorted(
        (p for p in dash.page_registry.values() if p.get("order") is not None),
        key=lambda p: p["order"],
    )


def _nav_prefix(page: dict) -> str:
    """The path prefix a nav link is active for: /city for /city/<code>, the path otherwise."""
    template = page.get("path_template")
    return template.split("/<")[0] if template else page["relative_path"]


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page.get("nav_href", page["relative_path"]),
                id={"type": "nav-link", "prefix": _nav_prefix(page)},
            )
        )
        for page in _nav_pages()
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [
                        html.Span("数据大脑", className="brand-title"),
                        html.Small(" 江苏数字政府", className="brand-sub"),
                    ],
                    href="/",
                ),
                dbc.NavbarToggler(id=_ids.NAV_TOGGLE),
                dbc.Collapse(
                    dbc.Nav(links, navbar=True, className="ms-auto"),
                    id=_ids.NAV_COLLAPSE,
                    navbar=True,
                    is_open=False,
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        expand="lg",
        className="mb-0",
        id=_ids.NAVBAR,
    )


def create_app() -> dash.Dash:
    """Create the Dash app (pages, shell, banner callback). All web assets are local."""
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="数据大脑 · 江苏数字政府",
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = html.Div(
        [
            dcc.Location(id=_ids.URL),
            dcc.Download(id=_ids.EXPORT_DOWNLOAD),  # every table's CSV/Excel (pages/_exports.py)
            html.Div(_navbar(), id=_ids.NAVBAR_WRAP),
            html.Div(id=_ids.BANNER),
            dbc.Container(dash.page_container, fluid=True, className="py-3", id=_ids.MAIN),
        ],
        id=_ids.SHELL,
    )
    register_report_routes(app.server)  # /reports/download/<job>: finished evaluation reports

    @app.callback(
        Output(_ids.BANNER, "children"),
        Output(_ids.SHELL, "className"),
        Input(_ids.URL, "pathname"),
        Input(_ids.URL, "search"),
    )
    def shell_for_url(_pathname, search):
        """Say 模拟数据 on every page while the warehouse holds demo rows; a big screen
        (``?screen=big``) hides the navigation and turns the canvas dark."""
        big = "screen=big" in (search or "")
        return synthetic_banner(), "shell-big" if big else "shell"

    @app.callback(
        Output(_ids.NAV_COLLAPSE, "is_open"),
        Input(_ids.NAV_TOGGLE, "n_clicks"),
        Input(_ids.URL, "pathname"),
        State(_ids.NAV_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )
    def toggle_nav(_clicks, _pathname, is_open):
        """Open or close the phone menu; following a link closes it."""
        return not is_open if ctx.triggered_id == _ids.NAV_TOGGLE else False

    @app.callback(
        Output({"type": "nav-link", "prefix": ALL}, "active"),
        Input(_ids.URL, "pathname"),
        State({"type": "nav-link", "prefix": ALL}, "id"),
    )
    def highlight_nav(pathname, ids):
        """Highlight the nav link of the current page (a city page lights up 城市)."""
        path = pathname or "/"
        return [
            path == i["prefix"] if i["prefix"] == "/" else path.startswith(i["prefix"]) for i in ids
        ]

    return app


app = create_app()
server = app.server
