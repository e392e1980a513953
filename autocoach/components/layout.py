"""The shared frame of every page: header, main area, footer."""

from __future__ import annotations

import reflex as rx

from autocoach import routes

MAX_WIDTH = "72rem"


def icon_tile(icon: str, *, tile_px: int = 44, icon_px: int = 22, round_tile: bool = False) -> rx.Component:
    """An accent-tinted square (or disc) holding an icon, at the head of a card."""
    return rx.center(
        rx.icon(icon, size=icon_px, color=rx.color("accent", 11)),
        background=rx.color("accent", 3),
        border_radius="50%" if round_tile else "12px",
        width=f"{tile_px}px",
        height=f"{tile_px}px",
        flex_shrink="0",
    )


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("gauge", size=20, color="white"),
                background=rx.color("accent", 9),
                border_radius="10px",
                width="34px",
                height="34px",
            ),
            rx.text("AutoCoach", weight="bold", size="5", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href=routes.HOME,
        underline="none",
        aria_label="AutoCoach, accueil",
    )


def header(*right: rx.Component) -> rx.Component:
    """Top bar; pages pass what goes on the right (login button, account menu)."""
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.spacer(),
            *right,
            align="center",
            width="100%",
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1.5rem"],
            padding_y="0.75rem",
            spacing="3",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(10px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.flex(
            rx.vstack(
                logo(),
                rx.text(
                    "Le copilote des propriétaires de voitures d'occasion.",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="2",
            ),
            rx.spacer(),
            rx.vstack(
                rx.text("Vos données restent les vôtres", weight="medium", size="2"),
                rx.text(
                    "Documents chiffrés, jamais revendus. Fonctionne sans IA externe.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.el.nav(
                    rx.link("Mentions légales", href=routes.LEGAL, size="2", id="footer-legal"),
                    rx.link("Confidentialité", href=routes.PRIVACY, size="2", id="footer-privacy"),
                    rx.link("Conditions d'utilisation", href=routes.TERMS, size="2", id="footer-terms"),
                    aria_label="Informations légales",
                    class_name="footer-links",
                ),
                spacing="2",
                max_width="22rem",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="1.5rem",
            width="100%",
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1.5rem"],
            padding_y="2rem",
        ),
        border_top=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 2),
        margin_top="4rem",
    )


def page_frame(*children: rx.Component, header_right: list[rx.Component] | None = None) -> rx.Component:
    """A full page: header, a centred main column, footer."""
    return rx.box(
        rx.el.a(
            "Aller au contenu",
            href="#contenu",
            class_name="skip-link",
        ),
        header(*(header_right or [])),
        rx.el.main(
            *children,
            id="contenu",
            width="100%",
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1.5rem"],
            flex="1 0 auto",
        ),
        footer(),
        display="flex",
        flex_direction="column",
        min_height="100vh",
        background=rx.color("gray", 1),
    )


def connection_overlay() -> rx.Component:
    """Shown while the page has lost the server: French, calm, and honest about
    what is kept (replaces Reflex's English toast)."""
    from reflex_components_core.core.banner import has_connection_errors

    return rx.cond(
        has_connection_errors,
        rx.box(
            rx.callout(
                "Connexion au serveur perdue : nous réessayons automatiquement. "
                "Ce que vous avez enregistré est conservé.",
                icon="wifi-off",
                color_scheme="amber",
                role="status",
                id="connection-lost",
            ),
            position="fixed",
            bottom="1rem",
            left="50%",
            transform="translateX(-50%)",
            z_index="1000",
            width="min(36rem, calc(100vw - 2rem))",
        ),
    )


def section_card(
    title: str,
    *children: rx.Component,
    card_id: str = "",
    icon: str = "",
    aside: rx.Component | None = None,
    **props,
) -> rx.Component:
    """A card with an h2 title (an icon before it, something to its right), then its content."""
    heading = rx.hstack(
        *([rx.icon(icon, size=18, color=rx.color("accent", 11))] if icon else []),
        rx.heading(title, as_="h2", size="4"),
        *([rx.spacer(), aside] if aside is not None else []),
        align="center",
        spacing="2",
        width="100%",
    )
    return rx.card(
        rx.vstack(heading, *children, spacing="3", width="100%"),
        size="3",
        width="100%",
        **({"id": card_id} if card_id else {}),
        **props,
    )
