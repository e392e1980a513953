"""The PDF report of one vehicle (fpdf2): analysis, charts, history, documents.

`build_report(ReportInput)` returns the bytes of an A4 PDF in French:
cover, identity, reliability, monthly costs (bar chart), value curve (line
chart), resale advice, keep-or-sell scenarios, alerts, comparisons, documents
and maintenance history. Charts are drawn with fpdf2 primitives (no
matplotlib) so a report costs a few tens of milliseconds.

Text is set in DejaVu Sans, embedded as a subset: it covers the accents, "€",
"œ", "₂" and the narrow no-break spaces used by `domain.formatting`, so figures
are printed exactly as the web app shows them.

`report_from_vehicle_json(payload, as_of)` is the CLI entry point: same JSON
as `python -m autocoach analyze`, plus an optional "documents" list.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF

from autocoach.domain.analysis import AnalysisResult, analyze
from autocoach.domain.facts import (
    INSPECTION_NATURES,
    SITUATION_FLAGS,
    InvalidVehicleData,
    VehicleFacts,
    vehicle_facts_from_dict,
)
from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_eur_per_month,
    format_km,
    format_month_year,
    format_score,
)
from autocoach.domain.vocabulary import (
    CT_RESULTS,
    DOCUMENT_TYPES,
    EXPENSE_CATEGORIES,
    FUEL_TYPES,
    GEARBOXES,
)
from autocoach.settings import get_settings

__all__ = [
    "ReportDocument",
    "ReportInput",
    "ReportFontMissing",
    "build_report",
    "report_from_vehicle_json",
    "report_filename",
    "font_paths",
    "source_font_paths",
]

# ---------------------------------------------------------------------------
# Fonts

# Debian/Ubuntu package fonts-dejavu-core installs them here; other layouts and
# an explicit override (AUTOCOACH_PDF_FONT_DIR) are tried too.
FONT_DIR_ENV = "AUTOCOACH_PDF_FONT_DIR"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts/dejavu",
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_FAMILY = "DejaVu"

# Code points the report may print: Latin-1, Latin Extended-A/B (œ, ș),
# general punctuation (— … ’ • U+202F), super/subscripts (₂), currency (€), and
# a few signs (№ ™ arrows − ≈ ≤ ≥). DejaVu has ~6 000 glyphs; loading and
# re-subsetting them is most of a report's cost, so the font is cut down to
# these ~700 once per machine (see `_subset_font`). Anything else prints "?".
_UNICODE_RANGE = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x2000, 0x206F),
    (0x2070, 0x209F),
    (0x20A0, 0x20CF),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
    (0x2248, 0x2248),
    (0x2260, 0x2265),
)
_SUBSET_VERSION = "3"


class ReportFontMissing(RuntimeError):
    """DejaVu Sans is not installed: the report cannot print French text."""


@lru_cache(maxsize=1)
def source_font_paths() -> dict[str, Path]:
    """Style ("" / "B") -> installed DejaVu Sans TTF, found once per process."""
    dirs = [os.environ[FONT_DIR_ENV]] if os.environ.get(FONT_DIR_ENV) else []
    dirs += FONT_DIRS
    for directory in dirs:
        paths = {style: Path(directory) / name for style, name in FONT_FILES.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    raise ReportFontMissing(
        "Police DejaVu Sans introuvable (DejaVuSans.ttf et DejaVuSans-Bold.ttf) dans "
        + ", ".join(dirs)
        + ". Installez le paquet Debian « fonts-dejavu-core » ou indiquez le dossier "
        f"des polices dans la variable {FONT_DIR_ENV}."
    )


def _subset_font(source: Path) -> Path:
    """A copy of `source` reduced to _UNICODE_RANGE, cached under DATA_DIR/cache.

    The cache key covers the source file (size, mtime) and the range, so a font
    update or a new range rebuilds it. The cache lives in our own data folder,
    not the shared temp dir, where another local account could plant a font.
    Any failure (read-only folder, odd font) falls back to the full font:
    slower, same output.
    """
    try:
        stat = source.stat()
        key = hashlib.sha256(
            f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{_UNICODE_RANGE}|{_SUBSET_VERSION}"
            .encode()
        ).hexdigest()[:16]
        folder = get_settings().data_dir / "cache" / "fonts"
        target = folder / f"{source.stem}-{key}.ttf"
        if target.is_file():
            return target
        from fontTools import subset  # fpdf2 dependency; only needed on a cache miss
        from fontTools.ttLib import TTFont

        font = TTFont(source, recalcTimestamp=False)
        options = subset.Options()
        options.notdef_outline = True
        options.recommended_glyphs = True
        options.glyph_names = True
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.hinting = False  # hinting does not matter in a PDF
        options.layout_features = []  # no text shaping in the report
        options.drop_tables += ["FFTM"]  # FontForge timestamp: unknown to the subsetter
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes={c for lo, hi in _UNICODE_RANGE for c in range(lo, hi + 1)})
        subsetter.subset(font)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Write then rename: concurrent workers never see a half-written font.
        fd, tmp_name = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            font.save(handle)
        os.replace(tmp_name, target)
        return target
    except Exception:  # noqa: BLE001 - the full font always works
        return source


@lru_cache(maxsize=1)
def font_paths() -> dict[str, Path]:
    """Style -> TTF file embedded in reports (the cached subset when possible)."""
    return {style: _subset_font(path) for style, path in source_font_paths().items()}


# Advance widths (font units / 1000 em) of words already measured, per style:
# reports repeat the same words, and the font never changes within a process.
_WORD_UNITS: dict[tuple[str, str], float] = {}
_WORD_CACHE_MAX = 50_000


# ---------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class ReportDocument:
    """One stored document, as listed in the report."""

    title: str
    type_label: str
    date: date | None = None


# A document as (title, type label, date) also works.
DocumentLike = ReportDocument | tuple[str, str, date | None]


@dataclass
class ReportInput:
    facts: VehicleFacts
    analysis: AnalysisResult
    license_plate: str | None = None
    # ReportDocument or (title, type label, date) tuples.
    documents: Sequence[DocumentLike] = field(default_factory=list)
    generated_at: date = field(default_factory=date.today)


def _documents(items: Iterable[DocumentLike]) -> list[ReportDocument]:
    docs = [item if isinstance(item, ReportDocument) else ReportDocument(*item) for item in items]
    # Newest first, undated last.
    return sorted(
        docs, key=lambda d: (d.date is None, -(d.date.toordinal() if d.date else 0), d.title)
    )


# ---------------------------------------------------------------------------
# Look

ACCENT = (62, 99, 221)  # #3E63DD
ACCENT_SOFT = (232, 237, 252)
ACCENT_MID = (158, 177, 238)
TEXT = (55, 65, 81)
MUTED = (107, 114, 128)
RULE = (218, 222, 230)
ROW_FILL = (246, 247, 250)
WHITE = (255, 255, 255)

MARGIN = 18.0
FOOTER_H = 14.0
BODY = 9.5  # pt
SMALL = 8.0
LINE = 4.6  # mm, body line height

SEVERITY_LABELS = {"critical": "Urgent", "warning": "À surveiller", "info": "Information"}
# Calm palette: severity shown by the intensity of the single accent colour.
SEVERITY_FILLS = {"critical": ACCENT, "warning": ACCENT_MID, "info": ACCENT_SOFT}
SEVERITY_TEXT = {"critical": WHITE, "warning": WHITE, "info": ACCENT}
ALERT_TYPES = {
    "controle_technique": "Contrôle technique",
    "crit_air": "Vignette Crit'Air",
    "distribution": "Distribution",
    "entretien": "Entretien",
    "kilometrage": "Kilométrage",
    "situation_administrative": "Situation administrative",
    "faiblesse_connue": "Point faible connu",
}

Color = tuple[int, int, int]
PT = 25.4 / 72  # mm per typographic point


def _signed(weight: float) -> str:
    """+0,2 / −0,5 / 0 (true minus sign, like printed French)."""
    if abs(weight) < 0.05:
        return "0"
    text = format_decimal(abs(weight), 1)
    return ("+" if weight > 0 else "\u2212") + text


class _ReportPDF(FPDF):
    """FPDF with the report's look and a fast left-aligned text layout.

    fpdf2's multi_cell/table re-measure the whole line for every character
    (quadratic, most of a report's time). Here words are measured once (cached
    across reports), lines are wrapped greedily and drawn with `text()`; page
    breaks are placed explicitly, so auto page break only guards `cell()`.
    Regular spaces break lines; U+00A0 and U+202F never do, so "12 500 €" stays
    on one line.
    """

    def __init__(self, generated_at: date) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.generated_at = generated_at
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + FOOTER_H - 6)
        for style, path in font_paths().items():
            self.add_font(FONT_FAMILY, style, path)
        self.use_font()
        self.set_draw_color(*RULE)
        # Stable bytes for the same input (no "now" in the file).
        day = generated_at
        self.set_creation_date(datetime(day.year, day.month, day.day, tzinfo=timezone.utc))
        self.set_author("AutoCoach")
        self.set_creator("AutoCoach")
        self.set_lang("fr-FR")

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y() - 2, self.w - MARGIN, self.get_y() - 2)
        self.use_font(7.5, False, MUTED)
        generated = format_date(self.generated_at)
        self.cell(self.epw / 2, 5, f"Rapport AutoCoach — généré le {generated}")
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} / {{nb}}", align="R")
        self.use_font()

    # -- text layout -------------------------------------------------------

    def use_font(self, size: float = BODY, bold: bool = False, color: Color = TEXT) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def units(self, text: str) -> float:
        """Advance width of `text` in the current font, in 1/1000 em."""
        font = self.current_font
        key = (font.fontkey, text)
        found = _WORD_UNITS.get(key)
        if found is None:
            cw = font.cw
            found = sum(cw[ord(c)] for c in text)
            if len(_WORD_UNITS) >= _WORD_CACHE_MAX:
                _WORD_UNITS.clear()
            _WORD_UNITS[key] = found
        return found

    def measure(self, text: str) -> float:
        """Width in mm in the current font and size."""
        return self.units(text) * self.font_size_pt * 0.001 * PT

    def clean(self, text: str) -> str:
        """NFC (no loose combining accents) and "?" for characters the font lacks."""
        text = str(text)
        if text.isascii():
            return text
        text = unicodedata.normalize("NFC", text)
        cmap = self.current_font.cmap
        return "".join(c if ord(c) in cmap or c == "\n" else "?" for c in text)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap into lines no wider than `width` mm (at least one line).

        User text (labels, titles) is cleaned first; every drawn string goes
        through here or is a literal of this module.
        """
        text = self.clean(text)
        scale = self.font_size_pt * 0.001 * PT
        limit = max(width, 1.0) / scale
        space = self.units(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                if not word:
                    continue
                w = self.units(word)
                if w > limit:  # a word wider than the column: cut it
                    if current:
                        lines.append(" ".join(current))
                    *full, last = self._cut(word, limit)
                    lines.extend(full)
                    current, used = [last], self.units(last)
                    continue
                needed = w if not current else used + space + w
                if needed <= limit + 1e-6:
                    current.append(word)
                    used = needed
                else:
                    lines.append(" ".join(current))
                    current, used = [word], w
            lines.append(" ".join(current))
        return lines

    def _cut(self, word: str, limit: float) -> list[str]:
        cw = self.current_font.cw
        chunks, start, used = [], 0, 0.0
        for i, c in enumerate(word):
            w = cw[ord(c)]
            if used + w > limit and i > start:
                chunks.append(word[start:i])
                start, used = i, 0.0
            used += w
        chunks.append(word[start:])
        return chunks

    def put(self, x: float, y: float, w: float, h: float, line: str, align: str = "L") -> None:
        """One line in the box (x, y, w, h), vertically centred like `cell()`."""
        if not line:
            return
        if align != "L":
            free = w - self.measure(line)
            x += free if align == "R" else free / 2
        self.text(x, y + 0.5 * h + 0.3 * self.font_size, line)

    def para(self, text: str, size: float = BODY, color: Color = TEXT, h: float = LINE,
             bold: bool = False, w: float = 0, x: float | None = None) -> None:
        """Wrapped paragraph from the current y; breaks pages between lines."""
        self.use_font(size, bold, color)
        x = self.l_margin if x is None else x
        w = w or (self.w - self.r_margin - x)
        y = self.get_y()
        for line in self.wrap(text, w):
            if y + h > self.page_break_trigger:
                self.add_page()
                self.use_font(size, bold, color)
                y = self.get_y()
            self.put(x, y, w, h, line)
            y += h
        self.set_xy(self.l_margin, y)

    def ensure_space(self, height: float) -> None:
        """Start a new page unless `height` mm fit (keeps a title with its content)."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def fill(self, x: float, y: float, w: float, h: float, color: Color, **kwargs: Any) -> None:
        self.set_fill_color(*color)
        self.rect(x, y, w, h, style="F", **kwargs)

    # -- blocks ------------------------------------------------------------

    def section(self, title: str, need: float = 40) -> None:
        self.ensure_space(need + 12)
        if self.get_y() > self.t_margin + 1:
            self.ln(4)
        self.start_section(title)
        self.use_font(13, True, ACCENT)
        y = self.get_y()
        self.put(self.l_margin, y, self.epw, 7, title)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.line(MARGIN, y + 7.5, MARGIN + 16, y + 7.5)
        self.set_line_width(0.2)
        self.set_draw_color(*RULE)
        self.set_y(y + 11)
        self.use_font()

    def subheading(self, title: str, need: float = 20) -> None:
        self.ensure_space(need + 8)
        self.ln(2)
        self.para(title, size=10.5, bold=True, h=6)
        self.use_font()

    def table_(
        self,
        fractions: Sequence[float],
        aligns: str,
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        size: float = SMALL + 0.5,
        bold_last: bool = False,
    ) -> None:
        """Full-width table: accent header repeated on each page, zebra rows.

        `aligns` is one letter per column (L, R, C).
        """
        widths = [f * self.epw for f in fractions]
        pad_x, pad_y, lh = 1.6, 1.25, size * PT * 1.32

        def layout(values: Sequence[str], bold: bool) -> tuple[list[list[str]], float]:
            self.use_font(size, bold)
            cells = [self.wrap(v, w - 2 * pad_x) for v, w in zip(values, widths)]
            return cells, max(len(c) for c in cells) * lh + 2 * pad_y

        def draw(cells: list[list[str]], y: float, bold: bool, color: Color) -> None:
            self.use_font(size, bold, color)
            x = self.l_margin
            for lines, w, align in zip(cells, widths, aligns):
                for n, line in enumerate(lines):
                    self.put(x + pad_x, y + pad_y + n * lh, w - 2 * pad_x, lh, line, align)
                x += w

        head, head_h = layout(header, True)

        def draw_header() -> None:
            y = self.get_y()
            self.fill(self.l_margin, y, self.epw, head_h, ACCENT)
            draw(head, y, True, WHITE)
            self.set_y(y + head_h)

        rows = list(rows)
        laid = [layout(r, bold_last and i == len(rows) - 1) for i, r in enumerate(rows)]
        self.ensure_space(head_h + (laid[0][1] if laid else 0))
        draw_header()
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        for i, (cells, h) in enumerate(laid):
            y = self.get_y()
            if y + h > self.page_break_trigger:
                self.add_page()
                draw_header()
                self.set_draw_color(*RULE)
                y = self.get_y()
            if i % 2 == 1:
                self.fill(self.l_margin, y, self.epw, h, ROW_FILL)
            draw(cells, y, bold_last and i == len(laid) - 1, TEXT)
            self.line(self.l_margin, y + h, self.l_margin + self.epw, y + h)
            self.set_y(y + h)
        self.use_font()

    def key_values(self, items: Sequence[tuple[str, str]], key_w: float = 52) -> None:
        """Two-column label/value list (identity, resale figures)."""
        value_w = self.epw - key_w - 4
        lh = LINE + 0.4
        for i, (key, value) in enumerate(items):
            self.use_font(BODY, True)
            values = self.wrap(value, value_w)
            self.use_font(BODY)
            keys = self.wrap(key, key_w - 3)
            h = max(len(values), len(keys)) * lh + 1.8
            self.ensure_space(h)
            y = self.get_y()
            if i % 2 == 0:
                self.fill(self.l_margin, y, self.epw, h, ROW_FILL)
            self.use_font(BODY, False, MUTED)
            for n, line in enumerate(keys):
                self.put(self.l_margin + 2, y + 0.9 + n * lh, key_w - 3, lh, line)
            self.use_font(BODY, True, TEXT)
            for n, line in enumerate(values):
                self.put(self.l_margin + key_w + 2, y + 0.9 + n * lh, value_w, lh, line)
            self.set_y(y + h)
        self.use_font()


# ---------------------------------------------------------------------------
# Sections


def _vehicle_name(facts: VehicleFacts, analysis: AnalysisResult) -> str:
    name = analysis.vehicle or facts.label
    if facts.version:
        name = f"{name} {facts.version}"
    return name


def _km_text(facts: VehicleFacts, a: AnalysisResult) -> str:
    # Unknown mileage comes back as 0 km from the engine: say so rather than print "0 km".
    if not a.current_km and facts.mileage is None and not facts.mileage_readings:
        return "kilométrage non renseigné"
    return format_km(a.current_km)


def _cover(pdf: _ReportPDF, data: ReportInput, plate: str | None) -> None:
    facts, a = data.facts, data.analysis
    pdf.add_page()
    pdf.fill(0, 0, pdf.w, 46, ACCENT)
    pdf.use_font(24, True, WHITE)
    pdf.put(MARGIN, 14, pdf.epw, 10, "AutoCoach")
    pdf.use_font(11, False, WHITE)
    pdf.put(MARGIN, 24, pdf.epw, 7, "Rapport d'analyse du véhicule")

    pdf.set_y(58)
    pdf.start_section("Synthèse")
    # At most 3 lines so the cover stays one page; the identity table has it all.
    pdf.use_font(22, True)
    pdf.para("\n".join(_clamp(pdf, _vehicle_name(facts, a), pdf.epw, 3)), size=22, bold=True, h=10)
    pdf.ln(1)
    sub = [str(facts.year), FUEL_TYPES.get(facts.fuel_type, facts.fuel_type), _km_text(facts, a)]
    pdf.para(" · ".join(sub), size=11, color=MUTED, h=6)
    pdf.ln(4)

    # The plate, drawn like a French plate (white, blue side bands).
    pdf.use_font(15 if plate else 10, True, TEXT)
    text = pdf.clean(plate) if plate else "Immatriculation non renseignée"
    w = min(pdf.measure(text) + 26, pdf.epw)
    y = pdf.get_y()
    pdf.set_draw_color(*TEXT)
    pdf.set_line_width(0.4)
    pdf.set_fill_color(*WHITE)
    pdf.rect(MARGIN, y, w, 12, style="DF", round_corners=True, corner_radius=1.5)
    pdf.fill(MARGIN + 0.4, y + 0.4, 7, 11.2, ACCENT)
    pdf.fill(MARGIN + w - 7.4, y + 0.4, 7, 11.2, ACCENT)
    pdf.put(MARGIN + 7, y, w - 14, 12, text, "C")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*RULE)
    pdf.set_y(y + 17)

    pdf.para(
        f"Analyse au {format_date(a.as_of)} · rapport généré le {format_date(data.generated_at)}",
        size=9.5, color=MUTED,
    )
    pdf.ln(7)

    # Score card and key figures side by side.
    pdf.ensure_space(60)
    y = pdf.get_y()
    card_w = 62
    pdf.fill(MARGIN, y, card_w, 52, ACCENT_SOFT, round_corners=True, corner_radius=3)
    pdf.use_font(9.5, False, ACCENT)
    pdf.put(MARGIN, y + 6, card_w, 5, "Fiabilité estimée", "C")
    pdf.use_font(38, True, ACCENT)
    pdf.put(MARGIN, y + 14, card_w, 18, format_decimal(a.reliability_score, 1), "C")
    pdf.use_font(11, False, ACCENT)
    pdf.put(MARGIN, y + 33, card_w, 6, "sur 10", "C")
    _gauge(pdf, MARGIN + 8, y + 43, card_w - 16, a.reliability_score)

    x = MARGIN + card_w + 8
    figures = [
        ("Coût estimé", format_eur_per_month(a.monthly_cost_estimate)),
        (
            "Valeur estimée",
            f"{format_eur(a.resale.value_estimate)} "
            f"({format_eur(a.resale.value_low)} à {format_eur(a.resale.value_high)})",
        ),
        (
            "Contrôle technique en retard" if a.next_technical_inspection < a.as_of else "Prochain contrôle technique",
            format_date(a.next_technical_inspection),
        ),
        ("Vignette", a.crit_air_label or "Non déterminée"),
    ]
    fig_w = pdf.w - MARGIN - x
    for i, (label, value) in enumerate(figures):
        fy = y + i * 13
        pdf.use_font(8.5, False, MUTED)
        pdf.put(x, fy, fig_w, 4.5, label)
        pdf.use_font(13, True, TEXT)
        pdf.put(x, fy + 4.5, fig_w, 7, pdf.wrap(value, fig_w)[0])
    pdf.set_y(y + 60)

    pdf.para("En bref", size=10.5, bold=True, h=6)
    pdf.para(a.summary, size=10, h=5.4)
    pdf.ln(4)
    pdf.para(
        "Les montants et la fiabilité sont des estimations AutoCoach établies à partir des "
        "informations saisies et de données de référence publiques ; ils ne remplacent ni une "
        "expertise ni le diagnostic d'un garagiste.",
        size=8, color=MUTED, h=4,
    )


def _clamp(pdf: _ReportPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Wrapped lines of `text`, cut to `max_lines` with an ellipsis (current font)."""
    lines = pdf.wrap(text, width)
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and pdf.measure(last + " …") > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + " …"]


