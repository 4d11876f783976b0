"""数据大脑 — the Dash application shell, and how it is served.

Pages live in ``pages/`` (one module each, registered with ``dash.register_page``). Nothing is
read from the warehouse at import time: pages read per visit.

The app is built once, at import (``app``, and its Flask ``server`` for any WSGI server).
``databrain serve`` hands ``server`` to a production WSGI server (:func:`run_wsgi`): gunicorn
with N pre-forked worker processes where it runs (Linux, macOS), waitress with N threads
elsewhere. Dash's own development server is for ``databrain serve --debug`` only — Dash and
Flask warn against it in production. Because the app is built before the workers fork, each
worker starts with the pages already registered; it opens its own read-only warehouse
connection on its first request (:func:`datasets.warehouse.forget_connections` makes sure none
is inherited). Behind a reverse proxy, see README (部署).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

import pages._exports  # noqa: F401  (the table-export callback)
from datasets import notify
from datasets.store import forget_engines
from datasets.warehouse import forget_connections
from indicators.catalog import default_catalog
from pages import _auth, _cache, _ids, _patch, _task_routes
from pages._components import plan_bar, synthetic_banner
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
                    [
                        dbc.Nav(links, navbar=True, className="ms-auto"),
                        html.Div(id=_ids.USER_MENU, className="user-menu ms-lg-3"),
                    ],
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


def _inbox_link(username: str) -> html.A:
    """消息, with the number of unread notifications."""
    unread = notify.unread_count(username)
    return html.A(
        [
            "消息",
            dbc.Badge(str(unread), color="danger", pill=True, className="ms-1") if unread else None,
        ],
        href="/inbox",
        className="btn btn-sm btn-outline-light me-2",
        id=_ids.INBOX_LINK,
        title=f"未读消息 {unread} 条",
        **{"data-unread": str(unread)},
    )


def _user_menu():
    """Who is signed in (name, role, city or unit), their messages, the audit log for
    administrators, and a sign-out form (a POST carrying the CSRF token)."""
    me = _auth.whoami()
    if not me:
        return None
    where = f" · {me['where']}" if me.get("where") else ""
    return html.Form(
        [
            html.Span(
                [html.Strong(me["username"]), f"（{me['role']}{where}）"],
                className="navbar-text small me-2",
                style={"color": "#fff"},
                id=_ids.USER_NAME,
            ),
            _inbox_link(me["username"]),
            html.A("审计日志", href="/audit", className="btn btn-sm btn-outline-light me-2")
            if me["admin"]
            else None,
            dcc.Input(type="hidden", name="csrf_token", value=_auth.csrf_token()),
            html.Button("退出", type="submit", className="btn btn-sm btn-light", id=_ids.LOGOUT),
        ],
        action=_auth.LOGOUT_PATH,
        method="POST",
        className="d-flex align-items-center",
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
        # the router also reads which page the browser shows, to answer with a patch of it
        routing_callback_inputs={_patch.SHOWN: State(_patch.STORE, "data")},
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    for page in dash.page_registry.values():
        page["layout"] = _patch.without_shown(page["layout"])
    app.layout = html.Div(
        [
            dcc.Location(id=_ids.URL),
            dcc.Download(id=_ids.EXPORT_DOWNLOAD),  # every table's CSV/Excel (pages/_exports.py)
            html.Div(_navbar(), id=_ids.NAVBAR_WRAP),
            html.Div(id=_ids.BANNER),
            html.Div(id=_ids.PLAN_BAR),
            dbc.Container(dash.page_container, fluid=True, className="py-3", id=_ids.MAIN),
        ],
        id=_ids.SHELL,
    )
    if os.environ.get("DATABRAIN_FLOOR_CALLBACK") == "1":
        # the load test's floor: the cheapest callback there is, through the same gate
        @app.callback(Output("floor-out", "children"), Input("floor-in", "value"))
        def floor(value):
            return value

    register_report_routes(app.server)  # /reports/download/<job>: finished evaluation reports
    _task_routes.register_routes(app.server)  # 督办 attachments, subscribed reports
    _auth.register(app, app.server)  # sign-in, the request gate, CSRF, security headers
    _patch.register(app.server)  # the router's answers as patches of the page shown
    _cache.register(app.server)  # read callbacks answered from the shared cache (after the gate)

    @app.callback(
        Output(_ids.BANNER, "children"),
        Output(_ids.SHELL, "className"),
        Output(_ids.USER_MENU, "children"),
        Output(_ids.PLAN_BAR, "children"),
        Input(_ids.URL, "pathname"),
        Input(_ids.URL, "search"),
    )
    def shell_for_url(pathname, search):
        """Say 模拟数据 on every page while the warehouse holds demo rows; a big screen
        (``?screen=big``) hides the navigation and turns the canvas dark. The user menu says
        who is signed in, with what role, and signs out. The plan bar switches between plans
        (``set`` in the URL)."""
        big = "screen=big" in (search or "")
        bar = None if big or not _auth.whoami() else plan_bar(pathname, search)
        return synthetic_banner(), "shell-big" if big else "shell", _user_menu(), bar

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
        Output({"type": "nav-link", "prefix": ALL}, "href"),
        Input(_ids.URL, "pathname"),
        Input(_ids.URL, "search"),
        State({"type": "nav-link", "prefix": ALL}, "id"),
        State({"type": "nav-link", "prefix": ALL}, "href"),
    )
    def highlight_nav(pathname, search, ids, hrefs):
        """Highlight the nav link of the current page (a city page lights up 城市); a city
        user's 城市 link opens its own city. A plan chosen in the URL (``set``) stays chosen
        from page to page."""
        path = pathname or "/"
        active = [
            path == i["prefix"] if i["prefix"] == "/" else path.startswith(i["prefix"]) for i in ids
        ]
        own = _auth.current_scope().city
        if own:
            hrefs = [
                f"/city/{own}" if i["prefix"] == "/city" else h
                for i, h in zip(ids, hrefs, strict=True)
            ]
        plan = dict(parse_qsl((search or "").lstrip("?"))).get("set")
        hrefs = [h.split("?")[0] for h in hrefs]
        if plan and plan in default_catalog().target_sets:
            hrefs = [f"{h}?{urlencode({'set': plan})}" for h in hrefs]
        return active, hrefs

    return app


def _forget_all() -> None:
    forget_connections()
    forget_engines()


def wsgi_server_name() -> str:
    return "gunicorn" if importlib.util.find_spec("gunicorn") else "waitress"


def run_wsgi(wsgi, *, host: str, port: int, workers: int) -> None:
    """Serve ``wsgi`` until stopped: gunicorn with ``workers`` processes where it is installed
    (POSIX), waitress with ``workers`` × 4 threads otherwise.

    Dash registers the script paths it will serve while it renders its index page. A worker
    whose first request is a script (the browser's page came from another worker) would refuse
    it, so the index is rendered once here, before the workers fork, and they all inherit the
    registration; the connections that opened are dropped again. (The view is called directly:
    the sign-in gate would turn an anonymous request away before Dash rendered anything.)"""
    with wsgi.test_request_context("/"):
        wsgi.dispatch_request()
    forget_connections()
    forget_engines()
    if wsgi_server_name() == "gunicorn":
        import gunicorn.http.wsgi
        from gunicorn.app.base import BaseApplication  # POSIX only: not importable on Windows

        gunicorn.http.wsgi.SERVER = "databrain"  # no banner naming the server software

        class _Gunicorn(BaseApplication):
            def load_config(self):
                options = {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    # threads: a page fires several callbacks at once and jobs are polled, so
                    # one request must not hold a whole worker process
                    "worker_class": "gthread",
                    "threads": 4,
                    "timeout": 120,  # an export or a big page may take long on a loaded machine
                    "graceful_timeout": 10,
                    "post_fork": lambda _server, _worker: _forget_all(),
                    "errorlog": "-",
                    "loglevel": "warning",
                }
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                return wsgi

        _Gunicorn().run()
    else:
        import waitress

        waitress.serve(wsgi, host=host, port=port, threads=4 * workers)


app = create_app()
server = app.server
