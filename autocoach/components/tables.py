"""The compact table used across the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def compact_table(
    columns: list[tuple[str, bool]], rows: Any, render_row: Callable[[Any], rx.Component], table_id: str
) -> rx.Component:
    """A small table that scrolls sideways on a narrow screen instead of
    squeezing its figures. `columns`: (title, right-aligned) pairs."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(title, text_align="right")
                        if right_aligned
                        else rx.table.column_header_cell(title)
                        for title, right_aligned in columns
                    ]
                )
            ),
            rx.table.body(rx.foreach(rows, render_row)),
            size="1",
            width="100%",
            id=table_id,
        ),
        overflow_x="auto",
        width="100%",
    )