def _gauge(pdf: _ReportPDF, x: float, y: float, w: float, score: float) -> None:
    """Horizontal 0–10 bar with the score filled in accent."""
    pdf.fill(x, y, w, 2.6, WHITE, round_corners=True, corner_radius=1.3)
    filled = max(0.0, min(10.0, score)) / 10 * w
    if filled > 2.6:
        pdf.fill(x, y, filled, 2.6, ACCENT, round_corners=True, corner_radius=1.3)


def _identity(pdf: _ReportPDF, data: ReportInput, plate: str | None) -> None:
    facts = f = data.facts
    a = data.analysis
    pdf.add_page()
    pdf.section("Identité du véhicule", need=60)
    items: list[tuple[str, str]] = [("Marque", f.brand), ("Modèle", f.model)]
    if f.version:
        items.append(("Version", f.version))
    if f.engine:
        items.append(("Moteur", f.engine))
    items += [
        ("Immatriculation", plate or "Non renseignée"),
        ("Énergie", FUEL_TYPES.get(f.fuel_type, f.fuel_type)),
    ]
    if f.gearbox:
        items.append(("Boîte de vitesses", GEARBOXES.get(f.gearbox, f.gearbox)))
    items.append(("Année", str(f.year)))
    items.append((
        "Première immatriculation",
        format_date(f.first_registration_date) if f.first_registration_date else "Non renseignée",
    ))
    items.append(("Âge", f"{format_decimal(a.age_years, 1)} ans"))
    items.append(("Kilométrage", _km_text(facts, a)))
    items.append(("Kilométrage annuel", f"{format_km(a.annual_km)} par an ({a.annual_km_basis})"))
    if f.fiscal_power is not None:
        items.append(("Puissance fiscale", f"{f.fiscal_power}\u00a0CV"))
    if f.power_kw is not None:
        items.append(("Puissance", f"{f.power_kw}\u00a0kW ({round(f.power_kw * 1.35962)}\u00a0ch)"))
    if f.co2 is not None:
        items.append(("Émissions de CO₂", f"{f.co2}\u00a0g/km"))
    if f.euro_class:
        items.append(("Norme Euro", f.euro_class))
    items.append(("Vignette Crit'Air", a.crit_air_label or "Non déterminée"))
    if f.previous_owners is not None:
        items.append(("Propriétaires précédents", str(f.previous_owners)))
    if f.purchase_date:
        items.append(("Date d'achat", format_date(f.purchase_date)))
    if f.purchase_price is not None:
        items.append(("Prix d'achat", format_eur(f.purchase_price)))
    if f.vin:
        items.append(("Numéro VIN", f.vin))
    active = [SITUATION_FLAGS.get(flag, flag) for flag in f.situation.active()]
    situation = ", ".join(active) if active else "Aucune anomalie déclarée"
    items.append(("Situation administrative", situation))
    pdf.key_values(items)


