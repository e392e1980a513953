"""Plate lookup: an optional provider that prefills the vehicle form.

With PLATE_LOOKUP_URL set, AutoCoach asks it; whatever happens (not configured,
timeout, error, unknown plate), the owner lands on the form, prefilled as far as
possible, with a note saying what happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from autocoach.domain.vehicle_form import FIELDS
from autocoach.settings import Settings, get_settings

log = logging.getLogger(__name__)

NOTE_NOT_CONFIGURED = (
    "La recherche automatique par plaque n'est pas disponible : complétez le formulaire "
    "ci-dessous. Vous pourrez aussi déposer votre carte grise, elle le complétera."
)
NOTE_UNAVAILABLE = (
    "Le service de recherche par plaque ne répond pas pour le moment : complétez le "
    "formulaire ci-dessous."
)
NOTE_NOT_FOUND = "Aucune information trouvée pour cette plaque : complétez le formulaire ci-dessous."


@dataclass(frozen=True)
class PlateLookupResult:
    found: bool
    note: str
    fields: dict[str, str] = field(default_factory=dict)


def _prefill_from(payload: object) -> dict[str, str]:
    """Keep only known form fields with scalar values, as text for the form."""
    if not isinstance(payload, dict):
        return {}
    prefill = {}
    for name in FIELDS:
        value = payload.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                prefill[name] = text[:120]
    return prefill


def lookup_plate(plate: str, settings: Settings | None = None) -> PlateLookupResult:
    settings = settings or get_settings()
    if not settings.plate_lookup_url:
        return PlateLookupResult(False, NOTE_NOT_CONFIGURED)
    headers = {"Accept": "application/json"}
    if settings.plate_lookup_key:
        headers["Authorization"] = f"Bearer {settings.plate_lookup_key}"
    try:
        response = httpx.get(
            settings.plate_lookup_url,
            params={"plate": plate},
            headers=headers,
            timeout=settings.plate_lookup_timeout_s,
        )
    except httpx.HTTPError as exc:
        log.warning("Plate lookup failed: %s", exc)
        return PlateLookupResult(False, NOTE_UNAVAILABLE)
    if response.status_code == 404:
        return PlateLookupResult(False, NOTE_NOT_FOUND)
    if response.status_code != 200:
        log.warning("Plate lookup answered HTTP %s", response.status_code)
        return PlateLookupResult(False, NOTE_UNAVAILABLE)
    try:
        prefill = _prefill_from(response.json())
    except ValueError:
        log.warning("Plate lookup answered something that is not JSON")
        return PlateLookupResult(False, NOTE_UNAVAILABLE)
    if not prefill:
        return PlateLookupResult(False, NOTE_NOT_FOUND)
    return PlateLookupResult(
        True,
        f"Informations trouvées pour {plate} : vérifiez-les avant d'enregistrer.",
        prefill,
    )
