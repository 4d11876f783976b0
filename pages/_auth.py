"""Sign-in and the gate every request passes: who is asking, and what they may see and do.

- **Sessions** (Flask-Login): the signed session cookie (HttpOnly, SameSite=Lax, Secure when
  served to the network) holds a random token whose hash is a row of the operational store's
  ``sessions`` (:mod:`datasets.accounts`), so signing out, disabling a user and the idle timeout
  take effect on the server at once.
- **The gate** (``before_request``): static assets and the sign-in page are open; everything
  else needs a signed-in user, who must first replace a one-time password. The user's
  :class:`datasets.access.Scope` is activated for the request, so every warehouse read answers
  within it; a request without a user reads under :data:`datasets.access.NO_ACCESS`. Callbacks
  that export, upload or administer are refused (403) unless the role may.
- **CSRF**: every state-changing request (Dash callbacks and uploads included) must carry the
  session's token: Dash's renderer sends the ``_csrf_token`` cookie back as ``X-CSRFToken``; the
  HTML forms carry it as a hidden field.
- **Headers**: a Content-Security-Policy the app passes with its vendored assets, no framing,
  no MIME sniffing, no caching of pages and answers that depend on the user.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import re
import secrets
import socket
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import flask
from dash import _callback as dash_callback
from flask import Flask, g, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from datasets import access, accounts, config
from datasets.access import NO_ACCESS, Scope, role_label
from datasets.accounts import AccountError, User
from datasets.config import db_path
from datasets.regions import region_name
from datasets.warehouse import shared_warehouse
from indicators.access import user_scope
from pages import _inputs, _oidc

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
PASSWORD_PATH = "/account/password"
HEALTH_PATH = "/healthz"  # for load balancers and deployment checks: no sign-in, no data
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
CALLBACK_PATH = "/_dash-update-component"


class SignedIn(UserMixin):
    """A signed-in user as Flask-Login sees them: the account and the session token."""

    def __init__(self, user: User, token: str):
        self.user = user
        self.token = token

    def get_id(self) -> str:
        return self.token

    @property
    def username(self) -> str:
        return self.user.username


# Outside a web request (the command line, a test calling a page function) nothing is limited,
# as in the warehouse; inside one, the gate has always activated a scope first.
UNLIMITED = Scope(user="", role="", permissions=frozenset({"read", "export", "upload", "admin"}))


def current_scope() -> Scope:
    """The scope of this request's user (:data:`NO_ACCESS` when nobody is signed in)."""
    return access.current_scope() or UNLIMITED


def current_username() -> str:
    return current_user.username if current_user.is_authenticated else ""


def current_account() -> User | None:
    """The signed-in account (None outside a request or when nobody is signed in)."""
    if not flask.has_request_context() or not current_user.is_authenticated:
        return None
    return current_user.user


def trusted_proxies() -> set[str]:
    """Addresses whose identity header (and X-Forwarded-For) are believed:
    ``DATABRAIN_TRUSTED_PROXIES`` (comma-separated), by default only this machine."""
    text = os.environ.get("DATABRAIN_TRUSTED_PROXIES", "127.0.0.1,::1")
    return {a.strip() for a in text.split(",") if a.strip()}


def client_ip() -> str | None:
    """The client's address; behind a trusted proxy, the one it forwarded."""
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and request.remote_addr in trusted_proxies():
        return forwarded.split(",")[-1].strip()
    return request.remote_addr


def _from_trusted_header():
    """The user named by the intranet's identity header (统一身份认证) when
    ``DATABRAIN_TRUSTED_HEADER`` is set and the request comes from a trusted proxy; a flask
    response when the header is present but must not be believed."""
    header = os.environ.get("DATABRAIN_TRUSTED_HEADER")
    name = request.headers.get(header) if header else None
    if not name:
        return None
    if request.remote_addr not in trusted_proxies():
        accounts.record(
            name,
            "login",
            result="denied",
            ip=request.remote_addr,
            detail={"reason": f"{header} from an untrusted address"},
        )
        return flask.Response("身份头来自不受信任的地址。", 403)
    user = accounts.get_user(name.strip())
    if user is None or user.disabled:
        return _oidc.unprovisioned(name, user, via=header, ip=client_ip())
    if session.get("proxy_user") != user.username:  # the first request of this browser
        accounts.record(user.username, "login", ip=client_ip(), detail={"via": header})
        session["proxy_user"] = user.username
    return SignedIn(user, token="")


