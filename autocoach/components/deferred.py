"""Content rendered just after the first paint (a small local React component)."""

from __future__ import annotations

import reflex as rx


class AfterFirstPaint(rx.Component):
    """Children appear one frame after the page is first painted: the landing's
    lower sections no longer delay its hero."""

    library = "$/public" + rx.asset("after_first_paint.jsx", shared=True)
    tag = "AfterFirstPaint"


after_first_paint = AfterFirstPaint.create
