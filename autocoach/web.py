"""ASGI pieces around Reflex's backend, installed through `rx.App(api_transformer=...)`,
which wraps the whole backend, including the production frontend it serves:

- security headers on every response;
- a body size limit on Reflex's `/_upload` endpoint (it has none of its own:
  `rx.upload(max_size=...)` only limits in the browser);
- the private routes: documents (decrypted on the fly, never from a public
  folder) and PDF reports, served only to their owner;
- the session's HTTP edges: the magic link's confirmation (POST) sets the
  session cookie (HttpOnly, SameSite=Lax, Secure under https), logout is a POST
  with an origin check;
- the session handshake: before Reflex sees the event websocket, the cookie
  header is taken out and replaced by the session's hash. Reflex keeps the
  handshake's headers in every page state it stores (`router_data`, on disk or
  in Redis): they must never carry the raw session id;
- the real client address, read through the trusted reverse proxies only.
"""

from __future__ import annotations

import html
import ipaddress
import json
import tempfile
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocoach import routes
from autocoach.services import auth
from autocoach.settings import Settings, get_settings
from autocoach.state.drafts import FORGET_ALL_DRAFTS_SCRIPT

SESSION_COOKIE = "autocoach_session"
# What the event websocket carries to Reflex instead of the cookie: the
# session's hash, under a header Reflex never sends to the browser.
SESSION_HASH_HEADER = b"authorization"
SESSION_HASH_SCHEME = "AutoCoachSession "
EVENT_PATH = "/_event"
# Database ids are 64-bit: a longer number is no id (SQLite would overflow).
MAX_ID = 2**63 - 1
# One upload request may carry several files, each checked again on its own.
MAX_FILES_PER_UPLOAD = 10
UPLOAD_PATH = "/_upload"


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        # Magic-link pages carry a token in their URL: never leak it onward.
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = security_headers(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class UploadSizeLimitMiddleware:
    """Refuse upload bodies over the limit, by Content-Length and while streaming."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _refuse(self, send: Send) -> None:
        mb = self.max_body_bytes // (1024 * 1024)
        body = json.dumps(
            {"detail": f"Envoi trop volumineux : {mb} Mo au plus par envoi."}, ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await self._refuse(send)
                return
        received = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if too_large:
                # Whatever the app makes of the interrupted body (Starlette
                # answers 500 before re-raising), the answer is ours: 413.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await self._refuse(send)


# --- client address and session handshake ------------------------------------------


def client_address(peer: str, forwarded_for: str, settings: Settings) -> str:
    """The real client's address: the peer, or, through trusted proxies only,
    the address they put in X-Forwarded-For (anyone can write that header, so
    it is read from the right, one trusted hop at a time)."""
    chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if settings.trusted_proxies:
        networks = [ipaddress.ip_network(n) for n in settings.trusted_proxies]

        def trusted(address: str) -> bool:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                return False
            return any(ip in network for network in networks)

        hops = [*chain, peer]
        while len(hops) > 1 and trusted(hops[-1]):
            hops.pop()
        return hops[-1]
    if settings.trusted_proxy_hops and chain:
        hops = [*chain, peer]
        return hops[max(0, len(hops) - 1 - settings.trusted_proxy_hops)]
    return peer


def _cookie_value(headers: list[tuple[bytes, bytes]], name: str) -> str:
    # Starlette's lenient parser, as for request.cookies on the HTTP routes:
    # one odd cookie of another site must not hide ours.
    for key, value in headers:
        if key == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(name)
            if found:
                return found
    return ""


class SessionHandshakeMiddleware:
    """Real client address on every request; on the event websocket, the
    session cookie swapped for its hash.

    Reflex copies the websocket handshake's headers into `router_data`, which
    it pickles into every stored page state: the cookie header (and any
    Authorization a client sends) is removed, and the session's hash, the
    only thing page state needs to find the owner, is put in its place."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        headers = list(scope.get("headers", []))
        peer, port = (scope.get("client") or ("", 0))[:2]
        forwarded = b", ".join(v for k, v in headers if k == b"x-forwarded-for").decode("latin-1")
        scope = dict(scope, client=(client_address(peer or "", forwarded, settings), port))
        if scope["path"].startswith(EVENT_PATH):
            token = _cookie_value(headers, SESSION_COOKIE)
            headers = [(k, v) for k, v in headers if k not in (b"cookie", SESSION_HASH_HEADER)]
            if token:
                value = SESSION_HASH_SCHEME + auth.session_hash(token)
                headers.append((SESSION_HASH_HEADER, value.encode("latin-1")))
            scope["headers"] = headers
        await self.app(scope, receive, send)


def session_hash_from_headers(raw_headers) -> str:  # noqa: ANN001 - a Mapping[str, str]
    """The session's hash the handshake left for page state ("" = no session)."""
    value = str(raw_headers.get(SESSION_HASH_HEADER.decode(), "") or "")
    return value[len(SESSION_HASH_SCHEME) :] if value.startswith(SESSION_HASH_SCHEME) else ""


# --- login confirmation and logout (plain HTTP, so the cookie can be HttpOnly) --------


def _same_origin(request: Request) -> bool:
    """A state-changing POST must come from one of our own pages.

    Sec-Fetch-Site first: browsers set it and no page can forge it, and our
    pages' `Referrer-Policy: no-referrer` makes their own POSTs say `Origin: null`.
    Older browsers without it: the Origin, else the Referer, must be ours."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = get_settings().app_origin
    given = request.headers.get("origin")
    if given is not None and given != "null":
        return given == origin
    referer = urlsplit(request.headers.get("referer", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == origin


def _forbidden() -> Response:
    return Response(
        "Requête refusée : elle ne vient pas d'une page d'AutoCoach.",
        status_code=403,
        media_type="text/plain; charset=utf-8",
    )


def _client_of(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def set_session_cookie(response: Response, session_token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        max_age=settings.session_ttl_days * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.app_uses_https,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.app_uses_https
    )


async def confirm_login(request: Request) -> Response:
    """POST /auth/verify/{token}: the click on « Se connecter » spends the link
    and opens the session; the cookie comes with this answer, out of any script's reach."""
    if not _same_origin(request):
        return _forbidden()
    settings = get_settings()
    raw_token = request.path_params["token"]
    back = RedirectResponse(f"/auth/verify/{quote(raw_token, safe='')}", status_code=303)
    if not await run_in_threadpool(auth.allow_link_check, _client_of(request)):
        return back
    try:
        result = await run_in_threadpool(auth.consume_login_token, raw_token)
    except auth.LoginFailed:
        # The page shows why (used, expired, unknown) and offers a new link.
        return back
    response = RedirectResponse(result.next_path, status_code=303)
    set_session_cookie(response, result.session_token, settings)
    return response


LOGOUT_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Déconnexion · AutoCoach</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:Arial,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem">
<h1>Se déconnecter d'AutoCoach</h1>
<form method="post" action="{action}" onsubmit="{forget_drafts}"><button type="submit" id="logout-confirm"
style="padding:12px 20px;font-size:1rem">Se déconnecter</button></form>
<p><a href="{home}">Revenir à mon garage</a></p>
</body></html>"""


async def logout_page(request: Request) -> Response:
    """GET /logout does not log out (any site could link here): it asks."""
    return HTMLResponse(
        LOGOUT_PAGE.format(
            action=html.escape(routes.LOGOUT),
            home=html.escape(routes.DASHBOARD),
            forget_drafts=html.escape(FORGET_ALL_DRAFTS_SCRIPT),
        ),
        headers={"Cache-Control": "no-store"},
    )


async def logout(request: Request) -> Response:
    """POST /logout from one of our pages: the session ends on the server, the cookie goes."""
    if not _same_origin(request):
        return _forbidden()
    settings = get_settings()
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await run_in_threadpool(auth.revoke_session, token)
    response = RedirectResponse(f"{routes.LOGIN}?deconnecte=1", status_code=303)
    clear_session_cookie(response, settings)
    return response


def _not_found() -> Response:
    return Response("Document introuvable.", status_code=404, media_type="text/plain; charset=utf-8")


def _load_owned_file(session_token: str, document_id: int, thumbnail: bool):
    # Imported here: these pull the database layer, which the ASGI module
    # itself does not need at import time.
    from autocoach.services import storage, vehicles

    user = auth.user_for_session(session_token)
    if user is None:
        return None
    try:
        document = vehicles.get_document(vehicles.OwnerScope(user.user_id), document_id)
        data = storage.read_stored(document.stored_path, thumbnail=thumbnail)
    except (vehicles.NotFound, OSError, ValueError):
        return None
    return document, data


async def serve_document(request: Request) -> Response:
    """GET /files/documents/{id}[/thumbnail]: the owner's file, nobody else's."""
    thumbnail = request.url.path.rstrip("/").endswith("/thumbnail")
    if request.path_params["document_id"] > MAX_ID:
        return _not_found()
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await run_in_threadpool(
        _load_owned_file, token, request.path_params["document_id"], thumbnail
    )
    if found is None:
        # Unknown, not yours, or not logged in: the same answer.
        return _not_found()
    document, data = found
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if thumbnail:
        return Response(data, media_type="image/jpeg", headers=headers)
    filename = document.original_filename or "document"
    headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=document.mime_type, headers=headers)


def _owned_report(session_token: str, vehicle_id: int):
    from datetime import date

    from autocoach.services import analysis, vehicles

    user = auth.user_for_session(session_token)
    if user is None:
        return None
    try:
        return analysis.vehicle_report(vehicles.OwnerScope(user.user_id), vehicle_id, date.today())
    except vehicles.NotFound:
        return None


async def serve_report(request: Request) -> Response:
    """GET /files/vehicles/{id}/report.pdf: the owner's PDF report, built on request."""
    token = request.cookies.get(SESSION_COOKIE, "")
    vehicle_id = request.path_params["vehicle_id"]
    found = None
    if vehicle_id <= MAX_ID:
        found = await run_in_threadpool(_owned_report, token, vehicle_id)
    if found is None:
        return Response("Rapport introuvable.", status_code=404, media_type="text/plain; charset=utf-8")
    filename, pdf = found
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        },
    )


