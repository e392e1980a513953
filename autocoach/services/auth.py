"""Magic-link login and server-side sessions.

Rules (security brief, OWASP cheat sheets):
- tokens come from `secrets` (256 bits), only their SHA-256 is stored, they are
  single use and short-lived; the link is built from APP_URL, never from the request;
- the same answer whether the email is known or not (accounts are created at the
  first successful login, so both paths do exactly the same work);
- per-email and per-client rate limits, counted on the stored requests; over
  the per-email limit an address still gets a fresh link every few minutes, so
  nobody can lock an owner out by asking for links in their name;
- client addresses are kept only as a keyed hash (HMAC with the server secret);
- link checks are capped per client (guessing a 256-bit token is hopeless, but
  each guess costs a database lookup);
- a fresh random session id at every login, stored hashed, revocable at logout.
  The web layer turns the session cookie into the session's hash before the
  websocket reaches Reflex, so no page state ever holds the raw session id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from autocoach import routes
from autocoach.db import read_session, utcnow, write_session
from autocoach.models import LoginToken, User, UserSession
from autocoach.services import storage
from autocoach.services.mail import MailDeliveryError, OutgoingMail, send_mail
from autocoach.settings import Settings, get_settings

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits, above the 128 the brief asks for


def sha256_hex(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def session_hash(session_token: str) -> str:
    """What the database keys a session on, and all that page state ever sees."""
    return sha256_hex(session_token)


@lru_cache(maxsize=4)
def _secret_for(configured: str, secret_file: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    return storage.secret_file(Path(secret_file), lambda: secrets.token_urlsafe(32).encode("ascii"))


def server_secret() -> bytes:
    """SERVER_SECRET, or one generated once into DATA_DIR/server.secret (mode 0600)."""
    settings = get_settings()
    return _secret_for(settings.server_secret, str(settings.data_dir / "server.secret"))


def client_hash(client_id: str) -> str:
    """A client address as stored: keyed, so a leaked table cannot be reversed
    by hashing the 4 billion IPv4 addresses."""
    return hmac.new(server_secret(), f"client:{client_id}".encode(), hashlib.sha256).hexdigest()


def normalize_email(raw: str) -> str:
    """The address in canonical form; raise InvalidEmail with a French message."""
    raw = (raw or "").strip()
    if not raw:
        raise InvalidEmail("Veuillez saisir votre adresse e-mail.")
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(
            "Cette adresse e-mail n'est pas valide. Vérifiez-la, par exemple "
            "« prenom.nom@exemple.fr »."
        ) from exc
    return result.normalized.lower()


def safe_next_path(raw: str | None) -> str:
    """Only paths inside the app: an open redirect would make the link phishable."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        if not raw.startswith(("/login", "/logout", "/auth/")):
            return raw[:300]
    return routes.DASHBOARD


class InvalidEmail(ValueError):
    pass


