"""Sign-in through the province's OpenID Connect provider (Authlib), when configured.

Set ``DATABRAIN_OIDC_ISSUER`` (the provider's issuer URL; its
``/.well-known/openid-configuration`` is read), ``DATABRAIN_OIDC_CLIENT_ID`` and
``DATABRAIN_OIDC_CLIENT_SECRET``; optionally ``DATABRAIN_OIDC_USERNAME_CLAIM`` (default
``preferred_username``). The sign-in page then offers 统一身份认证登录: the browser goes to the
provider and comes back to ``/login/oidc/callback`` with a code, which the server exchanges for
an ID token whose signature, issuer, audience, expiry and nonce Authlib checks. The claim names
an account that an administrator has created (``databrain user add NAME --role …``): the
provider says who someone is, this system's roles say what they may see.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import flask
from authlib.integrations.flask_client import OAuth
from flask import Flask, request, url_for

from datasets import accounts
from datasets.accounts import User

START_PATH = "/login/oidc"
CALLBACK_PATH = "/login/oidc/callback"


def configured() -> dict | None:
    """The provider's settings from the environment, or None when OIDC is not configured."""
    issuer = os.environ.get("DATABRAIN_OIDC_ISSUER")
    client_id = os.environ.get("DATABRAIN_OIDC_CLIENT_ID")
    if not issuer or not client_id:
        return None
    return {
        "issuer": issuer.rstrip("/"),
        "client_id": client_id,
        "client_secret": os.environ.get("DATABRAIN_OIDC_CLIENT_SECRET", ""),
        "claim": os.environ.get("DATABRAIN_OIDC_USERNAME_CLAIM", "preferred_username"),
    }


def register(server: Flask, sign_in: Callable[[User, str], flask.Response]) -> None:
    """The two OIDC routes; ``sign_in(user, via)`` starts the session and answers."""
    oauth = OAuth(server)
    clients: dict[tuple, object] = {}

    def client(settings: dict):
        key = (settings["issuer"], settings["client_id"], settings["client_secret"])
        if key not in clients:
            clients[key] = oauth.register(
                f"oidc{len(clients)}",
                client_id=settings["client_id"],
                client_secret=settings["client_secret"],
                server_metadata_url=f"{settings['issuer']}/.well-known/openid-configuration",
                client_kwargs={"scope": "openid profile"},
            )
        return clients[key]

    @server.route(START_PATH)
    def oidc_start():
        settings = configured()
        if settings is None:
            flask.abort(404)
        return client(settings).authorize_redirect(url_for("oidc_callback", _external=True))

    @server.route(CALLBACK_PATH)
    def oidc_callback():
        settings = configured()
        if settings is None:
            flask.abort(404)
        try:
            token = client(settings).authorize_access_token()
        except Exception as err:  # a refused, replayed or forged answer from the provider
            accounts.record(
                "",
                "login",
                result="failed",
                ip=request.remote_addr,
                detail={"via": "oidc", "reason": str(err)[:200]},
            )
            return flask.Response(f"统一身份认证未通过：{err}", 401)
        claims = token.get("userinfo") or {}
        name = str(claims.get(settings["claim"]) or "").strip()
        user = accounts.get_user(name) if name else None
        if user is None or user.disabled:
            return unprovisioned(name, user, via="oidc", ip=request.remote_addr)
        return sign_in(user, "oidc")


def unprovisioned(name: str, user: User | None, *, via: str, ip: str | None) -> flask.Response:
    """The answer to someone the identity provider vouches for who has no usable account
    here (none, or disabled), audited as a failed sign-in."""
    reason = "no such account" if user is None else "disabled"
    accounts.record(name, "login", result="failed", ip=ip, detail={"via": via, "reason": reason})
    return flask.Response(
        "统一身份认证通过，但本系统尚未为该用户开通账号或账号已停用，请联系系统管理员。", 403
    )


def login_link() -> str:
    """The sign-in page's link to the provider (empty when OIDC is not configured)."""
    if configured() is None:
        return ""
    return f'<a class="btn btn-outline-primary w-100 mt-2" href="{START_PATH}">统一身份认证登录</a>'


__all__ = ["CALLBACK_PATH", "START_PATH", "configured", "login_link", "register"]
