"""Reflex configuration, built from AutoCoach's settings (environment / .env).

`DATABASE_URL` and `REDIS_URL` are ours; Reflex's own `REFLEX_*` variables still
override what is set here when present.
"""

import sys

import reflex as rx

from autocoach.settings import SettingsError, get_settings

try:
    settings = get_settings()
except SettingsError as exc:
    # A clear line instead of a traceback: the operator fixes .env and retries.
    print(f"AutoCoach configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None

config = rx.Config(
    app_name="autocoach",
    # Browser and backend are served from APP_URL in production (one port).
    api_url=settings.app_url,
    deploy_url=settings.app_url,
    db_url=settings.database_url,
    # With a Redis URL Reflex keeps page state in Redis, so several workers can
    # serve one owner; without it, state lives on this process's disk.
    redis_url=settings.redis_url,
    # The websocket and the API only answer our own origin.
    cors_allowed_origins=[settings.app_origin],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                appearance="light",
                accent_color="indigo",
                gray_color="slate",
                radius="large",
                scaling="100%",
            )
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
