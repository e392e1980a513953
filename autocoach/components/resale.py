"""The "Vendre" tab: ad editor, copy and export, photos, reminders, PDF report."""

from __future__ import annotations

import reflex as rx

from autocoach.components.forms import LABEL_STYLE
from autocoach.state.resale import Criterion, PastAd, ResaleState


def _criterion(item: Criterion) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(item.label), rx.data_list.value(item.value))


def _bullet(text: rx.Var) -> rx.Component:
    return rx.hstack(rx.icon("check", size=14, color=rx.color("green", 10), flex_shrink="0", margin_top="3px"), rx.text(text, size="2"), align="start", spacing="2")


def _past(item: PastAd) -> rx.Component:
    return rx.text(rx.text.strong(item.when), " · ", item.source, " · ", item.title, size="1", color_scheme="gray")


def _ad_editor() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(ResaleState.ad_source, variant="soft"),
            rx.spacer(),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Régénérer",
                variant="soft",
                size="2",
                on_click=ResaleState.generate(True),
                loading=ResaleState.generating,
                id="regenerate-ad",
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            ResaleState.missing.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.vstack(
                    rx.text("Mentions obligatoires absentes de l'annonce :", weight="medium", size="2"),
                    rx.foreach(ResaleState.missing, lambda m: rx.text("• ", m, size="2")),
                    spacing="1",
                ),
                color_scheme="amber",
                id="missing-mentions",
            ),
        ),
        # A form: "Enregistrer" saves what the fields show, whatever the server
        # state went through meanwhile (a reconnect, another worker).
        rx.form(
            rx.vstack(
                rx.vstack(
                    rx.hstack(
                        rx.el.label("Titre", html_for="ad-title", style=LABEL_STYLE),
                        rx.spacer(),
                        rx.text(ResaleState.title_length, " / ", ResaleState.title_max, size="1", color_scheme="gray", id="title-count"),
                        width="100%",
                    ),
                    rx.hstack(
                        rx.input(id="ad-title", name="title", value=ResaleState.ad_title, on_change=ResaleState.set_ad_title, width="100%", size="3"),
                        rx.icon_button(rx.icon("copy", size=16), on_click=ResaleState.copy_title, variant="soft", aria_label="Copier le titre", id="copy-title", type="button"),
                        width="100%",
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.vstack(
                    rx.hstack(
                        rx.el.label("Description", html_for="ad-description", style=LABEL_STYLE),
                        rx.spacer(),
                        rx.button(rx.icon("copy", size=14), "Copier", size="1", variant="ghost", on_click=ResaleState.copy_description, id="copy-description", type="button"),
                        width="100%",
                    ),
                    rx.text_area(id="ad-description", name="description", value=ResaleState.ad_description, on_change=ResaleState.set_ad_description, rows="12", width="100%", resize="vertical"),
                    spacing="1",
                    width="100%",
                ),
                rx.grid(
                    rx.vstack(
                        rx.el.label("Prix affiché (€ TTC)", html_for="ad-price", style=LABEL_STYLE),
                        rx.input(id="ad-price", name="price", value=ResaleState.ad_price, on_change=ResaleState.set_ad_price, input_mode="numeric", width="100%"),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.text("Marge de négociation conseillée", size="2", weight="medium"),
                        rx.text(ResaleState.margin, size="3", id="negotiation-margin"),
                        rx.text("Pour vous seul : elle n'apparaît pas dans l'annonce.", size="1", color_scheme="gray"),
                        spacing="1",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="1rem",
                    width="100%",
                ),
                rx.cond(ResaleState.edit_error != "", rx.text(ResaleState.edit_error, color_scheme="red", size="2", role="alert", id="ad-edit-error")),
                rx.flex(
                    rx.button(rx.icon("save", size=16), "Enregistrer les modifications", type="submit", id="save-ad"),
                    rx.button(rx.icon("clipboard-copy", size=16), "Copier toute l'annonce", variant="soft", on_click=ResaleState.copy_all, id="copy-all", type="button"),
                    rx.cond(
                        ResaleState.unsaved_edits,
                        rx.text("Modifications non enregistrées", size="2", color_scheme="amber", id="ad-unsaved", role="status"),
                    ),
                    gap="0.5rem",
                    wrap="wrap",
                    align="center",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=ResaleState.save_edit,
            reset_on_submit=False,
            width="100%",
            id="ad-form",
        ),
        rx.heading("Critères de l'annonce", as_="h3", size="3", margin_top="0.5rem"),
        rx.data_list.root(rx.foreach(ResaleState.criteria, _criterion), size="2", id="ad-criteria"),
        rx.heading("Exporter", as_="h3", size="3", margin_top="0.5rem"),
        rx.flex(
            rx.button(rx.icon("file-text", size=14), "LeBonCoin (texte)", variant="outline", size="2", on_click=ResaleState.download_text("leboncoin"), id="export-leboncoin-txt"),
            rx.button(rx.icon("braces", size=14), "LeBonCoin (JSON)", variant="outline", size="2", on_click=ResaleState.download_json("leboncoin"), id="export-leboncoin-json"),
            rx.button(rx.icon("file-text", size=14), "La Centrale (texte)", variant="outline", size="2", on_click=ResaleState.download_text("lacentrale"), id="export-lacentrale-txt"),
            rx.button(rx.icon("braces", size=14), "La Centrale (JSON)", variant="outline", size="2", on_click=ResaleState.download_json("lacentrale"), id="export-lacentrale-json"),
            gap="0.5rem",
            wrap="wrap",
        ),
        rx.cond(
            ResaleState.past_ads.length() > 0,
            rx.vstack(rx.text("Versions précédentes", size="2", weight="medium"), rx.foreach(ResaleState.past_ads, _past), spacing="1", id="ad-history"),
        ),
        spacing="3",
        width="100%",
    )


def _start() -> rx.Component:
    return rx.vstack(
        rx.text(
            "AutoCoach rédige une annonce claire à partir de ce qui est prouvé (factures, contrôles "
            "techniques, Histovec), avec les mentions obligatoires et le prix conseillé.",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.el.label("Plateforme", html_for="ad-platform", style=LABEL_STYLE),
            rx.el.select(
                rx.el.option("LeBonCoin", value="leboncoin"),
                rx.el.option("La Centrale", value="lacentrale"),
                id="ad-platform",
                value=ResaleState.platform,
                on_change=ResaleState.set_platform,
            ),
            align="center",
            spacing="2",
        ),
        rx.button(
            rx.icon("wand-sparkles", size=16),
            "Rédiger mon annonce",
            size="3",
            on_click=ResaleState.generate(False),
            loading=ResaleState.generating,
            id="generate-ad",
        ),
        spacing="3",
    )


def sell_tab() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("megaphone", size=18, color=rx.color("accent", 11)), rx.heading("Mon annonce", as_="h2", size="4"), align="center", spacing="2"),
                rx.cond(ResaleState.ad_ready, _ad_editor(), _start()),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="ad",
        ),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.hstack(rx.icon("camera", size=18, color=rx.color("accent", 11)), rx.heading("Les photos qui vendent", as_="h2", size="4"), align="center", spacing="2"),
                    rx.cond(
                        ResaleState.checklist.length() > 0,
                        rx.vstack(rx.foreach(ResaleState.checklist, _bullet), spacing="2", id="photo-checklist"),
                        rx.text("Rédigez l'annonce pour obtenir la liste adaptée à votre voiture.", size="2", color_scheme="gray"),
                    ),
                    spacing="3",
                ),
                size="3",
            ),
            rx.card(
                rx.vstack(
                    rx.hstack(rx.icon("clipboard-list", size=18, color=rx.color("accent", 11)), rx.heading("Pour vendre en règle", as_="h2", size="4"), align="center", spacing="2"),
                    rx.cond(
                        ResaleState.reminders.length() > 0,
                        rx.vstack(rx.foreach(ResaleState.reminders, _bullet), spacing="2", id="seller-reminders"),
                        rx.text(
                            "Contrôle technique de moins de 6 mois, certificat de situation administrative "
                            "de moins de 15 jours : la liste complète accompagne votre annonce.",
                            size="2",
                            color_scheme="gray",
                        ),
                    ),
                    spacing="3",
                ),
                size="3",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="1rem",
            width="100%",
        ),
        rx.card(
            rx.flex(
                rx.vstack(
                    rx.heading("Rapport PDF", as_="h2", size="4"),
                    rx.text(
                        "Score, coûts, valeur, historique d'entretien : de quoi rassurer un acheteur.",
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="1",
                ),
                rx.spacer(),
                rx.button(
                    rx.icon("file-down", size=16),
                    "Télécharger le rapport",
                    size="3",
                    on_click=ResaleState.download_report,
                    id="download-report",
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="1rem",
                align=rx.breakpoints(initial="start", sm="center"),
            ),
            size="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
