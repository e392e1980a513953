"""Who is logged in, derived from the session cookie on the server.

The cookie holds a random session id; the server keeps its hash. The cookie
is set and cleared by plain HTTP answers (web.py: the link's confirmation and
logout), HttpOnly, so no script and no page state ever sees it: the websocket
handshake hands Reflex the session's hash instead (web.SessionHandshakeMiddleware).
The user id lives in a backend-only var (`_user_id`) and is re-derived from
that hash on every page load and before every data access, so a logout (here
or in another tab) takes effect at once and no id from the client is ever trusted.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

import reflex as rx

from autocoach import routes
from autocoach.services import account, auth
from autocoach.state.drafts import FORGET_ALL_DRAFTS_SCRIPT
from autocoach.web import session_hash_from_headers

log = logging.getLogger(__name__)


class SessionState(rx.State):
    user_email: str = ""
    _user_id: int | None = None

    def _session_hash(self) -> str:
        return session_hash_from_headers(self.router.headers.raw_headers)

    def _client_id(self) -> str:
        # The real address: web.py resolves it through the trusted proxies.
        return self.router.session.client_ip or "inconnu"

    def _refresh_user(self) -> auth.SessionUser | None:
        user = auth.user_for_session_hash(self._session_hash())
        self._user_id = user.user_id if user else None
        self.user_email = user.email if user else ""
        return user

    def _require_user_id(self) -> int | None:
        """The logged-in user's id, checked against the server now; None if logged out."""
        user = self._refresh_user()
        return user.user_id if user else None

    @rx.var
    def is_logged_in(self) -> bool:
        return bool(self.user_email)

    @rx.event
    def require_login(self):
        """on_load of private pages: visitors without a valid session go to /login and back."""
        if self._refresh_user() is None:
            here = self.router.url.path or routes.DASHBOARD
            query = self.router.url.query
            if query:
                here = f"{here}?{query}"
            return rx.redirect(f"{routes.LOGIN}?next={quote(here, safe='')}", replace=True)
        return None


class LoginState(SessionState):
    email: str = ""
    email_error: str = ""
    notice: str = ""
    notice_is_error: bool = False
    sending: bool = False
    logged_out: bool = False

    @rx.event
    def on_login_load(self):
        self.email_error = ""
        self.notice = ""
        self.logged_out = self.router.url.query_parameters.get("deconnecte") == "1"
        if self._refresh_user() is not None:
            return rx.redirect(self._next_path(), replace=True)
        if self.logged_out:
            # Logged out (POST /logout): unsaved form drafts of this tab go
            # too, so the next account never sees them.
            return rx.call_script(FORGET_ALL_DRAFTS_SCRIPT)
        return None

    def _next_path(self) -> str:
        return auth.safe_next_path(self.router.url.query_parameters.get("next"))

    @rx.event
    def set_email(self, value: str):
        self.email = value
        self.email_error = ""

    @rx.event
    def request_link(self, form_data: dict):
        """Check the address on the spot; only a valid one goes on to the slow send."""
        if self.sending:
            return None
        raw_email = str(form_data.get("email", self.email))
        self.email = raw_email
        self.email_error = ""
        self.notice = ""
        self.logged_out = False
        try:
            auth.normalize_email(raw_email)
        except auth.InvalidEmail as exc:
            self.email_error = str(exc)
            return None
        self.sending = True
        return LoginState.send_link

    @rx.event(background=True)
    async def send_link(self):
        # Mail delivery can take seconds: it runs outside the state lock.
        async with self:
            if not self.sending:
                return
            raw_email = self.email
            client_id = self._client_id()
            next_path = self._next_path()
        try:
            outcome = await asyncio.to_thread(
                auth.request_login_link, raw_email, client_id, next_path
            )
        except auth.InvalidEmail as exc:
            async with self:
                self.sending = False
                self.email_error = str(exc)
            return
        except Exception:
            # Database full or gone, anything: the button must not stay on
            # "Envoi en cours" forever, and the owner must know.
            log.exception("Login link request failed")
            async with self:
                self.sending = False
                self.notice, self.notice_is_error = auth.SERVER_PROBLEM_MESSAGE, True
            return
        async with self:
            self.sending = False
            if outcome is auth.LoginRequestOutcome.SENT:
                self.notice, self.notice_is_error = auth.SAME_ANSWER, False
            elif outcome is auth.LoginRequestOutcome.RATE_LIMITED:
                self.notice, self.notice_is_error = auth.RATE_LIMITED_MESSAGE, True
            elif outcome is auth.LoginRequestOutcome.UNAVAILABLE:
                self.notice, self.notice_is_error = auth.SERVER_PROBLEM_MESSAGE, True
            else:
                self.notice, self.notice_is_error = auth.MAIL_FAILED_MESSAGE, True


class VerifyState(SessionState):
    link_status: str = "checking"  # checking | valid | used | expired | unknown | limited
    link_message: str = ""

    def _token_from_url(self) -> str:
        path = self.router.url.path or ""
        prefix = "/auth/verify/"
        return path[len(prefix) :].strip("/") if path.startswith(prefix) else ""

    @rx.event
    def check_link(self):
        """on_load: look at the link without spending it (mail scanners open links).

        The click on « Se connecter » posts the page's form to the server
        (web.confirm_login), whose answer sets the HttpOnly session cookie."""
        if not auth.allow_link_check(self._client_id()):
            self.link_status = "limited"
            self.link_message = auth.TOO_MANY_CHECKS_MESSAGE
            return
        status = auth.login_token_status(self._token_from_url())
        self.link_status = status.value
        self.link_message = auth.TOKEN_STATUS_MESSAGES.get(status, "")


class AccountState(SessionState):
    """Mon compte: download everything, or delete everything."""

    confirm_email: str = ""
    delete_error: str = ""

    @rx.event
    def set_confirm_email(self, value: str):
        self.confirm_email = value
        self.delete_error = ""

    @rx.event
    def download_data(self):
        return [
            rx.download(url=routes.ACCOUNT_EXPORT),
            rx.toast.info("Préparation de vos données : le téléchargement va commencer."),
        ]

    @rx.event
    def delete_account(self):
        user_id = self._require_user_id()
        if user_id is None:
            return rx.redirect(routes.LOGIN)
        if self.confirm_email.strip().lower() != self.user_email.lower():
            self.delete_error = "Saisissez exactement votre adresse e-mail pour confirmer."
            return None
        account.delete_account(user_id)
        self._user_id = None
        self.user_email = ""
        self.confirm_email = ""
        return [
            rx.toast.success("Votre compte et toutes vos données ont été supprimés."),
            rx.redirect(routes.HOME, replace=True),
        ]
