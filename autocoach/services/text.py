"""Turn an uploaded file (PDF or photo) into text for the document parsers.

PDFs are read from their text layer first (Histovec's CSA has a real one);
pages without text are rendered at 300 dpi and OCR'd with Tesseract (``fra``).
Photos are straightened and cleaned before OCR. Every failure the owner can
fix is raised as ``UnreadableDocument`` with a French message.

Phone photos (issue 13): the page outline is found and its perspective
undone, uneven light is flattened, and a few candidate preparations are OCR'd
within a time budget; the one Tesseract is surest of (mean word confidence)
wins. The words and their boxes come back with the text (``layout``) so that
the parsers can pair each label with the value on its line.

Safety (security brief): the type is decided from magic bytes, never from
the declared MIME type; Pillow opens only an allow-list of formats with its
pixel limit kept (the bomb warning is an error); PDFium runs in a child
process with a deadline and a memory cap and renders within the same pixel
budget; Tesseract runs with a timeout and ``OMP_THREAD_LIMIT=1``.

Bounded memory (issue 15): images are decoded at the resolution OCR needs:
JPEG through libjpeg's DCT scaling (Pillow ``draft``), large PNG/WEBP/TIFF
straight to grayscale and reduced (OpenCV ``IMREAD_REDUCED_GRAYSCALE``), so no
full-size colour buffer is ever made; PDF pages are rasterised at a bounded
DPI, pixel count and page count.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from autocoach.domain.documents.carte_grise import missing_key_fields
from autocoach.domain.documents.classify import classify_document
from autocoach.domain.documents.layout import SOURCE_OCR, SOURCE_TEXT_LAYER, DocumentLayout, Word, merge_words

# Tesseract's OpenMP threads fight each other on small servers (15 s -> 3 s
# with one thread); set before pytesseract spawns anything. An explicit
# deployment value wins.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytesseract  # noqa: E402

# OpenCV's own thread pool would compete with Tesseract and the web workers.
cv2.setNumThreads(1)

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
# Last resort when psm 4 reads poorly: Tesseract's automatic page layout, for
# papers laid out in free blocks rather than rows (a stamped or handwritten bill).
OCR_CONFIG_AUTO = "--oem 1 --psm 3"
# Sparse text: finds the small isolated "code value" pairs of a card's middle
# columns that the row-wise psm 4 sometimes drops; its words are merged in.
OCR_CONFIG_SPARSE = "--oem 1 --psm 11"
OCR_TIMEOUT_SECONDS = 60  # per page; a stuck page is skipped, not the whole file
OSD_TIMEOUT_SECONDS = 20
PDF_RENDER_DPI = 300
PDF_TIMEOUT_SECONDS = 60  # whole PDF (text layer + rendering), in a child process
PDF_MEMORY_LIMIT_BYTES = 2 * 1024**3  # address-space cap of that child
MAX_PAGES = 20
# Scanned pages OCR'd per PDF, and the pixels of one rendered page (A3 at 300 dpi).
MAX_SCANNED_PAGES = 10
PDF_MAX_PAGE_PIXELS = 18_000_000
# A phone photo: 12 MP usually, 48-64 MP (up to 89 MP, Pillow's own bomb limit) in a
# sensor's full-resolution mode. Decoding is reduced and grayscale, so even the
# largest stays far under 400 MB.
MAX_PHOTO_PIXELS = 89_000_000
# Decoded at most this long on the long side: beyond it Tesseract only gets slower.
DECODE_MAX_SIDE = 4000
# A PDF page with fewer characters than this in its text layer is OCR'd.
MIN_PAGE_TEXT_CHARS = 30
# Tesseract wants ~30 px capitals: small photos are upscaled, huge ones reduced.
OCR_MIN_WIDTH = 1800
OCR_MAX_SIDE = 4000
DESKEW_MAX_ANGLE = 10.0
# Tesseract reads best with capitals around 30 px; far bigger only costs time
# (a 12-MP photo of a card fills the frame with 60-px letters).
OCR_TEXT_HEIGHT = 30
# Candidate preparations: another one is tried while the best mean word
# confidence is under GOOD and the time spent stays under BUDGET x the first pass.
OCR_GOOD_CONFIDENCE = 78.0
OCR_BUDGET_FACTOR = 2.2
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
    # Words and boxes of the OCR'd pages (empty for a text layer), for the parsers.
    layout: DocumentLayout = field(default_factory=DocumentLayout)
    mean_confidence: float = 100.0  # 0-100; 100 for a text layer
    preparation: str = ""  # which candidate preparation won (diagnostics, bench)

    @property
    def words(self) -> list[Word]:
        return self.layout.words


@dataclass
class _PageReading:
    text: str
    words: list[Word]
    confidence: float
    preparation: str


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
    words: list[Word] = []
    confidences: list[float] = []
    preparations: list[str] = []
    for number, page in enumerate(pages, start=1):
        text = str(page.get("text") or "")
        if page.get("failed"):
            notes.append(MSG_PAGE_FAILED.format(page=number))
        if page.get("reduced"):
            notes.append(MSG_PAGE_REDUCED.format(page=number))
        if text.strip() and not page.get("image"):
            methods.add("pdf_text")
        if page.get("image"):
            reading = _ocr(_open_rendered_page(page["image"]), number, notes)
            if reading is not None and reading.text.strip():
                # Keep a scanner's few words of text layer too (a stamp, a page number).
                text = (text.strip() + "\n" + reading.text).strip("\n")
                methods.add("ocr")
                words += reading.words
                confidences.append(reading.confidence)
                preparations.append(reading.preparation)
        texts.append(text)
    full = "\n\f\n".join(t.strip("\n") for t in texts)
    _require_text(full, notes)
    method = "mixed" if len(methods) > 1 else (methods.pop() if methods else "ocr")
    mean = sum(confidences) / len(confidences) if confidences else 100.0
    layout = DocumentLayout(words=words, source=SOURCE_OCR if confidences else SOURCE_TEXT_LAYER, mean_confidence=mean)
    return ExtractedText(
        text=full, pages=len(texts), method=method, warnings=notes, layout=layout,
        mean_confidence=mean, preparation=",".join(preparations),
    )


# PDFium runs in a child process: a hostile PDF can hang or blow up the renderer
# (security brief), and only a separate process can be killed on a deadline and
# held to a memory cap. The child needs nothing but pypdfium2 and Pillow, hence
# a self-contained script (it does not import the app). It answers in JSON:
# {"count": pages in the file, "pages": [{"text", "image" (base64 PNG of a page
# to OCR, or null), "reduced", "failed"}]} or {"error": "password"|"corrupt"}.
_PDF_WORKER = r"""
import base64, io, json, re, resource, sys

