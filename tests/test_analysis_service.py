"""The analysis service: facts from the database, cached results, AI narration."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlmodel import select

from autocoach.db import read_session
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.models import Analysis
from autocoach.services import analysis, documents, vehicles
from autocoach.settings import get_settings
from tests.fixtures.documents import build_histovec, build_invoices
from tests.test_vehicles_service import make_user

TODAY = date(2026, 11, 24)


@pytest.fixture
def car(app_settings):
    scope = make_user("engine@example.fr")
    vehicle = vehicles.create_vehicle(
        scope,
        validate_vehicle_form(
            {"brand": "Peugeot", "model": "208", "year": "2019", "mileage": "63890", "fuel_type": "essence",
             "first_registration_date": "2019-03-15", "license_plate": "AB-123-CD"},
            TODAY,
        ),
        TODAY,
    )
    return scope, vehicle.id


def test_facts_come_from_the_vehicle_its_readings_expenses_and_histovec(car, tmp_path):
    scope, vehicle_id = car
    invoice = next(f for f in build_invoices(tmp_path, random.Random(3)) if f.source == "text_pdf")
    report = build_histovec(tmp_path, random.Random(4))[0]
    for fixture in (invoice, report):
        document = documents.add_upload(scope, vehicle_id, fixture.name, fixture.path.read_bytes())
        assert documents.process_document(scope, document.id).status == "processed"
        # These fixtures are another plate's: applied anyway, identity left alone.
        documents.apply_as_proposed(scope, document.id, TODAY, force=True)
    facts = analysis.vehicle_facts(scope, vehicle_id)
    assert (facts.brand, facts.model, facts.license_plate) == ("Peugeot", "208", "AB-123-CD")
    assert [e.amount for e in facts.expenses] == [pytest.approx(invoice.expected["total_ttc"])]
    assert len(facts.technical_inspections) == len(report.expected["technical_inspections"])
    # The engine speaks of the owner's own readings as "proprietaire".
    assert {r.source for r in facts.mileage_readings} >= {"proprietaire", "facture", "histovec"}


def test_an_unchanged_vehicle_reuses_its_analysis(car):
    scope, vehicle_id = car
    first = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    again = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    assert not first.from_cache and again.from_cache
    assert again.analysis_id == first.analysis_id
    vehicles.record_mileage(scope, vehicle_id, 65000, TODAY)
    changed = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    assert not changed.from_cache and changed.analysis_id != first.analysis_id
    assert changed.result.current_km == 65000
    with read_session() as session:
        assert len(session.exec(select(Analysis)).all()) == 2


def test_the_analysis_is_scoped_to_its_owner(car):
    scope, vehicle_id = car
    done = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    stranger = make_user("other@example.fr")
    with pytest.raises(vehicles.NotFound):
        analysis.analyze_vehicle(stranger, vehicle_id, TODAY)
    with pytest.raises(vehicles.NotFound):
        analysis.narrative(stranger, done.analysis_id)


def _use_fake_ai(monkeypatch, fake) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "fake")
    get_settings.cache_clear()


def test_the_ai_narration_is_asked_once_and_cached(car, monkeypatch, fake_openai):  # noqa: F811
    scope, vehicle_id = car
    done = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    score = f"{done.result.reliability_score:.1f}".replace(".", ",")
    fake_openai.reply_json({
        "summary": f"Votre Peugeot 208 obtient {score} sur 10 en fiabilité. Gardez vos factures : "
        "elles rassurent l'acheteur et soutiennent le prix de revente.",
        "advice": ["Gardez vos factures."],
    })
    _use_fake_ai(monkeypatch, fake_openai)
    told = analysis.narrative(scope, done.analysis_id)
    assert told.from_ai and told.notice == ""
    assert f"obtient {score} sur 10" in told.text
    assert fake_openai.calls == 1
    again = analysis.narrative(scope, done.analysis_id)
    assert again == told
    assert fake_openai.calls == 1  # the cache hit avoided a second call


def test_a_failing_model_leaves_the_engine_text_and_says_so(car, monkeypatch, fake_openai):  # noqa: F811
    scope, vehicle_id = car
    done = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    fake_openai.fail(500)
    _use_fake_ai(monkeypatch, fake_openai)
    told = analysis.narrative(scope, done.analysis_id)
    assert not told.from_ai
    assert told.text == done.result.summary
    assert "n'a pas répondu" in told.notice


def test_without_ai_the_engine_text_is_used_and_nothing_is_stored(car):
    scope, vehicle_id = car
    done = analysis.analyze_vehicle(scope, vehicle_id, TODAY)
    told = analysis.narrative(scope, done.analysis_id)
    assert (told.text, told.from_ai, told.notice) == (done.result.summary, False, "")
    with read_session() as session:
        assert "narrative" not in session.get(Analysis, done.analysis_id).result
