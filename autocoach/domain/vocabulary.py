"""Closed vocabularies shared by parsers, engine, forms and the database.

Values are stable identifiers (stored in the database and printed by the CLI);
labels are what a French owner reads.
"""

from __future__ import annotations

FUEL_TYPES: dict[str, str] = {
    "essence": "Essence",
    "diesel": "Diesel",
    "hybride": "Hybride",
    "hybride_rechargeable": "Hybride rechargeable",
    "electrique": "Électrique",
    "gpl": "GPL / GNV",
    "e85": "Superéthanol E85",
    "autre": "Autre",
}

GEARBOXES: dict[str, str] = {
    "manuelle": "Manuelle",
    "automatique": "Automatique",
}

DOCUMENT_TYPES: dict[str, str] = {
    "histovec": "Rapport Histovec",
    "carte_grise": "Carte grise",
    "facture": "Facture de garage",
}

DOCUMENT_STATUSES: dict[str, str] = {
    "pending": "En attente",
    "reading": "Lecture en cours",
    "processed": "Analysé",
    "failed": "Échec",
}

EXPENSE_CATEGORIES: dict[str, str] = {
    "vidange": "Vidange / entretien",
    "freins": "Freins",
    "pneus": "Pneus",
    "distribution": "Distribution",
    "pieces": "Pièces",
    "main_oeuvre": "Main d'œuvre",
    "controle_technique": "Contrôle technique",
    "carrosserie": "Carrosserie",
    "autre": "Autre",
}

# Contrôle technique results as Histovec reports them.
CT_RESULTS: dict[str, str] = {
    "favorable": "Favorable",
    "defavorable_majeur": "Défavorable (défaillances majeures, contre-visite)",
    "defavorable_critique": "Défavorable (défaillances critiques)",
    "ajourne": "Ajourné",
}
