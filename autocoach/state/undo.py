"""Deletes that can be taken back: "Annuler" for a few seconds, then for real.

A delete asked from the page is only *scheduled*: the item disappears from the
page at once, a bar offers "Annuler", and the server deletes it when the delay
is over unless the owner cancelled. Nothing is deleted by a slip, and if the
server stops during the delay the item simply stays.

Any page can use it for its own kind of item:

    register_undoable("expense", expenses_service.delete_expense, [VehicleState.reload])

then `UndoState.request_delete("expense", expense_id, "Vidange du 12/03/2025")`
from a button, `UndoState.hidden_keys.contains(undo_key("expense", item.id))`
to hide the row meanwhile, and `undo_bar()` (components/undo.py) once per page.
`delete(scope, item_id)` must check the owner (raise vehicles.NotFound) and
return the deleted item's name.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence

import reflex as rx

from autocoach.services import vehicles
from autocoach.state.vehicle import VehicleState

# Long enough to notice and click, short enough not to leave a ghost around.
UNDO_SECONDS = 8.0


@dataclasses.dataclass(frozen=True)
class Undoable:
    delete: Callable[[vehicles.OwnerScope, int], str]
    after: Sequence  # event handlers to run once the item is really gone


_KINDS: dict[str, Undoable] = {}


def register_undoable(kind: str, delete: Callable[[vehicles.OwnerScope, int], str], after: Sequence = ()) -> None:
    _KINDS[kind] = Undoable(delete, tuple(after))


def undo_key(kind: str, item_id) -> str:
    """The key of one pending delete; works on Python values and on Vars."""
    return kind + ":" + item_id.to_string() if isinstance(item_id, rx.Var) else f"{kind}:{item_id}"


@dataclasses.dataclass
class PendingDelete:
    key: str
    kind: str
    item_id: int
    label: str


class UndoState(VehicleState):
    pending: list[PendingDelete] = []

    @rx.var
    def hidden_keys(self) -> list[str]:
        return [p.key for p in self.pending]

    @rx.event
    def request_delete(self, kind: str, item_id: int, label: str):
        if kind not in _KINDS or self._scope() is None:
            return None
        key = undo_key(kind, int(item_id))
        if any(p.key == key for p in self.pending):
            return None
        self.pending = [*self.pending, PendingDelete(key, kind, int(item_id), str(label))]
        return UndoState.finish_delete(key)

    @rx.event
    def cancel_delete(self, key: str):
        kept = [p for p in self.pending if p.key != key]
        if len(kept) == len(self.pending):
            return None  # already done
        self.pending = kept
        return rx.toast.success("Suppression annulée : rien n'a été supprimé.")

    @rx.event(background=True)
    async def finish_delete(self, key: str):
        await asyncio.sleep(UNDO_SECONDS)
        async with self:
            item = next((p for p in self.pending if p.key == key), None)
            if item is None:
                return  # cancelled
            scope = self._scope()
        undoable = _KINDS[item.kind]
        error = ""
        if scope is not None:
            try:
                await asyncio.to_thread(undoable.delete, scope, item.item_id)
            except vehicles.NotFound as exc:
                error = str(exc)
        async with self:
            self.pending = [p for p in self.pending if p.key != key]
        if error:
            yield rx.toast.error(error)
        for handler in undoable.after:
            yield handler
