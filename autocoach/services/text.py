"""Turn an uploaded file (PDF or photo) into text for the document parsers.

PDFs are read from their text layer first (Histovec's CSA has a real one);
pages without text are rendered at 300 dpi and OCR'd with Tesseract (``fra``).
Photos are straightened and cleaned before OCR. Every failure the owner can
fix is raised as ``UnreadableDocument`` with a French message.

Safety (security brief): the type is decided from magic bytes, never from
the declared MIME type; Pillow opens only an allow-list of formats with its
pixel limit kept (the bomb warning is an error); PDFium runs in a child
process with a deadline and a memory cap and renders within the same pixel
budget; Tesseract runs with a timeout and ``OMP_THREAD_LIMIT=1``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps

# Tesseract's OpenMP threads fight each other on small servers (15 s -> 3 s
# with one thread); set before pytesseract spawns anything. An explicit
# deployment value wins.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pytesseract  # noqa: E402

try:  # iPhone photos are HEIC; optional so the app still runs without it.
    import pillow_heif  # type: ignore[import-not-found]

    pillow_heif.register_heif_opener()
    _HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _HEIF_AVAILABLE = False

# --- settings (module constants so that tests and deployments can patch) -------
OCR_LANG = "fra"
# psm 4 (one column of lines): keeps a table row or a "code value" pair on one
# line, where the default automatic layout splits columns into separate blocks.
OCR_CONFIG = "--oem 1 --psm 4"
OCR_TIMEOUT_SECONDS = 60  # per page; a stuck page is skipped, not the whole file
OSD_TIMEOUT_SECONDS = 20
PDF_RENDER_DPI = 300
PDF_TIMEOUT_SECONDS = 60  # whole PDF (text layer + rendering), in a child process
PDF_MEMORY_LIMIT_BYTES = 2 * 1024**3  # address-space cap of that child
MAX_PAGES = 20
# A PDF page with fewer characters than this in its text layer is OCR'd.
MIN_PAGE_TEXT_CHARS = 30
# Tesseract wants ~30 px capitals: small photos are upscaled, huge ones reduced.
OCR_MIN_WIDTH = 1800
OCR_MAX_SIDE = 4200
DESKEW_MAX_ANGLE = 5.0
# Below this mean word confidence (0-100), orientation detection is tried.
OSD_BELOW_CONFIDENCE = 60.0
PIL_FORMATS = ["JPEG", "PNG", "WEBP", "TIFF"] + (["HEIF"] if _HEIF_AVAILABLE else [])

MIME_PDF = "application/pdf"
MIME_JPEG = "image/jpeg"
MIME_PNG = "image/png"
MIME_WEBP = "image/webp"
MIME_TIFF = "image/tiff"
MIME_HEIC = "image/heic"
SUPPORTED_MIMES = (MIME_PDF, MIME_JPEG, MIME_PNG, MIME_WEBP, MIME_TIFF, MIME_HEIC)

MSG_EMPTY = "Le fichier est vide."
MSG_UNSUPPORTED = (
    "Type de fichier non pris en charge : déposez un PDF ou une photo (JPEG, PNG, WEBP, TIFF ou HEIC)."
)
MSG_HEIC_UNAVAILABLE = (
    "Les photos HEIC ne peuvent pas être lues sur ce serveur : "
    "enregistrez la photo en JPEG puis déposez-la à nouveau."
)
MSG_ENCRYPTED = (
    "Ce PDF est protégé par un mot de passe : enregistrez-le sans protection "
    "puis déposez-le à nouveau."
)
MSG_CORRUPT_PDF = "Ce PDF est endommagé ou incomplet : il ne peut pas être lu."
MSG_CORRUPT_IMAGE = "Cette image est endommagée ou incomplète : elle ne peut pas être lue."
MSG_TOO_BIG = (
    "Cette image est trop grande (plus de {max_mp} millions de pixels) : "
    "réduisez sa taille puis déposez-la à nouveau."
)
MSG_NOTHING = (
    "Aucun texte lisible n'a été trouvé dans ce document : vérifiez que la photo est nette, "
    "bien éclairée et montre tout le document."
)
MSG_OCR_UNAVAILABLE = "La lecture des images (OCR) n'est pas disponible sur ce serveur."
MSG_PAGE_TIMEOUT = "La page {page} a pris trop de temps à lire et a été ignorée."
MSG_TOO_SLOW = (
    "La lecture de ce document a pris trop de temps : essayez avec une photo mieux cadrée "
    "ou un fichier plus léger."
)
MSG_TOO_MANY_PAGES = "Seules les {max} premières pages ont été lues."
MSG_PDF_TOO_SLOW = (
    "Ce PDF a pris trop de temps à ouvrir : il est peut-être endommagé ou trop lourd."
)
MSG_PAGE_REDUCED = "La page {page} est très grande : elle a été lue en résolution réduite."
MSG_PAGE_FAILED = "La page {page} n'a pas pu être lue."


class UnreadableDocument(Exception):
    """The file cannot be turned into text; ``str(exc)`` is a French message."""


@dataclass
class ExtractedText:
    text: str
    pages: int
    method: str  # "pdf_text", "ocr" or "mixed"
    warnings: list[str] = field(default_factory=list)


def sniff_mime(data: bytes) -> str | None:
    """MIME type from the file's first bytes (never from its name)."""
    if not data:
        return None
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-"):
        return MIME_PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MIME_PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MIME_WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MIME_TIFF
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(head)
        if brands & {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}:
            return MIME_HEIC
        if brands & {b"mif1", b"msf1"} and not brands & {b"avif", b"avis"}:
            return MIME_HEIC
    return None


