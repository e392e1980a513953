"""The owner's garage: every vehicle as a card, or a guide to add the first one."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.account import account_menu
from autocoach.components.layout import icon_tile, page_frame
from autocoach.state.garage import GarageState
from autocoach.views.vehicle import VehicleCard




def plate_badge(plate) -> rx.Component:
    return rx.cond(
        plate != "",
        rx.badge(plate, variant="outline", color_scheme="gray", size="2", font_family="monospace"),
    )


def _vehicle_card(card: VehicleCard) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    icon_tile("car"),
                    rx.vstack(
                        rx.heading(card.title, as_="h2", size="4"),
                        rx.text(card.subtitle, size="2", color_scheme="gray"),
                        spacing="0",
                    ),
                    rx.spacer(),
                    rx.cond(
                        card.score != "",
                        rx.vstack(
                            rx.text(card.score, weight="bold", size="5", color=rx.color("accent", 11)),
                            rx.text("fiabilité", size="1", color_scheme="gray"),
                            spacing="0",
                            align="end",
                        ),
                    ),
                    width="100%",
                    align="center",
                ),
                rx.hstack(
                    plate_badge(card.plate),
                    rx.text(card.mileage, size="2", weight="medium"),
                    spacing="3",
                    align="center",
                ),
                rx.cond(
                    card.next_alert != "",
                    rx.callout(card.next_alert, icon="calendar-clock", size="1", color_scheme="amber"),
                ),
                spacing="3",
            ),
            size="3",
            class_name="vehicle-card",
        ),
        href=card.href,
        underline="none",
        color="inherit",
    )


def _empty_garage() -> rx.Component:
    return rx.card(
        rx.vstack(
            icon_tile("car-front", tile_px=64, icon_px=32, round_tile=True),
            rx.heading("Ajoutez votre première voiture", as_="h2", size="5"),
            rx.text(
                "Saisissez sa plaque d'immatriculation (AB-123-CD ou ancien format 123 ABC 75) "
                "ou remplissez un court formulaire. Vous pourrez ensuite déposer vos papiers.",
                color_scheme="gray",
                text_align="center",
                max_width="32rem",
            ),
            rx.link(
                rx.button(rx.icon("plus", size=18), "Ajouter une voiture", size="3"),
                href=routes.NEW_VEHICLE,
                underline="none",
                id="add-first-vehicle",
            ),
            align="center",
            spacing="4",
            padding_y="2rem",
        ),
        size="4",
        id="empty-garage",
    )


def dashboard_page() -> rx.Component:
    return page_frame(
        rx.hstack(
            rx.heading("Mon garage", as_="h1", size="7"),
            rx.spacer(),
            rx.cond(
                GarageState.cards.length() > 0,
                rx.link(
                    rx.button(rx.icon("plus", size=18), "Ajouter une voiture", size="2"),
                    href=routes.NEW_VEHICLE,
                    underline="none",
                    id="add-vehicle",
                ),
            ),
            align="center",
            width="100%",
            padding_y="1.5rem",
        ),
        rx.cond(
            GarageState.cards.length() > 0,
            rx.card(
                rx.hstack(
                    rx.icon("bell", size=18, color=rx.color("accent", 11)),
                    rx.el.label(
                        rx.vstack(
                            rx.text("Rappels par e-mail", weight="medium", size="2"),
                            rx.text(
                                "Un e-mail 30 jours avant chaque échéance (contrôle technique, entretien…).",
                                size="1",
                                color_scheme="gray",
                            ),
                            spacing="0",
                        ),
                        html_for="reminders-switch",
                    ),
                    rx.spacer(),
                    rx.switch(
                        id="reminders-switch",
                        checked=GarageState.reminders_on,
                        on_change=GarageState.set_reminders,
                    ),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                size="2",
                margin_bottom="1rem",
            ),
        ),
        rx.cond(
            GarageState.loaded,
            rx.cond(
                GarageState.cards.length() > 0,
                rx.grid(
                    rx.foreach(GarageState.cards, _vehicle_card),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    gap="1rem",
                    id="vehicle-list",
                ),
                _empty_garage(),
            ),
            rx.center(rx.spinner(size="3"), padding="3rem"),
        ),
        header_right=[account_menu()],
    )
