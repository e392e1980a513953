"""extract_text / sniff_mime: good files give text, bad files a clear French error."""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from autocoach.services import text as text_service
from autocoach.services.text import (
    ExtractedText,
    UnreadableDocument,
    estimate_skew,
    extract_text,
    sniff_mime,
)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SAMPLE_LINES = [
    "GARAGE DES TILLEULS",
    "Facture du 14/02/2024",
    "Vidange moteur et filtre 89,00 EUR",
    "Total TTC 106,80 EUR",
]
FRENCH_HINTS = ("fichier", "document", "image", "pdf", "photo", "texte", "lecture")


def _assert_french(message: str) -> None:
    assert message and message[0].isupper() and message.endswith(".")
    assert any(word in message.lower() for word in FRENCH_HINTS), message


def _text_image(lines: list[str] = SAMPLE_LINES, *, size: int = 40, width: int = 1400) -> Image.Image:
    font = ImageFont.truetype(FONT, size)
    image = Image.new("RGB", (width, int(size * 1.8) * (len(lines) + 2)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, int(size * 1.8) * (i + 1)), line, font=font, fill="black")
    return image


def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _text_pdf(lines: list[str] = SAMPLE_LINES, *, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if password:
        pdf.set_encryption(owner_password="proprietaire", user_password=password)
    return bytes(pdf.output())


def _image_pdf(image: Image.Image) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(_encode(image.convert("RGB"), "JPEG", quality=90)), x=10, y=10, w=190)
    return bytes(pdf.output())


def _png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of huge dimensions that is tiny on disk (all zeros)."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(height)]
    data = b"".join(chunks) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# --- bad inputs -----------------------------------------------------------------------------


def test_empty_file() -> None:
    with pytest.raises(UnreadableDocument) as info:
        extract_text(b"", "application/pdf")
    assert str(info.value) == text_service.MSG_EMPTY
    _assert_french(str(info.value))


def test_random_bytes_are_unsupported() -> None:
    data = random.Random(7).randbytes(4096)
    with pytest.raises(UnreadableDocument) as info:
        extract_text(data, "image/jpeg")  # the declared type is not trusted
    assert "non pris en charge" in str(info.value)
    _assert_french(str(info.value))


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf(cut: float) -> None:
    data = _text_pdf()
    with pytest.raises(UnreadableDocument) as info:
        extract_text(data[: int(len(data) * cut)], "application/pdf")
    assert "endommagé" in str(info.value)
    _assert_french(str(info.value))


def test_pdf_header_then_garbage() -> None:
    with pytest.raises(UnreadableDocument) as info:
        extract_text(b"%PDF-1.7\n" + random.Random(3).randbytes(2000), "application/pdf")
    assert "endommagé" in str(info.value)


def test_encrypted_pdf() -> None:
    data = _text_pdf(password="motdepasse")
    with pytest.raises(UnreadableDocument) as info:
        extract_text(data, "application/pdf")
    assert "mot de passe" in str(info.value)
    _assert_french(str(info.value))


def test_pdf_with_owner_password_only_is_read() -> None:
    # Permissions-only protection opens without a password: nothing to ask the owner.
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 8, "Facture garage total TTC 120,00 EUR payee le 12/03/2024")
    pdf.set_encryption(owner_password="proprietaire")
    result = extract_text(bytes(pdf.output()), "application/pdf")
    assert "120,00" in result.text and result.method == "pdf_text"


def test_decompression_bomb_png_over_twice_the_limit() -> None:
    bomb = _png_bomb(30_000, 30_000)  # 900 Mpx, about 100 kB on disk
    assert len(bomb) < 1_000_000
    with pytest.raises(UnreadableDocument) as info:
        extract_text(bomb, "image/png")
    assert "trop grande" in str(info.value)
    _assert_french(str(info.value))


def test_image_between_limit_and_twice_limit_is_refused() -> None:
    # Pillow only *warns* between 1x and 2x MAX_IMAGE_PIXELS: that warning must be an error.
    side = int((Image.MAX_IMAGE_PIXELS * 1.2) ** 0.5)
    with pytest.raises(UnreadableDocument) as info:
        extract_text(_png_bomb(side, side), "image/png")
    assert "trop grande" in str(info.value)


def test_pixel_limit_is_kept() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS <= 100_000_000


def test_image_without_text() -> None:
    rng = random.Random(11)
    image = Image.new("RGB", (1200, 900), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1000), rng.randint(0, 700)
        draw.ellipse((x, y, x + rng.randint(60, 200), y + rng.randint(60, 200)), fill=(rng.randint(0, 255), 120, 60))
    with pytest.raises(UnreadableDocument) as info:
        extract_text(_encode(image, "JPEG", quality=85), "image/jpeg")
    assert str(info.value) == text_service.MSG_NOTHING
    _assert_french(str(info.value))


