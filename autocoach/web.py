"""ASGI pieces around Reflex's backend, installed through `rx.App(api_transformer=...)`,
which wraps the whole backend, including the production frontend it serves:

- security headers on every response;
- a body size limit on Reflex's `/_upload` endpoint (it has none of its own:
  `rx.upload(max_size=...)` only limits in the browser);
- the private routes: documents (decrypted on the fly, never from a public
  folder) and PDF reports, served only to their owner.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocoach.settings import get_settings

SESSION_COOKIE = "autocoach_session"
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
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)


def _not_found() -> Response:
    return Response("Document introuvable.", status_code=404, media_type="text/plain; charset=utf-8")


def _load_owned_file(session_token: str, document_id: int, thumbnail: bool):
    # Imported here: these pull the database layer, which the ASGI module
    # itself does not need at import time.
    from autocoach.services import auth, storage, vehicles

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

    from autocoach.services import analysis, auth, vehicles

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
    found = await run_in_threadpool(_owned_report, token, request.path_params["vehicle_id"])
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
    from autocoach.services import account, auth

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
        ]
    )


def limit_uploads(app: ASGIApp) -> ASGIApp:
    return UploadSizeLimitMiddleware(app, get_settings().max_upload_bytes * MAX_FILES_PER_UPLOAD)


def add_security_headers(app: ASGIApp) -> ASGIApp:
    return SecurityHeadersMiddleware(app, https=get_settings().app_uses_https)


def backend_transformers() -> list:
    """In order: our routes over Reflex's, the upload limit, headers on all, and
    outermost the request id every log line of the request carries."""
    from autocoach.observability import RequestIdMiddleware

    return [private_routes(), limit_uploads, add_security_headers, RequestIdMiddleware]
