"""Bounded memory when reading huge images (issue 15, item 4).

``python -m autocoach parse`` runs in a child of a fresh helper process, which
reports ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak resident
memory of the largest process below it (the parse, or the Tesseract it ran).
Aim: under 400 MB for the worst image the app accepts, and for one it refuses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from autocoach.services import text as text_service

PEAK_LIMIT_MB = 400
ROOT = Path(__file__).resolve().parent.parent

_MEASURE = r"""
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "autocoach", "parse", sys.argv[1]], capture_output=True, text=True, cwd=sys.argv[2])
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"peak_mb": peak_kb / 1024, "code": done.returncode, "out": done.stdout, "err": done.stderr}))
"""


def parse_peak(path: Path) -> dict:
    """Run the parse CLI on ``path`` in a child process; its peak RSS in MB and output."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), str(ROOT)], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(measured.stdout)


def big_document(path: Path, side: int) -> Path:
    """A colour page ``side`` pixels square with invoice text on it (PNG, under 1 MB)."""
    image = Image.new("RGB", (side, side), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", side // 45)
    lines = ["FACTURE N° 2024-0042", "GARAGE DU CENTRE", "Date : 14/02/2024",
             "Plaquettes de frein avant 54,90 €", "Total TTC 120,00 €"]
    for index, line in enumerate(lines * 3):
        draw.text((side // 20, side // 20 + index * side // 16), line, font=font, fill=(20, 20, 25))
    image.save(path, "PNG", compress_level=6)
    return path


@pytest.mark.parametrize("side", [9400])
def test_a_huge_accepted_image_is_read_under_the_memory_aim(tmp_path: Path, side: int) -> None:
    # 9 400 x 9 400: the case, just under the largest square accepted (9 433).
    result = parse_peak(big_document(tmp_path / "big.png", side))
    print(f"\nparse {side} x {side} PNG : pic {result['peak_mb']:.0f} Mo (objectif < {PEAK_LIMIT_MB} Mo)")
    assert result["code"] == 0, result["err"]
    assert json.loads(result["out"])["fields"]["total_ttc"] == 120.0
    assert result["peak_mb"] < PEAK_LIMIT_MB


@pytest.mark.parametrize("side", [11000])
def test_image_over_the_photo_limit_is_refused_under_the_memory_aim(tmp_path: Path, side: int) -> None:
    result = parse_peak(big_document(tmp_path / "huge.png", side))
    print(f"\nparse {side} x {side} PNG : pic {result['peak_mb']:.0f} Mo (objectif < {PEAK_LIMIT_MB} Mo)")
    assert result["code"] != 0
    assert "trop grande" in result["err"]
    assert result["peak_mb"] < PEAK_LIMIT_MB


def test_photo_pixel_limit_fits_phone_photos() -> None:
    # 12 MP is the usual phone photo; 48-64 MP sensors' full-resolution files must pass too.
    assert 64_000_000 <= text_service.MAX_PHOTO_PIXELS <= 89_000_000
    assert text_service.DECODE_MAX_SIDE <= 4200
