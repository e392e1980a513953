"""`python -m autocoach`: one CLI over the domain code."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT
from tests.fixtures.documents import build_cartes_grises, build_histovec, build_invoices


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


# --- ingest: papers applied to a vehicle described in JSON (the app's code path) --------


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    root = tmp_path_factory.mktemp("ingest-papers")
    return {
        "card": build_cartes_grises(root, random.Random(12))[1],
        "invoice": next(f for f in build_invoices(root, random.Random(11)) if f.source == "text_pdf"),
        "report": next(f for f in build_histovec(root, random.Random(13)) if f.source == "text_pdf"),
    }


def ingest(tmp_path, vehicle: dict, *files) -> subprocess.CompletedProcess:
    path = tmp_path / "vehicle.json"
    path.write_text(json.dumps(vehicle), encoding="utf-8")
    return run_cli("ingest", str(path), *[str(f.path) for f in files], "--as-of", "2026-11-24")


def test_ingest_applies_the_papers_of_this_car_with_their_source(tmp_path, papers):
    card = papers["card"]
    vehicle = {"brand": "Peugeot", "model": "208", "year": 2021, "mileage": 60000, "fuel_type": "essence",
               "license_plate": card.expected["license_plate"], "insurance_monthly": 41}
    result = ingest(tmp_path, vehicle, card)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["documents"] == [{"file": card.name, "type": "carte_grise", "status": "applied", "reason": None}]
    assert out["vehicle"]["vin"] == {"value": card.expected["vin"], "source": "carte_grise", "document": card.name}
    assert out["vehicle"]["euro_class"]["value"] == card.expected["euro_class"]
    assert out["vehicle"]["mileage"] == {"value": 60000, "source": "proprietaire", "document": None}
    assert out["analysis"]["vehicle"] == "Peugeot 208"
    # The payload's own inputs still reach the engine (its real premium here).
    insurance = next(c for c in out["analysis"]["monthly_cost_breakdown"] if c["key"] == "insurance")
    assert insurance["amount"] == 41


def test_ingest_holds_back_a_paper_with_a_foreign_plate(tmp_path, papers):
    invoice = papers["invoice"]
    vehicle = {"brand": "Renault", "model": "Clio", "year": 2016, "mileage": 90000, "fuel_type": "diesel",
               "license_plate": "FG-482-KT"}
    out = json.loads(ingest(tmp_path, vehicle, invoice).stdout)
    assert out["documents"] == [{
        "file": invoice.name, "type": "facture", "status": "mismatch",
        "reason": f"Ce document semble concerner {invoice.expected['license_plate']}, pas FG-482-KT.",
    }]
    assert out["expenses"] == []
    assert [r["source"] for r in out["mileage_readings"]] == ["proprietaire"]
    assert not [a for a in out["analysis"]["alerts"] if "compteur" in a["message"].lower()]


def test_ingest_holds_back_a_carte_grise_with_a_foreign_vin(tmp_path, papers):
    card = papers["card"]
    vehicle = {"brand": "Peugeot", "model": "208", "year": 2021, "mileage": 60000, "fuel_type": "essence",
               "vin": "VF3AAAAAAAA000001"}
    out = json.loads(ingest(tmp_path, vehicle, card).stdout)
    [document] = out["documents"]
    assert document["status"] == "mismatch" and card.expected["vin"] in document["reason"]
    assert out["vehicle"]["vin"]["value"] == "VF3AAAAAAAA000001"
    assert out["vehicle"]["vin"]["source"] == "proprietaire"


def test_ingest_takes_the_owners_count_from_histovec(tmp_path, papers):
    report = papers["report"]
    vehicle = {"brand": "Renault", "model": "Clio", "year": int(report.expected["first_registration_date"][:4]),
               "mileage": 150000, "fuel_type": "diesel", "license_plate": report.expected["license_plate"]}
    out = json.loads(ingest(tmp_path, vehicle, report).stdout)
    assert out["documents"][0]["status"] == "applied"
    assert out["vehicle"]["previous_owners"] == {
        "value": report.expected["owners_count"] - 1, "source": "histovec", "document": report.name,
    }
    assert {r["source"] for r in out["mileage_readings"]} >= {"histovec"}


def test_ingest_refuses_an_inconsistent_vehicle_in_one_french_line(tmp_path, papers):
    vehicle = {"brand": "Renault", "model": "Clio", "year": 2016, "mileage": 90000, "fuel_type": "diesel",
               "first_registration_date": "2016-03-15", "purchase_date": "2015-01-10"}
    result = ingest(tmp_path, vehicle, papers["invoice"])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "La date d'achat est antérieure à la première immatriculation."
