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


def vehicle_url(vehicle_id) -> str:
    return f"/vehicles/{vehicle_id}"


def verify_url(app_url: str, token: str) -> str:
    """The magic link; its host always comes from the APP_URL setting."""
    return f"{app_url.rstrip('/')}/auth/verify/{token}"


def edit_vehicle_url(vehicle_id) -> str:
    """Also takes a Reflex Var: the f-string becomes a client-side template."""
    return f"/vehicles/{vehicle_id}/edit"


# Private files, served by web.py to their owner only.
ACCOUNT_EXPORT = "/files/account/export.zip"


def report_url(vehicle_id) -> str:
    return f"/files/vehicles/{vehicle_id}/report.pdf"


def document_url(document_id: int) -> str:
    return f"/files/documents/{document_id}"


def document_thumbnail_url(document_id: int) -> str:
    return f"/files/documents/{document_id}/thumbnail"
