"""One truth per vehicle, on a real database: papers reviewed, checked against
the car, applied with their source, corrected by the owner, used by the engine."""

from __future__ import annotations

import random
from datetime import date

import pytest

from autocoach.domain.ad import ad_facts, generate_ad
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.services import analysis, documents, resale, vehicles
from tests.fixtures.documents import build_cartes_grises, build_histovec, build_invoices
from tests.test_vehicles_service import make_user

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    root = tmp_path_factory.mktemp("papers")
    invoices = [f for f in build_invoices(root, random.Random(11)) if f.source == "text_pdf"]
    cards = build_cartes_grises(root, random.Random(12))
    reports = [f for f in build_histovec(root, random.Random(13)) if f.source == "text_pdf"]
    return {"invoice": invoices[0], "other_invoice": invoices[1], "card": cards[1], "report": reports[0]}


def new_car(scope, plate, **extra):
    form = {"brand": "Renault", "model": "Clio", "year": "2016", "mileage": "90000",
            "fuel_type": "diesel", "license_plate": plate, **extra}
    return vehicles.create_vehicle(scope, validate_vehicle_form(form, TODAY), TODAY).id


def read(scope, vehicle_id, fixture):
    document = documents.add_upload(scope, vehicle_id, fixture.name, fixture.path.read_bytes())
    return documents.process_document(scope, document.id)


@pytest.fixture
def owner(app_settings):
    return make_user("truth@example.fr")


def test_another_cars_invoice_is_held_back_and_can_be_moved_to_it(owner, papers):
    invoice = papers["invoice"]
    ours = new_car(owner, "FG-482-KT")
    theirs = new_car(owner, invoice.expected["license_plate"])
    document = read(owner, ours, invoice)
    assert document.review_status == "held"
    assert document.review_reason == (
        f"Ce document semble concerner {invoice.expected['license_plate']}, pas FG-482-KT."
    )
    # Nothing applied: no expense, no reading, no odometer alarm on our car.
    assert vehicles.list_expenses(owner, ours) == []
    assert all(r.source != "facture" for r in vehicles.mileage_history(owner, ours))
    with pytest.raises(documents.ReviewErrors):
        documents.apply_as_proposed(owner, document.id, TODAY)
    review = documents.document_review(owner, document.id, TODAY)
    assert review.other_vehicle_id == theirs
    documents.move_document(owner, document.id, theirs)
    moved = vehicles.get_document(owner, document.id)
    assert (moved.vehicle_id, moved.review_status) == (theirs, "to_review")
    documents.apply_as_proposed(owner, document.id, TODAY)
    assert [e.amount for e in vehicles.list_expenses(owner, theirs)] == [
        pytest.approx(invoice.expected["total_ttc"])
    ]


def test_a_held_paper_applied_anyway_never_changes_the_cars_identity(owner, papers):
    ours = new_car(owner, "FG-482-KT")
    document = read(owner, ours, papers["report"])
    assert document.review_status == "held"
    documents.apply_as_proposed(owner, document.id, TODAY, force=True)
    vehicle = vehicles.get_vehicle(owner, ours)
    assert (vehicle.license_plate, vehicle.brand, vehicle.model) == ("FG-482-KT", "Renault", "Clio")
    assert any(r.source == "histovec" for r in vehicles.mileage_history(owner, ours))


def test_a_kept_paper_applies_nothing(owner, papers):
    car = new_car(owner, papers["invoice"].expected["license_plate"])
    document = read(owner, car, papers["invoice"])
    assert document.review_status == "to_review"
    documents.keep_document(owner, document.id)
    assert vehicles.get_document(owner, document.id).review_status == "kept"
    assert vehicles.list_expenses(owner, car) == []


def test_a_misread_field_corrected_in_the_review_is_applied_with_its_source(owner, papers):
    card = papers["card"]
    car = new_car(owner, card.expected["license_plate"], brand="Peugeot", model="208",
                  year=str(card.expected["first_registration_date"][:4]), fuel_type="essence")
    document = read(owner, car, card)
    proposals = {p.field: p for p in documents.document_review(owner, document.id, TODAY).proposals}
    # The owner checks every value (those "à vérifier" too) and retypes the version.
    accepted = {name: p.value for name, p in proposals.items()}
    accepted["version"] = "1.2 PureTech 100 Allure"
    documents.apply_document(owner, document.id, accepted, TODAY)
    vehicle = vehicles.get_vehicle(owner, car)
    assert vehicle.version == "1.2 PureTech 100 Allure"
    registration = date.fromisoformat(card.expected["first_registration_date"])
    assert vehicle.first_registration_date == registration
    used = vehicles.vehicle_provenance(owner, car)
    assert used["version"].used.corrected and used["version"].used.document_id == document.id
    kept = used["first_registration_date"].used
    assert kept.source == "carte_grise" and not kept.corrected
    # Deleting the paper takes its values back: the owner's typed ones return.
    documents.delete_document(owner, document.id)
    vehicle = vehicles.get_vehicle(owner, car)
    assert vehicle.version is None and vehicle.first_registration_date is None


