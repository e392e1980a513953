"""`python -m autocoach`: one CLI over the domain code."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autocoach", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("plate", "migrate"):
        assert command in result.stdout


def test_plate_prints_the_official_form():
    result = run_cli("plate", "ab 123 cd")
    assert result.returncode == 0
    assert result.stdout.strip() == "AB-123-CD"
    fni = run_cli("plate", "1234ab2a")
    assert (fni.returncode, fni.stdout.strip()) == (0, "1234 AB 2A")


def test_plate_refuses_an_impossible_plate_in_french_without_traceback():
    result = run_cli("plate", "AB-000-CD")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "000" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_creates_the_database(tmp_path):
    db = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "autocoach", "migrate"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_parse_prints_the_fields_of_a_document_as_json(tmp_path):
    from tests.fixtures.documents import build_invoices
    import json
    import random

    invoice = next(f for f in build_invoices(tmp_path, random.Random(7)) if f.source == "text_pdf")
    result = run_cli("parse", str(invoice.path))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["document_type"] == "facture"
    assert set(output) == {"document_type", "fields", "warnings", "confidence", "origins", "alternatives"}
    assert output["confidence"]["total_ttc"] >= 0.9  # a text layer is sure
    assert output["fields"]["total_ttc"] == invoice.expected["total_ttc"]
    assert output["fields"]["date"] == invoice.expected["date"]


def test_parse_refuses_unreadable_input_with_one_french_line(tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n this is not really a pdf")
    result = run_cli("parse", str(junk))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = run_cli("parse", str(tmp_path / "absent.pdf"))
    assert missing.returncode == 2 and "Impossible de lire" in missing.stderr


def test_analyze_prints_the_engine_result(tmp_path):
    import json

    vehicle = tmp_path / "vehicle.json"
    vehicle.write_text(json.dumps({
        "brand": "Peugeot", "model": "208", "year": 2019, "fuel_type": "essence",
        "first_registration_date": "2019-03-15", "mileage": 63890,
        "technical_inspections": [
            {"date": "2023-02-10", "result": "favorable", "mileage": 40100},
            {"date": "2025-02-01", "result": "favorable", "mileage": 55000},
        ],
    }))
    result = run_cli("analyze", str(vehicle), "--as-of", "2026-11-24")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert 1 <= output["reliability_score"] <= 10
    assert {"value_low", "value_high", "recommended_price", "best_time_to_sell", "reasoning"} <= set(output["resale"])
    ct = next(a for a in output["alerts"] if a["type"] == "controle_technique")
    # Every 2 years from the last favourable CT (2025-02-01).
    assert ct["due_date"] == "2027-02-01"
    assert abs(sum(line["amount"] for line in output["monthly_cost_breakdown"]) - output["monthly_cost_estimate"]) < 0.01


def test_analyze_refuses_bad_input_in_french(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"brand": "Peugeot", "year": 1800}')
    result = run_cli("analyze", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()
    bad.write_text("{pas du json")
    assert run_cli("analyze", str(bad)).returncode == 2


def test_report_writes_a_pdf_and_refuses_bad_input(tmp_path):
    import json

    vehicle = tmp_path / "vehicle.json"
    vehicle.write_text(json.dumps({"brand": "Renault", "model": "Clio", "year": 2016, "fuel_type": "diesel",
                                   "mileage": 98000, "license_plate": "AB-123-CD"}))
    output = tmp_path / "rapport.pdf"
    result = run_cli("report", str(vehicle), "-o", str(output), "--as-of", "2026-11-24")
    assert result.returncode == 0, result.stderr
    assert output.read_bytes().startswith(b"%PDF")
    vehicle.write_text(json.dumps({"brand": "Renault"}))
    refused = run_cli("report", str(vehicle), "-o", str(tmp_path / "x.pdf"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
