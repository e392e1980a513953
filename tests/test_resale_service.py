"""The resale service: ads kept as a history, edits checked for legal mentions."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.services import resale, vehicles
from tests.test_vehicles_service import make_user

TODAY = date(2026, 11, 24)


@pytest.fixture
def car(app_settings):
    scope = make_user("vendeur@example.fr")
    vehicle = vehicles.create_vehicle(
        scope,
        validate_vehicle_form(
            {"brand": "Renault", "model": "Clio", "version": "1.5 dCi 90 Zen", "year": "2016", "mileage": "98000",
             "fuel_type": "diesel", "first_registration_date": "2016-06-01", "license_plate": "AB-123-CD"},
            TODAY,
        ),
        TODAY,
    )
    return scope, vehicle.id


def test_every_generated_or_edited_ad_is_kept_latest_first(car):
    scope, vehicle_id = car
    first = resale.generate(scope, vehicle_id, TODAY)
    assert first.source == "template" and len(first.title) <= resale.title_limit("leboncoin")
    second = resale.generate(scope, vehicle_id, TODAY, variant=1)
    assert second.variant == 1
    edited = resale.save_edit(scope, vehicle_id, title="Clio diesel", description=second.description, price=7000)
    assert [a.source for a in resale.history(scope, vehicle_id)] == ["edited", "template", "template"]
    assert resale.latest_ad(scope, vehicle_id).id == edited.id


def test_a_generated_ad_carries_every_legal_mention(car):
    scope, vehicle_id = car
    ad = resale.generate(scope, vehicle_id, TODAY)
    assert resale.missing_mentions(ad) == []
    text = resale.as_text(ad)
    assert "Clio" in text and "06/2016" in text and "TTC" in text
    # Typed in by the owner, not proven by a document: not guaranteed.
    assert "kilométrage compteur non garanti" in ad.description


def test_an_edit_that_drops_a_mention_is_flagged(car):
    scope, vehicle_id = car
    ad = resale.generate(scope, vehicle_id, TODAY)
    edited = resale.save_edit(scope, vehicle_id, title="Clio", description="Très bon état.", price=ad.price)
    assert any(m.startswith("Kilométrage") for m in resale.missing_mentions(edited))


def test_exports_use_each_platform_labels(car):
    scope, vehicle_id = car
    ad = resale.generate(scope, vehicle_id, TODAY)
    for platform in ("leboncoin", "lacentrale"):
        exported = resale.export(ad, platform)
        assert exported["platform"] == platform
        assert exported["text"].startswith(ad.title)
        assert {c["field"] for c in exported["criteria"]} >= {"marque", "modele", "kilometrage"}


def test_another_owner_gets_no_ad(car):
    scope, vehicle_id = car
    resale.generate(scope, vehicle_id, TODAY)
    stranger = make_user("curieux@example.fr")
    for attempt in (
        lambda: resale.generate(stranger, vehicle_id, TODAY),
        lambda: resale.latest_ad(stranger, vehicle_id),
        lambda: resale.history(stranger, vehicle_id),
        lambda: resale.save_edit(stranger, vehicle_id, title="x", description="y", price=1),
    ):
        with pytest.raises(vehicles.NotFound):
            attempt()


def test_the_ai_rewrites_the_ad_and_the_template_stays_when_it_fails(car, monkeypatch):
    from autocoach.settings import get_settings
    from tests.fake_openai import running_fake_openai

    scope, vehicle_id = car
    template = resale.generate(scope, vehicle_id, TODAY)
    with running_fake_openai() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        get_settings.cache_clear()
        fake.reply_json({"title": "Renault Clio dCi économique", "description": template.description + "\n\nÀ voir vite."})
        rewritten = resale.generate(scope, vehicle_id, TODAY)
        assert rewritten.source == "ai" and rewritten.title == "Renault Clio dCi économique"
        assert resale.missing_mentions(rewritten) == []
        fake.fail(500)
        fallback = resale.generate(scope, vehicle_id, TODAY)
        assert fallback.source == "template" and fallback.title == template.title
    get_settings.cache_clear()