def test_the_owners_correction_wins_over_the_carte_grise_and_stays_marked(owner, papers):
    card = papers["card"]
    car = new_car(owner, card.expected["license_plate"], brand="Peugeot", model="208",
                  year=str(card.expected["first_registration_date"][:4]), fuel_type="essence")
    document = read(owner, car, card)
    documents.apply_as_proposed(owner, document.id, TODAY)
    assert vehicles.get_vehicle(owner, car).fiscal_power == card.expected["fiscal_power"]
    form = {k: v for k, v in {
        "brand": "Peugeot", "model": "208", "year": card.expected["first_registration_date"][:4],
        "mileage": "90000", "fuel_type": "essence", "license_plate": card.expected["license_plate"],
        "first_registration_date": card.expected["first_registration_date"],
        "vin": card.expected["vin"], "fiscal_power": "7",
    }.items()}
    vehicles.update_vehicle(owner, car, validate_vehicle_form(form, TODAY), TODAY)
    used = vehicles.vehicle_provenance(owner, car)["fiscal_power"]
    assert used.used.value == 7 and used.used.corrected and used.used.source == "proprietaire"
    assert [o.value for o in used.others] == [card.expected["fiscal_power"]]
    # Reading the card again does not undo the owner's correction.
    documents.process_document(owner, document.id)
    documents.apply_as_proposed(owner, document.id, TODAY)
    assert vehicles.get_vehicle(owner, car).fiscal_power == 7


def test_what_the_carte_grise_read_reaches_the_engine_and_the_ad(owner, papers):
    card = papers["card"]
    car = new_car(owner, card.expected["license_plate"], brand="Peugeot", model="208",
                  year=str(card.expected["first_registration_date"][:4]), fuel_type="essence")
    document = read(owner, car, card)
    documents.apply_as_proposed(owner, document.id, TODAY)
    facts = analysis.vehicle_facts(owner, car)
    assert facts.euro_class == card.expected["euro_class"]
    assert facts.co2 == card.expected["co2"] and facts.power_kw == card.expected["power_kw"]
    assert facts.version == card.expected["variant"]
    result = analysis.analyze_vehicle(owner, car, TODAY).result
    ad = generate_ad(ad_facts(facts, result), platform="leboncoin", title_max=70)
    assert not any("Version" in missing for missing in ad.missing_legal)
    assert "norme Euro inconnue" not in " ".join(result.sources.values())


def test_histovec_owners_reach_the_score(owner, papers):
    report = papers["report"]
    car = new_car(owner, report.expected["license_plate"], brand="Renault", model="Clio",
                  year=report.expected["first_registration_date"][:4])
    document = read(owner, car, report)
    documents.apply_as_proposed(owner, document.id, TODAY)
    assert vehicles.get_vehicle(owner, car).previous_owners == report.expected["owners_count"] - 1
    factors = {f.key: f for f in analysis.analyze_vehicle(owner, car, TODAY).result.reliability_factors}
    assert "inconnu" not in factors["proprietaires"].sentence


def test_removing_a_typo_reading_clears_the_odometer_alert(owner):
    car = new_car(owner, "FG-482-KT")
    # A typo: 120 000 km typed for a day when the car had less than today's 90 000.
    vehicles.record_mileage(owner, car, 120000, date(2025, 6, 1))
    assert analysis.odometer_warnings(owner, car, TODAY)
    typo = next(r for r in vehicles.mileage_history(owner, car) if r.km == 120000)
    vehicles.delete_reading(owner, typo.id)
    assert analysis.odometer_warnings(owner, car, TODAY) == []
    assert vehicles.get_vehicle(owner, car).mileage == 90000


def test_an_expense_corrected_moves_its_reading(owner, papers):
    invoice = papers["invoice"]
    car = new_car(owner, invoice.expected["license_plate"])
    document = read(owner, car, invoice)
    documents.apply_as_proposed(owner, document.id, TODAY)
    expense = vehicles.list_expenses(owner, car)[0]
    vehicles.update_expense(owner, expense.id, {"mileage": 91000, "amount": 210.0})
    readings = [(r.km, r.source) for r in vehicles.mileage_history(owner, car)]
    assert (91000, "facture") in readings and (invoice.expected["mileage"], "facture") not in readings
    assert vehicles.list_expenses(owner, car)[0].amount == 210.0


