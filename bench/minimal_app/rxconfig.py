"""The floor for the web bench: the smallest Reflex app (one page, one counter)."""

import os

import reflex as rx

port = os.environ.get("MINIMAL_PORT", "3100")
config = rx.Config(
    app_name="minimal",
    api_url=f"http://localhost:{port}",
    deploy_url=f"http://localhost:{port}",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