def _ftyp_brands(head: bytes) -> set[bytes]:
    size = int.from_bytes(head[0:4], "big")
    end = min(max(size, 16), len(head))
    brands = {head[8:12]}
    brands.update(head[i : i + 4] for i in range(16, end - 3, 4))
    return brands


def extract_text(data: bytes, mime: str | None = None) -> ExtractedText:
    """Text of a PDF or image. ``mime`` is the declared type; the content decides."""
    if not data:
        raise UnreadableDocument(MSG_EMPTY)
    actual = sniff_mime(data)
    if actual is None:
        raise UnreadableDocument(MSG_UNSUPPORTED)
    if actual == MIME_PDF:
        return _extract_pdf(data)
    if actual == MIME_HEIC and not _HEIF_AVAILABLE:
        raise UnreadableDocument(MSG_HEIC_UNAVAILABLE)
    return _extract_image(data)


# --- PDF -----------------------------------------------------------------------------


def _extract_pdf(data: bytes) -> ExtractedText:
    notes: list[str] = []
    report = _read_pdf_in_subprocess(data)
    count = int(report.get("count", 0))
    pages = report.get("pages", [])
    if count == 0 or not pages:
        raise UnreadableDocument(MSG_CORRUPT_PDF)
    if count > MAX_PAGES:
        notes.append(MSG_TOO_MANY_PAGES.format(max=MAX_PAGES))
    texts: list[str] = []
    methods: set[str] = set()
    for number, page in enumerate(pages, start=1):
        text = str(page.get("text") or "")
        if page.get("failed"):
            notes.append(MSG_PAGE_FAILED.format(page=number))
        if page.get("reduced"):
            notes.append(MSG_PAGE_REDUCED.format(page=number))
        if text.strip() and not page.get("image"):
            methods.add("pdf_text")
        if page.get("image"):
            ocr_text = _ocr(_open_rendered_page(page["image"]), number, notes)
            if ocr_text.strip():
                # Keep a scanner's few words of text layer too (a stamp, a page number).
                text = (text.strip() + "\n" + ocr_text).strip("\n")
                methods.add("ocr")
        texts.append(text)
    full = "\n\f\n".join(t.strip("\n") for t in texts)
    _require_text(full, notes)
    method = "mixed" if len(methods) > 1 else (methods.pop() if methods else "ocr")
    return ExtractedText(text=full, pages=len(texts), method=method, warnings=notes)