# Exports up to this size stay in memory; larger ones spill to an anonymous
# temporary file (no name on disk, mode 0600), closed once sent.
EXPORT_SPOOL_BYTES = 16 * 1024 * 1024
EXPORT_CHUNK_BYTES = 256 * 1024


def _owned_export(session_token: str):
    from autocoach.services import account

    user = auth.user_for_session(session_token)
    if user is None:
        return None
    spooled = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)
    try:
        account.write_export(user.user_id, spooled)
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    return spooled


async def _chunks_of(spooled) -> AsyncIterator[bytes]:
    while chunk := await run_in_threadpool(spooled.read, EXPORT_CHUNK_BYTES):
        yield chunk


async def serve_export(request: Request) -> Response:
    """GET /files/account/export.zip: all of the logged-in owner's data (RGPD)."""
    spooled = await run_in_threadpool(_owned_export, request.cookies.get(SESSION_COOKIE, ""))
    if spooled is None:
        return Response("Connectez-vous pour télécharger vos données.", status_code=404, media_type="text/plain; charset=utf-8")
    spooled.seek(0, 2)
    size = spooled.tell()
    spooled.seek(0)
    return StreamingResponse(
        _chunks_of(spooled),
        background=BackgroundTask(spooled.close),
        media_type="application/zip",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": "attachment; filename=mes-donnees-autocoach.zip",
            "Content-Length": str(size),
        },
    )


