"""The public landing page: what AutoCoach does, shown on an example car.

Plain HTML elements styled by assets/autocoach.css (classes `lp-*`), with
Radix's button classes on links: the first page people see loads and paints
fast, with few elements (bench/bench_web.py compares it with a minimal app).
The whole page is in the prerendered HTML: rendering the lower sections on
the client after the first paint kept the main thread busy longer.
Every figure shown is labelled as an example of what the app computes.
"""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.layout import page_frame

_BUTTON = "rt-reset rt-BaseButton rt-Button rt-r-size-{size} rt-variant-{variant}"


def _link_button(text: str, href: str, *, size: int = 4, variant: str = "solid", **props) -> rx.Component:
    """A link that looks like a Radix button (one element, no button inside a link)."""
    return rx.el.a(text, href=href, class_name=_BUTTON.format(size=size, variant=variant), **props)


def _login_button() -> rx.Component:
    return _link_button("Se connecter", routes.LOGIN, size=2, variant="soft")


def _section_title(eyebrow: str, title: str, lead: str | None = None) -> rx.Component:
    return rx.el.header(
        rx.el.p(eyebrow, class_name="lp-eyebrow"),
        rx.el.h2(title, class_name="lp-h2"),
        *([rx.el.p(lead, class_name="lp-muted")] if lead else []),
        class_name="lp-section-title",
    )


def hero() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.p("Sans mot de passe, sans engagement", class_name="lp-pill"),
            rx.el.h1("Votre voiture d'occasion, enfin claire.", class_name="lp-h1"),
            rx.el.p(
                "AutoCoach lit vos papiers (rapport Histovec, carte grise, factures de garage), "
                "calcule ce que votre voiture vous coûte vraiment chaque mois, évalue sa santé "
                "et vous dit quand et à quel prix la vendre. Il rédige même l'annonce.",
                class_name="lp-lead",
            ),
            rx.el.div(
                _link_button("Commencer gratuitement →", routes.LOGIN, id="cta-hero"),
                _link_button("Voir un exemple", "#fonctionnalites", variant="outline"),
                class_name="lp-actions",
            ),
            rx.el.p("Vos documents sont chiffrés et ne sont visibles que par vous.", class_name="lp-muted lp-small"),
            class_name="lp-hero-text",
        ),
        _score_demo(),
        id="hero",
        class_name="lp-hero",
    )


def _score_demo() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.p("Exemple · Peugeot 208 · 2019 · 63 890 km", class_name="lp-muted lp-small"),
            rx.el.p("Score de fiabilité", class_name="lp-strong"),
        ),
        rx.el.p(rx.el.span("7,8", class_name="lp-score"), " / 10", class_name="lp-muted"),
        rx.el.ul(
            rx.el.li("Entretien suivi : 5 factures en 4 ans", class_name="lp-good"),
            rx.el.li("Contrôle technique favorable en 2025", class_name="lp-good"),
            rx.el.li("Moteur 1.2 PureTech : courroie à surveiller", class_name="lp-warn"),
            class_name="lp-reasons",
        ),
        rx.el.dl(
            rx.el.div(rx.el.dt("Coût réel"), rx.el.dd("384 € / mois")),
            rx.el.div(rx.el.dt("Prix conseillé"), rx.el.dd("12 500 €")),
            class_name="lp-figures",
        ),
        class_name="lp-card lp-demo",
    )


def _meter(label: str, value: str, percent: int) -> rx.Component:
    return rx.el.div(
        rx.el.span(label),
        rx.el.span(value, class_name="lp-strong"),
        rx.el.span(rx.el.span(style={"width": f"{percent}%"}), class_name="lp-bar", aria_hidden="true"),
        class_name="lp-meter",
    )


def _feature_card(title: str, text: str, *demo: rx.Component) -> rx.Component:
    return rx.el.article(
        rx.el.h3(title, class_name="lp-h3"),
        rx.el.p(text, class_name="lp-muted lp-small"),
        *demo,
        class_name="lp-card feature-card",
    )


def features() -> rx.Component:
    return rx.el.section(
        _section_title(
            "Fonctionnalités",
            "Tout ce qu'il faut savoir sur votre voiture, sur une seule page",
            "Un exemple de ce que vous obtenez pour une citadine de 2019 : ces chiffres sont ceux "
            "que l'application calcule, pas des avis de clients.",
        ),
        rx.el.div(
            _feature_card(
                "Score de fiabilité",
                "Une note de 1 à 10 expliquée : âge, kilométrage, entretien, contrôles "
                "techniques, points faibles connus du moteur.",
                _meter("Entretien", "très bon", 85),
                _meter("Kilométrage / âge", "normal", 65),
            ),
            _feature_card(
                "Coût réel par mois",
                "Décote, carburant, assurance, entretien, contrôle technique : "
                "chaque poste avec sa base de calcul.",
                _meter("Décote", "142 €", 37),
                _meter("Carburant", "108 €", 28),
                _meter("Assurance", "45 €", 12),
            ),
            _feature_card(
                "Conseil de revente",
                "La fourchette de valeur aujourd'hui, le prix à afficher, le prix à accepter "
                "et le meilleur moment pour vendre.",
                rx.el.p(
                    "Vendez avant mars 2027 : le contrôle technique arrive et la voiture "
                    "passera 80 000 km.",
                    class_name="lp-note",
                ),
            ),
            _feature_card(
                "Annonce prête à publier",
                "Un texte clair pour LeBonCoin ou La Centrale, avec les mentions "
                "obligatoires, à modifier et copier champ par champ.",
                rx.el.p(
                    "Peugeot 208 1.2 PureTech 100 Allure · 03/2019 · 63 890 km · 12 500 €",
                    class_name="lp-note lp-mono",
                ),
            ),
            class_name="lp-grid lp-grid-4",
        ),
        id="fonctionnalites",
        class_name="lp-section",
    )


def how_it_works() -> rx.Component:
    steps = (
        ("Connectez-vous", "Votre adresse e-mail suffit : nous vous envoyons un lien."),
        ("Ajoutez votre voiture", "Par sa plaque (AB-123-CD ou ancien format) ou avec un formulaire simple."),
        ("Déposez vos papiers", "Histovec, carte grise, factures : ils sont lus automatiquement."),
    )
    return rx.el.section(
        _section_title("Comment ça marche", "Trois minutes pour tout savoir"),
        rx.el.ol(
            *[rx.el.li(rx.el.p(title, class_name="lp-strong"), rx.el.p(text, class_name="lp-muted lp-small")) for title, text in steps],
            class_name="lp-grid lp-grid-3 lp-steps",
        ),
        class_name="lp-section",
    )


def call_to_action() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.h2("Prêt à y voir clair ?", class_name="lp-h2"),
            rx.el.p("Gratuit, sans mot de passe. Vos documents restent privés.", class_name="lp-muted"),
        ),
        _link_button("Créer mon espace →", routes.LOGIN, size=3, id="cta-bottom"),
        id="appel-a-l-action",
        class_name="lp-card lp-cta",
    )


def landing_page() -> rx.Component:
    return page_frame(
        hero(),
        features(),
        how_it_works(),
        call_to_action(),
        header_right=[_login_button()],
    )
