"""Garage invoice (facture) text -> date, garage, totals and categorised lines.

Every garage prints its own layout, so the parser relies on what all of them
share: a name at the top, labelled totals ("Total HT", "Total TTC", "Net à
payer"), and item lines that end with an amount. Categories come from keyword
rules on the line label, without accents and case.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from autocoach.domain.documents.common import (
    ORIGIN_TEXT,
    ParsedDocument,
    find_amounts,
    find_dates,
    fold,
    guarded,
    lines_of,
    money,
    parse_amount,
    plate_candidates,
)
from autocoach.domain.documents.layout import DocumentLayout

DOCUMENT_TYPE = "facture"

MSG_NO_TOTAL = "Le montant total de la facture n'a pas été trouvé."
MSG_NO_DATE = "La date de la facture n'a pas été trouvée."
MSG_NO_ITEMS = "Aucune ligne de prestation n'a été reconnue sur cette facture."
MSG_SUM_MISMATCH = (
    "La somme des lignes lues ({sum} €) ne correspond ni au total HT ni au total TTC : "
    "vérifiez les montants."
)
MSG_HT_GT_TTC = "Le total HT lu dépasse le total TTC : vérifiez les montants."

# First match wins: specific trades before generic parts and labour words.
CATEGORY_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("main_oeuvre", r"^(?:main[- ]?d.?(?:oe|œ)uvre|m\.?\s?o\.?\b|mo\b)|main[- ]?d.?(?:oe|œ)uvre|taux horaire|\bheures? de travail"),
        ("controle_technique", r"controle technique|contre[- ]?visite|\bc\.?t\.? (?:periodique|auto)|visite technique"),
        # An accessory (alternator) belt is not the timing belt: the engine would
        # otherwise count it as a distribution job done.
        ("pieces", r"courroie (?:d.?)?(?:accessoires?|alternateur|servitude)"),
        ("distribution", r"distribution|courroie|galet|pompe a eau|\bkit distri"),
        ("freins", r"frein|plaquette|disques?\b|etrier|machoire|tambour|\bhydraulique de frein"),
        (
            "pneus",
            r"pneu|pneumatique|equilibrage|parallelisme|geometrie|permutation|\bvalves?\b|"
            r"michelin|continental|bridgestone|pirelli|goodyear|dunlop|hankook|\b\d{3}/\d{2} ?z?r ?\d{2}",
        ),
        (
            "vidange",
            r"vidange|huile|lubrifiant|filtre|revision|entretien|\b\d{1,2}w-?\d{2}\b|lave[- ]glace|adblue|liquide de refroidissement",
        ),
        (
            "carrosserie",
            r"carrosserie|peinture|pare[- ]?chocs?|debosselage|bosse|rayure|retroviseur|pare[- ]?brise|"
            r"vitrage|optique|phare|aile\b|portiere|polish|lustrage",
        ),
        (
            "pieces",
            r"batterie|amortisseur|embrayage|rotule|silent[- ]?bloc|essuie[- ]?glace|balai|ampoule|"
            r"bougie|echappement|silencieux|catalyseur|joint|sonde|capteur|biellette|cardan|"
            r"triangle|radiateur|alternateur|demarreur|injecteur|turbo|soufflet|roulement|"
            r"moyeu|piece|kit\b|durite|thermostat|vanne egr|fap|filtre a particules",
        ),
        ("main_oeuvre", r"\bpose\b|\bdepose\b|diagnostic|montage|forfait|reglage|controle|recherche de panne"),
    )
)

_TTC_RE = re.compile(r"total\s*t\.?\s?t\.?\s?c|net\s*a\s*payer|montant\s*t\.?t\.?c|total\s*a\s*payer|total\s*general|reste\s*a\s*payer")
_HT_RE = re.compile(r"(?:total|montant)\s*(?:net\s*)?h\.?\s?t\.?\b(?!\s*(?:pieces|p\.|main|m\.?o\b|mo\b|fournitures))|total\s*hors\s*tax")
_NOT_ITEM_RE = re.compile(
    r"\btva\b|total|sous[- ]?total|acompte|reglement|regle\b|paye|net\s*a\s*payer|solde|rendu|"
    r"\bcb\b|especes|cheque|report|montant|capital|siret|siren|\brcs\b|escompte|penalite|"
    r"\bbase\b|a payer|echeance|iban|bic\b|virement"
)
_HEADER_RE = re.compile(r"designation|libelle|description|prestations?\b|intitule|article")
_GARAGE_HINT_RE = re.compile(
    r"garage|auto|automobiles?|\bcentre\b|carrosserie|mecanique|speedy|norauto|midas|feu vert|"
    r"point s\b|euromaster|vulco|first stop|roady|carglass|\bmotors?\b|concession|pneus?\b|services?\b"
)
_GARAGE_EXCLUDE_RE = re.compile(
    r"facture|devis|\bdate\b|\btel\b|telephone|\bfax\b|siret|siren|\btva\b|\brcs\b|\bape\b|\bnaf\b|"
    r"capital|@|www\.|http|client|immat|\bpage\b|n°|\bno\b|adresse|\bsas\b$|^\d|\d{5}|bon de|ordre de|"
    r"reparation n|vehicule|kilom"
)
_MILEAGE_LABEL_RE = re.compile(
    r"(?:kilometrage|kilometres?|\bkms?\b|compteur)\s*(?:releve|au compteur|actuel)?\s*[:.]?\s*"
    r"(\d{1,3}(?:[ .]\d{3}){1,2}|\d{1,7})(?![\d,])"
)
_MILEAGE_SUFFIX_RE = re.compile(r"(?<![\d,.])(\d{1,3}(?:[ .]\d{3}){1,2}|\d{3,7})\s?kms?\b")
_DATE_EXCLUDE_RE = re.compile(
    r"\bmec\b|circulation|echeance|immatriculation|naissance|prochain|validite|garantie|"
    r"\b1ere\b|premiere|livraison prevue|avant le"
)
_NUMERIC_TOKEN_RE = re.compile(
    r"^(?:[-+]?[\d.,]+(?:€|%|eur|e)?|€|eur|euros?|x\d*|\d*x|u|un|h|l|pce|pcs?|%|[\d.,]+(?:h|l|u))$"
)
_REF_TOKEN_RE = re.compile(r"^(?:ref\.?:?|réf\.?:?|[a-z]{0,4}[\-/]?\d[\w\-/.]{3,})$")


def parse_invoice(text: str, layout: DocumentLayout | None = None) -> ParsedDocument:
    """Read a garage invoice. Never raises; missing pieces become warnings.

    ``layout`` (OCR word boxes) rates each value by the OCR's confidence, and
    gives a second reading of the page: its words regrouped into rows by
    position, for when Tesseract put a table's columns in separate blocks
    (labels first, then all the amounts). The reading whose lines add up to
    its totals, else the one with more found, wins."""
    result = guarded(DOCUMENT_TYPE, _parse, text)
    if layout is not None and layout.words:
        by_rows = guarded(DOCUMENT_TYPE, _parse, "\n".join(layout.row_texts()))
        if _reading_rank(by_rows) > _reading_rank(result):
            result = by_rows
    _rate(result, layout)
    return result


def _adds_up(fields: dict) -> bool:
    items = fields.get("items") or []
    total = round(sum(item["amount"] for item in items), 2)
    return bool(items) and any(
        isinstance(fields.get(key), float) and abs(fields[key] - total) <= 0.05 for key in ("total_ht", "total_ttc")
    )


def _reading_rank(result: ParsedDocument) -> tuple[bool, int, int]:
    fields = result.fields
    return _adds_up(fields), len(fields) + len(fields.get("items") or []), -len(result.warnings)


def _rate(result: ParsedDocument, layout: DocumentLayout | None) -> None:
    """Totals that the lines add up to are sure whatever the OCR thought of them."""
    fields = result.fields
    items = fields.get("items") or []
    adds_up = _adds_up(fields)
    for name, value in fields.items():
        if name == "items" and not items:
            continue  # nothing read: nothing to rate
        if name == "items":
            factor = 1.0 if adds_up or layout is None else min(
                (min(layout.confidence_of(item["label"]), layout.confidence_of(item["amount"])) for item in items), default=1.0
            )
        elif adds_up and name in ("total_ht", "total_ttc"):
            factor = 1.0
        else:
            factor = 1.0 if layout is None else layout.confidence_of(value)
        result.note(name, ORIGIN_TEXT, 0.95 * factor)


def expense_category(label: str) -> str:
    """Category identifier (vocabulary.EXPENSE_CATEGORIES) for an invoice line."""
    folded = fold(label)
    for category, pattern in CATEGORY_RULES:
        if pattern.search(folded):
            return category
    return "autre"


def _parse(text: str, result: ParsedDocument) -> None:
    lines = [line for line in lines_of(text) if line.strip(" |_-.")]
    folded = [fold(line) for line in lines]
    fields = result.fields

    garage = _garage(lines, folded)
    if garage:
        fields["garage"] = garage
    when = _invoice_date(lines, folded)
    if when:
        fields["date"] = when
    else:
        result.warn(MSG_NO_DATE)
    plate = _plate(lines, folded)
    if plate:
        fields["license_plate"] = plate
    mileage = _mileage(folded)
    if mileage is not None:
        fields["mileage"] = mileage

    ttc = _total(lines, folded, _TTC_RE)
    ht = _total(lines, folded, _HT_RE)
    if ttc is not None:
        fields["total_ttc"] = money(ttc)
    if ht is not None:
        fields["total_ht"] = money(ht)
    if ttc is None and ht is None:
        result.warn(MSG_NO_TOTAL)
    if ttc is not None and ht is not None and ht > ttc:
        result.warn(MSG_HT_GT_TTC)

    items = _reconcile(_items(lines, folded), ht, ttc)
    fields["items"] = [
        {"label": label, "amount": money(amount), "category": expense_category(label)}
        for label, amount in items
    ]
    if not items:
        result.warn(MSG_NO_ITEMS)
    else:
        total = sum((amount for _, amount in items), Decimal(0))
        if (ht is not None or ttc is not None) and not any(
            ref is not None and abs(total - ref) <= Decimal("0.05") for ref in (ht, ttc)
        ):
            result.warn(MSG_SUM_MISMATCH.format(sum=f"{total:.2f}".replace(".", ",")))


def _garage(lines: list[str], folded: list[str]) -> str | None:
    candidates: list[tuple[int, str]] = []
    for i, (line, low) in enumerate(zip(lines[:12], folded[:12])):
        letters = sum(ch.isalpha() for ch in line)
        if letters < 3 or letters < len(line) * 0.5 or _GARAGE_EXCLUDE_RE.search(low) or find_dates(line):
            continue
        if re.fullmatch(r"(?:facture|invoice|devis)\W*", low):
            continue
        candidates.append((i, line))
    for i, line in candidates:
        if _GARAGE_HINT_RE.search(folded[i]):
            return _clean_name(line)
    return _clean_name(candidates[0][1]) if candidates else None


def _clean_name(line: str) -> str:
    return re.sub(r"\s{2,}", " ", re.sub(r"[|_*=~]+", " ", line)).strip(" -.:,")


def _invoice_date(lines: list[str], folded: list[str]) -> date | None:
    fallback: date | None = None
    labelled: date | None = None
    for line, low in zip(lines, folded):
        dates = find_dates(line)
        if not dates:
            continue
        if "facture" in low and not _DATE_EXCLUDE_RE.search(low):
            return dates[0][0]
        if labelled is None and re.search(r"\bdate\b|\ble\b|\bdu\b", low) and not _DATE_EXCLUDE_RE.search(low):
            labelled = dates[0][0]
        if fallback is None and not _DATE_EXCLUDE_RE.search(low):
            fallback = dates[0][0]
    return labelled or fallback


def _plate(lines: list[str], folded: list[str]) -> str | None:
    for i, low in enumerate(folded):
        if re.search(r"immat|plaque|vehicule|\bimm\b", low):
            for plate in plate_candidates(lines[i]):
                return plate
            # Value below its label: only the distinctive SIV shape counts there.
            for plate in plate_candidates(lines[i + 1] if i + 1 < len(lines) else "", allow_fni=False):
                return plate
    for line in lines:
        for plate in plate_candidates(line, allow_fni=False):
            return plate
    return None


def _mileage(folded: list[str]) -> int | None:
    for low in folded:
        m = _MILEAGE_LABEL_RE.search(low)
        if m:
            return int(re.sub(r"\D", "", m.group(1)))
    for low in folded:
        if find_amounts(low, need_decimals=True):
            continue  # an item line such as "Révision 60 000 km ... 189,00"
        m = _MILEAGE_SUFFIX_RE.search(low)
        if m:
            return int(re.sub(r"\D", "", m.group(1)))
    return None


def _total(lines: list[str], folded: list[str], label: re.Pattern[str]) -> Decimal | None:
    for i, low in enumerate(folded):
        m = label.search(low)
        if not m:
            continue
        after = find_amounts(lines[i][m.end() :], need_decimals=True)
        after = [a for a in after if not _is_rate(lines[i][m.end() :], a)]
        if after:
            return after[0][0]
        if i + 1 < len(lines) and not label.search(folded[i + 1]):
            below = find_amounts(lines[i + 1], need_decimals=True)
            if below and not re.search(r"[a-z]{4}", folded[i + 1][: below[0][1]]):
                return below[0][0]
    return None


def _is_rate(text: str, amount: tuple[Decimal, int, int]) -> bool:
    """"20,00 %" is the VAT rate, not an amount."""
    return bool(re.match(r"\s?%", text[amount[2] :]))


def _items(lines: list[str], folded: list[str]) -> list[tuple[str, Decimal, Decimal | None]]:
    """(label, amount, other possible reading of the amount) for each item line."""
    start = 0
    for i, low in enumerate(folded):
        if _HEADER_RE.search(low) and not find_amounts(lines[i], need_decimals=True):
            start = i + 1
            break
    items: list[tuple[str, Decimal, Decimal | None]] = []
    for line, low in zip(lines[start:], folded[start:]):
        if _TTC_RE.search(low) or _HT_RE.search(low):
            if items:
                break  # totals block: items are above it
            continue
        if _NOT_ITEM_RE.search(low):
            continue
        amounts = [a for a in find_amounts(line, need_decimals=True) if not _is_rate(line, a)]
        if not amounts:
            continue
        label = _label(line[: amounts[0][1]])
        if label is None:
            continue
        value, start_at, end_at = amounts[-1]
        items.append((label, value, _split_reading(line[start_at:end_at])))
    return items


def _split_reading(raw: str) -> Decimal | None:
    """"1 149,00" may be 1 149,00 € or a quantity 1 then 149,00 €: the other reading."""
    m = re.match(r"^(-\s?)?\d{1,2} (\d{3}(?:[.,]\d{1,2})?)\s?(?:€|eur\w*|e)?$", raw.strip(), re.IGNORECASE)
    if not m:
        return None
    return parse_amount((m.group(1) or "").replace(" ", "") + m.group(2))


def _reconcile(
    items: list[tuple[str, Decimal, Decimal | None]], ht: Decimal | None, ttc: Decimal | None
) -> list[tuple[str, Decimal]]:
    """Choose between ambiguous readings so that the lines add up to a total."""
    chosen = [(label, amount) for label, amount, _ in items]
    ambiguous = [i for i, (_, _, alt) in enumerate(items) if alt is not None]
    targets = [t for t in (ht, ttc) if t is not None]
    if not ambiguous or not targets or len(ambiguous) > 10:
        return chosen

    def adds_up(amounts: list[Decimal]) -> bool:
        total = sum(amounts, Decimal(0))
        return any(abs(total - t) <= Decimal("0.05") for t in targets)

    if adds_up([a for _, a in chosen]):
        return chosen
    for mask in range(1, 1 << len(ambiguous)):
        amounts = [amount for _, amount, _ in items]
        for bit, index in enumerate(ambiguous):
            if mask >> bit & 1:
                amounts[index] = items[index][2]  # type: ignore[assignment]
        if adds_up(amounts):
            return [(label, amount) for (label, _, _), amount in zip(items, amounts)]
    return chosen


def _label(head: str) -> str | None:
    tokens = head.replace("|", " ").split()
    while tokens and _NUMERIC_TOKEN_RE.match(fold(tokens[-1])):
        tokens.pop()
    # Leading part references ("7701208174", "REF:PL-1234") are not the label.
    while len(tokens) > 1 and _REF_TOKEN_RE.match(fold(tokens[0])) and sum(c.isdigit() for c in tokens[0]) >= 3:
        tokens.pop(0)
    if tokens and fold(tokens[0]).rstrip(".:") in ("ref", "réf"):
        tokens.pop(0)
    label = " ".join(tokens).strip(" -:.,;")
    if sum(ch.isalpha() for ch in label) < 3:
        return None
    return label


__all__ = ["parse_invoice", "expense_category", "CATEGORY_RULES", "DOCUMENT_TYPE"]