class LoginRequestOutcome(Enum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    MAIL_FAILED = "mail_failed"
    # The request could not be recorded (database down, disk full).
    UNAVAILABLE = "unavailable"


SAME_ANSWER = "Si cette adresse est valide, un lien vous a été envoyé."
RATE_LIMITED_MESSAGE = (
    "Trop de demandes de lien depuis cette connexion. Patientez une heure avant de réessayer."
)
TOO_MANY_CHECKS_MESSAGE = (
    "Trop de liens vérifiés depuis cette connexion. Patientez une minute, puis rouvrez le lien "
    "reçu par e-mail."
)
SERVER_PROBLEM_MESSAGE = (
    "Un problème est survenu sur le serveur : votre demande n'a pas pu être enregistrée. "
    "Réessayez dans quelques minutes."
)
MAIL_FAILED_MESSAGE = (
    "Nous n'avons pas pu envoyer l'e-mail pour le moment. Réessayez dans quelques minutes."
)


def login_email(link: str, ttl_minutes: int) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the magic-link email (French)."""
    subject = "Votre lien de connexion AutoCoach"
    text = (
        "Bonjour,\n\n"
        "Pour vous connecter à AutoCoach, ouvrez ce lien puis cliquez sur « Se connecter » :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {ttl_minutes} minutes et ne fonctionne qu'une fois.\n"
        "Si vous n'avez rien demandé, ignorez simplement ce message.\n\n"
        "L'équipe AutoCoach\n"
    )
    html = f"""<!doctype html>
<html lang="fr"><body style="font-family:Arial,sans-serif;color:#1e293b;line-height:1.5">
<p>Bonjour,</p>
<p>Pour vous connecter à AutoCoach, ouvrez ce lien puis cliquez sur « Se connecter » :</p>
<p><a href="{link}" style="display:inline-block;padding:12px 20px;background:#3e63dd;color:#fff;
border-radius:8px;text-decoration:none">Ouvrir AutoCoach</a></p>
<p style="font-size:13px;color:#64748b">Ou copiez cette adresse : {link}</p>
<p>Ce lien est valable {ttl_minutes} minutes et ne fonctionne qu'une fois.<br>
Si vous n'avez rien demandé, ignorez simplement ce message.</p>
<p>L'équipe AutoCoach</p>
</body></html>"""
    return subject, text, html


def _record_link_request(
    email: str, hashed_client: str, raw_token: str, next_path: str | None, settings: Settings, now: datetime
) -> LoginRequestOutcome | None:
    """Store the new link, or say why not (None: stored, to be sent)."""
    hour_ago = now - timedelta(hours=1)
    with write_session() as session:
        per_client = session.exec(
            select(func.count())
            .select_from(LoginToken)
            .where(LoginToken.client_hash == hashed_client, LoginToken.created_at > hour_ago)
        ).one()
        if per_client >= settings.login_requests_per_client_per_hour:
            log.info("Login link refused by rate limit (client over the hourly limit)")
            return LoginRequestOutcome.RATE_LIMITED
        per_email, latest = session.exec(
            select(func.count(), func.max(LoginToken.created_at)).where(
                LoginToken.email == email, LoginToken.created_at > hour_ago
            )
        ).one()
        if per_email >= settings.login_requests_per_email_per_hour and latest is not None:
            if latest.tzinfo is None:  # SQLite gives aggregates back naive (UTC)
                latest = latest.replace(tzinfo=now.tzinfo)
            if now - latest < timedelta(minutes=settings.login_resend_minutes):
                log.info("Login link not sent: one went to this address minutes ago")
                return LoginRequestOutcome.SENT
        session.add(
            LoginToken(
                email=email,
                token_hash=sha256_hex(raw_token),
                client_hash=hashed_client,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.login_token_ttl_minutes),
                next_path=safe_next_path(next_path),
            )
        )
    return None


def request_login_link(raw_email: str, client_id: str, next_path: str | None = None) -> LoginRequestOutcome:
    """Create a magic link for this address and send it.

    `client_id` identifies the requesting client (its IP); only its keyed hash
    is kept. Over the per-email limit a fresh link still goes out when the last
    one is `login_resend_minutes` old (earlier links stay valid): asking for
    links in someone's name cannot lock them out, nor flood their mailbox.
    The answer is the same whether a link went out or not.
    Raises InvalidEmail for a malformed address (nothing stored, nothing sent).
    """
    email = normalize_email(raw_email)
    settings = get_settings()
    now = utcnow()
    hashed_client = client_hash(client_id)
    raw_token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        refused = _record_link_request(email, hashed_client, raw_token, next_path, settings, now)
    except SQLAlchemyError:
        log.exception("Login link request could not be recorded")
        return LoginRequestOutcome.UNAVAILABLE
    if refused is not None:
        return refused
    link = routes.verify_url(settings.app_url, raw_token)
    subject, text, html = login_email(link, settings.login_token_ttl_minutes)
    try:
        send_mail(OutgoingMail(to=email, subject=subject, text=text, html=html), settings)
    except MailDeliveryError:
        return LoginRequestOutcome.MAIL_FAILED
    return LoginRequestOutcome.SENT


class CheckLimiter:
    """At most `limit` link checks per client in a sliding minute, in this process.

    Kept in memory: a refused guess costs nothing, and with several workers the
    cap is per worker (still a few hundred guesses a minute against 2^256)."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client_id: str, limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:  # forget idle clients
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self.window_s}
            seen = self._seen.setdefault(client_id, deque())
            while seen and now - seen[0] >= self.window_s:
                seen.popleft()
            if len(seen) >= limit:
                return False
            seen.append(now)
            return True


