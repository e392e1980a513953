"""The "Vendre" tab: ad editor, copy and export, photos, reminders, PDF report."""

from __future__ import annotations

import reflex as rx

from autocoach.components.forms import LABEL_STYLE
from autocoach.state.resale import FormFieldView, PastAd, ResaleState


def _bullet(text: rx.Var) -> rx.Component:
    return rx.hstack(rx.icon("check", size=14, color=rx.color("green", 10), flex_shrink="0", margin_top="3px"), rx.text(text, size="2"), align="start", spacing="2")


def _past(item: PastAd) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(item.title, size="2", weight="medium"),
            rx.text(item.when, " · ", item.source, " · ", item.price, size="1", color_scheme="gray"),
            spacing="0",
            flex="1 1 12rem",
            min_width="0",
        ),
        rx.button(
            rx.icon("history", size=14),
            "Restaurer",
            size="1",
            variant="soft",
            on_click=ResaleState.restore_version(item.ad_id),
            class_name="restore-version",
            aria_label="Restaurer la version « " + item.title + " »",
        ),
        gap="0.5rem",
        align="center",
        wrap="wrap",
        width="100%",
        class_name="ad-version",
    )


def _platform_select(select_id: str) -> rx.Component:
    return rx.hstack(
        rx.el.label("Plateforme", html_for=select_id, style=LABEL_STYLE),
        rx.el.select(
            rx.el.option("LeBonCoin", value="leboncoin"),
            rx.el.option("La Centrale", value="lacentrale"),
            id=select_id,
            value=ResaleState.platform,
            on_change=ResaleState.set_platform,
            class_name="native-select",
        ),
        align="center",
        spacing="2",
    )


def _regenerate() -> rx.Component:
    """"Régénérer" asks first when the ad holds the owner's own words."""
    return rx.alert_dialog.root(
        rx.button(
            rx.icon("refresh-cw", size=14),
            "Régénérer",
            variant="soft",
            size="2",
            on_click=ResaleState.ask_regenerate,
            loading=ResaleState.generating,
            id="regenerate-ad",
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remplacer votre texte ?"),
            rx.alert_dialog.description(
                "Une nouvelle rédaction remplacera l'annonce que vous avez modifiée. "
                "Votre version reste dans les versions précédentes : vous pourrez la restaurer.",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Garder mon texte", variant="soft", color_scheme="gray", id="keep-ad")),
                rx.alert_dialog.action(rx.button("Remplacer", on_click=ResaleState.confirm_regenerate, id="confirm-regenerate")),
                gap="0.75rem",
                justify="end",
                wrap="wrap",
                margin_top="1rem",
            ),
        ),
        open=ResaleState.regenerate_open,
        on_open_change=ResaleState.set_regenerate_open,
    )


def _form_field(item: FormFieldView) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.text(item.label, size="2", weight="medium"),
            rx.cond(item.note != "", rx.text(item.note, size="1", color_scheme=rx.cond(item.too_long, "red", "gray"))),
            rx.spacer(),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="soft",
                on_click=[rx.set_clipboard(item.value), rx.toast.success("Copié : " + item.label)],
                aria_label="Copier : " + item.label,
                class_name="copy-field",
                custom_attrs={"data-field": item.field_id},
            ),
            gap="0.5rem",
            align="center",
            wrap="wrap",
        ),
        rx.text(item.value, size="2", white_space="pre-line", class_name="form-field-value"),
        class_name="form-field",
        custom_attrs={"data-field": item.field_id},
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def _ad_editor() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.badge(ResaleState.ad_source, variant="soft"),
            _platform_select("ad-platform-switch"),
            rx.spacer(),
            _regenerate(),
            width="100%",
            align="center",
            gap="0.75rem",
            wrap="wrap",
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
                        rx.text(
                            ResaleState.title_length, " / ", ResaleState.title_max, " (", ResaleState.platform_label, ")",
                            size="1", color_scheme=rx.cond(ResaleState.title_too_long, "red", "gray"), id="title-count",
                        ),
                        width="100%",
                    ),
                    rx.hstack(
                        rx.input(id="ad-title", name="title", value=ResaleState.ad_title, on_change=ResaleState.set_ad_title, width="100%", size="3"),
                        rx.icon_button(rx.icon("copy", size=16), on_click=ResaleState.copy_title, variant="soft", aria_label="Copier le titre", id="copy-title", type="button"),
                        width="100%",
                    ),
                    rx.cond(
                        ResaleState.title_too_long,
                        rx.text(
                            "Trop long pour ", ResaleState.platform_label, " : ", ResaleState.title_max,
                            " caractères au plus.", size="1", color_scheme="red", id="title-too-long", role="status",
                        ),
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
                        rx.el.label("Prix affiché (€)", html_for="ad-price", style=LABEL_STYLE),
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
        rx.heading("Publier sur ", ResaleState.platform_label, as_="h3", size="3", margin_top="0.5rem"),
        rx.text(
            "Les champs du formulaire du site, dans son ordre : copiez-les un par un (ce qui est enregistré ci-dessus).",
            size="2",
            color_scheme="gray",
        ),
        rx.box(rx.foreach(ResaleState.form_fields, _form_field), id="ad-criteria", width="100%"),
        rx.flex(
            rx.button(rx.icon("file-text", size=14), "Fichier LeBonCoin (.txt)", variant="outline", size="2", on_click=ResaleState.download_text("leboncoin"), id="export-leboncoin-txt"),
            rx.button(rx.icon("file-text", size=14), "Fichier La Centrale (.txt)", variant="outline", size="2", on_click=ResaleState.download_text("lacentrale"), id="export-lacentrale-txt"),
            gap="0.5rem",
            wrap="wrap",
        ),
        rx.cond(
            ResaleState.past_ads.length() > 0,
            rx.vstack(
                rx.heading("Versions précédentes", as_="h3", size="3", margin_top="0.5rem"),
                rx.foreach(ResaleState.past_ads, _past),
                spacing="2",
                id="ad-history",
                width="100%",
            ),
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
        _platform_select("ad-platform"),
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
