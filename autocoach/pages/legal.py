"""Legal and trust pages: mentions légales, confidentialité, conditions d'utilisation.

What differs per deployment (publisher, host, contact) comes from the settings
(`LEGAL_*` in .env.example), read when the app starts and its pages are built.
What the app stores and for how long is said as the code does it: keep these
pages true when a table, a retention or a recipient changes.
"""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.layout import page_frame
from autocoach.settings import get_settings

NOT_SET = "non renseigné par l'exploitant de ce service"


def _value(text: str) -> str:
    return text or NOT_SET


def _header_link() -> rx.Component:
    return rx.link(rx.button("Se connecter", variant="soft", size="2"), href=routes.LOGIN, underline="none")


def _section(title: str, *paragraphs: rx.Component | str) -> rx.Component:
    return rx.el.section(
        rx.heading(title, as_="h2", size="5", margin_bottom="0.5rem"),
        *[rx.text(p, as_="p", size="3", margin_bottom="0.75rem") if isinstance(p, str) else p for p in paragraphs],
        margin_top="1.5rem",
    )


def _items(*items: str) -> rx.Component:
    return rx.el.ul(*[rx.el.li(rx.text(i, size="3")) for i in items], padding_left="1.25rem", margin_bottom="0.75rem")


def _contact_line() -> rx.Component | str:
    email = get_settings().legal_contact_email
    if not email:
        return f"Contact : {NOT_SET}."
    return rx.text("Contact : ", rx.link(email, href=f"mailto:{email}", underline="always"), ".", as_="p", size="3", margin_bottom="0.75rem")


def _legal_frame(title: str, intro: str, *sections: rx.Component) -> rx.Component:
    return page_frame(
        rx.el.article(
            rx.heading(title, as_="h1", size="7"),
            rx.text(intro, as_="p", size="3", color_scheme="gray", margin_top="0.5rem"),
            *sections,
            max_width="46rem",
            padding_y="1.5rem",
            class_name="legal-page",
        ),
        header_right=[_header_link()],
    )


def legal_notice_page() -> rx.Component:
    s = get_settings()
    return _legal_frame(
        "Mentions légales",
        "Informations sur l'éditeur et l'hébergeur de ce service (loi n° 2004-575 du 21 juin 2004, article 6).",
        _section(
            "Éditeur",
            f"Service AutoCoach publié par : {_value(s.legal_publisher)}.",
            f"Adresse : {_value(s.legal_publisher_address)}.",
            *([f"Immatriculation : {s.legal_publisher_registration}."] if s.legal_publisher_registration else []),
            f"Directeur ou directrice de la publication : {_value(s.legal_director)}.",
            _contact_line(),
        ),
        _section("Hébergeur", f"{_value(s.legal_host)}."),
        _section(
            "Données personnelles",
            rx.text(
                "Ce que le service garde sur vous, pourquoi, combien de temps et comment exercer vos droits : voir la ",
                rx.link("politique de confidentialité", href=routes.PRIVACY, underline="always"),
                ".",
                as_="p",
                size="3",
            ),
        ),
    )