def _reliability(pdf: _ReportPDF, a: AnalysisResult) -> None:
    pdf.section("Fiabilité", need=50)
    y = pdf.get_y()
    pdf.use_font(26, True, ACCENT)
    pdf.put(MARGIN, y, 44, 12, format_score(a.reliability_score))
    pdf.set_y(y + 1)
    pdf.para(
        f"Note de départ du modèle : {format_score(a.reliability_base)}, ajustée selon l'âge, "
        "le kilométrage, l'entretien, les contrôles techniques et les faiblesses connues.",
        size=9, color=MUTED, x=MARGIN + 48,
    )
    pdf.set_y(max(pdf.get_y(), y + 14) + 2)
    if not a.reliability_factors:
        return
    rows = [(f.label, _signed(f.weight), f.sentence) for f in a.reliability_factors]
    pdf.table_((0.24, 0.09, 0.67), "LCL", ("Facteur", "Effet", "Explication"), rows)


def _costs(pdf: _ReportPDF, a: AnalysisResult) -> None:
    lines = a.monthly_cost_breakdown
    pdf.section("Coût mensuel estimé", need=30 + 8 * len(lines))
    pdf.para(format_eur_per_month(a.monthly_cost_estimate), size=22, bold=True, color=ACCENT, h=10)
    pdf.para("Tout compris : perte de valeur, énergie, assurance, entretien, contrôle technique "
             "et carte grise, ramenés au mois.", size=9, color=MUTED)
    pdf.ln(4)
    _bar_chart(pdf, [(line.label, line.amount) for line in lines])
    pdf.ln(3)
    rows = [(line.label, format_eur(line.amount), line.basis) for line in lines]
    rows.append(("Total", format_eur(a.monthly_cost_estimate), "Par mois"))
    pdf.table_((0.24, 0.11, 0.65), "LRL", ("Poste", "Par mois", "Calcul"), rows, bold_last=True)


