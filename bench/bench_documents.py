"""Seconds per page and peak memory to read documents, beside the raw tools' floor.

Text PDFs: our extract_text (pypdfium2 in a child process) vs `pdftotext`.
Photos: our reading (preparation + Tesseract fra + parsing) vs the raw
`tesseract` command on the same file, including a 12-megapixel phone photo of
a carte grise (aim: within 2x). Memory: peak resident size of
`python -m autocoach parse` on the largest image accepted and on a
9 400 x 9 400 PNG (aim: under 400 MB), beside raw `tesseract` on the same file.
The ratio is the figure that counts.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, machine, median, timed, write_section
from PIL import Image

from autocoach.domain.documents import parse_document
from autocoach.services.text import MAX_PHOTO_PIXELS, extract_text, sniff_mime
from tests.fixtures.documents import build_cartes_grises, build_invoices, phone_photo
from tests.test_text_memory import big_document

MEMORY_AIM_MB = 400
TIME_AIM_RATIO = 2.0

_PEAK = r"""
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:], capture_output=True, cwd=sys.argv[1])
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "code": done.returncode}))
"""


def peak_mb(command: list[str]) -> tuple[float, int]:
    """Peak RSS (MB) of ``command`` and its children, measured from a fresh process."""
    out = subprocess.run([sys.executable, "-c", _PEAK, str(ROOT), *command], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    return report["peak_mb"], report["code"]


def phone_photo_12mp(work: Path) -> Path:
    """A carte grise photographed by a 12-megapixel phone (4 000 x 3 000 JPEG)."""
    card = build_cartes_grises(work, random.Random(6))[2]
    page = Image.open(card.path).convert("RGB")
    page = page.resize((3300, int(3300 * page.height / page.width)), Image.Resampling.LANCZOS)
    photo = phone_photo(page, random.Random(12), scale=1.0)
    frame = Image.new("RGB", (4000, 3000), (84, 70, 58))
    photo.thumbnail((4000, 3000))
    frame.paste(photo, ((4000 - photo.width) // 2, (3000 - photo.height) // 2))
    path = work / "carte_grise_12mp.jpg"
    frame.save(path, "JPEG", quality=85)
    return path


def read_and_parse(data: bytes) -> None:
    extracted = extract_text(data, sniff_mime(data))
    parse_document(extracted.text, layout=extracted.layout)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    invoices = build_invoices(work, random.Random(5))
    text_pdf = next(f for f in invoices if f.source == "text_pdf").path
    photo = next(f for f in invoices if f.source == "photo").path
    card = build_cartes_grises(work, random.Random(6))[2].path
    big_photo = phone_photo_12mp(work)

    rows = []
    data = text_pdf.read_bytes()
    ours = median(timed(lambda: extract_text(data, "application/pdf"), 5))
    floor = median(timed(lambda: subprocess.run(["pdftotext", str(text_pdf), "-"], capture_output=True, check=True), 5))
    rows.append(("Text PDF (invoice), per page", ours, floor, "pdftotext"))
    for label, path in (
        ("Photo of an invoice (OCR + parse)", photo),
        ("Photo of a carte grise (OCR + parse)", card),
        ("12-MP phone photo of a carte grise (OCR + parse)", big_photo),
    ):
        data = path.read_bytes()
        ours = median(timed(lambda: read_and_parse(data), 2))
        floor = median(timed(lambda: subprocess.run(["tesseract", str(path), "-", "-l", "fra"], capture_output=True, check=True), 2))
        rows.append((label, ours, floor, "tesseract -l fra"))

    side = int(MAX_PHOTO_PIXELS**0.5)
    memory_rows = []
    for label, path in (
        (f"{side} x {side} PNG (largest accepted)", big_document(work / "largest.png", side)),
        ("9 400 x 9 400 PNG (over the photo limit: refused)", big_document(work / "huge.png", 9400)),
        ("12-MP phone photo (JPEG)", big_photo),
    ):
        ours, code = peak_mb([sys.executable, "-m", "autocoach", "parse", str(path)])
        floor, _ = peak_mb(["tesseract", str(path), "-", "-l", "fra"])
        memory_rows.append((label, ours, "read" if code == 0 else "refused", floor))

    lines = [
        "## Document reading (seconds per page)",
        f"Machine: {machine()}",
        "",
        "| document | AutoCoach (s) | floor (s) | floor tool | ratio |",
        "|---|---|---|---|---|",
    ]
    for label, ours, floor, tool in rows:
        lines.append(f"| {label} | {ours:.3f} | {floor:.3f} | {tool} | {ours / floor:.2f}x |")
    lines += [
        "",
        f"Budget: text PDF under 0.3 s a page; a 12-MP phone photo within {TIME_AIM_RATIO:.0f}x raw tesseract.",
        "",
        "### Peak resident memory of `python -m autocoach parse` (MB)",
        "",
        "| image | AutoCoach (MB) | outcome | raw tesseract -l fra (MB) |",
        "|---|---|---|---|",
    ]
    for label, ours, outcome, floor in memory_rows:
        lines.append(f"| {label} | {ours:.0f} | {outcome} | {floor:.0f} |")
    lines += ["", f"Aim: under {MEMORY_AIM_MB} MB for any image the app accepts."]
    print("\n".join(lines))
    write_section("documents", lines)


if __name__ == "__main__":
    main()