def private_routes() -> Starlette:
    return Starlette(
        routes=[
            Route("/files/account/export.zip", serve_export, methods=["GET"]),
            Route("/files/vehicles/{vehicle_id:int}/report.pdf", serve_report, methods=["GET"]),
            Route("/files/documents/{document_id:int}", serve_document, methods=["GET"]),
            Route("/files/documents/{document_id:int}/thumbnail", serve_document, methods=["GET"]),
            Route("/auth/verify/{token}", confirm_login, methods=["POST"]),
            Route(routes.LOGOUT, logout_page, methods=["GET"]),
            Route(routes.LOGOUT, logout, methods=["POST"]),
        ]
    )


def limit_uploads(app: ASGIApp) -> ASGIApp:
    return UploadSizeLimitMiddleware(app, get_settings().max_upload_bytes * MAX_FILES_PER_UPLOAD)


def add_security_headers(app: ASGIApp) -> ASGIApp:
    return SecurityHeadersMiddleware(app, https=get_settings().app_uses_https)


def backend_transformers() -> list:
    """In order: our routes over Reflex's, the upload limit, headers on all, the
    real client address and the websocket's session hash, and outermost the
    request id every log line of the request carries."""
    from autocoach.observability import RequestIdMiddleware

    return [
        private_routes(),
        limit_uploads,
        add_security_headers,
        SessionHandshakeMiddleware,
        RequestIdMiddleware,
    ]
