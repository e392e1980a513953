"""French that reads right: plurals, agreement, articles, acronyms, deadlines.

One place for the small grammar every text needs (UI, ad, report, CLI), so no
"(s)" is ever shown: a count always comes with the noun in the right number,
and a label moved inside a sentence keeps its acronyms in capitals.

    count(2, "propriétaire")                      -> "2 propriétaires"
    count(0, "entretien", zero="aucun entretien") -> "aucun entretien"
    count(3, "défaillance mineure notée", "défaillances mineures notées")
    with_article(SEGMENT_NOUNS["SUV-B"])          -> "un SUV urbain"
    lower_first("Opposition au transfert (OTCI)") -> "opposition au transfert (OTCI)"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from autocoach.domain.formatting import format_date, format_number

__all__ = [
    "Noun",
    "SEGMENT_NOUNS",
    "agree",
    "count",
    "ct_deadline",
    "join_words",
    "lower_first",
    "plural_of",
    "segment_noun",
    "with_article",
]


# Plurals that do not just take an "s" (only the words the app writes).
_IRREGULAR = {
    "travail": "travaux",
    "journal": "journaux",
    "œil": "yeux",
}


def plural_of(word: str) -> str:
    """The plural of one French word or of a noun phrase: "défaillance
    mineure" -> "défaillances mineures". Words after a preposition are a
    complement and keep their number ("journaux de bord", "envois en échec").
    Words ending in s, x or z do not change; "-al" and "-eau" follow the
    common rule."""
    words = word.split(" ")
    for index, each in enumerate(words):
        if each.lower() in _PREPOSITIONS:
            return " ".join([*(_plural_word(w) for w in words[:index]), *words[index:]])
    return " ".join(_plural_word(w) for w in words)


_PREPOSITIONS = {"de", "du", "des", "d'un", "d'une", "à", "au", "aux", "en", "par", "pour", "sur", "sans", "avec"}


def _plural_word(word: str) -> str:
    lowered = word.lower()
    if not word or not word[-1].isalpha() or word.isupper() and len(word) > 1:
        # Acronyms ("CT"), numbers and punctuation stay as they are.
        return word
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if lowered in {"et", "ou", "plus", "moins", "très"}:
        return word
    if lowered.endswith(("s", "x", "z")):
        return word
    if lowered.endswith("eau"):
        return word + "x"
    if lowered.endswith("al") and lowered not in {"bal", "carnaval", "festival", "récital"}:
        return word[:-2] + "aux"
    return word + "s"


def count(
    number: int,
    singular: str,
    plural: str | None = None,
    *,
    zero: str | None = None,
) -> str:
    """A number with its noun in the right number, French style: 0 and 1 take
    the singular ("0 sinistre", "1 propriétaire"), 2 and more the plural.
    `plural` when the phrase is irregular or only some words agree; `zero`
    for a sentence that reads better without the figure ("aucun entretien")."""
    if number == 0 and zero is not None:
        return zero
    noun = singular if abs(number) < 2 else (plural or plural_of(singular))
    return f"{format_number(number)} {noun}"


def agree(masculine: str, feminine: str, *, feminine_noun: bool, number: int = 1) -> str:
    """An adjective or participle agreed with its noun: agree("noté", "notée",
    feminine_noun=True, number=2) -> "notées"."""
    word = feminine if feminine_noun else masculine
    return plural_of(word) if abs(number) >= 2 else word


_ACRONYM = re.compile(r"^[A-ZÀ-Ý0-9'’-]{2,}$")


def lower_first(label: str) -> str:
    """A label moved inside a sentence: its first word loses its capital unless
    it is an acronym ("SUV urbain", "CT"); the rest is untouched, so "(OTCI)"
    stays in capitals."""
    if not label:
        return label
    first, _, rest = label.partition(" ")
    core = first.strip("()[],.;:")
    if _ACRONYM.match(core) or (len(core) > 1 and core[1:2].isupper()):
        return label
    return label[0].lower() + label[1:]


def join_words(items: list[str] | tuple[str, ...], last: str = "et") -> str:
    """["a", "b", "c"] -> "a, b et c"."""
    items = [i for i in items if i]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


@dataclass(frozen=True)
class Noun:
    """A noun phrase with the gender its articles and adjectives agree with."""

    text: str  # as written inside a sentence: "SUV urbain", "citadine"
    feminine: bool


# The reference segments (autocoach/data/models.json) as they read in a
# sentence: "pour une citadine", "pour un SUV urbain".
SEGMENT_NOUNS: dict[str, Noun] = {
    "A": Noun("citadine", True),
    "B": Noun("polyvalente", True),
    "C": Noun("compacte", True),
    "D": Noun("familiale ou berline", True),
    "E": Noun("grande routière", True),
    "SUV-B": Noun("SUV urbain", False),
    "SUV-C": Noun("SUV compact", False),
    "SUV-D": Noun("grand SUV", False),
    "monospace": Noun("monospace", False),
    "ludospace": Noun("ludospace", False),
}


def segment_noun(segment_id: str, label: str) -> Noun:
    """The segment as a noun phrase; an unknown segment keeps its label, as a
    masculine noun ("un segment …" is how French refers to one)."""
    known = SEGMENT_NOUNS.get(segment_id)
    return known if known is not None else Noun(lower_first(label), False)


def with_article(noun: Noun, *, definite: bool = False) -> str:
    """"un SUV urbain", "une citadine"; definite: "le SUV urbain", "l'…"."""
    if definite:
        if noun.text[:1].lower() in "aeéèêiîoôuûhy":
            return f"l'{noun.text}"
        return f"{'la' if noun.feminine else 'le'} {noun.text}"
    return f"{'une' if noun.feminine else 'un'} {noun.text}"


def ct_deadline(due: date, as_of: date) -> str:
    """The contrôle technique deadline as a label: a date already past is late,
    never "prochain"."""
    if due < as_of:
        return f"Contrôle technique en retard depuis le {format_date(due)}"
    return f"Prochain contrôle technique avant le {format_date(due)}"
