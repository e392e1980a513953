"""The compact table used across the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def compact_table(
    columns: list[tuple[str, bool]], rows: Any, render_row: Callable[[Any], rx.Component], table_id: str
) -> rx.Component:
    """A small table; on a phone each row becomes a card of "label value"
    lines (CSS `.stack-table`), so no figure is squeezed or cut.
    `columns`: (title, right-aligned) pairs; rows give their cells with
    `figure_cell` so the card can name each figure."""
    # A plain <table> in Radix's table classes: Radix's own Table.Root wraps it
    # in a scroll area that a phone then scrolls sideways.
    return rx.el.div(
        rx.el.table(
            rx.el.thead(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(title, text_align="right")
                        if right_aligned
                        else rx.table.column_header_cell(title)
                        for title, right_aligned in columns
                    ]
                ),
                class_name="rt-TableHeader",
            ),
            rx.el.tbody(rx.foreach(rows, render_row), class_name="rt-TableBody"),
            class_name="rt-TableRootTable",
        ),
        id=table_id,
        class_name="rt-TableRoot rt-r-size-1 rt-variant-ghost stack-table",
        width="100%",
    )


def figure_cell(label: str, *children: Any, right: bool = True, **props: Any) -> rx.Component:
    """A cell that says which column it belongs to when the row is a card."""
    return rx.table.cell(
        *children,
        text_align="right" if right else "left",
        custom_attrs={"data-label": label},
        **props,
    )
