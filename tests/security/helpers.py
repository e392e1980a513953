"""Shared pieces of the attack replays: a logged-in owner in-process, the
app's HTTP edges as an ASGI app, the magic links of the outbox."""

from __future__ import annotations

import email
from email import policy

from starlette.testclient import TestClient

from autocoach import web
from autocoach.services import auth
from tests.conftest import magic_link_in

ORIGIN = "http://localhost:3000"  # APP_URL's origin in app_settings


def outbox_links(settings) -> list[str]:
    links = []
    for path in sorted(settings.mail_outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        links.append(magic_link_in(email.message_from_bytes(path.read_bytes(), policy=policy.default)))
    return links


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def new_link(settings, address: str, client: str = "203.0.113.10") -> str:
    before = len(outbox_links(settings))
    assert auth.request_login_link(address, client) is auth.LoginRequestOutcome.SENT
    links = outbox_links(settings)
    assert len(links) == before + 1, "no new link was sent"
    return token_of(links[-1])


def logged_in_token(settings, address: str) -> str:
    return auth.consume_login_token(new_link(settings, address)).session_token


def edge_client(**kwargs) -> TestClient:
    """The app's own routes behind the same middleware as in production
    (Reflex's part is not needed to replay these attacks)."""
    app = web.SessionHandshakeMiddleware(web.private_routes())
    kwargs.setdefault("base_url", ORIGIN)
    return TestClient(app, follow_redirects=False, **kwargs)
