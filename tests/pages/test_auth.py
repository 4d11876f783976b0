"""The request gate of the real app, by crafted requests through Flask's test client: the
intranet identity header only from trusted proxies, the sign-in rate limit, open redirects,
oversized requests and the security headers."""

from __future__ import annotations

import re

import pytest

from datasets import accounts, store


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABRAIN_DB", str(tmp_path / "wh" / "databrain.duckdb"))
    monkeypatch.delenv("DATABRAIN_STATE_URL", raising=False)
    monkeypatch.delenv("DATABRAIN_TRUSTED_HEADER", raising=False)
    monkeypatch.delenv("DATABRAIN_TRUSTED_PROXIES", raising=False)
    store.forget_engines()
    import app

    accounts.add_user("zhang", "province_leader", password="zhang password 1")
    accounts.add_user("sso", "city_user", city="320500", source="proxy")
    yield app.server.test_client()
    store.forget_engines()


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, user: str, password: str, **kw):
    return client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": _csrf(client)},
        **kw,
    )


def test_auth001_identity_header_only_when_configured_and_from_a_trusted_proxy(client, monkeypatch):
    sso = {"X-Remote-User": "sso"}
    assert client.get("/_dash-layout", headers=sso).status_code == 401  # not configured
    monkeypatch.setenv("DATABRAIN_TRUSTED_HEADER", "X-Remote-User")
    monkeypatch.setenv("DATABRAIN_TRUSTED_PROXIES", "10.0.0.5")
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert client.get("/_dash-layout", headers=sso, environ_base=proxy).status_code == 200
    elsewhere = client.get("/_dash-layout", headers=sso, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 403
    unknown = client.get("/_dash-layout", headers={"X-Remote-User": "nobody"}, environ_base=proxy)
    assert unknown.status_code == 403 and "尚未为该用户开通账号" in unknown.get_data(as_text=True)
    log = accounts.audit_entries(action="login")
    assert set(zip(log["actor"], log["result"], strict=True)) == {
        ("sso", "ok"),
        ("sso", "denied"),
        ("nobody", "failed"),
    }


def test_auth002_sign_in_is_rate_limited_per_address(client, monkeypatch):
    monkeypatch.setattr("pages._auth.LOGIN_FAILURES_PER_ADDRESS", 5)
    for _ in range(5):
        assert _sign_in(client, "ghost", "wrong password").status_code == 401
    limited = _sign_in(client, "zhang", "zhang password 1")
    assert limited.status_code == 429 and "过多" in limited.get_data(as_text=True)
    other = _sign_in(client, "zhang", "zhang password 1", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 302


def test_auth003_no_open_redirect_after_sign_in(client):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        page = client.get(f"/login?next={target}").get_data(as_text=True)
        assert 'name="next" value="/"' in page or "evil" not in page.split('name="next"')[1][:40]
    done = client.post(
        "/login",
        data={
            "username": "zhang",
            "password": "zhang password 1",
            "csrf_token": _csrf(client),
            "next": "//evil.example/x",
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == "/"


def test_auth004_headers_and_limits(client, monkeypatch):
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    cookie = page.headers.get_all("Set-Cookie")
    assert any("databrain_session" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookie)
    assert _sign_in(client, "zhang", "zhang password 1").status_code == 302
    token = client.get_cookie("_csrf_token").value
    client.application.config["MAX_CONTENT_LENGTH"] = 1024
    big = client.post(
        "/_dash-update-component",
        data="x" * 4096,
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert big.status_code == 413 and "上限" in big.get_data(as_text=True)
    client.application.config["MAX_CONTENT_LENGTH"] = 200 * 1024 * 1024 * 4 // 3 + 1024 * 1024


def test_auth005_sign_in_starts_a_new_session(client):
    before = _csrf(client)
    assert _sign_in(client, "zhang", "zhang password 1").status_code == 302
    after = client.get_cookie("_csrf_token").value
    assert after != before  # a fresh session and token: nothing carried over from before
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def _follow_to_provider_and_back(client, provider_url: str):
    """What the browser does: go to the provider, which sends it back with a code."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(provider_url, timeout=30)
    except urllib.error.HTTPError as err:  # the 302 back to the app
        back = err.headers["Location"]
    else:
        raise AssertionError("the provider did not redirect back")
    return client.get(back.removeprefix("http://localhost"))


def test_auth006_openid_connect_sign_in_for_provisioned_users_only(client, monkeypatch):

    from tests.pages.oidc_provider import Provider

    assert "统一身份认证登录" not in client.get("/login").get_data(as_text=True)
    with Provider() as idp:
        monkeypatch.setenv("DATABRAIN_OIDC_ISSUER", idp.issuer)
        monkeypatch.setenv("DATABRAIN_OIDC_CLIENT_ID", idp.client_id)
        monkeypatch.setenv("DATABRAIN_OIDC_CLIENT_SECRET", idp.client_secret)
        monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test provider speaks HTTP
        assert "统一身份认证登录" in client.get("/login").get_data(as_text=True)
        start = client.get("/login/oidc")
        assert start.status_code == 302 and start.headers["Location"].startswith(idp.issuer)
        done = _follow_to_provider_and_back(client, start.headers["Location"])
        assert done.status_code == 302 and done.headers["Location"] == "/"
        assert client.get("/_dash-layout").status_code == 200  # signed in as sso
        client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})

        idp.username = "stranger"  # known to the provider, not to this system
        start = client.get("/login/oidc")
        refused = _follow_to_provider_and_back(client, start.headers["Location"])
        assert refused.status_code == 403 and "尚未为该用户开通账号" in refused.get_data(
            as_text=True
        )
        assert client.get("/_dash-layout").status_code == 401

        forged = client.get("/login/oidc/callback?code=made-up&state=made-up")
        assert forged.status_code == 401
    log = accounts.audit_entries(action="login")
    assert ("sso", "ok") in set(zip(log["actor"], log["result"], strict=True))
    assert ("stranger", "failed") in set(zip(log["actor"], log["result"], strict=True))