# PDFium runs in a child process: a hostile PDF can hang or blow up the renderer
# (security brief), and only a separate process can be killed on a deadline and
# held to a memory cap. The child needs nothing but pypdfium2 and Pillow, hence
# a self-contained script (it does not import the app). It answers in JSON:
# {"count": pages in the file, "pages": [{"text", "image" (base64 PNG of a page
# to OCR, or null), "reduced", "failed"}]} or {"error": "password"|"corrupt"}.
_PDF_WORKER = r"""
import base64, io, json, re, resource, sys

memory, dpi, max_pages, min_chars, max_pixels = (float(v) for v in sys.argv[1:6])
if memory > 0:
    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
import pypdfium2 as pdfium

try:
    pdf = pdfium.PdfDocument(sys.stdin.buffer.read())
except pdfium.PdfiumError as exc:
    json.dump({"error": "password" if "password" in str(exc).lower() else "corrupt"}, sys.stdout)
    sys.exit(0)
pages = []
for index in range(min(len(pdf), int(max_pages))):
    entry = {"text": "", "image": None, "reduced": False, "failed": False}
    try:
        page = pdf[index]
        text = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        entry["text"] = text
        # Only pages with pictures can be scans; a short page of a text PDF is just short.
        images = page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3)
        if len(re.sub(r"\s", "", text)) < min_chars and next(iter(images), None) is not None:
            width, height = page.get_size()
            scale = dpi / 72
            if width * height * scale * scale > max_pixels:
                scale = (max_pixels / max(width * height, 1.0)) ** 0.5 * 0.95
                entry["reduced"] = True
            buffer = io.BytesIO()
            page.render(scale=scale, grayscale=True).to_pil().save(buffer, "PNG", compress_level=1)
            entry["image"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    except pdfium.PdfiumError:
        entry["failed"] = True
    pages.append(entry)
json.dump({"count": len(pdf), "pages": pages}, sys.stdout)
"""


def _read_pdf_in_subprocess(data: bytes) -> dict:
    args = [
        str(PDF_MEMORY_LIMIT_BYTES),
        str(PDF_RENDER_DPI),
        str(MAX_PAGES),
        str(MIN_PAGE_TEXT_CHARS),
        str(Image.MAX_IMAGE_PIXELS or 89_478_485),
    ]
    try:
        # -P: the current directory must not shadow pypdfium2 in the child.
        process = subprocess.run(
            [sys.executable, "-P", "-c", _PDF_WORKER, *args],
            input=data,
            capture_output=True,
            timeout=PDF_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableDocument(MSG_PDF_TOO_SLOW) from None
    if process.returncode != 0:
        # Crash or memory cap reached inside PDFium: the file is the problem.
        raise UnreadableDocument(MSG_CORRUPT_PDF)
    try:
        report = json.loads(process.stdout)
    except ValueError:
        raise UnreadableDocument(MSG_CORRUPT_PDF) from None
    if report.get("error") == "password":
        raise UnreadableDocument(MSG_ENCRYPTED)
    if report.get("error"):
        raise UnreadableDocument(MSG_CORRUPT_PDF)
    return report


def _open_rendered_page(encoded: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(encoded)), formats=["PNG"])
    _check_pixels(image)
    image.load()
    return image


# --- images -------------------------------------------------------------------------------


