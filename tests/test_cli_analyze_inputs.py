"""`python -m autocoach analyze` reads the issue 14 inputs (documented in facts.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import run_cli


def test_analyze_accepts_postcode_battery_rental_and_battery_soh(tmp_path: Path) -> None:
    vehicle = {
        "brand": "Renault", "model": "Zoe", "year": 2018, "first_registration_date": "2018-03-01",
        "fuel_type": "electrique", "mileage": 60000,
        "postcode": "69003", "battery_rental_monthly": 79, "battery_soh": 86,
    }
    path = tmp_path / "zoe.json"
    path.write_text(json.dumps(vehicle), encoding="utf-8")
    result = run_cli("analyze", str(path), "--as-of", "2026-11-24")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = {line["key"]: line["amount"] for line in data["monthly_cost_breakdown"]}
    assert keys["battery_rental"] == 79
    zfe = [a for a in data["alerts"] if a["type"] == "zfe"]
    assert len(zfe) == 1 and "Lyon" in zfe[0]["message"] and data["zfe_allowed"] is True
    assert "Batterie en location" in data["resale"]["reasoning"]
    assert "état de santé de la batterie 86 %" in data["resale"]["reasoning"]
    assert data["monthly_cost_leaves_out"]


def test_analyze_refuses_a_bad_postcode_in_one_french_line(tmp_path: Path) -> None:
    path = tmp_path / "car.json"
    path.write_text(json.dumps({"brand": "Renault", "model": "Clio", "year": 2019, "fuel_type": "essence",
                                "postcode": "6900"}), encoding="utf-8")
    result = run_cli("analyze", str(path), "--as-of", "2026-11-24")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "Code postal invalide « 6900 » : 5 chiffres attendus."