memory, dpi, max_pages, min_chars, max_pixels, max_scans = (float(v) for v in sys.argv[1:7])
if memory > 0:
    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
import pypdfium2 as pdfium

try:
    pdf = pdfium.PdfDocument(sys.stdin.buffer.read())
except pdfium.PdfiumError as exc:
    json.dump({"error": "password" if "password" in str(exc).lower() else "corrupt"}, sys.stdout)
    sys.exit(0)
pages = []
scans = 0
for index in range(min(len(pdf), int(max_pages))):
    entry = {"text": "", "image": None, "reduced": False, "failed": False}
    try:
        page = pdf[index]
        text = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        entry["text"] = text
        # Only pages with pictures can be scans; a short page of a text PDF is just short.
        images = page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3)
        if scans < max_scans and len(re.sub(r"\s", "", text)) < min_chars and next(iter(images), None) is not None:
            scans += 1
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
        str(min(PDF_MAX_PAGE_PIXELS, _pixel_limit())),
        str(MAX_SCANNED_PAGES),
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


def _pixel_limit() -> int:
    return min(Image.MAX_IMAGE_PIXELS or MAX_PHOTO_PIXELS, MAX_PHOTO_PIXELS)


def _open_image(data: bytes) -> Image.Image:
    """Open (header only) with the format allow-list and the pixel limit as a hard error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=PIL_FORMATS)
            _check_pixels(image)
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
    if image.width * image.height > _pixel_limit():
        raise UnreadableDocument(_too_big_message())


def _too_big_message() -> str:
    return MSG_TOO_BIG.format(max_mp=round(_pixel_limit() / 1e6))


def _decode_bounded(image: Image.Image, data: bytes) -> Image.Image:
    """The first frame, decoded at no more than ``DECODE_MAX_SIDE`` on the long side.

    JPEG: libjpeg scales while decoding (``draft``), in grayscale. Other large
    single-frame images: OpenCV decodes straight to grayscale (one byte a
    pixel, never a colour buffer) and halves or quarters the result. Small
    images load as they are (colour kept for the outline detection)."""
    long_side = max(image.size)
    try:
        if image.format == "JPEG":
            if long_side > DECODE_MAX_SIDE:
                scale = DECODE_MAX_SIDE / long_side
                image.draft("L", (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
            image.load()
            return _bounded(_upright(image))
        large = image.width * image.height > DECODE_MAX_SIDE * DECODE_MAX_SIDE
        if large and image.format in ("PNG", "WEBP", "TIFF") and getattr(image, "n_frames", 1) == 1:
            factor = 2 if long_side <= 2 * DECODE_MAX_SIDE else (4 if long_side <= 4 * DECODE_MAX_SIDE else 8)
            flag = {2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}[factor]
            decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
            if decoded is None:
                raise UnreadableDocument(MSG_CORRUPT_IMAGE)
            return _bounded(Image.fromarray(decoded, "L"))
        image.load()
        return _bounded(_upright(image))
    except UnreadableDocument:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, cv2.error):
        raise UnreadableDocument(MSG_CORRUPT_IMAGE) from None


def _bounded(image: Image.Image) -> Image.Image:
    if max(image.size) <= DECODE_MAX_SIDE:
        return image
    image = _flatten_alpha(image)
    image.thumbnail((DECODE_MAX_SIDE, DECODE_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return image


def _extract_image(data: bytes) -> ExtractedText:
    image = _open_image(data)
    notes: list[str] = []
    frames: list[Image.Image] = []
    count = getattr(image, "n_frames", 1) or 1
    if count > MAX_PAGES:
        notes.append(MSG_TOO_MANY_PAGES.format(max=MAX_PAGES))
    frames.append(_decode_bounded(image, data))
    try:
        for index in range(1, min(count, MAX_PAGES)):
            image.seek(index)
            _check_pixels(image)
            frames.append(_bounded(_upright(image.copy())))
    except (OSError, ValueError, EOFError):
        pass  # later frames of a damaged TIFF: keep those read
    readings = [_ocr(frame, number + 1, notes) for number, frame in enumerate(frames)]
    del frames
    full = "\n\f\n".join((r.text if r else "").strip("\n") for r in readings)
    _require_text(full, notes)
    done = [r for r in readings if r is not None]
    mean = sum(r.confidence for r in done) / len(done) if done else 0.0
    layout = DocumentLayout(words=[w for r in done for w in r.words], source=SOURCE_OCR, mean_confidence=mean)
    return ExtractedText(
        text=full, pages=len(readings), method="ocr", warnings=notes, layout=layout,
        mean_confidence=mean, preparation=",".join(r.preparation for r in done),
    )


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation of phone photos; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # noqa: BLE001 - malformed EXIF must not cost the whole photo
        return image


# --- preparation for OCR ------------------------------------------------------------------------


def _flatten_alpha(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P", "PA"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode not in ("L", "RGB"):
        return image.convert("RGB")
    return image


def prepare_for_ocr(image: Image.Image) -> Image.Image:
    """Grayscale, contrast, size and small-angle deskew for Tesseract."""
    gray = _flatten_alpha(image).convert("L")
    gray = ImageOps.autocontrast(gray, cutoff=(_dark_cutoff(gray), 1))
    gray = _ocr_size(gray)
    angle = estimate_skew(gray)
    if angle:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return gray


def _ocr_size(gray: Image.Image) -> Image.Image:
    width, height = gray.size
    if width < OCR_MIN_WIDTH:
        factor = min(OCR_MIN_WIDTH / max(width, 1), 3.0)
        return gray.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    if max(width, height) > OCR_MAX_SIDE:
        factor = OCR_MAX_SIDE / max(width, height)
        return gray.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    return gray


def find_page_outline(gray: np.ndarray) -> np.ndarray | None:
    """Corners (4x2, in ``gray`` pixels, clockwise from top-left) of the paper
    lying on a darker background, or None when the page fills the frame or no
    clear four-sided outline stands out."""
    height, width = gray.shape[:2]
    scale = 700 / max(height, width)
    small = cv2.resize(gray, (max(1, int(width * scale)), max(1, int(height * scale))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (7, 7), 0)
    area = small.shape[0] * small.shape[1]
    masks = []
    _, otsu = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8)))
    edges = cv2.Canny(small, 30, 90)
    masks.append(cv2.dilate(edges, np.ones((5, 5), np.uint8)))
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            hull = cv2.convexHull(contour)
            found = cv2.contourArea(hull)
            if not 0.2 * area <= found <= 0.93 * area:
                continue
            quad = None
            perimeter = cv2.arcLength(hull, True)
            for share in (0.02, 0.04, 0.06):
                approx = cv2.approxPolyDP(hull, share * perimeter, True)
                if len(approx) == 4:
                    quad = approx.reshape(4, 2).astype(np.float32)
                    break
            if quad is None:
                continue
            return _order_corners(quad / scale)
    return None


def _order_corners(points: np.ndarray) -> np.ndarray:
    total = points.sum(axis=1)
    diff = np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)], points[np.argmax(diff)]],
        dtype=np.float32,
    )


def _unwarp(gray: np.ndarray, corners: np.ndarray) -> np.ndarray:
    # A little beyond the outline: the detected edge may cut into a first line
    # printed close to the paper's border.
    center = corners.mean(axis=0)
    corners = (center + (corners - center) * 1.03).astype(np.float32)
    top_left, top_right, bottom_right, bottom_left = corners
    width = int(max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left)))
    height = int(max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def _flatten_light(gray: np.ndarray) -> np.ndarray:
    """Divide by the paper's own brightness (estimated without the ink) so that a
    lamp's gradient or a fold's shadow no longer darkens part of the page."""
    height, width = gray.shape[:2]
    scale = 300 / max(height, width)
    small = cv2.resize(gray, (max(1, int(width * scale)), max(1, int(height * scale))), interpolation=cv2.INTER_AREA)
    # Closing removes the (dark, thin) ink; the blur smooths the paper's texture.
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), 4)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def _uneven_light(gray: np.ndarray) -> bool:
    height, width = gray.shape[:2]
    small = cv2.resize(gray, (16, max(4, int(16 * height / max(width, 1)))), interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    low, high = np.percentile(paper, (5, 95))
    return (high - low) > 0.12 * max(high, 1)


def _adaptive_binary(gray: np.ndarray) -> np.ndarray:
    block = max(15, (min(gray.shape[:2]) // 40) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 12)


def text_height(gray: np.ndarray) -> float | None:
    """Median height (pixels) of the letters on the page, or None when unclear."""
    height, width = gray.shape[:2]
    scale = min(1.0, 1600 / max(height, width))
    small = cv2.resize(gray, (max(1, int(width * scale)), max(1, int(height * scale))), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = [
        stats[i, cv2.CC_STAT_HEIGHT]
        for i in range(1, count)
        if 4 <= stats[i, cv2.CC_STAT_HEIGHT] <= 120 and stats[i, cv2.CC_STAT_WIDTH] <= 2 * stats[i, cv2.CC_STAT_HEIGHT]
        and stats[i, cv2.CC_STAT_AREA] >= 8
    ]
    if len(heights) < 30:
        return None
    return float(np.median(heights)) / scale


def _shrink_big_text(gray: np.ndarray) -> np.ndarray:
    """Reduce a page whose letters are far taller than Tesseract needs (speed)."""
    letters = text_height(gray)
    if letters is None or letters <= OCR_TEXT_HEIGHT * 1.4:
        return gray
    factor = OCR_TEXT_HEIGHT / letters
    height, width = gray.shape[:2]
    if min(height, width) * factor < OCR_MIN_WIDTH / 2:
        return gray
    return cv2.resize(gray, (int(width * factor), int(height * factor)), interpolation=cv2.INTER_AREA)


def _candidates(image: Image.Image):
    """Candidate preparations, most promising first, each made only when asked for."""
    gray = np.asarray(_flatten_alpha(image).convert("L"))
    corners = find_page_outline(gray)
    page = _shrink_big_text(_unwarp(gray, corners) if corners is not None else gray)
    uneven = _uneven_light(page)
    flat = _flatten_light(page) if uneven else page

    def finish(array: np.ndarray) -> Image.Image:
        return prepare_for_ocr(Image.fromarray(array, "L"))

    label = "page" if corners is not None else "photo"
    yield (label + ("+lumiere" if uneven else ""), lambda: finish(flat))
    if uneven:
        yield (label, lambda: finish(page))
    else:
        yield (label + "+lumiere", lambda: finish(_flatten_light(page)))
    yield (label + "+seuil", lambda: _ocr_size_deskewed(_adaptive_binary(_flatten_light(page))))
    if corners is not None:
        yield ("cadre", lambda: prepare_for_ocr(image))
    yield (label + "+psm3", lambda: finish(flat))


def _ocr_size_deskewed(binary: np.ndarray) -> Image.Image:
    image = _ocr_size(Image.fromarray(binary, "L"))
    angle = estimate_skew(image)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


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
    ink = np.asarray(ImageOps.invert(ImageOps.autocontrast(small)).point(lambda v: 255 if v > 110 else 0), dtype=np.float32)
    center = (ink.shape[1] / 2, ink.shape[0] / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(center, angle, 1.0)
        rotated = cv2.warpAffine(ink, matrix, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_LINEAR)
        profile = rotated.mean(axis=1)
        return float(profile.var())

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


# --- OCR ----------------------------------------------------------------------------------------


def _ocr(image: Image.Image, page: int, notes: list[str]) -> _PageReading | None:
    """Best reading of one page among the candidate preparations, within the budget."""
    started = time.monotonic()
    first_pass = 0.0
    best: _PageReading | None = None
    best_image: Image.Image | None = None
    for name, make in _candidates(image):
        elapsed = time.monotonic() - started
        if best is not None:
            if best.confidence >= OCR_GOOD_CONFIDENCE:
                break
            if elapsed + first_pass > OCR_BUDGET_FACTOR * max(first_pass, 0.2):
                break
        prepared = make()
        read = _tesseract(prepared, page, notes, OCR_CONFIG_AUTO if name.endswith("+psm3") else OCR_CONFIG)
        if not first_pass:
            first_pass = time.monotonic() - started
        if read is None:
            if best is None:
                return None  # timeout or failure: the page is skipped, as noted
            continue
        text, confidence, words = read
        if best is None or _reading_score(words) > _reading_score(best.words):
            best, best_image = _PageReading(text, words, confidence, name), prepared
    if best is None or best_image is None:
        return None
    if time.monotonic() - started + first_pass <= OCR_BUDGET_FACTOR * max(first_pass, 0.2) and _card_incomplete(best):
        sparse = _tesseract(best_image, page, notes, OCR_CONFIG_SPARSE)
        if sparse is not None:
            words = merge_words(best.words, sparse[2])
            best = _PageReading(best.text, words, best.confidence, best.preparation + "+psm11")
    if best.confidence < OSD_BELOW_CONFIDENCE or _word_count(best.text) < 8:
        # Poor reading: maybe the photo is sideways or upside down (no EXIF tag).
        rotation = _osd_rotation(best_image)
        if rotation:
            turned = best_image.rotate(-rotation, expand=True, fillcolor=255)
            retry = _tesseract(turned, page, notes)
            if retry and retry[1] > best.confidence:
                best = _PageReading(retry[0], retry[2], retry[1], best.preparation + f"+{rotation}")
    return best


def _card_incomplete(reading: _PageReading) -> bool:
    """A carte grise whose reading lacks one of the fields every card carries."""
    if classify_document(reading.text) != "carte_grise":
        return False
    return bool(missing_key_fields(reading.text, DocumentLayout(words=reading.words)))


def _reading_score(words: list[Word]) -> float:
    """Characters read, each weighted by Tesseract's confidence in its word.

    The mean confidence alone would favour a reading that kept only a few
    sure words and dropped half the page."""
    return sum(len(w.text) * w.conf for w in words if w.conf >= 40) / 100


def _tesseract(
    image: Image.Image, page: int, notes: list[str], config: str = OCR_CONFIG
) -> tuple[str, float, list[Word]] | None:
    """(text, mean word confidence 0-100, words) or None when the page was skipped."""
    try:
        data = pytesseract.image_to_data(
            image,
            lang=OCR_LANG,
            config=config,
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
    text, confidence = _text_from_data(data)
    return text, confidence, DocumentLayout.from_tesseract(data, page=page)


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
