"""ASGI pieces around Reflex's backend: security headers on every response.

Installed through `rx.App(api_transformer=...)`, which wraps the whole backend,
including the production frontend it serves on the same port.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocoach.settings import get_settings


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


def wrap_backend(app: ASGIApp) -> ASGIApp:
    return SecurityHeadersMiddleware(app, https=get_settings().app_uses_https)
