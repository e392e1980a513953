"""The logged-in owner's corner of the header."""

from __future__ import annotations

import reflex as rx

from autocoach.state.auth import SessionState


def account_menu() -> rx.Component:
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
                on_click=SessionState.logout,
                id="logout",
            ),
        ),
    )
