"""Form building blocks: every input has a visible label and its error in place."""

from __future__ import annotations

import reflex as rx

LABEL_STYLE = {"fontWeight": 500, "fontSize": "var(--font-size-2)"}

# Native selects, styled like Radix fields: keyboard and form-data friendly.
SELECT_STYLE = {
    "height": "var(--space-7)",
    "padding": "0 var(--space-2)",
    "borderRadius": "var(--radius-2)",
    "border": "1px solid var(--gray-a7)",
    "background": "var(--color-surface)",
    "fontSize": "var(--font-size-2)",
    "width": "100%",
    "color": "var(--gray-12)",
}


def field_error(error: rx.Var, field_id: str) -> rx.Component:
    return rx.cond(
        error != "",
        rx.text(error, id=f"{field_id}-error", role="alert", color_scheme="red", size="2"),
    )


def checked_input(field_id: str, name: str, error: rx.Var, **props) -> rx.Component:
    """An input that says when it is wrong and where its message is (screen readers)."""
    return rx.input(
        id=field_id,
        name=name,
        aria_invalid=rx.cond(error != "", "true", "false"),
        aria_describedby=f"{field_id}-error",
        **props,
    )


def labelled(field_id: str, label: str, control: rx.Component, error: rx.Var, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style=LABEL_STYLE),
        control,
        *([rx.text(hint, size="1", color_scheme="gray")] if hint else []),
        field_error(error, field_id),
        spacing="1",
        width="100%",
    )


def text_field(
    name: str,
    label: str,
    errors: rx.Var,
    default: rx.Var,
    *,
    type_: str = "text",
    hint: str = "",
    placeholder: str = "",
    input_mode: str | None = None,
    list_id: str | None = None,
    on_blur=None,
    required: bool = False,
    autocomplete: str = "off",
) -> rx.Component:
    field_id = f"field-{name}"
    error = errors.get(name, "")
    props = {}
    if input_mode:
        props["input_mode"] = input_mode
    if list_id:
        props["list"] = list_id
    if on_blur is not None:
        props["on_blur"] = on_blur
    return labelled(
        field_id,
        label + (" *" if required else ""),
        checked_input(
            field_id,
            name,
            error,
            type=type_,
            default_value=default,
            placeholder=placeholder,
            autocomplete=autocomplete,
            size="2",
            width="100%",
            **props,
        ),
        error,
        hint,
    )


def select_field(
    name: str,
    label: str,
    options: dict[str, str],
    errors: rx.Var,
    default: rx.Var,
    *,
    empty_label: str | None = None,
    required: bool = False,
) -> rx.Component:
    field_id = f"field-{name}"
    error = errors.get(name, "")
    choices = ([rx.el.option(empty_label, value="")] if empty_label is not None else []) + [
        rx.el.option(text, value=value) for value, text in options.items()
    ]
    return labelled(
        field_id,
        label + (" *" if required else ""),
        rx.el.select(
            *choices,
            id=field_id,
            name=name,
            default_value=default,
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"{field_id}-error",
            style=SELECT_STYLE,
        ),
        error,
    )


def owner_form(*children: rx.Component, on_submit, spacing: str = "3", **props) -> rx.Component:  # noqa: ANN001
    """A form whose fields stay as typed after a submit and whose messages are
    ours, in French, in place (not the browser's bubbles)."""
    return rx.form(
        rx.vstack(*children, spacing=spacing, width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
        **props,
    )


def delete_button(label: rx.Var | str, on_click, class_name: str, *, size: str = "1") -> rx.Component:  # noqa: ANN001
    """The red bin of a row; `label` says what it deletes, for screen readers."""
    return rx.icon_button(
        rx.icon("trash-2", size=14 if size == "1" else 16),
        size=size,
        variant="ghost",
        color_scheme="red",
        aria_label=label,
        on_click=on_click,
        class_name=class_name,
    )