LOGIN_WINDOW_MINUTES = 10
LOGIN_FAILURES_PER_ADDRESS = 30


def _too_many_failures() -> bool:
    """Sign-in rate limit per address: too many failed sign-ins from it in the last minutes
    (counted in the audit log, so every worker and server sees the same count)."""
    since = accounts.utcnow() - dt.timedelta(minutes=LOGIN_WINDOW_MINUTES)
    failed = accounts.audit_entries(since=since, action="login")
    failed = failed.filter((failed["result"] == "failed") & (failed["ip"] == client_ip()))
    return failed.height >= LOGIN_FAILURES_PER_ADDRESS


def audit(action: str, **fields) -> None:
    """Record an action of this request's user in the audit log."""
    accounts.record(current_username(), action, ip=client_ip(), **fields)


# ----------------------------------------------------------------------------- secrets and CSRF
def secret_key() -> bytes:
    """``DATABRAIN_SECRET_KEY``, or the file named by ``DATABRAIN_SECRET_KEY_FILE``, or one made
    once and kept beside the warehouse (mode 0600), so every worker and restart shares it."""
    if os.environ.get("DATABRAIN_SECRET_KEY"):
        return os.environ["DATABRAIN_SECRET_KEY"].encode()
    path = Path(os.environ.get("DATABRAIN_SECRET_KEY_FILE") or db_path().parent / "secret_key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _csrf_ok() -> bool:
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(sent, expected)


# ----------------------------------------------------------------------------- callback rights
# Callbacks whose outputs change something or hand data out, and the permission each needs.
# A callback request names its outputs; one listed here is refused unless the role may.
PERMISSION_BY_OUTPUT: dict[str, str] = {}


def require_for_output(component_id: str, permission: str) -> None:
    """Register that a callback writing ``component_id`` needs ``permission``."""
    PERMISSION_BY_OUTPUT[component_id] = permission


def _output_ids(spec: str) -> list[str]:
    """``..a.data...b.children..`` (or ``a.data``) → ``['a', 'b']``."""
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [p.rsplit(".", 1)[0] for p in parts if p]


def _callback_permission() -> str | None:
    body = request.get_json(silent=True) or {}
    spec = body.get("output") if isinstance(body, dict) else None
    if not isinstance(spec, str):
        return None
    for cid in _output_ids(spec):
        if cid in PERMISSION_BY_OUTPUT:
            return PERMISSION_BY_OUTPUT[cid]
    return None


# ----------------------------------------------------------------------------- pages in plain HTML
_CSS = '<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">'


def _form_page(title: str, body: str, *, status: int = 200):
    html = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · 数据大脑</title>{_CSS}</head>
<body class="bg-light"><main class="container" style="max-width:420px;margin-top:12vh">
<h1 class="h3 mb-1">数据大脑</h1><p class="text-muted mb-4">江苏数字政府 · {escape(title)}</p>
{body}
<p class="text-muted small mt-4">仅限授权人员使用。登录、导出与数据上传均记入审计日志。</p>
</main></body></html>"""
    return flask.Response(html, status=status, mimetype="text/html")


def _login_form(error: str = "", username: str = "", next_path: str = "/", status: int = 200):
    alert = f'<div class="alert alert-danger" role="alert">{escape(error)}</div>' if error else ""
    body = f"""{alert}
<form method="post" action="{LOGIN_PATH}">
<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">
<input type="hidden" name="next" value="{escape(next_path)}">
<div class="mb-3"><label class="form-label" for="username">用户名</label>
<input class="form-control" id="username" name="username" autocomplete="username" required
 value="{escape(username)}" autofocus></div>
<div class="mb-3"><label class="form-label" for="password">密码</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" type="submit">登录</button></form>{_oidc.login_link()}"""
    return _form_page("登录", body, status=status)


def _password_form(error: str = "", status: int = 200):
    alert = f'<div class="alert alert-danger" role="alert">{escape(error)}</div>' if error else ""
    body = f"""<p>首次登录请设置新密码（至少 {accounts.MIN_PASSWORD} 个字符）。</p>{alert}
<form method="post" action="{PASSWORD_PATH}">
<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">
<div class="mb-3"><label class="form-label" for="current">当前密码</label>
<input class="form-control" id="current" name="current" type="password" required></div>
<div class="mb-3"><label class="form-label" for="new">新密码</label>
<input class="form-control" id="new" name="new" type="password" autocomplete="new-password" required></div>
<div class="mb-3"><label class="form-label" for="confirm">再次输入新密码</label>
<input class="form-control" id="confirm" name="confirm" type="password" required></div>
<button class="btn btn-primary w-100" type="submit">保存新密码</button></form>"""
    return _form_page("设置新密码", body, status=status)


def _safe_next(path: str | None) -> str:
    """Only a path on this site (no scheme, no host, no ``//``; no backslash, which browsers
    read as a slash) is followed after sign-in."""
    if not path or not path.startswith("/") or path.startswith("//"):
        return "/"
    if "\\" in path or any(ord(ch) < 32 for ch in path):
        return "/"
    parts = urlsplit(path)
    return "/" if parts.scheme or parts.netloc else path


# ----------------------------------------------------------------------------- wiring
CSP = (
    "default-src 'self'; script-src 'self' {hashes}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# Dash's fingerprint of a package file (``bundle.v7_4_1m1796450695.js``) or an asset (``?m=…``)
_FINGERPRINT = re.compile(r"\.v[\w-]+m[0-9a-f]+\.")


def _asset_cache(req) -> str:
    """How long a browser may keep a static file: a fingerprinted one for good (a new version
    has a new address); the few Dash loads by a fixed address (Plotly, the async chunks) for a
    day, then revalidated by their ETag."""
    if "m" in req.args or _FINGERPRINT.search(req.path):
        return "public, max-age=31536000, immutable"
    return "public, max-age=86400"


def register(app, server: Flask) -> None:
    """Sign-in routes, the request gate, CSRF and security headers on the Dash app's server."""
    server.secret_key = secret_key()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("DATABRAIN_COOKIE_SECURE") == "1",
        SESSION_COOKIE_NAME="databrain_session",
        # an upload arrives base64-encoded in a callback: a third larger than the file, plus
        # the request around it; anything longer is refused before its body is read
        MAX_CONTENT_LENGTH=config.upload_limit_mb() * 1024 * 1024 * 4 // 3 + 1024 * 1024,
    )
    csp: dict = {}  # the policy, and how many inline scripts Dash had when it was made
    manager = LoginManager(server)
    manager.session_protection = None  # the token is checked against the store on every request

    @manager.user_loader
    def load(token: str):
        user = accounts.session_user(token)
        return SignedIn(user, token) if user else None

    @server.before_request
    def gate():
        g.scope_token = access.activate(NO_ACCESS)
        path = request.path
        if path.startswith(OPEN_PREFIXES) or path == HEALTH_PATH:
            return None
        if request.method in UNSAFE_METHODS and not _csrf_ok():
            if path in (LOGIN_PATH, PASSWORD_PATH):
                return None  # the form answers with its own message
            return flask.Response("请求缺少有效的 CSRF 令牌，请刷新页面后重试。", 400)
        if path in (LOGIN_PATH, _oidc.START_PATH, _oidc.CALLBACK_PATH):
            return None
        via_header = _from_trusted_header()
        if isinstance(via_header, flask.Response):
            return via_header
        if via_header is not None:
            login_user(via_header)  # for this request only: the proxy vouches for each one
        if not current_user.is_authenticated:
            if (
                request.method == "GET"
                and path not in (CALLBACK_PATH,)
                and not path.startswith("/_")
            ):
                target = request.full_path.rstrip("?")
                return redirect(f"{LOGIN_PATH}?next={target}")
            return flask.Response("请先登录。", 401)
        if current_user.user.must_change_password and path not in (PASSWORD_PATH, LOGOUT_PATH):
            if request.method == "GET" and not path.startswith("/_"):
                return redirect(PASSWORD_PATH)
            return flask.Response("请先设置新密码。", 403)
        scope = user_scope(current_user.user)
        access.deactivate(g.scope_token)
        g.scope_token = access.activate(scope)
        if request.method == "POST" and path == CALLBACK_PATH:
            try:
                _inputs.check(request.get_json(silent=True))
            except _inputs.BadRequest as bad:
                return flask.Response(str(bad), 400, mimetype="text/plain")
            needed = _callback_permission()
            if needed and not scope.can(needed):
                audit("denied", result="denied", target=f"callback needs {needed}")
                return flask.Response(f"当前角色（{role_label(scope.role)}）无权执行此操作。", 403)
        return None

    @server.teardown_request
    def release(_exc):
        token = g.pop("scope_token", None)
        if token is not None:
            try:
                access.deactivate(token)
            except ValueError:
                access.activate(None)  # set in another context: make sure nothing is left active

    @server.after_request
    def headers(response: flask.Response) -> flask.Response:
        # Dash registers some inline scripts only while setting up on a worker's first
        # requests (the page-title callback): hash them again whenever their number changes
        scripts = len(app._inline_scripts) + len(dash_callback.GLOBAL_INLINE_SCRIPTS)
        if csp.get("scripts") != scripts:
            csp["value"] = CSP.format(hashes=" ".join(app.csp_hashes()))
            csp["scripts"] = scripts
        response.headers["Content-Security-Policy"] = csp["value"]
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith(OPEN_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        elif response.status_code == 200:
            response.headers["Cache-Control"] = _asset_cache(request)
        if "csrf" in session and request.cookies.get(CSRF_COOKIE) != session["csrf"]:
            response.set_cookie(
                CSRF_COOKIE,
                session["csrf"],
                samesite="Strict",
                secure=server.config["SESSION_COOKIE_SECURE"],
                httponly=False,  # Dash's renderer reads it to send X-CSRFToken
            )
        return response

    @server.errorhandler(413)
    def too_large(_err):
        return flask.Response(
            f"请求过大：上传文件的上限为 {config.upload_limit_mb()} MB，请拆分文件后再上传。", 413
        )

    @server.route(HEALTH_PATH)
    def health():
        """This instance is up: which warehouse version it serves, and its name
        (``DATABRAIN_NODE``, else host:pid) — what a proxy's check or a deployment test reads."""
        node = os.environ.get("DATABRAIN_NODE") or f"{socket.gethostname()}:{os.getpid()}"
        return flask.jsonify(status="ok", version=shared_warehouse().version() or None, node=node)

    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def login():
        next_path = _safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(next_path)
            return _login_form(next_path=next_path)
        username = (request.form.get("username") or "").strip()
        if not _csrf_ok():
            return _login_form("页面已过期，请重新登录。", username, next_path, status=400)
        if _too_many_failures():
            message = f"来自该地址的登录失败次数过多，请 {LOGIN_WINDOW_MINUTES} 分钟后再试。"
            return _login_form(message, username, next_path, status=429)
        user, why = accounts.authenticate(
            username, request.form.get("password") or "", ip=client_ip()
        )
        if user is None:
            return _login_form(why, username, next_path, status=401)
        return _start_session(user, next_path)

    def _start_session(user: User, next_path: str = "/") -> flask.Response:
        """A new session for a user who has proven who they are (nothing of the session before
        it is kept: no fixation)."""
        token = accounts.start_session(user, ip=client_ip())
        session.clear()
        login_user(SignedIn(user, token))
        csrf_token()  # a fresh token for the new session
        return redirect(PASSWORD_PATH if user.must_change_password else next_path)

    def _oidc_signed_in(user: User, via: str) -> flask.Response:
        accounts.record(user.username, "login", ip=client_ip(), detail={"via": via})
        return _start_session(user)

    _oidc.register(server, _oidc_signed_in)

    @server.route(LOGOUT_PATH, methods=["POST"])
    def logout():
        if current_user.is_authenticated:
            accounts.end_session(current_user.token)
            accounts.record(current_username(), "logout", ip=client_ip())
        logout_user()
        session.clear()
        return redirect(LOGIN_PATH)

    @server.route(PASSWORD_PATH, methods=["GET", "POST"])
    def change_password():
        if request.method == "GET":
            return _password_form()
        if not _csrf_ok():
            return _password_form("页面已过期，请重试。", status=400)
        current, new = request.form.get("current") or "", request.form.get("new") or ""
        if new != (request.form.get("confirm") or ""):
            return _password_form("两次输入的新密码不一致。", status=400)
        if new == current:
            return _password_form("新密码不能与当前密码相同。", status=400)
        user, why = accounts.authenticate(current_username(), current, ip=client_ip())
        if user is None:
            return _password_form(f"当前密码不正确：{why}", status=400)
        try:
            accounts.set_password(current_username(), new)
        except AccountError as err:
            return _password_form(str(err), status=400)
        current_user.user = accounts.get_user(current_username())
        return redirect("/")


def whoami() -> dict:
    """The signed-in user for the page shell: name, role label, the city or unit they are
    limited to, and whether they administer."""
    if not current_user.is_authenticated:
        return {}
    user = current_user.user
    where = region_name(user.city_code) if user.city_code else user.unit
    return {
        "username": user.username,
        "role": role_label(user.role),
        "where": where,
        "admin": current_scope().can("admin"),
    }


__all__ = [
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "audit",
    "current_scope",
    "register",
    "require_for_output",
    "user_scope",
    "whoami",
]
