"""PDF reports per second (fpdf2, DejaVu Sans embedded, charts drawn in PDF)."""

from __future__ import annotations

from datetime import date

from common import machine, median, timed, write_section

from autocoach.data import load_reference
from autocoach.domain.analysis import analyze
from autocoach.domain.facts import vehicle_facts_from_dict
from autocoach.services.report import ReportInput, build_report, font_paths, source_font_paths

AS_OF = date(2026, 11, 24)
REPEAT = 20

TYPICAL = {
    "brand": "Peugeot", "model": "208", "year": 2019, "fuel_type": "essence", "mileage": 63890,
    "first_registration_date": "2019-03-15", "license_plate": "AB-123-CD",
    "expenses": [
        {"date": "2022-05-20", "mileage": 38000, "category": "vidange", "amount": 175.4, "label": "Révision"},
        {"date": "2024-03-01", "mileage": 50000, "category": "vidange", "amount": 189.9, "label": "Révision"},
        {"date": "2025-04-12", "mileage": 58000, "category": "freins", "amount": 320, "label": "Plaquettes avant"},
    ],
    "technical_inspections": [
        {"date": "2023-02-10", "result": "favorable", "mileage": 40100},
        {"date": "2025-02-08", "result": "favorable", "mileage": 55200, "defects": ["Feu de plaque"]},
    ],
}

# A long history: 60 invoices, several pages of tables.
HEAVY = {
    **TYPICAL,
    "expenses": [
        {"date": date.fromordinal(date(2019, 4, 1).toordinal() + 45 * i).isoformat(),
         "mileage": 2000 + 1000 * i, "category": ("vidange", "freins", "pneus", "pieces")[i % 4],
         "amount": 80 + 13.37 * i, "label": f"Facture n° {i + 1} : pièces et main d'œuvre, atelier du centre-ville"}
        for i in range(60)
    ],
}


def _input(payload: dict) -> ReportInput:
    facts = vehicle_facts_from_dict(payload, today=AS_OF)
    analysis = analyze(facts, AS_OF, load_reference())
    return ReportInput(facts=facts, analysis=analysis, license_plate=facts.license_plate,
                       documents=[("Carte grise", "Carte grise", date(2021, 6, 10))], generated_at=AS_OF)


def main() -> None:
    font_paths()  # builds the font subset cache once (a few hundred ms on a cold machine)
    lines = ["## PDF report", f"Machine: {machine()}", ""]
    for name, payload in (("typical vehicle", TYPICAL), ("60 invoices", HEAVY)):
        data = _input(payload)
        pdf = build_report(data)  # warm-up
        seconds = median(timed(lambda: build_report(data), REPEAT))
        lines.append(
            f"- {name}: {1 / seconds:.1f} reports per second ({seconds * 1000:.0f} ms each, median of "
            f"{REPEAT}; {len(pdf) / 1024:.0f} KiB PDF)"
        )
    lines += [
        f"- Font: {source_font_paths()[''].parent}/DejaVuSans(-Bold).ttf, subset once and cached "
        "under DATA_DIR/cache/fonts.",
        "- Budget: under 500 ms a report.",
    ]
    print("\n".join(lines))
    write_section("report", lines)


if __name__ == "__main__":
    main()
