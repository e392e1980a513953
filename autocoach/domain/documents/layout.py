"""Where the words of an OCR'd page stand, and which value goes with which label.

Tesseract's own lines follow its block analysis: on a two-column card it may
put the left column's lines in one block and the right column's in another,
or cut a "code value" pair in two when the value is printed a little higher
than its small code. The parsers need *a code and the value right of it*, so
words are regrouped here by geometry: a word joins the row whose last word is
at its height just to its left (rows follow a slight residual slope), and a
code's value is the run of words after it on its row up to the next code or a
wide gap. Pure data in, data out: the word boxes come from
``services.text`` (Tesseract ``image_to_data``) or from a recorded JSON.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from autocoach.domain.documents.common import fold_upper

SOURCE_OCR = "ocr"
SOURCE_TEXT_LAYER = "pdf_text"

# A word joins a row when its centre is within this share of the line height.
_ROW_TOLERANCE = 0.55
# A value stops at a horizontal gap wider than this many line heights.
_VALUE_GAP = 4.0
# Tesseract rates clean print 90-96: a word at this confidence counts as sure.
_SURE_OCR_CONFIDENCE = 88.0
# Confidence given to a value none of whose words could be found on the page.
_UNLOCATED_FACTOR = 0.85


@dataclass(frozen=True)
class Word:
    """One word of a page: its text, Tesseract confidence (0-100) and box in pixels."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    page: int = 1

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def center_y(self) -> float:
        return self.top + self.height / 2


@dataclass
class DocumentLayout:
    """The words of a document with their boxes; ``source`` says how they were read."""

    words: list[Word] = field(default_factory=list)
    source: str = SOURCE_OCR
    mean_confidence: float = 0.0  # 0-100, weighted by word length

    @classmethod
    def from_tesseract(cls, data: dict[str, list], page: int = 1) -> list[Word]:
        """Words of one page from ``pytesseract.image_to_data(..., output_type=DICT)``."""
        words: list[Word] = []
        texts = data.get("text") or []
        for i, raw in enumerate(texts):
            text = str(raw or "").strip()
            try:
                conf = float(data["conf"][i])
                box = [int(data[key][i]) for key in ("left", "top", "width", "height")]
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            if not text or conf < 0 or box[2] <= 0 or box[3] <= 0:
                continue
            words.append(Word(text, conf, *box, page=page))
        return words

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> DocumentLayout:
        words = [Word(**w) for w in payload.get("words", [])]
        layout = cls(words=words, source=str(payload.get("source", SOURCE_OCR)))
        layout.mean_confidence = float(payload.get("mean_confidence") or layout.weighted_confidence())
        return layout

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mean_confidence": self.mean_confidence,
            "words": [asdict(w) for w in self.words],
        }

    def weighted_confidence(self) -> float:
        weight = sum(len(w.text) for w in self.words)
        if not weight:
            return 0.0
        return sum(w.conf * len(w.text) for w in self.words) / weight

    def rows(self) -> list[list[Word]]:
        return geometric_rows(self.words)

    def row_texts(self) -> list[str]:
        return [" ".join(w.text for w in row) for row in self.rows()]

    def confidence_of(self, value: Any) -> float:
        """How sure the OCR was of the words that make ``value`` (0..1).

        A text layer is sure. Each token of the value is looked up among the
        page's words (folded, exact first, then containing); the weakest word
        decides, since one misread character makes the value wrong."""
        if self.source == SOURCE_TEXT_LAYER:
            return 1.0
        tokens = [t for t in re.split(r"[\s\-/.,:]+", fold_upper(str(value))) if t]
        if not tokens or not self.words:
            return _UNLOCATED_FACTOR
        index = self._word_index()
        scores: list[float] = []
        for token in tokens:
            conf = index.get(token)
            if conf is None:
                conf = max((c for text, c in index.items() if token in text or (len(text) >= 3 and text in token)), default=None)
            if conf is not None:
                scores.append(conf)
        if not scores:
            return _UNLOCATED_FACTOR
        return min(1.0, min(scores) / _SURE_OCR_CONFIDENCE)

    def _word_index(self) -> dict[str, float]:
        index: dict[str, float] = {}
        for word in self.words:
            for token in re.split(r"[\s\-/.,:]+", fold_upper(word.text)):
                if token:
                    index[token] = max(index.get(token, 0.0), word.conf)
        return index


def geometric_rows(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into rows by position, each row left to right, rows top to bottom."""
    rows: list[list[Word]] = []
    for page in sorted({w.page for w in words}):
        page_words = sorted((w for w in words if w.page == page), key=lambda w: (w.left, w.top))
        if not page_words:
            continue
        line_height = statistics.median(w.height for w in page_words)
        open_rows: list[list[Word]] = []
        for word in page_words:
            best: list[Word] | None = None
            best_distance = 0.0
            for row in open_rows:
                last = row[-1]
                if last.right > word.left + line_height * 0.5:
                    continue  # overlaps: another row at the same height
                tolerance = _ROW_TOLERANCE * max(min(last.height, word.height), line_height * 0.6)
                distance = abs(last.center_y - word.center_y)
                if distance <= tolerance and (best is None or distance < best_distance):
                    best, best_distance = row, distance
            if best is None:
                open_rows.append([word])
            else:
                best.append(word)
        open_rows.sort(key=lambda row: statistics.median(w.center_y for w in row))
        rows.extend(open_rows)
    return rows


def pair_labels(words: Iterable[Word], is_label: Callable[[str], bool]) -> list[tuple[Word, list[Word]]]:
    """Each label word (``is_label``) with the words of its value.

    The value is what follows the label on its geometric row, up to the next
    label or a gap wider than a few line heights; a label with nothing after it
    gets an empty list (its value may be on the next row: the caller decides)."""
    pairs: list[tuple[Word, list[Word]]] = []
    for row in geometric_rows(list(words)):
        height = statistics.median(w.height for w in row)
        current: tuple[Word, list[Word]] | None = None
        for word in row:
            if is_label(word.text):
                current = (word, [])
                pairs.append(current)
                continue
            if current is None:
                continue
            previous = current[1][-1] if current[1] else current[0]
            if word.left - previous.right > _VALUE_GAP * height:
                current = None
                continue
            current[1].append(word)
    return pairs


def merge_words(words: list[Word], extra: Iterable[Word]) -> list[Word]:
    """``words`` plus the words of another reading of the same page that fall
    where ``words`` has nothing (a second Tesseract pass finds small isolated
    pairs a first one dropped)."""
    merged = list(words)
    for word in extra:
        if not any(_overlap(word, kept) > 0.3 for kept in words if kept.page == word.page):
            merged.append(word)
    return merged


def _overlap(a: Word, b: Word) -> float:
    """Shared area over the smaller box's area."""
    width = min(a.right, b.right) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / max(1, min(a.width * a.height, b.width * b.height))


def unlabelled_words(words: Iterable[Word], pairs: list[tuple[Word, list[Word]]]) -> list[Word]:
    """Words that are neither a label nor part of a paired value."""
    used = {id(label) for label, _ in pairs} | {id(w) for _, value in pairs for w in value}
    return [w for w in words if id(w) not in used]


__all__ = [
    "DocumentLayout",
    "SOURCE_OCR",
    "SOURCE_TEXT_LAYER",
    "Word",
    "geometric_rows",
    "merge_words",
    "pair_labels",
    "unlabelled_words",
]
