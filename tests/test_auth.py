"""Magic-link login and sessions, against a real database and real SMTP."""

from __future__ import annotations

import email
import re
import time
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import text
from sqlmodel import select

from autocoach.db import read_session, write_session
from autocoach.models import LoginToken, User, UserSession
from autocoach.services import auth
from autocoach.settings import get_settings
from tests.conftest import SmtpSink, magic_link_in


def _token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _outbox_links(settings) -> list[str]:
    links = []
    for path in sorted(settings.mail_outbox_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        links.append(magic_link_in(message))
    return links


@pytest.fixture
def smtp_settings(app_settings, monkeypatch):
    sink = SmtpSink()
    sink.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(sink.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    get_settings.cache_clear()
    yield sink
    sink.stop()
    get_settings.cache_clear()


def test_the_link_arrives_by_smtp_in_french_text_and_html(smtp_settings):
    outcome = auth.request_login_link("Marie.Curie@Example.FR", "203.0.113.7")
    assert outcome is auth.LoginRequestOutcome.SENT
    message = smtp_settings.wait_for_message_to("marie.curie@example.fr")
    assert message["Subject"] == "Votre lien de connexion AutoCoach"
    link = magic_link_in(message)
    assert link.startswith(get_settings().app_url + "/auth/verify/")
    html = message.get_body(("html",)).get_content()
    assert link in html and "Se connecter" in html
    assert "valable 15 minutes" in message.get_body(("plain",)).get_content()
    # At least 128 bits of randomness: 32 random bytes, URL-safe base64.
    assert len(_token_of(link)) >= 43


def test_without_smtp_the_email_lands_in_the_outbox(app_settings):
    assert auth.request_login_link("paul@example.fr", "198.51.100.1") is auth.LoginRequestOutcome.SENT
    files = list(app_settings.mail_outbox_dir.glob("*.eml"))
    assert len(files) == 1
    assert app_settings.mail_outbox_dir == app_settings.data_dir / "outbox"
    assert _outbox_links(app_settings)[0].startswith("http://localhost:3000/auth/verify/")


def test_the_token_is_stored_only_as_its_hash(app_settings):
    auth.request_login_link("hash@example.fr", "client")
    token = _token_of(_outbox_links(app_settings)[0])
    with read_session() as session:
        dump = " ".join(
            str(value)
            for row in session.execute(text("SELECT * FROM login_token")).all()
            for value in row
        )
    assert token not in dump
    assert auth.sha256_hex(token) in dump


def test_a_link_logs_in_once_and_creates_the_account(app_settings):
    auth.request_login_link("new@example.fr", "client", next_path="/vehicles/new")
    token = _token_of(_outbox_links(app_settings)[0])
    assert auth.login_token_status(token) is auth.TokenStatus.VALID
    # Looking at the link does not spend it (mail scanners open links).
    assert auth.login_token_status(token) is auth.TokenStatus.VALID
    result = auth.consume_login_token(token)
    assert result.email == "new@example.fr"
    assert result.next_path == "/vehicles/new"
    assert auth.user_for_session(result.session_token) == auth.SessionUser(result.user_id, "new@example.fr")
    with read_session() as session:
        assert session.exec(select(User).where(User.email == "new@example.fr")).one().last_login
        stored = session.exec(select(UserSession)).one()
    assert stored.session_hash == auth.sha256_hex(result.session_token)
    assert result.session_token not in stored.session_hash


def test_a_replayed_token_is_refused(app_settings):
    auth.request_login_link("replay@example.fr", "client")
    token = _token_of(_outbox_links(app_settings)[0])
    auth.consume_login_token(token)
    with pytest.raises(auth.LoginFailed) as refused:
        auth.consume_login_token(token)
    assert refused.value.status is auth.TokenStatus.USED
    assert "déjà été utilisé" in str(refused.value)


def test_an_expired_token_is_refused(app_settings):
    auth.request_login_link("late@example.fr", "client")
    token = _token_of(_outbox_links(app_settings)[0])
    with write_session() as session:
        row = session.exec(select(LoginToken)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        session.add(row)
    assert auth.login_token_status(token) is auth.TokenStatus.EXPIRED
    with pytest.raises(auth.LoginFailed) as refused:
        auth.consume_login_token(token)
    assert refused.value.status is auth.TokenStatus.EXPIRED
    assert "expiré" in str(refused.value)


def test_an_unknown_token_is_refused(app_settings):
    with pytest.raises(auth.LoginFailed) as refused:
        auth.consume_login_token("x" * 43)
    assert refused.value.status is auth.TokenStatus.UNKNOWN


def test_each_login_opens_a_new_session(app_settings):
    tokens = []
    for _ in range(2):
        auth.request_login_link("twice@example.fr", "client")
    for link in _outbox_links(app_settings):
        tokens.append(auth.consume_login_token(_token_of(link)).session_token)
    assert len(set(tokens)) == 2
    with read_session() as session:
        assert len(session.exec(select(UserSession)).all()) == 2


def test_the_sixth_request_in_an_hour_sends_nothing_but_answers_the_same(smtp_settings):
    # Over the per-address limit nothing more is sent for a few minutes (see
    # tests/security for the owner getting a link again after that), and the
    # answer does not tell that anything was held back.
    for _ in range(5):
        assert auth.request_login_link("busy@example.fr", "client-1") is auth.LoginRequestOutcome.SENT
    smtp_settings.wait_for_message_to("busy@example.fr", count=5)
    assert auth.request_login_link("busy@example.fr", "client-2") is auth.LoginRequestOutcome.SENT
    time.sleep(0.5)
    assert len(smtp_settings.messages_to("busy@example.fr")) == 5


def test_one_client_is_limited_across_addresses(app_settings, monkeypatch):
    monkeypatch.setenv("LOGIN_REQUESTS_PER_CLIENT_PER_HOUR", "3")
    get_settings.cache_clear()
    outcomes = [auth.request_login_link(f"user{i}@example.fr", "198.51.100.9") for i in range(4)]
    assert outcomes[:3] == [auth.LoginRequestOutcome.SENT] * 3
    assert outcomes[3] is auth.LoginRequestOutcome.RATE_LIMITED
    assert len(list(app_settings.mail_outbox_dir.glob("*.eml"))) == 3


def test_known_and_unknown_addresses_get_the_same_answer(app_settings):
    auth.request_login_link("known@example.fr", "client")
    auth.consume_login_token(_token_of(_outbox_links(app_settings)[0]))
    known = auth.request_login_link("known@example.fr", "client")
    unknown = auth.request_login_link("stranger@example.fr", "client")
    assert known is unknown is auth.LoginRequestOutcome.SENT


def test_a_malformed_address_is_refused_in_french_and_nothing_is_stored(app_settings):
    for bad in ["", "marie", "marie@", "@example.fr", "marie@example", "a b@example.fr"]:
        with pytest.raises(auth.InvalidEmail) as refused:
            auth.request_login_link(bad, "client")
        assert re.search(r"adresse e-mail", str(refused.value))
    with read_session() as session:
        assert session.exec(select(LoginToken)).all() == []


def test_an_smtp_failure_is_reported_without_crashing(app_settings, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens there
    get_settings.cache_clear()
    assert auth.request_login_link("down@example.fr", "client") is auth.LoginRequestOutcome.MAIL_FAILED


def test_logout_revokes_the_session_on_the_server(app_settings):
    auth.request_login_link("bye@example.fr", "client")
    result = auth.consume_login_token(_token_of(_outbox_links(app_settings)[0]))
    assert auth.user_for_session(result.session_token) is not None
    assert auth.revoke_session(result.session_token) is True
    assert auth.user_for_session(result.session_token) is None
    with read_session() as session:
        assert session.exec(select(UserSession)).one().revoked_at is not None


def test_an_expired_session_is_refused(app_settings):
    auth.request_login_link("old@example.fr", "client")
    result = auth.consume_login_token(_token_of(_outbox_links(app_settings)[0]))
    with write_session() as session:
        row = session.exec(select(UserSession)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        session.add(row)
    assert auth.user_for_session(result.session_token) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/vehicles/3", "/vehicles/3"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/x", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/login", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_after_login_only_paths_inside_the_app_are_followed(raw, expected):
    assert auth.safe_next_path(raw) == expected
