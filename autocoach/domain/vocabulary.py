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

# Where a dated odometer reading comes from.
READING_SOURCES: dict[str, str] = {
    "proprietaire": "Saisie du propriétaire",
    "correction": "Correction du propriétaire",
    "controle_technique": "Contrôle technique",
    "facture": "Facture",
    "histovec": "Histovec",
    "carte_grise": "Carte grise",
    "annonce": "Annonce",
}

# Nature of a CT visit (Histovec: VTP/CTP periodic, CV/CVC contre-visite).
INSPECTION_NATURES: dict[str, str] = {
    "periodique": "Visite périodique",
    "contre_visite": "Contre-visite",
    "complementaire": "Visite complémentaire",
    "volontaire": "Visite volontaire",
}

# Histovec "situation administrative" items.
SITUATION_FLAGS: dict[str, str] = {
    "gage": "Gage",
    "opposition": "Opposition au transfert (OTCI)",
    "saisie": "Déclaration valant saisie",
    "procedure_ve": "Procédure véhicule endommagé (VE)",
    "vei": "Véhicule économiquement irréparable (VEI)",
    "suspension": "Suspension",
    "vol": "Vol (véhicule ou titre)",
    "perte": "Perte du titre",
    "duplicata": "Duplicata",
    "annulation": "Annulation",
}

# Where a value of the vehicle comes from.
FACT_SOURCES: dict[str, str] = {
    "proprietaire": "saisi par vous",
    "carte_grise": "carte grise",
    "histovec": "rapport Histovec",
    "facture": "facture",
    "fournisseur_plaque": "recherche par plaque",
}

# Where a document read stands with the owner's review.
REVIEW_STATUSES: dict[str, str] = {
    "to_review": "À vérifier",
    "held": "Autre véhicule ?",
    "kept": "Conservé sans être appliqué",
    "applied": "Appliqué à la fiche",
}