def _bar_chart(pdf: _ReportPDF, items: Sequence[tuple[str, int]]) -> None:
    """Horizontal bars: label | bar | amount, lengths relative to the largest."""
    label_w, value_w, bar_h, step = 50.0, 22.0, 5.0, 8.0
    pdf.ensure_space(step * len(items) + 4)
    top = pdf.get_y()
    bar_x = MARGIN + label_w
    bar_w = pdf.epw - label_w - value_w
    biggest = max((amount for _, amount in items), default=0) or 1
    # Light vertical guides at quarters of the scale.
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    for q in range(5):
        gx = bar_x + bar_w * q / 4
        pdf.line(gx, top - 1, gx, top + step * len(items) - 2)
    for i, (label, amount) in enumerate(items):
        y = top + i * step
        pdf.use_font(9, False, TEXT)
        pdf.put(MARGIN, y, label_w - 3, bar_h, pdf.wrap(label, label_w - 3)[0], "R")
        w = bar_w * amount / biggest
        if w > 0.2:
            pdf.fill(bar_x, y, w, bar_h, ACCENT if amount == biggest else ACCENT_MID)
        pdf.use_font(9, True, TEXT)
        pdf.put(bar_x + w + 1.5, y, value_w, bar_h, format_eur(amount))
    pdf.set_y(top + step * len(items))
    pdf.set_line_width(0.2)
    pdf.use_font()