def test_blank_pdf_page() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(UnreadableDocument) as info:
        extract_text(bytes(pdf.output()), "application/pdf")
    assert str(info.value) == text_service.MSG_NOTHING


def test_corrupt_image_with_valid_header() -> None:
    data = _encode(_text_image(), "PNG")
    with pytest.raises(UnreadableDocument) as info:
        extract_text(data[: len(data) // 3], "image/png")
    assert "endommagée" in str(info.value)


def test_eps_is_not_opened() -> None:
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    with pytest.raises(UnreadableDocument) as info:
        extract_text(eps, "application/postscript")
    assert "non pris en charge" in str(info.value)


def test_missing_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(UnreadableDocument) as info:
        extract_text(_encode(_text_image(), "PNG"), "image/png")
    assert str(info.value) == text_service.MSG_OCR_UNAVAILABLE


def test_ocr_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service, "OCR_TIMEOUT_SECONDS", 0.001)
    monkeypatch.setattr(text_service, "OSD_TIMEOUT_SECONDS", 0.001)
    with pytest.raises(UnreadableDocument) as info:
        extract_text(_encode(_text_image(), "PNG"), "image/png")
    assert str(info.value) == text_service.MSG_TOO_SLOW


def _huge_scan_pdf() -> bytes:
    """One 4000x4000 pt page covered by a picture: rendering it at 300 dpi would be
    ~3 gigapixels, so it is rendered within the pixel budget instead."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(4000, 4000))
    pdf.add_page()
    pdf.image(io.BytesIO(_encode(_text_image(), "PNG")), x=0, y=0, w=4000, h=1500)
    return bytes(pdf.output())


def test_huge_pdf_page_is_rendered_within_pixel_budget() -> None:
    result = extract_text(_huge_scan_pdf(), "application/pdf")
    assert result.method == "ocr"
    assert text_service.MSG_PAGE_REDUCED.format(page=1) in result.warnings


def test_pdf_reading_has_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service, "PDF_TIMEOUT_SECONDS", 0.01)
    with pytest.raises(UnreadableDocument) as info:
        extract_text(_text_pdf(), "application/pdf")
    assert str(info.value) == text_service.MSG_PDF_TOO_SLOW
    _assert_french(str(info.value))


def test_pdf_reading_has_a_memory_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service, "PDF_MEMORY_LIMIT_BYTES", 48 * 1024**2)
    with pytest.raises(UnreadableDocument):
        extract_text(_huge_scan_pdf(), "application/pdf")


# --- good inputs ----------------------------------------------------------------------------


def test_text_pdf_uses_text_layer() -> None:
    result = extract_text(_text_pdf(), "application/pdf")
    assert isinstance(result, ExtractedText)
    assert result.method == "pdf_text"
    assert result.pages == 1
    for line in SAMPLE_LINES:
        assert line in result.text
    assert result.warnings == []


def test_image_only_pdf_uses_ocr() -> None:
    result = extract_text(_image_pdf(_text_image()), "application/pdf")
    assert result.method == "ocr"
    assert "GARAGE DES TILLEULS" in result.text
    assert "106,80" in result.text


def test_mixed_pdf() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    for line in ("Rapport Histovec page 1", "Contrôles techniques : voir page suivante, scannée."):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.image(io.BytesIO(_encode(_text_image(), "JPEG", quality=90)), x=10, y=10, w=190)
    result = extract_text(bytes(pdf.output()), "application/pdf")
    assert result.method == "mixed"
    assert result.pages == 2
    assert "Rapport Histovec" in result.text and "TILLEULS" in result.text


@pytest.mark.parametrize(("fmt", "params"), [("JPEG", {"quality": 85}), ("PNG", {}), ("WEBP", {"quality": 90}), ("TIFF", {})])
def test_image_formats_are_read(fmt: str, params: dict) -> None:
    result = extract_text(_encode(_text_image(), fmt, **params), "application/octet-stream")
    assert result.method == "ocr" and result.pages == 1
    assert "TILLEULS" in result.text
    assert "14/02/2024" in result.text


def test_exif_orientation_is_applied() -> None:
    # A phone stores the picture sideways with an EXIF "rotate 90°" tag.
    upright = _text_image()
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    data = _encode(stored, "JPEG", quality=90, exif=exif.tobytes())
    result = extract_text(data, "image/jpeg")
    assert "TILLEULS" in result.text


def test_upside_down_photo_is_turned_by_osd() -> None:
    lines = SAMPLE_LINES + ["Plaquettes de frein avant 54,90 EUR", "Main d'oeuvre atelier 62,00 EUR",
                            "Kilometrage releve 85 432 km", "Merci de votre confiance, a bientot"]
    flipped = _text_image(lines).rotate(180)
    result = extract_text(_encode(flipped, "PNG"), "image/png")
    assert "TILLEULS" in result.text


def test_small_photo_is_upscaled_and_skew_corrected() -> None:
    image = _text_image(size=22, width=760).rotate(2.5, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    prepared = text_service.prepare_for_ocr(image)
    assert prepared.width >= text_service.OCR_MIN_WIDTH
    assert abs(estimate_skew(image.convert("L")) + 2.5) <= 0.5
    result = extract_text(_encode(image, "PNG"), "image/png")
    assert "TILLEULS" in result.text


def test_straight_image_is_not_rotated() -> None:
    assert estimate_skew(_text_image().convert("L")) == 0.0


def test_heic_if_available() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    heif = pillow_heif.from_pillow(_text_image())
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)
    data = buffer.getvalue()
    assert sniff_mime(data) == "image/heic"
    assert "TILLEULS" in extract_text(data, "image/heic").text


def test_omp_thread_limit_is_set() -> None:
    assert os.environ.get("OMP_THREAD_LIMIT") == "1"


# --- sniffing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("TIFF", "image/tiff")],
)
def test_sniff_images(fmt: str, mime: str) -> None:
    assert sniff_mime(_encode(Image.new("RGB", (8, 8)), fmt)) == mime


def test_sniff_other_types() -> None:
    assert sniff_mime(_text_pdf()) == "application/pdf"
    assert sniff_mime(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "image/heic"
    assert sniff_mime(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf") is None
    assert sniff_mime(b"") is None
    assert sniff_mime(b"GIF89a") is None
    assert sniff_mime(b"<html><body>%PDF-</body></html>") is None
    assert sniff_mime(b"PK\x03\x04") is None


def test_declared_type_is_ignored_for_content() -> None:
    result = extract_text(_text_pdf(), "image/png")
    assert result.method == "pdf_text"


def test_fixture_text_layer_matches_source(tmp_path: Path) -> None:
    # The generated Histovec PDFs keep accents and line order through pdfium.
    from tests.fixtures.documents import HISTOVEC_CASES, _histovec_data, _histovec_pdf

    data = _histovec_data(random.Random(5), HISTOVEC_CASES[0])
    result = extract_text(_histovec_pdf(data, "DejaVu"), "application/pdf")
    assert "Situation administrative du véhicule" in result.text
    assert data["plate"] in result.text


def test_large_jpeg_is_decoded_reduced_and_gray() -> None:
    # libjpeg scales while decoding: no full-size colour buffer for a 24-MP photo.
    page = _text_image(size=120, width=6000).resize((6000, 4000))
    data = _encode(page, "JPEG", quality=85)
    decoded = text_service._decode_bounded(text_service._open_image(data), data)
    assert max(decoded.size) <= text_service.DECODE_MAX_SIDE and decoded.mode == "L"
    assert "TILLEULS" in extract_text(data, "image/jpeg").text


def test_large_png_is_decoded_reduced_and_gray() -> None:
    page = _text_image(size=120, width=6000).resize((6000, 4000))
    data = _encode(page, "PNG")
    decoded = text_service._decode_bounded(text_service._open_image(data), data)
    assert max(decoded.size) <= text_service.DECODE_MAX_SIDE and decoded.mode == "L"


def test_phone_photo_outline_is_found_and_words_come_back() -> None:
    from tests.fixtures.documents import phone_photo

    photo = phone_photo(_text_image(), random.Random(4), tilt=6.0, shadow="strong")
    gray = np.asarray(photo.convert("L"))
    corners = text_service.find_page_outline(gray)
    assert corners is not None
    # Corners clockwise from top-left, inside the frame.
    assert corners[0][0] < corners[1][0] and corners[0][1] < corners[3][1]
    result = extract_text(_encode(photo, "JPEG", quality=60), "image/jpeg")
    assert "TILLEULS" in result.text
    assert result.words and all(0 <= w.conf <= 100 for w in result.words)
    assert result.preparation.startswith("page") and 0 < result.mean_confidence <= 100


def test_text_layer_is_rated_sure() -> None:
    result = extract_text(_text_pdf(), "application/pdf")
    assert result.layout.source == "pdf_text" and result.mean_confidence == 100.0
    assert result.layout.confidence_of("TILLEULS") == 1.0
