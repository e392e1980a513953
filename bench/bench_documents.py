"""Seconds per page to read documents, beside the raw tools' floor.

Text PDFs: our extract_text (pypdfium2 in a child process) vs `pdftotext`.
Photos: our OCR (preparation + Tesseract fra) vs the raw `tesseract` command
on the same image. The ratio is the figure that counts.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path

from common import machine, median, timed, write_section

from autocoach.services.text import extract_text, sniff_mime
from tests.fixtures.documents import build_cartes_grises, build_invoices


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    invoices = build_invoices(work, random.Random(5))
    text_pdf = next(f for f in invoices if f.source == "text_pdf").path
    photo = next(f for f in invoices if f.source == "photo").path
    card = build_cartes_grises(work, random.Random(6))[2].path

    rows = []
    data = text_pdf.read_bytes()
    ours = median(timed(lambda: extract_text(data, "application/pdf"), 5))
    floor = median(timed(lambda: subprocess.run(["pdftotext", str(text_pdf), "-"], capture_output=True, check=True), 5))
    rows.append(("Text PDF (invoice), per page", ours, floor, "pdftotext"))
    for label, path in (("Photo of an invoice (OCR)", photo), ("Photo of a carte grise (OCR)", card)):
        data = path.read_bytes()
        mime = sniff_mime(data)
        ours = median(timed(lambda: extract_text(data, mime), 2))
        floor = median(timed(lambda: subprocess.run(["tesseract", str(path), "-", "-l", "fra"], capture_output=True, check=True), 2))
        rows.append((label, ours, floor, "tesseract -l fra"))

    lines = [
        "## Document reading (seconds per page)",
        f"Machine: {machine()}",
        "",
        "| document | AutoCoach (s) | floor (s) | floor tool | ratio |",
        "|---|---|---|---|---|",
    ]
    for label, ours, floor, tool in rows:
        lines.append(f"| {label} | {ours:.3f} | {floor:.3f} | {tool} | {ours / floor:.2f}x |")
    lines.append("")
    lines.append("Budget: text PDF under 0.3 s a page.")
    print("\n".join(lines))
    write_section("documents", lines)


if __name__ == "__main__":
    main()
