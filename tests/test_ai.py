"""The optional AI texts, against a fake OpenAI-compatible server on loopback.

Whatever the model does (answers well, answers garbage, invents a figure, hangs,
fails), the owner gets a text: the model's when it passes our checks, the
engine's otherwise, with a notice.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from datetime import date

import pytest

from autocoach.domain.analysis import analyze
from autocoach.domain.facts import vehicle_facts_from_dict
from autocoach.services import ai
from autocoach.services.ai import (
    NOTICE_NO_ANSWER,
    NOTICE_REJECTED,
    AiText,
    allowed_numbers,
    narrate_analysis,
    numbers_in,
    rewrite_ad,
)
from autocoach.settings import get_settings
from tests.fake_openai import FakeOpenAI

AS_OF = date(2026, 11, 24)
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def analysis() -> dict:
    facts = vehicle_facts_from_dict(
        {"brand": "Peugeot", "model": "208", "year": 2019, "fuel_type": "essence",
         "mileage": 63890},
        today=AS_OF,
    )
    return analyze(facts, AS_OF).to_json_dict()


@pytest.fixture
def short_timeout(monkeypatch):
    # A hanging server must not hold the suite for the production 20 s.
    monkeypatch.setattr(ai, "AI_TIMEOUT_S", 0.5)


def good_narration() -> dict:
    return {
        "summary": (
            f"Votre Peugeot 208 de 2019 affiche 63{NNBSP}890 km et une fiabilité estimée à 5,3/10. "
            "Elle vous coûte environ 216 € par mois, dont 77 € de carburant. "
            "Sa valeur de revente se situe entre 7 950 € et 10 150 €. "
            "Aucun contrôle technique n'est enregistré : ajoutez le dernier procès-verbal."
        ),
        "advice": [
            "Ajoutez vos factures d'entretien.",
            "Vérifiez la courroie de distribution du 1.2 PureTech.",
            "Affichez 9\u00a0500 € si vous vendez, et n'acceptez pas moins de 8 600 €.",
        ],
    }


# --- Number checks ------------------------------------------------------------


def test_numbers_are_read_the_french_way():
    found = dict(numbers_in(f"63{NNBSP}890 km, 5,3/10, 100\u00a0000 km, 8 500 €, EB2, 1.2 l"))
    assert found == {
        "63890": {"63890"},
        "5,3": {"5.3"},
        "10": {"10"},
        "100000": {"100000"},
        "8500": {"8500"},
        "1.2": {"1.2"},
    }
    assert dict(numbers_in("8,500 €"))["8,500"] == {"8.5", "8500"}


def test_allowed_numbers_come_from_values_and_strings():
    allowed = allowed_numbers(
        {"km": 63890, "score": 5.3, "base": 7.0, "txt": ["1,830 €/l le 2026-03-01"]}
    )
    assert {"63890", "5.3", "7", "1.83", "2026", "3", "1"} <= allowed


# --- narrate_analysis -----------------------------------------------------------


def test_good_answer_is_used(fake_openai: FakeOpenAI, analysis):
    fake_openai.reply_json(good_narration())

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert isinstance(result, AiText)
    assert result.source == "ai"
    assert result.notice == ""
    assert result.text.startswith("Votre Peugeot 208 de 2019")
    assert "\n- Ajoutez vos factures d'entretien." in result.text
    assert len(result.advice) == 3
    assert fake_openai.calls == 1
    sent = fake_openai.last
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "fake"
    assert sent.headers["authorization"] == "Bearer test"
    assert sent.response_format_type == "json_schema"
    schema = sent.body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["summary", "advice"]
    system = sent.messages[0]["content"]
    assert sent.messages[0]["role"] == "system"
    assert "N'invente jamais un chiffre" in system
    data = json.loads(sent.messages[1]["content"].split("\n", 1)[1])
    assert data["current_km"] == 63890
    assert data["summary"] == analysis["summary"]
    assert "sources" not in data


def test_json_schema_refused_then_json_object(fake_openai: FakeOpenAI, analysis):
    fake_openai.reject_json_schema = True
    fake_openai.reply_json(good_narration())

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert result.source == "ai"
    assert [r.response_format_type for r in fake_openai.requests] == ["json_schema", "json_object"]
    assert "JSON" in fake_openai.last.prompt  # JSON mode requires the word in the prompt


def test_markdown_fenced_json_is_accepted(fake_openai: FakeOpenAI, analysis):
    fake_openai.reply_text("```json\n" + json.dumps(good_narration(), ensure_ascii=False) + "\n```")

    assert narrate_analysis(analysis, settings=fake_openai.settings()).source == "ai"


@pytest.mark.parametrize(
    "content",
    [
        "Voici l'analyse de votre voiture : tout va bien.",
        '{"summary": "Votre voiture va bien.", "advice": [',
        json.dumps(["not", "an", "object"]),
        json.dumps({"summary": "Votre Peugeot 208 est en bon état général, selon le moteur."}),
        json.dumps({"summary": "Trop court.", "advice": []}),
        json.dumps({"summary": "x" * 5000, "advice": []}),
        json.dumps({"summary": good_narration()["summary"], "advice": [42]}),
    ],
    ids=["prose", "truncated", "array", "no-advice", "too-short", "too-long", "advice-not-text"],
)
def test_malformed_answer_falls_back(fake_openai: FakeOpenAI, analysis, content):
    fake_openai.reply_text(content)

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert result == AiText(analysis["summary"], "engine", NOTICE_REJECTED)


@pytest.mark.parametrize(
    "where, invented",
    [
        ("summary", "Sur un an, elle vous coûtera 2 592 €."),  # 216 x 12: a new figure
        ("summary", "Elle vaudra 6 000 € en 2028."),
        ("advice", "Prévoyez 450 € pour la distribution."),
    ],
)
def test_invented_number_is_rejected(fake_openai: FakeOpenAI, analysis, where, invented):
    answer = good_narration()
    if where == "summary":
        answer["summary"] += " " + invented
    else:
        answer["advice"].append(invented)
    fake_openai.reply_json(answer)

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert result.source == "engine"
    assert result.text == analysis["summary"]
    assert result.notice == NOTICE_REJECTED


def test_refusal_falls_back(fake_openai: FakeOpenAI, analysis):
    fake_openai.refuse()

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert result == AiText(analysis["summary"], "engine", NOTICE_REJECTED)


def test_timeout_falls_back_quickly(fake_openai: FakeOpenAI, analysis, short_timeout):
    fake_openai.hang(30)

    started = time.monotonic()
    result = narrate_analysis(analysis, settings=fake_openai.settings())
    elapsed = time.monotonic() - started

    assert result == AiText(analysis["summary"], "engine", NOTICE_NO_ANSWER)
    assert elapsed < 6
    assert fake_openai.calls == 1 + ai.AI_MAX_RETRIES


def test_http_500_falls_back(fake_openai: FakeOpenAI, analysis):
    fake_openai.fail(500)

    result = narrate_analysis(analysis, settings=fake_openai.settings())

    assert result == AiText(analysis["summary"], "engine", NOTICE_NO_ANSWER)
    assert fake_openai.calls == 1 + ai.AI_MAX_RETRIES


def test_unreachable_server_falls_back(analysis, short_timeout):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = dataclasses.replace(
        get_settings(), openai_api_key="test", openai_base_url=f"http://127.0.0.1:{port}/v1"
    )

    result = narrate_analysis(analysis, settings=settings)

    assert result == AiText(analysis["summary"], "engine", NOTICE_NO_ANSWER)


def test_no_key_uses_engine_without_request(fake_openai: FakeOpenAI, analysis):
    fake_openai.reply_json(good_narration())

    result = narrate_analysis(analysis, settings=fake_openai.settings(openai_api_key=""))

    assert result == AiText(analysis["summary"], "engine", "")
    assert fake_openai.calls == 0


def test_odd_input_never_raises(fake_openai: FakeOpenAI):
    fake_openai.reply_text("not json")

    result = narrate_analysis({"summary": None}, settings=fake_openai.settings())

    assert result == AiText("", "engine", NOTICE_REJECTED)


# --- rewrite_ad -------------------------------------------------------------------

MENTIONS = [
    "Contrôle technique de moins de 6 mois fourni à la vente.",
    "Vente entre particuliers, sans garantie légale de conformité.",
]


def ad_payload(**overrides) -> dict:
    payload = {
        "title": f"Peugeot 208 1.2 PureTech 2019 – 63{NNBSP}890 km",
        "description": "Peugeot 208 essence de 2019, 63 890 km. Prix : 8 900 €.",
        "facts": {
            "brand": "Peugeot", "model": "208", "year": 2019, "mileage": 63890, "price": 8900
        },
        "title_max": 50,
        "legal_mentions": MENTIONS,
    }
    payload.update(overrides)
    return payload


def good_ad() -> dict:
    return {
        "title": "Peugeot 208 essence 2019, 63 890 km",
        "description": (
            "Je vends ma Peugeot 208 essence de 2019, 63 890 km, entretenue avec soin.\n\n"
            "Prix : 8 900 €.\n\n" + "\n".join(MENTIONS)
        ),
    }


def test_ad_good_answer(fake_openai: FakeOpenAI):
    fake_openai.reply_json(good_ad())

    result = rewrite_ad(ad_payload(), settings=fake_openai.settings())

    assert result == good_ad()
    sent = fake_openai.last
    assert sent.response_format_type == "json_schema"
    assert "au plus 50 caractères" in sent.prompt
    for mention in MENTIONS:
        assert mention in sent.prompt
    facts = json.loads(sent.messages[1]["content"].split("\n", 1)[1])
    assert "title_max" not in facts and facts["facts"]["price"] == 8900


@pytest.mark.parametrize(
    "content",
    [
        "Belle Peugeot 208 à vendre !",
        json.dumps({"title": "Peugeot 208"}),
        json.dumps(
            {**good_ad(), "description": good_ad()["description"] + " Révision faite à 60 000 km."}
        ),
        json.dumps({**good_ad(), "title": "Peugeot 208 2019 – 9 500 €"}),
    ],
    ids=["prose", "no-description", "invented-km", "invented-price"],
)
def test_ad_bad_answer_gives_none(fake_openai: FakeOpenAI, content):
    fake_openai.reply_text(content)

    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) is None


def test_ad_title_too_long_gives_none(fake_openai: FakeOpenAI):
    too_long = "Superbe Peugeot 208 essence de 2019, 63 890 km, à saisir"  # 56 > 50
    fake_openai.reply_json({**good_ad(), "title": too_long})

    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) is None
    fake_openai.reply_json(good_ad())
    assert rewrite_ad(ad_payload(title_max=20), settings=fake_openai.settings()) is None


def test_ad_missing_legal_mention_is_appended(fake_openai: FakeOpenAI):
    answer = good_ad()
    answer["description"] = answer["description"].replace(MENTIONS[1], "")
    fake_openai.reply_json(answer)

    result = rewrite_ad(ad_payload(), settings=fake_openai.settings())

    assert result is not None
    assert result["description"].endswith(MENTIONS[1])
    assert result["description"].count(MENTIONS[0]) == 1


def test_ad_legal_mention_matched_whatever_the_spacing(fake_openai: FakeOpenAI):
    answer = good_ad()
    description = answer["description"]
    answer["description"] = description.replace("de moins de 6 mois", "de moins\nde 6 mois")
    fake_openai.reply_json(answer)

    result = rewrite_ad(ad_payload(), settings=fake_openai.settings())

    assert result is not None
    assert MENTIONS[0] not in result["description"]  # kept the model's line break, not appended
    assert result["description"].count("de 6 mois") == 1


def test_ad_failures_give_none(fake_openai: FakeOpenAI, short_timeout):
    fake_openai.fail(500)
    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) is None
    fake_openai.hang(30)
    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) is None
    fake_openai.refuse()
    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) is None


def test_ad_without_key_makes_no_request(fake_openai: FakeOpenAI):
    fake_openai.reply_json(good_ad())

    assert rewrite_ad(ad_payload(), settings=fake_openai.settings(openai_api_key="")) is None
    assert fake_openai.calls == 0


def test_ad_json_schema_refused_then_json_object(fake_openai: FakeOpenAI):
    fake_openai.reject_json_schema = True
    fake_openai.reply_json(good_ad())

    assert rewrite_ad(ad_payload(), settings=fake_openai.settings()) == good_ad()
    assert [r.response_format_type for r in fake_openai.requests] == ["json_schema", "json_object"]
