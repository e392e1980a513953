"""Issue 16, item 1 on the ASGI side: what reaches Reflex's event websocket.

Reflex copies the websocket handshake's headers into `router_data` and stores
them with every page state (`.states/*.pkl`, Redis). The web layer takes the
cookie out and puts the session's hash in its place; a client cannot bring a
hash of its own (one read from a stolen state file, say)."""

from __future__ import annotations

from starlette.testclient import TestClient

from autocoach import web
from autocoach.services import auth


def _captured(headers: dict[str, str], path: str = "/_event/") -> dict[str, str]:
    seen: dict = {}

    async def app(scope, receive, send):
        seen.update({k.decode(): v.decode() for k, v in scope["headers"]})
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    TestClient(web.SessionHandshakeMiddleware(app)).get(path, headers=headers)
    return seen


def test_the_event_socket_gets_the_sessions_hash_never_the_cookie(app_settings):
    token = "s" * 43
    seen = _captured({"Cookie": f"theme=dark; {web.SESSION_COOKIE}={token}"})
    assert "cookie" not in seen
    assert token not in " ".join(seen.values())
    assert web.session_hash_from_headers(seen) == auth.session_hash(token)


def test_a_hash_brought_by_the_client_is_thrown_away(app_settings):
    stolen = auth.session_hash("t" * 43)
    seen = _captured({"Authorization": f"{web.SESSION_HASH_SCHEME}{stolen}"})
    assert web.session_hash_from_headers(seen) == ""
    # With a cookie of its own, the client gets its own session's hash, not the stolen one.
    seen = _captured(
        {"Authorization": f"{web.SESSION_HASH_SCHEME}{stolen}", "Cookie": f"{web.SESSION_COOKIE}=mine"}
    )
    assert web.session_hash_from_headers(seen) == auth.session_hash("mine")


def test_other_paths_keep_their_cookie(app_settings):
    # The private file routes read the cookie themselves.
    seen = _captured({"Cookie": f"{web.SESSION_COOKIE}=abc"}, path="/files/documents/1")
    assert seen["cookie"] == f"{web.SESSION_COOKIE}=abc"
    assert "authorization" not in seen


def test_an_odd_cookie_of_another_kind_does_not_hide_the_session(app_settings):
    seen = _captured({"Cookie": f'prefs={{"a": "b c"}}; {web.SESSION_COOKIE}=tok'})
    assert web.session_hash_from_headers(seen) == auth.session_hash("tok")
