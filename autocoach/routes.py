"""Route paths and URL builders, in one place so links never drift."""

from __future__ import annotations

HOME = "/"
LOGIN = "/login"
LOGOUT = "/logout"
VERIFY = "/auth/verify/[token]"
DASHBOARD = "/dashboard"
ACCOUNT = "/account"
NEW_VEHICLE = "/vehicles/new"
VEHICLE = "/vehicles/[vehicle_id]"
EDIT_VEHICLE = "/vehicles/[vehicle_id]/edit"
LEGAL = "/mentions-legales"
PRIVACY = "/confidentialite"
TERMS = "/conditions"


def vehicle_url(vehicle_id: int) -> str:
    return f"/vehicles/{vehicle_id}"


def verify_url(app_url: str, token: str) -> str:
    """The magic link; its host always comes from the APP_URL setting."""
    return f"{app_url.rstrip('/')}/auth/verify/{token}"
