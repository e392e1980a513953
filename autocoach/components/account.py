"""The logged-in owner's corner of the header."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.state.auth import SessionState
from autocoach.state.drafts import FORGET_ALL_DRAFTS_SCRIPT

LOGOUT_FORM_ID = "logout-form"


def logout_form() -> rx.Component:
    """Logout is a POST from our own page (the server checks the origin): a
    link from another site cannot end the session."""
    return rx.el.form(
        id=LOGOUT_FORM_ID, method="post", action=routes.LOGOUT, on_submit=None, display="none"
    )


def account_menu() -> rx.Component:
    return rx.fragment(logout_form(), _menu())


def _menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", size=18),
                rx.text(SessionState.user_email, display=["none", "inline"], max_width="14rem", truncate=True),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                size="2",
                id="account-menu",
                # The name holds the visible text (the address), as WCAG 2.5.3 asks.
                aria_label="Mon compte : " + SessionState.user_email,
            ),
        ),
        rx.menu.content(
            rx.menu.item(
                rx.icon("car", size=16), "Mon garage", on_click=rx.redirect("/dashboard")
            ),
            rx.menu.item(
                rx.icon("user-cog", size=16), "Mon compte", on_click=rx.redirect("/account"), id="account-link"
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("log-out", size=16),
                "Se déconnecter",
                # Unsaved form drafts of this tab go first: the next account never sees them.
                on_click=rx.call_script(
                    f"{FORGET_ALL_DRAFTS_SCRIPT}; document.getElementById('{LOGOUT_FORM_ID}').submit()"
                ),
                id="logout",
            ),
        ),
    )
