"""Add or edit a vehicle, and a vehicle's own page."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.components.account import account_menu
from autocoach.components.analysis import analysis_dashboard
from autocoach.components.documents import documents_card
from autocoach.components.resale import sell_tab
from autocoach.components.forms import (
    LABEL_STYLE,
    checked_input,
    delete_button,
    field_error,
    owner_form,
    select_field,
    text_field,
)
from autocoach.components.form_draft import form_draft
from autocoach.components.layout import page_frame, section_card
from autocoach.components.undo import undo_bar
from autocoach.data import load_reference
from autocoach.domain.vocabulary import EXPENSE_CATEGORIES, FUEL_TYPES, GEARBOXES
from autocoach.pages.dashboard import plate_badge
from autocoach.state.records import RecordsState
from autocoach.state.vehicle import VehicleState
from autocoach.state.vehicle_form import VehicleFormState
from autocoach.views.vehicle import DetailView, ExpenseView, ReadingView


def _back_link(text: str, href: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16), rx.text(text, size="2"), align="center", spacing="1"),
        href=href,
        color_scheme="gray",
    )


def _not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Véhicule introuvable", as_="h1", size="6"),
            rx.text(
                "Ce véhicule n'existe pas ou n'est pas dans votre garage.",
                color_scheme="gray",
            ),
            rx.link(rx.button("Retour à mon garage"), href=routes.DASHBOARD, underline="none"),
            spacing="3",
        ),
        size="4",
        id="vehicle-not-found",
        margin_top="2rem",
    )


# --- add / edit -----------------------------------------------------------------


def _plate_step() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Quelle est sa plaque ?", as_="h2", size="5"),
            rx.text(
                "Nouveau format (AB-123-CD) ou ancien (123 ABC 75) : écrivez-la comme vous voulez.",
                color_scheme="gray",
            ),
            owner_form(
                rx.el.label("Plaque d'immatriculation", html_for="plate-input", style=LABEL_STYLE),
                rx.hstack(
                    checked_input(
                        "plate-input",
                        "plate",
                        VehicleFormState.plate_error,
                        value=VehicleFormState.plate_input,
                        on_change=VehicleFormState.set_plate_input,
                        placeholder="AB-123-CD",
                        size="3",
                        autocomplete="off",
                        auto_focus=True,
                        text_transform="uppercase",
                        font_family="monospace",
                        flex="1",
                    ),
                    rx.button(
                        rx.cond(VehicleFormState.looking_up, rx.spinner(size="2"), rx.icon("search", size=18)),
                        rx.cond(VehicleFormState.looking_up, "Recherche…", "Continuer"),
                        type="submit",
                        size="3",
                        disabled=VehicleFormState.looking_up,
                        id="plate-submit",
                    ),
                    width="100%",
                    spacing="2",
                ),
                field_error(VehicleFormState.plate_error, "plate-input"),
                on_submit=VehicleFormState.submit_plate,
                spacing="2",
            ),
            rx.hstack(
                rx.text("Pas de plaque sous la main ?", size="2", color_scheme="gray"),
                rx.button(
                    "Remplir le formulaire",
                    variant="ghost",
                    size="2",
                    on_click=VehicleFormState.skip_plate,
                    id="skip-plate",
                ),
                align="center",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        size="4",
        id="plate-step",
    )


def _catalogue_lists() -> rx.Component:
    return rx.fragment(
        # The makes are fixed reference data: written into the page when it is
        # compiled, not computed and sent with every page's state.
        rx.el.datalist(*[rx.el.option(value=make) for make in load_reference().make_names()], id="brand-options"),
        rx.el.datalist(rx.foreach(VehicleFormState.model_options, lambda m: rx.el.option(value=m)), id="model-options"),
    )


def _section(title: str, *fields: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.heading(title, as_="h3", size="3", color_scheme="gray"),
        rx.grid(*fields, columns=rx.breakpoints(initial="1", sm="2"), gap="1rem", width="100%"),
        spacing="3",
        width="100%",
    )


def _vehicle_form() -> rx.Component:
    errors = VehicleFormState.errors
    values = VehicleFormState.values
    return rx.card(
        rx.form(
            rx.vstack(
                rx.cond(
                    VehicleFormState.lookup_note != "",
                    rx.callout(
                        VehicleFormState.lookup_note,
                        icon=rx.cond(VehicleFormState.lookup_found, "circle-check", "info"),
                        color_scheme=rx.cond(VehicleFormState.lookup_found, "green", "blue"),
                        id="lookup-note",
                    ),
                ),
                rx.cond(
                    VehicleFormState.error_count > 0,
                    rx.callout(
                        "Certains champs sont à corriger : ils sont signalés ci-dessous. "
                        "Rien n'a été enregistré.",
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        id="form-errors",
                    ),
                ),
                form_draft(
                    storage_key=VehicleFormState.draft_key,
                    whole_form=VehicleFormState.mode == "new",
                    notice="Nous avons remis ce que vous aviez saisi sans l'enregistrer.",
                    clear_label="Effacer ma saisie",
                ),
                _catalogue_lists(),
                _section(
                    "Identification",
                    text_field("license_plate", "Plaque d'immatriculation", errors, values["license_plate"], placeholder="AB-123-CD"),
                    text_field(
                        "brand", "Marque", errors, values["brand"], list_id="brand-options",
                        on_blur=VehicleFormState.set_brand, required=True, placeholder="Peugeot",
                    ),
                    text_field("model", "Modèle", errors, values["model"], list_id="model-options", required=True, placeholder="208"),
                    text_field("version", "Version", errors, values["version"], placeholder="1.2 PureTech 100 Allure"),
                    text_field("year", "Année", errors, values["year"], input_mode="numeric", required=True, placeholder="2019"),
                    text_field(
                        "first_registration_date", "Première immatriculation", errors,
                        values["first_registration_date"], type_="date", hint="Case B de la carte grise.",
                    ),
                ),
                _section(
                    "Caractéristiques",
                    text_field("mileage", "Kilométrage actuel (km)", errors, values["mileage"], input_mode="numeric", required=True, placeholder="63 890"),
                    select_field("fuel_type", "Énergie", FUEL_TYPES, errors, values["fuel_type"], empty_label="Choisir…", required=True),
                    select_field("gearbox", "Boîte de vitesses", GEARBOXES, errors, values["gearbox"], empty_label="Non précisée"),
                    text_field("fiscal_power", "Puissance fiscale (CV)", errors, values["fiscal_power"], input_mode="numeric", hint="Case P.6 de la carte grise."),
                    text_field("power_kw", "Puissance (kW)", errors, values["power_kw"], input_mode="numeric", hint="Case P.2 de la carte grise."),
                    text_field("co2", "CO₂ (g/km)", errors, values["co2"], input_mode="numeric", hint="Case V.7 de la carte grise."),
                    text_field("euro_class", "Norme Euro", errors, values["euro_class"], placeholder="EURO6", hint="Case V.9 de la carte grise."),
                    text_field("vin", "Numéro VIN", errors, values["vin"], hint="Case E de la carte grise, 17 caractères."),
                    text_field("color", "Couleur", errors, values["color"], placeholder="Gris platinium"),
                ),
                _section(
                    "Usage et coûts",
                    text_field("postcode", "Code postal", errors, values["postcode"], input_mode="numeric", placeholder="69003", hint="Pour la carte grise de votre région et les zones à faibles émissions."),
                    text_field("insurance_monthly", "Assurance (€ par mois)", errors, values["insurance_monthly"], input_mode="decimal", placeholder="45", hint="Votre prime réelle remplace notre moyenne."),
                    text_field("battery_rental_monthly", "Location de la batterie (€ par mois)", errors, values["battery_rental_monthly"], input_mode="decimal", hint="Zoé, Kangoo Z.E., Twizy, Fluence : laissez vide si la batterie vous appartient."),
                    text_field("battery_soh", "État de santé de la batterie (%)", errors, values["battery_soh"], input_mode="numeric", hint="Voitures électriques : indiqué par le certificat de batterie."),
                ),
                _section(
                    "Historique",
                    text_field("previous_owners", "Propriétaires précédents", errors, values["previous_owners"], input_mode="numeric", placeholder="1"),
                    text_field("purchase_date", "Date d'achat", errors, values["purchase_date"], type_="date"),
                    text_field("purchase_price", "Prix d'achat (€)", errors, values["purchase_price"], input_mode="decimal", placeholder="14 500"),
                ),
                rx.cond(
                    (VehicleFormState.mode == "edit") & errors.contains("mileage"),
                    rx.el.label(
                        rx.hstack(
                            rx.el.input(type="checkbox", name="confirm_correction", id="confirm-correction"),
                            rx.text("Corriger le kilométrage (erreur de saisie)", size="2"),
                            align="center",
                            spacing="2",
                        ),
                        html_for="confirm-correction",
                    ),
                ),
                rx.text("* champ obligatoire", size="1", color_scheme="gray"),
                rx.hstack(
                    rx.button(
                        rx.icon("check", size=18),
                        rx.cond(VehicleFormState.mode == "edit", "Enregistrer les modifications", "Ajouter au garage"),
                        type="submit",
                        size="3",
                        id="vehicle-submit",
                    ),
                    rx.cond(
                        VehicleFormState.mode == "new",
                        rx.button("Changer de plaque", variant="soft", color_scheme="gray", size="3", type="button", on_click=VehicleFormState.back_to_plate),
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="5",
                width="100%",
            ),
            key=VehicleFormState.form_key,
            on_submit=VehicleFormState.submit_form,
            reset_on_submit=False,
            no_validate=True,
            id="vehicle-form",
        ),
        size="4",
    )


def new_vehicle_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            _back_link("Mon garage", routes.DASHBOARD),
            rx.heading("Ajouter une voiture", as_="h1", size="7"),
            rx.cond(VehicleFormState.step == "plate", _plate_step(), _vehicle_form()),
            spacing="4",
            padding_y="1.5rem",
            max_width="48rem",
        ),
        header_right=[account_menu()],
    )


def edit_vehicle_page() -> rx.Component:
    return page_frame(
        rx.cond(
            VehicleFormState.not_found,
            _not_found(),
            rx.vstack(
                _back_link("Retour au véhicule", routes.vehicle_url(VehicleFormState.editing_page_id)),
                rx.heading("Modifier la voiture", as_="h1", size="7"),
                _vehicle_form(),
                spacing="4",
                padding_y="1.5rem",
                max_width="48rem",
            ),
        ),
        header_right=[account_menu()],
    )


# --- vehicle page ---------------------------------------------------------------


def _detail_row(item: DetailView) -> rx.Component:
    """A value of the car, with where it comes from and what other papers say."""
    return rx.data_list.item(
        rx.data_list.label(item.label),
        rx.data_list.value(
            rx.vstack(
                rx.text(item.value),
                rx.cond(item.source != "", rx.text(item.source, size="1", color_scheme="gray", class_name="fact-source")),
                rx.cond(item.others != "", rx.text(item.others, size="1", color_scheme="amber", class_name="fact-others")),
                spacing="0",
            ),
        ),
        custom_attrs={"data-fact": item.field},
    )


def _removed_notice() -> rx.Component:
    """Undo for the reading or expense just removed."""
    return rx.cond(
        RecordsState.removed_label != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("undo-2")),
            rx.hstack(
                rx.callout.text(RecordsState.removed_label),
                rx.button("Annuler", size="1", variant="soft", on_click=RecordsState.undo_removal, id="undo-removal"),
                rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", aria_label="Fermer", on_click=RecordsState.dismiss_removal),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            color_scheme="gray",
            size="1",
            width="100%",
        ),
    )


def _reading_row(item: ReadingView) -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.text(item.date, size="2", min_width="6.5em"),
            rx.text(item.km, size="2", weight="medium", text_decoration=rx.cond(item.typo, "line-through", "none")),
            rx.text(item.source, size="1", color_scheme="gray"),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.hstack(
            rx.button(
                rx.cond(item.typo, "Ce relevé est juste", "Erreur de saisie"),
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=RecordsState.mark_typo(item.id, ~item.typo),
                class_name="typo-reading",
            ),
            delete_button("Supprimer le relevé du " + item.date, RecordsState.delete_reading(item.id), "delete-reading"),
            align="center",
            spacing="2",
            margin_left="auto",
        ),
        align="center",
        gap="0.5rem",
        wrap="wrap",
        width="100%",
        class_name="reading-row",
    )


def _mileage_card() -> rx.Component:
    errors = VehicleState.mileage_errors
    return section_card(
        "Kilométrage",
        owner_form(
            rx.grid(
                rx.vstack(
                    rx.el.label("Nouveau relevé (km)", html_for="km-input", style=LABEL_STYLE),
                    rx.input(id="km-input", name="km", default_value=VehicleState.km_input, input_mode="numeric", placeholder="65 000", width="100%", aria_describedby="km-input-error"),
                    field_error(errors.get("km", ""), "km-input"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label("Date du relevé", html_for="km-date", style=LABEL_STYLE),
                    rx.input(id="km-date", name="date", type="date", default_value=VehicleState.date_input, width="100%", aria_describedby="km-date-error"),
                    field_error(errors.get("date", ""), "km-date"),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="0.75rem",
                width="100%",
            ),
            rx.cond(
                VehicleState.needs_correction,
                rx.el.label(
                    rx.hstack(
                        rx.el.input(type="checkbox", name="confirm_correction", id="km-correction"),
                        rx.text("Corriger le kilométrage (erreur de saisie)", size="2"),
                        align="center",
                        spacing="2",
                    ),
                    html_for="km-correction",
                ),
            ),
            rx.button(rx.icon("gauge", size=16), "Mettre à jour", type="submit", id="km-submit"),
            on_submit=RecordsState.submit_mileage,
            key=VehicleState.mileage,
        ),
        rx.heading("Historique des relevés", as_="h3", size="2", color_scheme="gray"),
        rx.vstack(rx.foreach(VehicleState.readings, _reading_row), id="mileage-history", spacing="1", width="100%"),
        card_id="mileage",
    )


def _expense_form(item: ExpenseView) -> rx.Component:
    """Correct an expense read from an invoice (or typed): every field editable."""
    errors = RecordsState.expense_errors
    return owner_form(
        rx.el.input(type="hidden", name="expense_id", value=item.id),
        rx.grid(
            text_field("date", "Date", errors, item.date_input, type_="date"),
            text_field("label", "Garage et intervention", errors, item.label_input),
            text_field("mileage", "Kilométrage (km)", errors, item.mileage_input, input_mode="numeric"),
            text_field("amount", "Montant TTC (€)", errors, item.amount_input, input_mode="decimal"),
            select_field("category", "Catégorie", EXPENSE_CATEGORIES, errors, item.category_input),
            columns=rx.breakpoints(initial="1", sm="2"),
            gap="0.75rem",
            width="100%",
        ),
        rx.hstack(
            rx.button("Enregistrer", type="submit", size="2", id="save-expense"),
            rx.button("Annuler", type="button", size="2", variant="soft", color_scheme="gray", on_click=RecordsState.cancel_expense_edit),
            spacing="2",
        ),
        on_submit=RecordsState.save_expense,
    )


def _expense_row(item: ExpenseView) -> rx.Component:
    return rx.box(
        rx.cond(
            RecordsState.editing_expense == item.id,
            _expense_form(item),
            rx.hstack(
                rx.vstack(
                    rx.text(item.label, size="2", weight="medium"),
                    rx.text(item.date, " · ", item.category, " · ", item.mileage, size="1", color_scheme="gray"),
                    spacing="0",
                    min_width="0",
                    flex="1",
                ),
                rx.text(item.amount, weight="medium", white_space="nowrap"),
                rx.icon_button(
                    rx.icon("pencil", size=14), size="1", variant="ghost",
                    aria_label="Corriger la dépense du " + item.date,
                    on_click=RecordsState.edit_expense(item.id), class_name="edit-expense",
                ),
                delete_button("Supprimer la dépense du " + item.date, RecordsState.delete_expense(item.id), "delete-expense"),
                align="center",
                spacing="2",
                width="100%",
            ),
        ),
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="expense-row",
    )


def _expenses_card() -> rx.Component:
    return section_card(
        "Entretien et dépenses",
        rx.cond(
            VehicleState.expenses.length() > 0,
            rx.vstack(rx.foreach(VehicleState.expenses, _expense_row), spacing="0", width="100%", id="expense-list"),
            rx.text(
                "Déposez vos factures de garage : chaque facture devient une dépense datée, "
                "avec son kilométrage.",
                size="2",
                color_scheme="gray",
            ),
        ),
        card_id="expenses",
        aside=rx.text(VehicleState.expenses_total, weight="bold", id="expenses-total"),
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Supprimer", color_scheme="red", variant="outline", id="delete-vehicle"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Supprimer cette voiture ?"),
            rx.alert_dialog.description(
                "La voiture, ses documents, ses relevés et ses analyses seront supprimés "
                "définitivement.",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Annuler", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Supprimer définitivement", color_scheme="red", on_click=VehicleState.delete_vehicle, id="confirm-delete"),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=VehicleState.delete_open,
        on_open_change=VehicleState.set_delete_open,
    )


def _vehicle_view() -> rx.Component:
    return rx.vstack(
        _back_link("Mon garage", routes.DASHBOARD),
        rx.flex(
            rx.vstack(
                rx.heading(VehicleState.title, as_="h1", size="7", id="vehicle-title"),
                rx.hstack(
                    plate_badge(VehicleState.plate),
                    rx.text(VehicleState.subtitle, color_scheme="gray"),
                    rx.text(VehicleState.mileage, weight="medium", id="vehicle-mileage"),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            rx.spacer(),
            rx.hstack(
                rx.link(
                    rx.button(rx.icon("pencil", size=16), "Modifier", variant="soft", id="edit-vehicle"),
                    href=routes.edit_vehicle_url(VehicleState.page_id),
                    underline="none",
                ),
                _delete_dialog(),
                spacing="2",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="1rem",
            width="100%",
        ),
        rx.cond(
            VehicleState.odometer_warnings.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("octagon-alert")),
                rx.vstack(
                    rx.text("Relevés de kilométrage incohérents", weight="bold"),
                    rx.foreach(VehicleState.odometer_warnings, lambda w: rx.callout.text(w)),
                    spacing="1",
                ),
                color_scheme="red",
                role="alert",
                id="odometer-warning",
                width="100%",
            ),
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Tableau de bord", value="tableau", id="tab-dashboard"),
                rx.tabs.trigger("Fiche et documents", value="fiche", id="tab-records"),
                rx.tabs.trigger("Vendre", value="vendre", id="tab-sell"),
                size="2",
            ),
            rx.tabs.content(analysis_dashboard(), value="tableau", padding_top="1rem"),
            rx.tabs.content(
                rx.vstack(
                    _removed_notice(),
                    rx.grid(
                        section_card(
                            "Fiche du véhicule",
                            rx.cond(
                                VehicleState.details.length() > 0,
                                rx.data_list.root(rx.foreach(VehicleState.details, _detail_row), size="2"),
                                rx.text("Complétez la fiche pour affiner l'analyse.", color_scheme="gray"),
                            ),
                            card_id="vehicle-record",
                        ),
                        _mileage_card(),
                        columns=rx.breakpoints(initial="1", md="2"),
                        gap="1rem",
                        width="100%",
                    ),
                    documents_card(),
                    _expenses_card(),
                    spacing="4",
                    width="100%",
                ),
                value="fiche",
                padding_top="1rem",
            ),
            rx.tabs.content(sell_tab(), value="vendre", padding_top="1rem"),
            default_value="tableau",
            width="100%",
        ),
        spacing="4",
        padding_y="1.5rem",
        width="100%",
    )


def vehicle_page() -> rx.Component:
    return page_frame(
        rx.cond(
            VehicleState.loaded,
            rx.cond(VehicleState.found, _vehicle_view(), _not_found()),
            rx.center(rx.spinner(size="3"), padding="3rem"),
        ),
        undo_bar(),
        header_right=[account_menu()],
    )
