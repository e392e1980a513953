"""Login by magic link: ask for a link, then confirm it with a click."""

from __future__ import annotations

import reflex as rx

from autocoach.components.forms import LABEL_STYLE, checked_input, field_error, owner_form

from autocoach import routes
from autocoach.components.layout import page_frame
from autocoach.state.auth import LoginState, VerifyState


def _narrow_card(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(*children, spacing="4", width="100%"),
            size="4",
            width="100%",
            max_width="28rem",
        ),
        padding_y=rx.breakpoints(initial="2rem", md="4rem"),
    )


def login_page() -> rx.Component:
    return page_frame(
        _narrow_card(
            rx.heading("Connexion", as_="h1", size="7"),
            rx.text(
                "Pas de mot de passe : saisissez votre adresse e-mail, nous vous envoyons "
                "un lien de connexion. Votre espace est créé à la première connexion.",
                color_scheme="gray",
            ),
            rx.cond(
                LoginState.logged_out,
                rx.callout("Vous êtes déconnecté.", icon="log-out", color_scheme="gray"),
            ),
            owner_form(
                rx.el.label("Adresse e-mail", html_for="login-email", style=LABEL_STYLE),
                checked_input(
                    "login-email",
                    "email",
                    LoginState.email_error,
                    type="email",
                    autocomplete="email",
                    placeholder="prenom.nom@exemple.fr",
                    value=LoginState.email,
                    on_change=LoginState.set_email,
                    size="3",
                    width="100%",
                    auto_focus=True,
                ),
                field_error(LoginState.email_error, "login-email"),
                rx.button(
                    rx.cond(LoginState.sending, rx.spinner(size="2"), rx.icon("mail", size=18)),
                    rx.cond(LoginState.sending, "Envoi en cours…", "Recevoir mon lien"),
                    type="submit",
                    size="3",
                    width="100%",
                    disabled=LoginState.sending,
                ),
                on_submit=LoginState.request_link,
                spacing="2",
            ),
            rx.cond(
                LoginState.notice != "",
                rx.callout(
                    LoginState.notice,
                    id="login-notice",
                    role="status",
                    icon=rx.cond(LoginState.notice_is_error, "triangle-alert", "mail-check"),
                    color_scheme=rx.cond(LoginState.notice_is_error, "red", "green"),
                ),
            ),
        ),
    )


def verify_page() -> rx.Component:
    return page_frame(
        _narrow_card(
            rx.heading("Connexion à AutoCoach", as_="h1", size="7"),
            rx.match(
                VerifyState.link_status,
                (
                    "checking",
                    rx.hstack(rx.spinner(), rx.text("Vérification du lien…"), align="center"),
                ),
                (
                    "valid",
                    rx.vstack(
                        rx.text(
                            "Cliquez sur le bouton pour ouvrir votre session sur cet appareil.",
                            color_scheme="gray",
                        ),
                        # A plain form: the server's answer to this POST sets the
                        # session cookie (HttpOnly). Only a click sends it, never
                        # a mail scanner merely opening the link.
                        rx.el.form(
                            rx.button(
                                rx.icon("log-in", size=18),
                                "Se connecter",
                                id="confirm-login",
                                type="submit",
                                size="3",
                                width="100%",
                            ),
                            method="post",
                            # None: the browser submits it (Reflex would prevent it).
                            on_submit=None,
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                ),
                rx.vstack(
                    rx.callout(
                        VerifyState.link_message,
                        id="link-problem",
                        role="alert",
                        icon="triangle-alert",
                        color_scheme="amber",
                    ),
                    rx.link(
                        rx.button("Recevoir un nouveau lien", size="3", width="100%"),
                        href=routes.LOGIN,
                        underline="none",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
    )
