"""The documents card of the vehicle page."""

from __future__ import annotations

import reflex as rx

from autocoach.components.forms import SELECT_STYLE, delete_button
from autocoach.components.layout import section_card
from autocoach.domain.vocabulary import DOCUMENT_TYPES, EXPENSE_CATEGORIES, FUEL_TYPES
from autocoach.state.documents import UPLOAD_ID, DocumentsState
from autocoach.views.documents import DocumentView, ProposalView
from autocoach.state.undo import UndoState, undo_key

ACCEPT = {
    "application/pdf": [".pdf"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/webp": [".webp"],
    "image/heic": [".heic", ".heif"],
}


def _status_badge(item: DocumentView) -> rx.Component:
    return rx.match(
        item.status,
        ("processed", rx.badge(rx.icon("circle-check", size=12), item.status_label, color_scheme="green")),
        ("failed", rx.badge(rx.icon("circle-x", size=12), item.status_label, color_scheme="red")),
        ("reading", rx.badge(rx.spinner(size="1"), item.status_label, color_scheme="blue")),
        rx.badge(rx.icon("clock", size=12), item.status_label, color_scheme="gray"),
    )


def _proposal_input(item: DocumentView, proposal: ProposalView) -> rx.Component:
    input_id = f"value-{item.id}-{proposal.field}"
    common = {
        "id": input_id,
        "name": "value:" + proposal.field,
        "aria_label": proposal.label + " : valeur à appliquer",
    }
    return rx.match(
        proposal.input,
        ("fuel", rx.el.select(
            *[rx.el.option(label, value=value) for value, label in FUEL_TYPES.items()],
            default_value=proposal.value, style=SELECT_STYLE, **common,
        )),
        ("category", rx.el.select(
            *[rx.el.option(label, value=value) for value, label in EXPENSE_CATEGORIES.items()],
            default_value=proposal.value, style=SELECT_STYLE, **common,
        )),
        ("date", rx.input(type="date", default_value=proposal.value, width="100%", **common)),
        rx.input(default_value=proposal.value, width="100%", **common),
    )


def _proposal_row(item: DocumentView, proposal: ProposalView) -> rx.Component:
    """One value read: ticked to apply it, editable before it is applied."""
    check_id = f"accept-{item.id}-{proposal.field}"
    return rx.box(
        rx.hstack(
            rx.el.input(
                type="checkbox", id=check_id, name="accept:" + proposal.field,
                default_checked=proposal.accept,
            ),
            rx.el.label(rx.text(proposal.label, weight="medium", size="2"), html_for=check_id),
            rx.text("actuellement : ", proposal.current, size="1", color_scheme="gray"),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        _proposal_input(item, proposal),
        rx.cond(proposal.note != "", rx.text(proposal.note, size="1", color_scheme="amber", class_name="proposal-note")),
        rx.cond(proposal.error != "", rx.text(proposal.error, size="1", color_scheme="red", role="alert")),
        class_name="proposal",
        custom_attrs={"data-field": proposal.field},
        width="100%",
    )


def _review(item: DocumentView) -> rx.Component:
    """Read, not yet applied: the owner checks each value, edits it, applies."""
    held = item.review_status == "held"
    return rx.cond(
        (item.review_status == "to_review") | held,
        rx.callout.root(
            rx.callout.icon(rx.icon(rx.cond(held, "triangle-alert", "file-pen-line"))),
            rx.vstack(
                rx.cond(
                    held,
                    rx.text(item.review_reason, size="2", weight="bold", class_name="review-reason"),
                    rx.text("Vérifiez ce que nous avons lu, corrigez si besoin, puis appliquez :", size="2", weight="medium"),
                ),
                rx.foreach(item.details, lambda line: rx.text(line, size="1")),
                rx.form(
                    rx.vstack(
                        # The id travels in the form: a lambda over `item` would
                        # not survive Reflex's compiled submit handler.
                        rx.el.input(type="hidden", name="document_id", value=item.id),
                        rx.cond(held, rx.el.input(type="hidden", name="force", value="1")),
                        rx.foreach(item.proposals, lambda p: _proposal_row(item, p)),
                        rx.hstack(
                            rx.button(
                                rx.cond(held, "Appliquer quand même", "Appliquer à la fiche"),
                                type="submit", size="2", class_name="apply-review",
                            ),
                            rx.button(
                                "Garder sans appliquer", type="button", size="2", variant="soft",
                                color_scheme="gray", on_click=DocumentsState.keep_document(item.id),
                                class_name="keep-document",
                            ),
                            rx.cond(
                                item.other_vehicle_id != 0,
                                rx.button(
                                    "Déplacer vers ", item.other_vehicle_label, type="button", size="2",
                                    variant="soft", class_name="move-document",
                                    on_click=DocumentsState.move_document(item.id, item.other_vehicle_id),
                                ),
                            ),
                            spacing="2",
                            wrap="wrap",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=DocumentsState.apply_review,
                    reset_on_submit=False,
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme=rx.cond(held, "amber", "blue"),
            width="100%",
            margin_top="0.5rem",
            class_name="document-review",
        ),
    )


def _labelled_upload(*children: rx.Component, **props) -> rx.Component:
    """rx.upload.root whose hidden file input has a name for screen readers
    (Reflex gives it none; axe-core: "Form elements must have labels")."""
    zone = rx.upload.root(*children, **props)
    for child in zone.children[0].children:
        if getattr(child, "tag", "") == "input":
            child.custom_attrs["aria-label"] = "Choisir des documents à envoyer"
    return zone


def _visible_row(item: DocumentView) -> rx.Component:
    """A document waiting for its delete ("Annuler" still possible) is not shown."""
    return rx.cond(UndoState.hidden_keys.contains(undo_key("document", item.id)), rx.fragment(), _document_row(item))


def _document_row(item: DocumentView) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.cond(
                item.thumbnail_url != "",
                rx.image(src=item.thumbnail_url, alt="", width="48px", height="48px", object_fit="cover", border_radius="8px", flex_shrink="0"),
                rx.center(rx.icon("file-text", size=22, color=rx.color("gray", 10)), width="48px", height="48px", background=rx.color("gray", 3), border_radius="8px", flex_shrink="0"),
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(item.type_label, weight="bold", size="2"),
                    _status_badge(item),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(item.name, size="1", color_scheme="gray", truncate=True, max_width="100%"),
                rx.cond(item.summary != "", rx.text(item.summary, size="2")),
                rx.text(item.uploaded, size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.hstack(
                rx.icon_button(
                    rx.icon("download", size=16),
                    variant="ghost",
                    aria_label="Télécharger",
                    on_click=rx.download(url=item.download_url),
                    class_name="download-document",
                    custom_attrs={"data-href": item.download_url},
                ),
                delete_button(
                    "Supprimer le document",
                    UndoState.request_delete("document", item.id, item.name),
                    "delete-document",
                    size="2",
                ),
                spacing="1",
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            item.status == "failed",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.vstack(
                    rx.callout.text(item.error, class_name="document-error"),
                    rx.hstack(
                        rx.button(rx.icon("rotate-cw", size=14), "Réessayer", size="1", on_click=DocumentsState.retry(item.id), class_name="retry-document"),
                        spacing="2",
                    ),
                    spacing="2",
                ),
                color_scheme="red",
                size="1",
                margin_top="0.5rem",
            ),
        ),
        rx.cond(
            (item.status == "processed") | (item.status == "failed"),
            rx.hstack(
                rx.el.label("Type :", html_for=f"type-{item.id}", style={"fontSize": "var(--font-size-1)"}),
                rx.el.select(
                    rx.el.option("Choisir…", value=""),
                    *[rx.el.option(label, value=value) for value, label in DOCUMENT_TYPES.items()],
                    id=f"type-{item.id}",
                    value=item.type,
                    on_change=lambda value: DocumentsState.change_type(item.id, value),
                    style={**SELECT_STYLE, "width": "auto", "height": "var(--space-5)", "fontSize": "var(--font-size-1)"},
                    class_name="document-type",
                ),
                align="center",
                spacing="2",
                margin_top="0.5rem",
            ),
        ),
        rx.cond(
            (item.review_status == "applied") | (item.review_status == "kept"),
            rx.text(item.review_label, size="1", color_scheme=rx.cond(item.review_status == "applied", "green", "gray"), class_name="review-status"),
        ),
        rx.cond(
            item.warnings.length() > 0,
            rx.vstack(rx.foreach(item.warnings, lambda w: rx.text("• ", w, size="1", color_scheme="amber")), spacing="0", margin_top="0.25rem"),
        ),
        _review(item),
        padding="0.75rem",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="12px",
        width="100%",
        class_name="document-row",
    )


def _rejection_summaries(rejections: rx.Var) -> rx.Var:
    """Name and reasons of each refused file, computed in the browser: by
    default Reflex would ship the refused files' whole content to the server."""
    return rx.Var(
        f"{rejections}.map((r) => ({{name: r.file.name, codes: r.errors.map((e) => e.code)}}))"
    ).to(list)


def documents_card() -> rx.Component:
    return section_card(
        "Documents",
        rx.text(
            "Rapport Histovec, carte grise, factures de garage : PDF ou photo, ",
            DocumentsState.max_upload_mb,
            " Mo au plus par fichier, ",
            DocumentsState.max_files_per_upload,
            " fichiers au plus par envoi. Nous les lisons pour compléter l'historique.",
            size="2",
            color_scheme="gray",
        ),
        _labelled_upload(
            rx.vstack(
                rx.icon("cloud-upload", size=28, color=rx.color("accent", 10)),
                rx.text("Glissez vos documents ici", weight="medium"),
                rx.button("ou choisissez des fichiers", variant="soft", size="2", type="button"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            multiple=True,
            accept=ACCEPT,
            max_size=DocumentsState.max_upload_mb * 1024 * 1024,
            on_drop=DocumentsState.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=lambda rejections: DocumentsState.handle_rejected(
                _rejection_summaries(rejections)
            ),
            border=f"2px dashed {rx.color('accent', 7)}",
            border_radius="12px",
            padding="1.25rem",
            width="100%",
            cursor="pointer",
            background=rx.color("accent", 2),
        ),
        rx.cond(
            DocumentsState.upload_errors.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-x")),
                rx.vstack(rx.foreach(DocumentsState.upload_errors, lambda e: rx.callout.text(e)), spacing="1"),
                color_scheme="red",
                role="alert",
                id="upload-errors",
                width="100%",
            ),
        ),
        rx.vstack(rx.foreach(DocumentsState.items, _visible_row), spacing="2", width="100%", id="document-list"),
        card_id="documents",
        aside=rx.cond(
            DocumentsState.processing,
            rx.hstack(rx.spinner(size="1"), rx.text("Lecture en cours…", size="1"), align="center"),
        ),
    )
