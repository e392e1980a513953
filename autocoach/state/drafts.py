"""Form drafts kept in the browser tab's sessionStorage (components/form_draft.jsx).

The keys start with DRAFT_PREFIX; the server only ever tells the browser to
forget them, it never reads them.
"""

from __future__ import annotations

import json

DRAFT_PREFIX = "autocoach-draft:"


def forget_draft_script(storage_key: str) -> str:
    """JS that drops one saved draft (the form was saved)."""
    return f"window.sessionStorage.removeItem({json.dumps(storage_key)})"


FORGET_ALL_DRAFTS_SCRIPT = (
    "Object.keys(window.sessionStorage)"
    f".filter((k) => k.startsWith({json.dumps(DRAFT_PREFIX)}))"
    ".forEach((k) => window.sessionStorage.removeItem(k))"
)
