"""The resale service: ads kept as a history, edits checked for legal mentions."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.formatting import format_eur
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
    assert "Clio" in text and "06/2016" in text and "TTC" not in text
    assert text.count(f"Prix : {format_eur(ad.price)}") == 1
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


def test_the_price_the_owner_sets_is_the_price_everywhere(car):
    scope, vehicle_id = car
    ad = resale.generate(scope, vehicle_id, TODAY)
    assert format_eur(ad.price) in ad.description
    new_price = ad.price + 190
    edited = resale.save_edit(scope, vehicle_id, title=ad.title, description=ad.description, price=new_price)
    text = resale.as_text(edited)
    assert format_eur(ad.price) not in text
    assert text.count(format_eur(new_price)) == 1
    assert resale.missing_mentions(edited) == []
    assert f"Prix : {format_eur(new_price)}" in edited.payload["legal_mentions"]


def test_an_earlier_version_can_be_restored_and_nothing_is_lost(car):
    scope, vehicle_id = car
    first = resale.generate(scope, vehicle_id, TODAY)
    mine = resale.save_edit(scope, vehicle_id, title="Ma Clio", description=first.description, price=first.price)
    resale.generate(scope, vehicle_id, TODAY, variant=1)
    restored = resale.restore(scope, vehicle_id, mine.id)
    assert (restored.title, restored.source) == ("Ma Clio", "restored")
    assert [a.source for a in resale.history(scope, vehicle_id)] == ["restored", "template", "edited", "template"]
    stranger = make_user("voisin@example.fr")
    with pytest.raises(vehicles.NotFound):
        resale.restore(stranger, vehicle_id, mine.id)


def test_the_platform_can_be_switched_after_the_ad_is_written(car):
    scope, vehicle_id = car
    ad = resale.generate(scope, vehicle_id, TODAY, platform="leboncoin")
    resale.save_edit(scope, vehicle_id, title="T" * 66, description=ad.description, price=ad.price)
    moved = resale.set_platform(scope, vehicle_id, "lacentrale")
    assert moved.platform == "lacentrale" and moved.title == "T" * 66
    fields = resale.form(moved)
    title = next(f for f in fields if f.id == "titre")
    assert title.limit == resale.title_limit("lacentrale") == 60
    assert [f.id for f in fields][-1] == "description"
    download = resale.form_as_text(moved)
    assert download.startswith("Annonce pour La Centrale")
    assert "Kilométrage compteur\n98000" in download
    fields_part, _, whole = download.partition("Annonce complète (à coller d'un bloc)\n")
    assert f"Prix de vente\n{ad.price}\n" in fields_part
    assert whole.count(format_eur(ad.price)) == 1