def test_another_owner_can_touch_none_of_it(owner, papers):
    car = new_car(owner, "FG-482-KT")
    document = read(owner, car, papers["invoice"])
    reading = vehicles.mileage_history(owner, car)[0]
    stranger = make_user("mallory@example.fr")
    for attempt in (
        lambda: vehicles.delete_reading(stranger, reading.id),
        lambda: vehicles.vehicle_provenance(stranger, car),
        lambda: documents.move_document(owner, document.id, new_car(stranger, "AB-123-CD")),
        lambda: documents.apply_as_proposed(stranger, document.id, TODAY, force=True),
    ):
        with pytest.raises(vehicles.NotFound):
            attempt()


def test_a_removed_reading_or_expense_can_be_put_back(owner, papers):
    invoice = papers["invoice"]
    car = new_car(owner, invoice.expected["license_plate"])
    document = read(owner, car, invoice)
    documents.apply_as_proposed(owner, document.id, TODAY)
    reading = next(r for r in vehicles.mileage_history(owner, car) if r.source == "facture")
    removed = vehicles.delete_reading(owner, reading.id)
    vehicles.restore_reading(owner, car, removed.km, removed.date, removed.source, removed.document_id)
    again = next(r for r in vehicles.mileage_history(owner, car) if r.source == "facture")
    assert (again.km, again.date, again.document_id) == (reading.km, reading.date, document.id)
    expense = vehicles.list_expenses(owner, car)[0]
    kept = vehicles.delete_expense(owner, expense.id)
    assert vehicles.list_expenses(owner, car) == []
    vehicles.restore_expense(owner, **kept)
    back = vehicles.list_expenses(owner, car)[0]
    assert (back.amount, back.date, back.document_id) == (expense.amount, expense.date, document.id)
    stranger = make_user("eve@example.fr")
    with pytest.raises(vehicles.NotFound):
        vehicles.restore_expense(stranger, **kept)


def test_a_reading_marked_as_a_typo_stays_but_no_longer_counts(owner):
    car = new_car(owner, "FG-482-KT")
    vehicles.record_mileage(owner, car, 120000, date(2025, 6, 1))
    assert analysis.odometer_warnings(owner, car, TODAY)
    typo = next(r for r in vehicles.mileage_history(owner, car) if r.km == 120000)
    vehicles.mark_reading_typo(owner, typo.id, True)
    assert analysis.odometer_warnings(owner, car, TODAY) == []
    assert any(r.km == 120000 and r.typo for r in vehicles.mileage_history(owner, car))
    vehicles.mark_reading_typo(owner, typo.id, False)
    assert analysis.odometer_warnings(owner, car, TODAY)
    with pytest.raises(vehicles.NotFound):
        vehicles.mark_reading_typo(make_user("oscar@example.fr"), typo.id, True)


def test_the_owners_postcode_premium_and_battery_reach_the_engine(owner):
    car = vehicles.create_vehicle(owner, validate_vehicle_form({
        "brand": "Renault", "model": "Zoe", "year": "2017", "mileage": "60000", "fuel_type": "electrique",
        "postcode": "69003", "insurance_monthly": "52,50", "battery_rental_monthly": "79", "battery_soh": "88",
    }, TODAY), TODAY).id
    facts = analysis.vehicle_facts(owner, car)
    assert (facts.postcode, facts.insurance_monthly, facts.battery_rental_monthly, facts.battery_soh) == (
        "69003", 52.5, 79.0, 88,
    )
    lines = {c.key: c.amount for c in analysis.analyze_vehicle(owner, car, TODAY).result.monthly_cost_breakdown}
    assert lines["battery_rental"] == 79


def test_the_ad_states_only_what_the_papers_prove(owner, papers):
    report = papers["report"]
    car = new_car(owner, report.expected["license_plate"], brand="Renault", model="Clio",
                  year=report.expected["first_registration_date"][:4], previous_owners="0")
    typed = resale.generate(owner, car, TODAY).description
    # Typed, not proven: no "première main", no clean Histovec claim.
    assert "main" not in typed.lower() and "histovec" not in typed.lower()
    stranger_car = new_car(owner, "FG-482-KT")
    held = read(owner, stranger_car, report)
    assert held.review_status == "held"
    assert "histovec" not in resale.generate(owner, stranger_car, TODAY).description.lower()
    documents.apply_as_proposed(owner, read(owner, car, report).id, TODAY)
    proven = resale.generate(owner, car, TODAY).description
    assert "histovec" in proven.lower()
    assert f"{report.expected['owners_count']}e main" in proven.lower() or "propriétaires" in proven.lower() \
        or "première main" in proven.lower()
