"""The "Annuler" bar of deletes that wait (state/undo.py)."""

from __future__ import annotations

import reflex as rx

from autocoach.state.undo import PendingDelete, UndoState


def _pending(item: PendingDelete) -> rx.Component:
    return rx.flex(
        rx.icon("trash-2", size=16, flex_shrink="0"),
        rx.text("« ", item.label, " » supprimé.", size="2", flex="1 1 10rem", min_width="0", overflow_wrap="anywhere"),
        rx.button(
            rx.icon("undo-2", size=14),
            "Annuler",
            size="2",
            variant="solid",
            on_click=UndoState.cancel_delete(item.key),
            class_name="undo-delete",
        ),
        align="center",
        gap="0.75rem",
        wrap="wrap",
        class_name="undo-item",
    )


def undo_bar() -> rx.Component:
    """Fixed at the bottom of the screen while a delete can still be cancelled."""
    return rx.cond(
        UndoState.pending.length() > 0,
        rx.box(
            rx.vstack(rx.foreach(UndoState.pending, _pending), spacing="2"),
            role="status",
            id="undo-bar",
            position="fixed",
            bottom="1rem",
            left="50%",
            transform="translateX(-50%)",
            width="min(32rem, calc(100vw - 2rem))",
            padding="0.75rem 1rem",
            border_radius="12px",
            background=rx.color("gray", 12),
            color=rx.color("gray", 1),
            box_shadow="0 12px 32px -8px rgba(15, 23, 42, 0.45)",
            z_index="900",
        ),
    )
