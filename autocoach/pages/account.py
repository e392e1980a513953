"""Mon compte: reminders, data export and account deletion (RGPD)."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.account import account_menu
from autocoach.components.forms import LABEL_STYLE
from autocoach.components.layout import page_frame
from autocoach.state.auth import AccountState


def account_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.link(
                rx.hstack(rx.icon("arrow-left", size=16), rx.text("Mon garage", size="2"), align="center", spacing="1"),
                href=routes.DASHBOARD,
                color_scheme="gray",
            ),
            rx.heading("Mon compte", as_="h1", size="7"),
            rx.text("Connecté en tant que ", rx.text.strong(AccountState.user_email), color_scheme="gray"),
            rx.card(
                rx.vstack(
                    rx.heading("Mes données", as_="h2", size="4"),
                    rx.text(
                        "Téléchargez tout ce qu'AutoCoach garde sur vous : votre compte, vos véhicules, "
                        "relevés, dépenses, analyses et vos documents (une archive ZIP).",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.button(rx.icon("download", size=16), "Télécharger mes données", on_click=AccountState.download_data, id="export-data"),
                    spacing="3",
                ),
                size="3",
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Supprimer mon compte", as_="h2", size="4", color_scheme="red"),
                    rx.text(
                        "Votre compte, vos véhicules, vos documents et vos analyses seront supprimés "
                        "définitivement. Pensez à télécharger vos données avant.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.el.label("Pour confirmer, saisissez votre adresse e-mail", html_for="confirm-email", style=LABEL_STYLE),
                    rx.input(id="confirm-email", type="email", value=AccountState.confirm_email, on_change=AccountState.set_confirm_email, width="100%", max_width="24rem", autocomplete="off"),
                    rx.cond(AccountState.delete_error != "", rx.text(AccountState.delete_error, color_scheme="red", size="2", role="alert", id="delete-error")),
                    rx.button(rx.icon("trash-2", size=16), "Supprimer définitivement mon compte", color_scheme="red", on_click=AccountState.delete_account, id="delete-account"),
                    spacing="3",
                ),
                size="3",
                width="100%",
            ),
            spacing="4",
            padding_y="1.5rem",
            max_width="48rem",
        ),
        header_right=[account_menu()],
    )
