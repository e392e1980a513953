"""Unsaved typing kept in the browser tab (a small local React component)."""

from __future__ import annotations

import reflex as rx


class FormDraft(rx.Component):
    """Placed inside a form: saves what is typed to sessionStorage under
    `storage_key` and puts it back when the form mounts again (a reconnect
    that brought a fresh server state), with a notice and a button to drop it."""

    library = "$/public" + rx.asset("form_draft.jsx", shared=True)
    tag = "FormDraft"

    storage_key: rx.Var[str]
    whole_form: rx.Var[bool]
    notice: rx.Var[str]
    clear_label: rx.Var[str]


form_draft = FormDraft.create
