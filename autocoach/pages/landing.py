"""The public landing page: what AutoCoach does, shown on an example car."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.deferred import after_first_paint
from autocoach.components.layout import icon_tile, page_frame


def _login_button() -> rx.Component:
    return rx.link(
        rx.button("Se connecter", variant="soft", size="2"),
        href=routes.LOGIN,
        underline="none",
    )


def _section_title(eyebrow: str, title: str, lead: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.text(eyebrow, size="2", weight="bold", color=rx.color("accent", 11)),
        rx.heading(title, as_="h2", size=rx.breakpoints(initial="6", md="7")),
        *([rx.text(lead, size="3", color_scheme="gray")] if lead else []),
        spacing="2",
        align="center",
        text_align="center",
        max_width="40rem",
        margin_x="auto",
        margin_bottom="2rem",
    )


def hero() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.badge(
                rx.icon("shield-check", size=14),
                "Sans mot de passe, sans engagement",
                size="2",
                radius="full",
                variant="soft",
            ),
            rx.heading(
                "Votre voiture d'occasion, enfin claire.",
                as_="h1",
                size=rx.breakpoints(initial="8", md="9"),
                line_height="1.1",
            ),
            rx.text(
                "AutoCoach lit vos papiers (rapport Histovec, carte grise, factures de garage), "
                "calcule ce que votre voiture vous coûte vraiment chaque mois, évalue sa santé "
                "et vous dit quand et à quel prix la vendre. Il rédige même l'annonce.",
                size="4",
                color_scheme="gray",
            ),
            rx.flex(
                rx.link(
                    rx.button(
                        "Commencer gratuitement",
                        rx.icon("arrow-right", size=18),
                        size="4",
                    ),
                    href=routes.LOGIN,
                    underline="none",
                    id="cta-hero",
                ),
                rx.link(
                    rx.button("Voir un exemple", size="4", variant="outline"),
                    href="#fonctionnalites",
                    underline="none",
                ),
                gap="0.75rem",
                wrap="wrap",
            ),
            rx.hstack(
                rx.icon("lock", size=16, color=rx.color("gray", 10)),
                rx.text(
                    "Vos documents sont chiffrés et ne sont visibles que par vous.",
                    size="2",
                    color_scheme="gray",
                ),
                align="center",
            ),
            spacing="5",
            flex="1 1 0",
            min_width="0",
        ),
        rx.box(
            _score_demo(),
            flex="1 1 0",
            width="100%",
            max_width="26rem",
        ),
        id="hero",
        as_="section",
        direction=rx.breakpoints(initial="column", md="row"),
        align="center",
        gap="2.5rem",
        padding_y=rx.breakpoints(initial="2.5rem", md="5rem"),
    )


def _meter(label: str, value: str, percent: int) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(label, size="2"),
            rx.spacer(),
            rx.text(value, size="2", weight="medium"),
            width="100%",
        ),
        rx.progress(value=percent, size="1", aria_label=f"{label} : {value}"),
        spacing="1",
        width="100%",
    )


def _score_demo() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text("Peugeot 208 · 2019 · 63 890 km", size="2", color_scheme="gray"),
                    rx.text("Score de fiabilité", weight="bold", size="3"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.badge("Exemple", variant="surface"),
                width="100%",
            ),
            rx.hstack(
                rx.text("7,8", size="9", weight="bold", color=rx.color("accent", 11)),
                rx.text("/ 10", size="5", color_scheme="gray"),
                align="baseline",
                spacing="1",
            ),
            rx.vstack(
                _reason("circle-check", "green", "Entretien suivi : 5 factures en 4 ans"),
                _reason("circle-check", "green", "Contrôle technique favorable en 2025"),
                _reason("triangle-alert", "amber", "Moteur 1.2 PureTech : courroie à surveiller"),
                spacing="2",
            ),
            rx.separator(size="4"),
            rx.hstack(
                rx.vstack(
                    rx.text("Coût réel", size="1", color_scheme="gray"),
                    rx.text("384 € / mois", weight="bold"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text("Prix conseillé", size="1", color_scheme="gray"),
                    rx.text("12 500 €", weight="bold"),
                    spacing="0",
                    align="end",
                ),
                width="100%",
            ),
            spacing="4",
        ),
        size="3",
        box_shadow="0 12px 40px -12px rgba(15, 23, 42, 0.25)",
    )


def _reason(icon: str, color: str, text: str) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, color=rx.color(color, 10), flex_shrink="0"),
        rx.text(text, size="2"),
        align="center",
        spacing="2",
    )


def _feature_card(icon: str, title: str, text: str, *demo: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            icon_tile(icon),
            rx.heading(title, as_="h3", size="4"),
            rx.text(text, size="2", color_scheme="gray"),
            *demo,
            spacing="3",
            height="100%",
        ),
        size="3",
        class_name="feature-card",
    )


def features() -> rx.Component:
    return rx.box(
        _section_title(
            "Fonctionnalités",
            "Tout ce qu'il faut savoir sur votre voiture, sur une seule page",
            "Un exemple de ce que vous obtenez pour une citadine de 2019.",
        ),
        rx.grid(
            _feature_card(
                "heart-pulse",
                "Score de fiabilité",
                "Une note de 1 à 10 expliquée : âge, kilométrage, entretien, contrôles "
                "techniques, points faibles connus du moteur.",
                _meter("Entretien", "très bon", 85),
                _meter("Kilométrage / âge", "normal", 65),
            ),
            _feature_card(
                "wallet",
                "Coût réel par mois",
                "Décote, carburant, assurance, entretien, contrôle technique : "
                "chaque poste avec sa base de calcul.",
                _meter("Décote", "142 €", 37),
                _meter("Carburant", "108 €", 28),
                _meter("Assurance", "45 €", 12),
            ),
            _feature_card(
                "trending-up",
                "Conseil de revente",
                "La fourchette de valeur aujourd'hui, le prix à afficher, le prix à accepter "
                "et le meilleur moment pour vendre.",
                rx.callout(
                    "Vendez avant mars 2027 : le contrôle technique arrive et la voiture "
                    "passera 80 000 km.",
                    icon="calendar-clock",
                    size="1",
                ),
            ),
            _feature_card(
                "file-text",
                "Annonce prête à publier",
                "Un texte clair pour LeBonCoin ou La Centrale, avec les mentions "
                "obligatoires, à modifier et copier en un clic.",
                rx.code(
                    "Peugeot 208 1.2 PureTech 100 Allure · 03/2019 · 63 890 km · 12 500 €",
                    size="1",
                    white_space="normal",
                ),
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            gap="1rem",
        ),
        id="fonctionnalites",
        as_="section",
        padding_y="3rem",
    )


def _step(number: str, title: str, text: str) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.text(number, weight="bold", color="white"),
            background=rx.color("accent", 9),
            border_radius="50%",
            width="36px",
            height="36px",
            flex_shrink="0",
        ),
        rx.vstack(
            rx.text(title, weight="bold"),
            rx.text(text, size="2", color_scheme="gray"),
            spacing="1",
        ),
        align="start",
        spacing="3",
    )


def how_it_works() -> rx.Component:
    return rx.box(
        _section_title("Comment ça marche", "Trois minutes pour tout savoir"),
        rx.grid(
            _step("1", "Connectez-vous", "Votre adresse e-mail suffit : nous vous envoyons un lien."),
            _step(
                "2",
                "Ajoutez votre voiture",
                "Par sa plaque (AB-123-CD ou ancien format) ou avec un formulaire simple.",
            ),
            _step(
                "3",
                "Déposez vos papiers",
                "Histovec, carte grise, factures : ils sont lus automatiquement.",
            ),
            columns=rx.breakpoints(initial="1", md="3"),
            gap="1.5rem",
        ),
        as_="section",
        padding_y="2rem",
    )


def call_to_action() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading("Prêt à y voir clair ?", as_="h2", size="6"),
                rx.text(
                    "Gratuit, sans mot de passe. Vos documents restent privés.",
                    color_scheme="gray",
                ),
                spacing="2",
            ),
            rx.spacer(),
            rx.link(
                rx.button("Créer mon espace", rx.icon("arrow-right", size=18), size="3"),
                href=routes.LOGIN,
                underline="none",
                id="cta-bottom",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="center"),
            gap="1rem",
        ),
        size="4",
        background=rx.color("accent", 2),
        id="appel-a-l-action",
    )


def landing_page() -> rx.Component:
    return page_frame(
        hero(),
        after_first_paint(
            features(),
            how_it_works(),
            call_to_action(),
        ),
        header_right=[_login_button()],
    )
