"""Issue 16, items 1 to 3 on the HTTP side: the session cookie comes from the
server (HttpOnly), login limits cannot lock an owner out, the real client is
found through trusted proxies only, link guesses are capped, and logout is a
POST that other sites cannot send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from autocoach import web
from autocoach.db import read_session, write_session
from autocoach.models import LoginToken
from autocoach.services import auth
from autocoach.settings import SettingsError, get_settings
from tests.security.helpers import ORIGIN, edge_client, logged_in_token, new_link, outbox_links, token_of

# --- item 1: the cookie is set by the server's answer, out of scripts' reach -------


def test_confirming_the_link_sets_an_httponly_lax_cookie(app_settings):
    token = new_link(app_settings, "owner@example.fr")
    response = edge_client().post(f"/auth/verify/{token}", headers={"Origin": ORIGIN})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{web.SESSION_COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # http://localhost: a Secure cookie would never come back
    session_token = cookie.split(";")[0].split("=", 1)[1]
    assert auth.user_for_session(session_token).email == "owner@example.fr"


def test_under_https_the_cookie_is_secure(app_settings, monkeypatch):
    monkeypatch.setenv("APP_URL", "https://autocoach.example")
    get_settings.cache_clear()
    token = new_link(get_settings(), "tls@example.fr")
    response = edge_client(base_url="https://autocoach.example").post(
        f"/auth/verify/{token}", headers={"Origin": "https://autocoach.example"}
    )
    assert "secure" in {part.strip().lower() for part in response.headers["set-cookie"].split(";")}


def test_a_confirmation_posted_from_another_site_is_refused(app_settings):
    # Login CSRF: another site must not log the visitor into an account it chose.
    token = new_link(app_settings, "victim@example.fr")
    response = edge_client().post(f"/auth/verify/{token}", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert auth.login_token_status(token) is auth.TokenStatus.VALID


def test_a_spent_link_sends_back_to_its_page_without_a_cookie(app_settings):
    token = new_link(app_settings, "twice@example.fr")
    client = edge_client()
    assert client.post(f"/auth/verify/{token}", headers={"Origin": ORIGIN}).status_code == 303
    again = client.post(f"/auth/verify/{token}", headers={"Origin": ORIGIN})
    assert again.status_code == 303 and again.headers["location"] == f"/auth/verify/{token}"
    assert "set-cookie" not in again.headers


# --- item 2: nobody can lock an owner out; real client address; guesses capped -------


def _age_links(address: str, minutes: int) -> None:
    with write_session() as session:
        rows = session.exec(select(LoginToken).where(LoginToken.email == address)).all()
        for row in rows:
            session.execute(
                update(LoginToken)
                .where(LoginToken.id == row.id)
                .values(created_at=row.created_at - timedelta(minutes=minutes))
            )


def test_requests_in_someones_name_cannot_lock_them_out(app_settings):
    victim = "owner@example.fr"
    # The attack: five requests for the owner's address, from five addresses.
    for i in range(5):
        auth.request_login_link(victim, f"198.51.100.{i}")
    assert len(outbox_links(app_settings)) == 5
    # At once, the owner's own request answers the same and floods nothing...
    assert auth.request_login_link(victim, "203.0.113.7") is auth.LoginRequestOutcome.SENT
    assert len(outbox_links(app_settings)) == 5
    # ...and every link already sent still works.
    assert auth.login_token_status(token_of(outbox_links(app_settings)[0])) is auth.TokenStatus.VALID
    # A few minutes later (still within the hour), the owner gets a fresh link.
    _age_links(victim, get_settings().login_resend_minutes)
    assert auth.request_login_link(victim, "203.0.113.7") is auth.LoginRequestOutcome.SENT
    links = outbox_links(app_settings)
    assert len(links) == 6
    assert auth.consume_login_token(token_of(links[-1])).email == victim
    # And the attacker's next request right after sends nothing more.
    auth.request_login_link(victim, "198.51.100.99")
    assert len(outbox_links(app_settings)) == 6


def test_client_addresses_are_stored_as_a_keyed_hash(app_settings):
    auth.request_login_link("ip@example.fr", "192.0.2.44")
    with read_session() as session:
        stored = session.exec(select(LoginToken.client_hash)).one()
    # Not the unsalted SHA-256 anyone can recompute for every IPv4 address.
    assert stored != auth.sha256_hex("client:192.0.2.44")
    assert stored == auth.client_hash("192.0.2.44")
    secret_file = app_settings.data_dir / "server.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("hops", "proxies", "peer", "forwarded", "expected"),
    [
        # No proxy configured: X-Forwarded-For is anyone's to write, ignored.
        (0, "", "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        # One nginx: the address it appended, not what the client wrote before it.
        (1, "", "10.0.0.2", "1.2.3.4, 198.51.100.23", "198.51.100.23"),
        (2, "", "10.0.0.2", "1.2.3.4, 198.51.100.23, 10.0.0.9", "198.51.100.23"),
        # By address: trusted hops are skipped from the right, the first other one is the client.
        (0, "10.0.0.0/8", "10.0.0.2", "1.2.3.4, 198.51.100.23, 10.0.0.9", "198.51.100.23"),
        # A peer that is not a trusted proxy: its header is ignored.
        (0, "10.0.0.0/8", "203.0.113.5", "1.2.3.4", "203.0.113.5"),
    ],
)
def test_the_real_client_address_is_read_through_trusted_proxies_only(
    app_settings, monkeypatch, hops, proxies, peer, forwarded, expected
):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", str(hops))
    monkeypatch.setenv("TRUSTED_PROXIES", proxies)
    get_settings.cache_clear()
    assert web.client_address(peer, forwarded, get_settings()) == expected


def test_behind_a_proxy_each_client_has_its_own_limit(app_settings, monkeypatch):
    """Every request comes from the proxy's address: without the setting, 20
    links an hour would serve the whole site."""
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("LOGIN_REQUESTS_PER_CLIENT_PER_HOUR", "2")
    get_settings.cache_clear()
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["client"][0])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    client = TestClient(web.SessionHandshakeMiddleware(app), client=("10.0.0.2", 4000))
    for visitor in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        client.get("/", headers={"X-Forwarded-For": f"6.6.6.6, {visitor}"})
    assert seen == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    outcomes = [auth.request_login_link(f"u{i}@example.fr", ip) for i, ip in enumerate(seen)]
    assert outcomes == [auth.LoginRequestOutcome.SENT] * 3


def test_link_guesses_are_capped_per_client(app_settings, monkeypatch):
    monkeypatch.setenv("LOGIN_CHECKS_PER_CLIENT_PER_MINUTE", "5")
    get_settings.cache_clear()
    real = new_link(app_settings, "guessed@example.fr")
    client = edge_client(client=("192.0.2.200", 5000))
    for i in range(5):
        guess = client.post(f"/auth/verify/{'A' * 42}{i}", headers={"Origin": ORIGIN})
        assert guess.status_code == 303 and "set-cookie" not in guess.headers
    # Capped: even the right token is not looked at from this client for now...
    capped = client.post(f"/auth/verify/{real}", headers={"Origin": ORIGIN})
    assert "set-cookie" not in capped.headers
    assert auth.login_token_status(real) is auth.TokenStatus.VALID
    assert auth.allow_link_check("192.0.2.200") is False
    # ...while the owner, elsewhere, is not affected.
    owner = edge_client(client=("203.0.113.1", 5000))
    assert "set-cookie" in owner.post(f"/auth/verify/{real}", headers={"Origin": ORIGIN}).headers


# --- item 3: logout is a POST from our own pages --------------------------------------


def test_a_link_to_logout_from_another_site_does_not_log_out(app_settings):
    session_token = logged_in_token(app_settings, "stay@example.fr")
    client = edge_client(cookies={web.SESSION_COOKIE: session_token})
    page = client.get("/logout", headers={"Referer": "https://evil.example/"})
    assert page.status_code == 200 and "Se déconnecter" in page.text
    assert auth.user_for_session(session_token) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": ORIGIN},  # a sibling subdomain
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {},  # nothing to tell where it comes from: refused too
    ],
)
def test_a_logout_posted_from_another_site_is_refused(app_settings, headers):
    session_token = logged_in_token(app_settings, "stay@example.fr")
    client = edge_client(cookies={web.SESSION_COOKIE: session_token})
    response = client.post("/logout", headers=headers)
    assert response.status_code == 403
    assert auth.user_for_session(session_token) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": ORIGIN},
        # What Chromium sends from our pages (Referrer-Policy: no-referrer).
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_a_logout_from_our_page_ends_the_session_and_clears_the_cookie(app_settings, headers):
    session_token = logged_in_token(app_settings, "bye@example.fr")
    client = edge_client(cookies={web.SESSION_COOKIE: session_token})
    response = client.post("/logout", headers=headers)
    assert response.status_code == 303 and response.headers["location"] == "/login?deconnecte=1"
    assert response.headers["set-cookie"].startswith(f'{web.SESSION_COOKIE}=""')
    assert auth.user_for_session(session_token) is None


# --- item 7: ids out of range on the HTTP routes ----------------------------------------


def test_a_23_digit_id_in_a_file_route_is_not_found_not_a_server_error(app_settings):
    session_token = logged_in_token(app_settings, "digits@example.fr")
    client = edge_client(cookies={web.SESSION_COOKIE: session_token})  # raises on a 500
    for path in ("/files/documents/", "/files/vehicles/"):
        suffix = "/report.pdf" if "vehicles" in path else ""
        response = client.get(f"{path}{'9' * 23}{suffix}")
        assert response.status_code == 404, path


# --- item 1: Redis URLs with a password or TLS -------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["redis://:s3cret@127.0.0.1:6379/0", "rediss://:s3cret@redis.internal:6380/0", "unix:///run/redis.sock"],
)
def test_redis_urls_with_a_password_or_tls_are_accepted(app_settings, monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    get_settings.cache_clear()
    assert get_settings().redis_url == url


def test_a_redis_url_of_another_kind_is_refused_at_start(app_settings, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="rediss://"):
        get_settings()