def _nice_step(span: float, ticks: int = 4) -> float:
    """Round tick spacing (1, 2, 2.5, 5 × 10^n) giving about `ticks` intervals."""
    raw = max(span / ticks, 1.0)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * magnitude:
            return mult * magnitude
    return 10.0 * magnitude


def _value_chart(pdf: _ReportPDF, a: AnalysisResult) -> None:
    points = a.value_curve
    if len(points) < 2:
        return
    chart_h, axis_w, bottom_h = 62.0, 20.0, 10.0
    pdf.ensure_space(chart_h + bottom_h + 10)
    top = pdf.get_y() + 6
    x0, x1 = MARGIN + axis_w, MARGIN + pdf.epw - 6
    y0, y1 = top + chart_h, top  # y0 is the baseline
    values = [p.value for p in points] + [a.resale.value_high, a.resale.value_low]
    step = _nice_step(max(values) - min(values))
    low = max(0.0, (min(values) // step) * step)
    high = (max(values) // step + 1) * step
    span = high - low or 1.0
    first, last = points[0].date.toordinal(), points[-1].date.toordinal()
    days = (last - first) or 1

    def px(day: date) -> float:
        return x0 + (x1 - x0) * (day.toordinal() - first) / days

    def py(value: float) -> float:
        return y0 - (y0 - y1) * (value - low) / span

    # Grid and y labels.
    pdf.set_line_width(0.15)
    pdf.set_draw_color(*RULE)
    pdf.use_font(7.5, False, MUTED)
    tick = low
    while tick <= high + 0.5:
        gy = py(tick)
        pdf.line(x0, gy, x1, gy)
        pdf.put(MARGIN, gy - 2, axis_w - 2, 4, format_eur(tick), "R")
        tick += step
    # Today's market range, as a soft band.
    bx = px(points[0].date)
    band_top, band_bottom = py(a.resale.value_high), py(a.resale.value_low)
    pdf.fill(bx - 2.5, band_top, 5, band_bottom - band_top, ACCENT_SOFT)
    # Best moment to sell, as a dashed marker.
    best = a.resale.best_time_to_sell
    if best is not None and points[0].date <= best <= points[-1].date:
        bx2 = px(best)
        pdf.set_draw_color(*ACCENT)
        pdf.set_dash_pattern(dash=1.2, gap=1.2)
        pdf.line(bx2, y1, bx2, y0)
        pdf.set_dash_pattern()
        pdf.use_font(7.5, False, ACCENT)
        label = f"Vendre avant {format_month_year(best)}"
        lw = pdf.measure(label)
        pdf.put(min(bx2 + 1.5, x1 - lw), y0 - 5, lw, 4, label)
    # The curve, its points and their values.
    coords = [(px(p.date), py(p.value)) for p in points]
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.7)
    pdf.polyline(coords)
    pdf.set_fill_color(*ACCENT)
    for i, ((cx, cy), p) in enumerate(zip(coords, points)):
        pdf.circle(cx, cy, 1.1, style="F")
        pdf.use_font(7.5, True, TEXT)
        text = format_eur(p.value)
        tw = pdf.measure(text)
        pdf.put(min(max(cx - tw / 2, x0 + 3), x1 - tw), cy - 6, tw, 4, text)
        # x labels: year and expected mileage.
        pdf.use_font(7.5, False, MUTED)
        for n, label in enumerate(("Aujourd'hui" if i == 0 else str(p.date.year), format_km(p.km))):
            lw = pdf.measure(label)
            lx = min(max(cx - lw / 2, MARGIN), pdf.w - MARGIN - lw)
            pdf.put(lx, y0 + 1.2 + n * 3.6, lw, 3.6, label)
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(x0, y0, x1, y0)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(*RULE)
    pdf.set_y(y0 + bottom_h)
    pdf.use_font()


def _resale(pdf: _ReportPDF, a: AnalysisResult) -> None:
    r = a.resale
    pdf.section("Valeur et revente", need=85)
    pdf.para(
        "Décote estimée : valeur de revente au fil des années, au rythme de kilométrage actuel.",
        size=9,
        color=MUTED,
    )
    _value_chart(pdf, a)
    pdf.subheading("Conseils de vente", need=40)
    pdf.key_values([
        ("Valeur estimée", format_eur(r.value_estimate)),
        ("Fourchette du marché", f"{format_eur(r.value_low)} à {format_eur(r.value_high)}"),
        ("Prix à afficher", format_eur(r.recommended_price)),
        ("Prix minimum à accepter", format_eur(r.accept_price)),
        ("Meilleur moment pour vendre", r.best_time_label),
    ])
    pdf.ln(2)
    if r.best_time_reason and r.best_time_reason not in r.reasoning:
        pdf.para(r.best_time_reason, size=9)
        pdf.ln(1.5)
    pdf.para(r.reasoning, size=8.5, color=MUTED, h=4.2)


def _scenarios(pdf: _ReportPDF, a: AnalysisResult) -> None:
    if not a.scenarios:
        return
    pdf.section("Garder ou vendre ?", need=45)
    rows = [
        (
            s.label,
            format_date(s.end_date),
            format_eur(s.cumulative_cost),
            format_eur(s.value_at_end),
            format_eur(s.net_position),
            format_eur_per_month(s.monthly_equivalent) if s.years else "—",
        )
        for s in a.scenarios
    ]
    pdf.table_(
        (0.19, 0.14, 0.16, 0.16, 0.16, 0.19),
        "LCRRRR",
        ("Scénario", "Jusqu'au", "Frais cumulés", "Valeur à la fin", "Bilan net", "Coût réel"),
        rows,
    )
    pdf.ln(2)
    pdf.para(
        "Bilan net = valeur de la voiture à la fin moins les frais payés d'ici là. "
        "Coût réel = ce que garder coûte par mois, perte de valeur comprise.",
        size=8,
        color=MUTED,
        h=4,
    )
    pdf.ln(1.5)
    pdf.use_font(8.5, True)
    label_w = max(pdf.measure(s.label) for s in a.scenarios) + 4
    for s in a.scenarios:
        if not s.note:
            continue
        pdf.use_font(8.5)
        lines = pdf.wrap(s.note, pdf.epw - label_w)
        pdf.ensure_space(len(lines) * 4.3)
        y = pdf.get_y()
        pdf.use_font(8.5, True)
        pdf.put(MARGIN, y, label_w, 4.3, s.label)
        pdf.para(s.note, size=8.5, h=4.3, x=MARGIN + label_w)
        pdf.ln(0.8)


def _alerts(pdf: _ReportPDF, a: AnalysisResult) -> None:
    pdf.section("Alertes et échéances", need=30)
    if not a.alerts:
        pdf.para("Aucune alerte : rien à signaler à ce jour.")
        return
    badge_w, text_x = 26.0, MARGIN + 30
    text_w = pdf.epw - 30
    for alert in a.alerts:
        title = ALERT_TYPES.get(alert.type, alert.type.replace("_", " ").capitalize())
        if alert.due_date is not None:
            title += f" — échéance le {format_date(alert.due_date)}"
        pdf.use_font(9.5, True)
        titles = pdf.wrap(title, text_w)
        pdf.use_font(8.5)
        lines = pdf.wrap(alert.message, text_w)
        pdf.ensure_space(len(titles) * 5.2 + min(len(lines), 3) * 4.3)
        y = pdf.get_y()
        pdf.fill(MARGIN, y + 0.3, badge_w, 4.6, SEVERITY_FILLS.get(alert.severity, ACCENT_SOFT),
                 round_corners=True, corner_radius=1.2)
        pdf.use_font(7.5, True, SEVERITY_TEXT.get(alert.severity, ACCENT))
        badge = SEVERITY_LABELS.get(alert.severity, alert.severity)
        pdf.put(MARGIN, y + 0.3, badge_w, 4.6, badge, "C")
        pdf.para(title, size=9.5, bold=True, h=5.2, x=text_x)
        pdf.para(alert.message, size=8.5, h=4.3, x=text_x)
        pdf.ln(2.5)


def _comparisons(pdf: _ReportPDF, a: AnalysisResult) -> None:
    if not a.comparisons:
        return
    pdf.section("Comparaison avec des modèles proches", need=40)
    pdf.para(
        "Même année et même kilométrage que votre véhicule ; estimations AutoCoach.",
        size=9,
        color=MUTED,
    )
    pdf.ln(1.5)
    rows = [(
        f"{a.vehicle} (votre véhicule)",
        format_eur(a.resale.value_estimate),
        format_eur_per_month(a.monthly_cost_estimate),
        format_score(a.reliability_score),
    )]
    rows += [
        (f"{c.make} {c.model}", format_eur(c.value_estimate), format_eur_per_month(c.monthly_cost),
         format_score(c.reliability_score))
        for c in a.comparisons
    ]
    header = ("Modèle", "Valeur estimée", "Coût mensuel", "Fiabilité")
    pdf.table_((0.43, 0.19, 0.2, 0.18), "LRRC", header, rows)


def _documents_section(pdf: _ReportPDF, data: ReportInput) -> None:
    docs = _documents(data.documents)
    pdf.section("Documents", need=24)
    if not docs:
        pdf.para(
            "Aucun document enregistré (carte grise, rapport Histovec, factures).", color=MUTED
        )
        return
    rows = [(d.title, d.type_label, format_date(d.date) if d.date else "—") for d in docs]
    pdf.table_((0.58, 0.26, 0.16), "LLC", ("Document", "Type", "Date"), rows)


def _history(pdf: _ReportPDF, facts: VehicleFacts) -> None:
    pdf.section("Historique d'entretien", need=30)
    expenses = sorted(facts.expenses, key=lambda e: e.date, reverse=True)
    if expenses:
        rows = [
            (
                format_date(e.date),
                format_km(e.mileage) if e.mileage is not None else "—",
                EXPENSE_CATEGORIES.get(e.category, e.category),
                e.label or "—",
                format_eur(e.amount, 2),
            )
            for e in expenses
        ]
        count = len(expenses)
        rows.append(("Total", "", "", f"{count} dépense{'s' if count > 1 else ''}",
                     format_eur(sum(e.amount for e in expenses), 2)))
        pdf.table_((0.14, 0.15, 0.22, 0.33, 0.16), "CRLLR",
                   ("Date", "Kilométrage", "Catégorie", "Libellé", "Montant"), rows, bold_last=True)
    else:
        pdf.para(
            "Aucune dépense enregistrée : ajoutez vos factures pour suivre l'entretien.",
            color=MUTED,
        )

    pdf.subheading("Contrôle technique", need=20)
    inspections = sorted(facts.technical_inspections, key=lambda t: t.date, reverse=True)
    if not inspections:
        pdf.para("Aucun contrôle technique enregistré.", color=MUTED)
        return
    rows = [
        (
            format_date(t.date),
            INSPECTION_NATURES.get(t.nature, t.nature),
            CT_RESULTS.get(t.result, t.result),
            format_km(t.mileage) if t.mileage is not None else "—",
            "; ".join(t.defects) if t.defects else "Aucune",
        )
        for t in inspections
    ]
    pdf.table_((0.13, 0.17, 0.25, 0.14, 0.31), "CLLRL",
               ("Date", "Nature", "Résultat", "Kilométrage", "Défaillances"), rows)


# ---------------------------------------------------------------------------
# Public API


def build_report(data: ReportInput) -> bytes:
    """A4 PDF of the vehicle's analysis, in French."""
    plate = (data.license_plate or data.facts.license_plate or "").strip() or None
    pdf = _ReportPDF(data.generated_at)
    pdf.set_title(f"Rapport AutoCoach — {_vehicle_name(data.facts, data.analysis)}"
                  + (f" ({plate})" if plate else ""))
    pdf.set_subject("Analyse du véhicule : fiabilité, coûts, revente, entretien")
    _cover(pdf, data, plate)
    _identity(pdf, data, plate)
    _reliability(pdf, data.analysis)
    _costs(pdf, data.analysis)
    _resale(pdf, data.analysis)
    _scenarios(pdf, data.analysis)
    _alerts(pdf, data.analysis)
    _comparisons(pdf, data.analysis)
    _documents_section(pdf, data)
    _history(pdf, data.facts)
    return bytes(pdf.output())


def report_filename(data: ReportInput) -> str:
    """Download name, e.g. "rapport-autocoach-AB-123-CD-2026-11-24.pdf"."""
    plate = (data.license_plate or data.facts.license_plate or "").strip()
    key = "".join(c if c.isalnum() or c == "-" else "-" for c in plate) if plate else "vehicule"
    return f"rapport-autocoach-{key}-{data.generated_at.isoformat()}.pdf"


def _payload_documents(raw: Any) -> list[ReportDocument]:
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        raise InvalidVehicleData("Documents : liste attendue.")
    docs = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise InvalidVehicleData(f"Document n° {i} : objet attendu.")
        title = str(item.get("title") or "").strip() or f"Document {i}"
        kind = str(item.get("type") or "").strip()
        day: date | None = None
        if item.get("date"):
            try:
                day = date.fromisoformat(str(item["date"]).strip())
            except ValueError:
                raise InvalidVehicleData(
                    f"Document n° {i} : date invalide « {item['date']} » "
                    "(format attendu AAAA-MM-JJ)."
                ) from None
        docs.append(ReportDocument(title, DOCUMENT_TYPES.get(kind, kind or "Autre"), day))
    return docs


def report_from_vehicle_json(payload: Mapping[str, Any], as_of: date | None = None) -> bytes:
    """CLI helper: vehicle JSON -> facts -> analysis -> PDF bytes.

    The report is dated `as_of` (default today) so a given date always gives
    the same file. Raises InvalidVehicleData (French message) on bad input.
    """
    as_of = as_of or date.today()
    facts = vehicle_facts_from_dict(payload, today=as_of)
    analysis = analyze(facts, as_of)
    return build_report(
        ReportInput(
            facts=facts,
            analysis=analysis,
            license_plate=facts.license_plate,
            documents=_payload_documents(payload.get("documents")),
            generated_at=as_of,
        )
    )