def privacy_page() -> rx.Component:
    s = get_settings()
    ai_line = (
        [
            _section(
                "Rédaction par un modèle d'IA",
                "Sur ce service, un modèle d'IA externe reformule le résumé de l'analyse et l'annonce. "
                "Il reçoit les chiffres calculés et le texte de l'annonce, jamais vos documents ni votre "
                "adresse e-mail.",
            )
        ]
        if s.ai_enabled
        else []
    )
    return _legal_frame(
        "Politique de confidentialité",
        "Ce qu'AutoCoach garde sur vous, pourquoi, combien de temps, et vos droits (RGPD).",
        _section(
            "Responsable du traitement",
            f"{', '.join(v for v in (s.legal_publisher, s.legal_publisher_address) if v) or _value('')}.",
            _contact_line(),
        ),
        _section(
            "Ce que nous gardons et pourquoi",
            _items(
                "Votre adresse e-mail : pour vous envoyer les liens de connexion (sans mot de passe) "
                "et, si vous les activez, les rappels d'échéances.",
                "Vos voitures (plaque, modèle, kilométrage, dates, prix d'achat si vous le donnez), "
                "leurs relevés de kilométrage et dépenses : pour calculer la fiabilité, le coût mensuel "
                "et la valeur de revente.",
                "Les documents que vous déposez (rapport Histovec, carte grise, factures) : chiffrés sur "
                "le serveur, lus automatiquement pour remplir votre fiche, visibles par vous seul.",
                "Les analyses et les annonces rédigées, avec leurs versions précédentes.",
                "Pour la sécurité : l'empreinte (jamais la valeur) de vos liens de connexion et de vos "
                "sessions, et une empreinte de l'appareil qui demande un lien, qui sert à limiter les abus.",
            ),
            "Base légale : l'exécution du service que vous demandez (article 6.1.b du RGPD) ; votre "
            "consentement pour les rappels par e-mail, retirable à tout moment depuis « Mon garage » ; "
            "l'intérêt légitime de protéger le service contre les abus pour les données de sécurité.",
        ),
        _section(
            "Combien de temps",
            _items(
                f"Un lien de connexion ne sert qu'une fois et expire au bout de {s.login_token_ttl_minutes} minutes ; "
                f"une session expire au bout de {s.session_ttl_days} jours.",
                "Vos voitures, documents, relevés, dépenses, analyses et annonces : tant que vous les gardez. "
                "Supprimer un document ou une voiture les efface, fichiers compris.",
                "Tout le reste, traces de connexion comprises : jusqu'à la suppression de votre compte, "
                "qui efface tout immédiatement.",
                "Les sauvegardes du serveur, s'il y en a, suivent leur propre rotation fixée par l'exploitant.",
            ),
        ),
        _section(
            "Qui y a accès",
            "Vous seul, depuis votre compte. Vos données ne sont ni vendues, ni louées, ni utilisées pour de la "
            "publicité. L'hébergeur stocke les données chiffrées ; le service d'envoi d'e-mails reçoit votre "
            "adresse pour vous écrire. Le cookie de session est le seul cookie : il est nécessaire pour "
            "rester connecté et ne sert pas à vous suivre. Un formulaire en cours de saisie peut être "
            "gardé dans votre navigateur, pour ne pas le perdre si la connexion coupe.",
        ),
        *ai_line,
        _section(
            "Vos droits et comment les exercer",
            "Vous avez le droit d'accéder à vos données, de les rectifier, de les effacer, de les emporter "
            "(portabilité), de limiter leur traitement et de vous y opposer (articles 15 à 21 du RGPD).",
            rx.text(
                "Depuis la page ",
                rx.link("Mon compte", href=routes.ACCOUNT, underline="always"),
                " : « Télécharger mes données » vous donne une archive de tout ce que nous gardons, documents "
                "compris ; « Supprimer définitivement mon compte » efface tout. Vos fiches se corrigent "
                "depuis chaque voiture. Pour toute autre demande, écrivez au contact ci-dessus : réponse sous "
                "un mois.",
                as_="p",
                size="3",
                margin_bottom="0.75rem",
            ),
            rx.text(
                "Si vous estimez que vos droits ne sont pas respectés, vous pouvez saisir la CNIL (",
                rx.link("cnil.fr", href="https://www.cnil.fr/fr/plaintes", is_external=True, underline="always"),
                ").",
                as_="p",
                size="3",
            ),
        ),
    )


def terms_page() -> rx.Component:
    return _legal_frame(
        "Conditions d'utilisation",
        "Les règles d'utilisation du service AutoCoach, en clair.",
        _section(
            "Le service",
            "AutoCoach aide les propriétaires de voitures d'occasion : il lit leurs papiers, estime le coût "
            "mensuel, la fiabilité et la valeur de revente, et propose un texte d'annonce. L'accès est "
            "gratuit ; il suffit d'une adresse e-mail.",
        ),
        _section(
            "Des estimations, pas des garanties",
            "Les scores, coûts, valeurs et dates sont des estimations calculées à partir de vos données et "
            "de références publiques, chacune avec sa base de calcul. Ils ne remplacent ni l'avis d'un "
            "garagiste, ni une expertise, ni le contrôle technique. Vérifiez les échéances sur vos documents "
            "officiels.",
        ),
        _section(
            "Votre compte et vos documents",
            "Vous déposez uniquement des documents de vos propres véhicules, ou que leur titulaire vous a "
            "confiés. Vous restez responsable de l'exactitude de votre fiche. Ne partagez pas vos liens de "
            "connexion : ils donnent accès à votre compte.",
        ),
        _section(
            "Votre annonce",
            "L'annonce proposée est un brouillon que vous relisez : vous en êtes l'auteur quand vous la "
            "publiez. Les mentions obligatoires (version, mise en circulation, kilométrage ou « kilométrage "
            "compteur non garanti », prix) doivent y rester.",
        ),
        _section(
            "Disponibilité et fin du service",
            "Le service peut être interrompu pour maintenance. Vous pouvez supprimer votre compte à tout "
            "moment depuis « Mon compte » : tout est effacé. Téléchargez vos données avant si vous voulez "
            "les garder.",
        ),
        _section(
            "Droit applicable",
            rx.text(
                "Ces conditions sont soumises au droit français. Voir aussi les ",
                rx.link("mentions légales", href=routes.LEGAL, underline="always"),
                " et la ",
                rx.link("politique de confidentialité", href=routes.PRIVACY, underline="always"),
                ".",
                as_="p",
                size="3",
            ),
        ),
    )