def _open_image(data: bytes) -> Image.Image:
    """Open with the format allow-list and the pixel limit as a hard error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=PIL_FORMATS)
            _check_pixels(image)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UnreadableDocument(_too_big_message()) from None
        except UnreadableDocument:
            raise
        except Image.UnidentifiedImageError:
            raise UnreadableDocument(MSG_UNSUPPORTED) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise UnreadableDocument(MSG_CORRUPT_IMAGE) from None
    return image


def _check_pixels(image: Image.Image) -> None:
    # Also checked by hand: catch_warnings is process-global and not thread-safe.
    limit = Image.MAX_IMAGE_PIXELS
    if limit and image.width * image.height > limit:
        raise UnreadableDocument(_too_big_message())


def _too_big_message() -> str:
    return MSG_TOO_BIG.format(max_mp=round((Image.MAX_IMAGE_PIXELS or 0) / 1e6))


def _extract_image(data: bytes) -> ExtractedText:
    image = _open_image(data)
    notes: list[str] = []
    frames: list[Image.Image] = []
    count = getattr(image, "n_frames", 1) or 1
    if count > MAX_PAGES:
        notes.append(MSG_TOO_MANY_PAGES.format(max=MAX_PAGES))
    try:
        for index in range(min(count, MAX_PAGES)):
            if index:
                image.seek(index)
                _check_pixels(image)
            frames.append(_upright(image.copy()))
    except (OSError, ValueError, EOFError):
        if not frames:
            raise UnreadableDocument(MSG_CORRUPT_IMAGE) from None
    texts = [_ocr(frame, number + 1, notes) for number, frame in enumerate(frames)]
    full = "\n\f\n".join(t.strip("\n") for t in texts)
    _require_text(full, notes)
    return ExtractedText(text=full, pages=len(frames), method="ocr", warnings=notes)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation of phone photos; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # noqa: BLE001 - malformed EXIF must not cost the whole photo
        return image


# --- OCR ----------------------------------------------------------------------------------------


def prepare_for_ocr(image: Image.Image) -> Image.Image:
    """Grayscale, contrast, size and small-angle deskew for Tesseract."""
    if image.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    gray = image.convert("L")
    gray = ImageOps.autocontrast(gray, cutoff=(_dark_cutoff(gray), 1))
    width, height = gray.size
    if width < OCR_MIN_WIDTH:
        factor = min(OCR_MIN_WIDTH / max(width, 1), 3.0)
        gray = gray.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    elif max(width, height) > OCR_MAX_SIDE:
        factor = OCR_MAX_SIDE / max(width, height)
        gray = gray.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    angle = estimate_skew(gray)
    if angle:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return gray


def _dark_cutoff(gray: Image.Image) -> float:
    """Percentage of darkest pixels to clip when stretching contrast.

    Clipping 1 % blackens faint text on a photo, but on a mostly blank page the
    text itself is under 1 % of the pixels and would be erased: clip at most a
    quarter of the ink."""
    histogram = gray.histogram()
    used = [level for level, count in enumerate(histogram) if count]
    if not used:
        return 0.0
    middle = (used[0] + used[-1]) // 2
    ink = sum(histogram[:middle]) * 100 / max(sum(histogram), 1)
    return min(1.0, ink / 4)


def estimate_skew(gray: Image.Image) -> float:
    """Small rotation (degrees, PIL's counter-clockwise sign) that makes text lines
    horizontal, found by maximising the row-profile variance; 0.0 when no angle
    clearly beats the image as it is."""
    small = gray.copy()
    small.thumbnail((900, 900))
    # Ink as white on black so that rotation padding (black) adds no ink.
    ink = ImageOps.invert(ImageOps.autocontrast(small)).point(lambda v: 255 if v > 110 else 0)

    def score(angle: float) -> float:
        rotated = ink.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False)
        profile = list(rotated.resize((1, rotated.height), Image.Resampling.BOX).tobytes())
        mean = sum(profile) / len(profile)
        return sum((v - mean) ** 2 for v in profile) / len(profile)

    base = score(0.0)
    if base <= 0:
        return 0.0
    best_angle, best = 0.0, base
    step = 0.5
    angle = -DESKEW_MAX_ANGLE
    while angle <= DESKEW_MAX_ANGLE + 1e-9:
        if abs(angle) > 1e-9:
            value = score(angle)
            if value > best:
                best_angle, best = angle, value
        angle += step
    for fine in (best_angle - 0.25, best_angle + 0.25):
        value = score(fine)
        if value > best:
            best_angle, best = fine, value
    # Only rotate when it clearly helps: rotation blurs a straight image.
    if abs(best_angle) < 0.3 or best < base * 1.05:
        return 0.0
    return best_angle


def _ocr(image: Image.Image, page: int, notes: list[str]) -> str:
    prepared = prepare_for_ocr(image)
    read = _tesseract(prepared, page, notes)
    if read is None:
        return ""
    text, confidence = read
    if confidence < OSD_BELOW_CONFIDENCE or _word_count(text) < 8:
        # Poor reading: maybe the photo is sideways or upside down (no EXIF tag).
        rotation = _osd_rotation(prepared)
        if rotation:
            turned = prepared.rotate(-rotation, expand=True, fillcolor=255)
            retry = _tesseract(turned, page, notes)
            if retry and retry[1] > confidence:
                text = retry[0]
    return text


def _tesseract(image: Image.Image, page: int, notes: list[str]) -> tuple[str, float] | None:
    """(text, mean word confidence 0-100) or None when the page was skipped."""
    try:
        data = pytesseract.image_to_data(
            image,
            lang=OCR_LANG,
            config=OCR_CONFIG,
            timeout=OCR_TIMEOUT_SECONDS,
            output_type=pytesseract.Output.DICT,
        )
    except pytesseract.TesseractNotFoundError:
        raise UnreadableDocument(MSG_OCR_UNAVAILABLE) from None
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            notes.append(MSG_PAGE_TIMEOUT.format(page=page))
            return None
        raise
    except pytesseract.TesseractError:
        notes.append(MSG_PAGE_FAILED.format(page=page))
        return None
    return _text_from_data(data)


def _text_from_data(data: dict[str, list]) -> tuple[str, float]:
    """Rebuild lines from Tesseract's word table; a blank line between blocks."""
    lines: list[str] = []
    current: tuple[int, int, int] | None = None
    block: int | None = None
    words: list[str] = []
    weighted = weight = 0.0
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current:
            if words:
                lines.append(" ".join(words))
            if block is not None and key[0] != block:
                lines.append("")
            words, current, block = [], key, key[0]
        words.append(word)
        weighted += conf * len(word)
        weight += len(word)
    if words:
        lines.append(" ".join(words))
    return "\n".join(lines), (weighted / weight if weight else 0.0)


def _osd_rotation(image: Image.Image) -> int:
    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0", timeout=OSD_TIMEOUT_SECONDS)
    except (pytesseract.TesseractError, RuntimeError):
        return 0  # too little text for OSD, or timeout: keep the page as is
    m = re.search(r"Rotate:\s*(\d+)", osd)
    return int(m.group(1)) % 360 if m else 0


def _word_count(text: str) -> int:
    return len(re.findall(r"[0-9A-Za-zÀ-ÿ]{3,}", text))


def _require_text(text: str, notes: list[str]) -> None:
    if _has_readable_text(text):
        return
    timeouts = {MSG_PAGE_TIMEOUT.format(page=n) for n in range(1, MAX_PAGES + 1)}
    if timeouts.intersection(notes):
        raise UnreadableDocument(MSG_TOO_SLOW)
    raise UnreadableDocument(MSG_NOTHING)


def _has_readable_text(text: str) -> bool:
    # OCR of a photo without text still yields a few stray marks.
    words = re.findall(r"[A-Za-zÀ-ÿ]{3,}|\d{2,}", text)
    return len(words) >= 3 and sum(len(w) for w in words) >= 12


__all__ = [
    "ExtractedText",
    "UnreadableDocument",
    "extract_text",
    "sniff_mime",
    "prepare_for_ocr",
    "estimate_skew",
    "SUPPORTED_MIMES",
    "OCR_TIMEOUT_SECONDS",
]