_link_checks = CheckLimiter()


def allow_link_check(client_id: str) -> bool:
    """False once this client has checked too many links this minute."""
    return _link_checks.allow(client_hash(client_id), get_settings().login_checks_per_client_per_minute)


class TokenStatus(Enum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


TOKEN_STATUS_MESSAGES = {
    TokenStatus.USED: "Ce lien a déjà été utilisé. Demandez-en un nouveau pour vous connecter.",
    TokenStatus.EXPIRED: "Ce lien a expiré. Demandez-en un nouveau pour vous connecter.",
    TokenStatus.UNKNOWN: "Ce lien n'est pas valide. Demandez-en un nouveau pour vous connecter.",
}


def _find_token(session, raw_token: str) -> LoginToken | None:
    token_hash = sha256_hex(raw_token or "")
    row = session.exec(select(LoginToken).where(LoginToken.token_hash == token_hash)).first()
    # The lookup is by hash; compare again in constant time all the same.
    if row is None or not hmac.compare_digest(row.token_hash, token_hash):
        return None
    return row


def _status_of(row: LoginToken | None) -> TokenStatus:
    if row is None:
        return TokenStatus.UNKNOWN
    if row.used_at is not None:
        return TokenStatus.USED
    if row.expires_at <= utcnow():
        return TokenStatus.EXPIRED
    return TokenStatus.VALID


def login_token_status(raw_token: str) -> TokenStatus:
    """What the link is worth, without consuming it (mail scanners open links)."""
    with read_session() as session:
        return _status_of(_find_token(session, raw_token))


@dataclass(frozen=True)
class LoginResult:
    user_id: int
    email: str
    session_token: str
    next_path: str


class LoginFailed(Exception):
    def __init__(self, status: TokenStatus):
        super().__init__(TOKEN_STATUS_MESSAGES[status])
        self.status = status


def consume_login_token(raw_token: str) -> LoginResult:
    """Spend the link: mark it used, find or create the account, open a session."""
    settings = get_settings()
    now = utcnow()
    with write_session() as session:
        row = _find_token(session, raw_token)
        status = _status_of(row)
        if status is not TokenStatus.VALID:
            raise LoginFailed(status)
        # Conditional update: of two simultaneous clicks, only one wins.
        spent = session.execute(
            update(LoginToken)
            .where(LoginToken.id == row.id, LoginToken.used_at.is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:
            raise LoginFailed(TokenStatus.USED)
        user = session.exec(select(User).where(User.email == row.email)).first()
        if user is None:
            user = User(email=row.email, created_at=now)
            session.add(user)
        elif not user.is_active:
            raise LoginFailed(TokenStatus.UNKNOWN)
        user.last_login = now
        session.flush()
        session_token = secrets.token_urlsafe(TOKEN_BYTES)
        session.add(
            UserSession(
                user_id=user.id,
                session_hash=sha256_hex(session_token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(days=settings.session_ttl_days),
            )
        )
        return LoginResult(user.id, user.email, session_token, row.next_path)


@dataclass(frozen=True)
class SessionUser:
    user_id: int
    email: str


def user_for_session(session_token: str) -> SessionUser | None:
    """The logged-in user behind a session cookie, or None."""
    if not session_token:
        return None
    return user_for_session_hash(session_hash(session_token))


def user_for_session_hash(token_hash: str) -> SessionUser | None:
    """The logged-in user behind a session's hash (what page state holds), or None."""
    if not token_hash or len(token_hash) != 64:
        return None
    with read_session() as session:
        found = session.exec(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.session_hash == token_hash)
        ).first()
    if found is None:
        return None
    user_session, user = found
    if not hmac.compare_digest(user_session.session_hash, token_hash):
        return None
    if user_session.revoked_at is not None or user_session.expires_at <= utcnow():
        return None
    if not user.is_active:
        return None
    return SessionUser(user.id, user.email)


def revoke_session(session_token: str) -> bool:
    """Log out: the session id stops working on the server at once."""
    if not session_token:
        return False
    with write_session() as session:
        result = session.execute(
            update(UserSession)
            .where(
                UserSession.session_hash == sha256_hex(session_token),
                UserSession.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        return result.rowcount == 1
