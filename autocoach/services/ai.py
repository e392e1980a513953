"""Optional AI texts: an OpenAI-compatible model rewrites what the engine already says.

AutoCoach works fully without a model. When OPENAI_API_KEY is set, the model may
retell an analysis or polish a sale ad, but only from the engine's own figures:
every answer is checked (JSON shape, lengths, and every number must come from the
data we sent) and anything doubtful is dropped in favour of the engine's text.
Nothing here raises: failures are logged and turned into a fallback.

Calls are blocking (up to about 2 x AI_TIMEOUT_S): async callers should run them
in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autocoach.settings import Settings, get_settings

if TYPE_CHECKING:  # openai is imported lazily: the app must start fast without a model.
    from openai import OpenAI

__all__ = [
    "AiText",
    "NOTICE_NO_ANSWER",
    "NOTICE_REJECTED",
    "allowed_numbers",
    "narrate_analysis",
    "numbers_in",
    "rewrite_ad",
]

log = logging.getLogger(__name__)

# Per-request timeout and retries; tests shorten the timeout through this constant.
AI_TIMEOUT_S = 20.0
AI_MAX_RETRIES = 1

NOTICE_NO_ANSWER = "Le modèle d'IA n'a pas répondu : voici l'analyse du moteur AutoCoach."
# The model answered, but something that failed our checks (shape, length, numbers).
NOTICE_REJECTED = (
    "La réponse du modèle d'IA n'a pas pu être vérifiée : voici l'analyse du moteur AutoCoach."
)

# Answer limits: generous, they only catch runaway or empty answers.
SUMMARY_MIN_CHARS = 40
SUMMARY_MAX_CHARS = 1500
ADVICE_MAX_ITEMS = 6
ADVICE_ITEM_MAX_CHARS = 300
AD_TITLE_MIN_CHARS = 5
AD_TITLE_MAX_DEFAULT = 100
AD_DESCRIPTION_MIN_CHARS = 40
AD_DESCRIPTION_MAX_CHARS = 4000

# Analysis keys not sent to the model: long citations and internal ids that
# would only widen the set of numbers the model may write.
_NARRATION_SKIPPED_KEYS = frozenset({"sources", "engine_version"})
# Ad payload keys that are instructions, not facts about the car.
_AD_INSTRUCTION_KEYS = frozenset({"title_max", "description_max", "legal_mentions"})


@dataclass(frozen=True)
class AiText:
    """A text to show, where it came from, and a French notice when we fell back.

    `text` is ready to display (for an AI answer: the summary, then one "- " line
    per tip); `advice` repeats the tips as a list for callers that lay them out.
    """

    text: str
    source: str  # "ai" or "engine"
    notice: str = ""
    advice: tuple[str, ...] = ()


class _Rejected(ValueError):
    """The model answered, but not something we can show."""


# ---------------------------------------------------------------------------
# Numbers: everything the model writes must already be in the data.

_SPACES = "[ \u00a0\u202f\u2009]"
# French thousands groups: "63 890", "100\u202f000" -> one number.
_GROUPED = re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:{_SPACES}\d{{3}})+)(?![\d])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _canonical(int_part: str, frac_part: str = "") -> str:
    int_part = int_part.lstrip("0") or "0"
    frac_part = frac_part.rstrip("0")
    return f"{int_part}.{frac_part}" if frac_part else int_part


def _readings(token: str) -> set[str]:
    """Canonical values a token may stand for: "5,3" is 5.3; "8,500" is 8.5 or 8500."""
    match = re.fullmatch(r"(\d+)(?:[.,](\d+))?", token)
    assert match is not None  # tokens come from _NUMBER
    int_part, frac_part = match.group(1), match.group(2) or ""
    readings = {_canonical(int_part, frac_part)}
    if len(frac_part) == 3 and len(int_part) <= 3:  # could be an English thousands mark
        readings.add(_canonical(int_part + frac_part))
    return readings


def _tokens(text: str) -> list[str]:
    text = _GROUPED.sub(lambda m: re.sub(_SPACES, "", m.group(1)), text)
    return _NUMBER.findall(text)


def numbers_in(text: str) -> list[tuple[str, set[str]]]:
    """Numbers of two digits or more in a French text, each with its possible values."""
    return [
        (token, _readings(token))
        for token in _tokens(text)
        if sum(ch.isdigit() for ch in token) >= 2
    ]


def allowed_numbers(data: Any) -> set[str]:
    """Every value a number in `data` (numbers, and numbers inside strings) may take."""
    allowed: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            # str(1e-05) would give "1e-05": spell such floats out.
            text = format(value, "f") if "e" in repr(value) else str(value)
            for token in _tokens(text):
                allowed.update(_readings(token))
        elif isinstance(value, str):
            for token in _tokens(value):
                allowed.update(_readings(token))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(data)
    return allowed


def _check_numbers(text: str, allowed: set[str]) -> None:
    for token, readings in numbers_in(text):
        if not readings & allowed:
            raise _Rejected(f"number {token!r} is not in the data")


# ---------------------------------------------------------------------------
# The model


def _client(settings: Settings) -> OpenAI:
    """The one place an OpenAI client is made (key and URL from settings only)."""
    from openai import OpenAI

    kwargs: dict[str, Any] = {
        "api_key": settings.openai_api_key,
        "timeout": AI_TIMEOUT_S,
        "max_retries": AI_MAX_RETRIES,
    }
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    return OpenAI(**kwargs)


def _ask_json(settings: Settings, system: str, user: str, schema_name: str, schema: dict) -> dict:
    """Ask for one JSON object: structured output first, plain JSON mode if refused.

    Raises on any failure (HTTP, timeout, refusal, not a JSON object).
    """
    from openai import BadRequestError

    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    json_schema = {
        "type": "json_schema",
        "json_schema": {"name": schema_name, "schema": schema, "strict": True},
    }
    started = time.monotonic()
    with _client(settings) as client:
        try:
            response = client.chat.completions.create(
                model=settings.openai_model, messages=messages, response_format=json_schema
            )
        except BadRequestError:
            # Many OpenAI-compatible servers know JSON mode but not json_schema; one
            # more try, only if the first one did not already eat the time budget.
            if time.monotonic() - started > AI_TIMEOUT_S:
                raise
            log.info("AI server refused json_schema; retrying with json_object")
            response = client.chat.completions.create(
                model=settings.openai_model,
                messages=messages,
                response_format={"type": "json_object"},
            )
    if not response.choices:
        raise _Rejected("no choices in the answer")
    message = response.choices[0].message
    if getattr(message, "refusal", None):
        raise _Rejected("the model refused")
    return _parse_object(message.content or "")


def _parse_object(content: str) -> dict:
    text = content.strip()
    # Some servers wrap JSON mode answers in a Markdown fence.
    fence = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.DOTALL)
    if fence:
        text = fence.group(1)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Rejected("the answer is not JSON") from exc
    if not isinstance(value, dict):
        raise _Rejected("the answer is not a JSON object")
    return value


def _clean(text: str) -> str:
    """Trim each line and drop control characters (keeps line breaks)."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text.replace("\r\n", "\n"))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _failure(kind: str, exc: BaseException) -> None:
    # Class name and status only: messages may echo request details.
    status = getattr(exc, "status_code", None)
    detail = str(exc) if isinstance(exc, _Rejected) else type(exc).__name__
    log.warning("AI %s failed: %s%s", kind, detail, f" (HTTP {status})" if status else "")


# ---------------------------------------------------------------------------
# Analysis narration

_NARRATION_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "advice": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["summary", "advice"],
    "additionalProperties": False,
}

_NARRATION_SYSTEM = """\
Tu es AutoCoach, l'assistant des propriétaires français de voitures d'occasion.
Tu reçois l'analyse calculée par le moteur AutoCoach, au format JSON,
et tu la racontes au propriétaire.

Règles absolues :
- N'invente jamais un chiffre. Chaque nombre que tu écris (prix, kilométrage, date, score,
  durée, pourcentage) doit figurer dans les données fournies.
- Ne fais aucun calcul nouveau (pas de total, de différence, de moyenne ni de conversion).
- N'ajoute aucun fait absent des données.
- Écris les nombres à la française, comme dans les données : 63 890 km, 5,3/10, 8 500 €.

Style : français simple, vouvoiement, ton concret et rassurant, sans jargon.

Réponds uniquement par un objet JSON de la forme :
{"summary": "3 à 6 phrases qui résument l'analyse", "advice": ["2 à 5 conseils courts et concrets"]}
"""


def narrate_analysis(analysis_json: dict, *, settings: Settings | None = None) -> AiText:
    """The analysis told by the model, or the engine's own summary if anything goes wrong."""
    engine_summary = analysis_json.get("summary") if isinstance(analysis_json, dict) else None
    engine_text = engine_summary if isinstance(engine_summary, str) else ""
    try:
        settings = settings or get_settings()
        if not settings.ai_enabled:
            return AiText(engine_text, "engine", "")
        data = {k: v for k, v in analysis_json.items() if k not in _NARRATION_SKIPPED_KEYS}
        user = "Analyse du moteur AutoCoach (JSON) :\n" + json.dumps(data, ensure_ascii=False)
        answer = _ask_json(
            settings, _NARRATION_SYSTEM, user, "autocoach_analysis", _NARRATION_SCHEMA
        )
        summary, advice = _validate_narration(answer, allowed_numbers(data))
    except _Rejected as exc:
        _failure("narration", exc)
        return AiText(engine_text, "engine", NOTICE_REJECTED)
    except Exception as exc:  # noqa: BLE001 - never break the page for an optional text
        _failure("narration", exc)
        return AiText(engine_text, "engine", NOTICE_NO_ANSWER)
    text = summary + "".join(f"\n- {tip}" for tip in advice)
    return AiText(text, "ai", "", tuple(advice))


def _validate_narration(answer: dict, allowed: set[str]) -> tuple[str, list[str]]:
    summary = answer.get("summary")
    advice = answer.get("advice")
    if not isinstance(summary, str) or not isinstance(advice, list):
        raise _Rejected("missing summary or advice")
    summary = _one_line(summary)
    if not SUMMARY_MIN_CHARS <= len(summary) <= SUMMARY_MAX_CHARS:
        raise _Rejected(f"summary length {len(summary)} out of bounds")
    tips = []
    for tip in advice:
        if not isinstance(tip, str):
            raise _Rejected("advice item is not text")
        tip = _one_line(tip).lstrip("-•* ").strip()
        if not tip:
            continue
        if len(tip) > ADVICE_ITEM_MAX_CHARS:
            raise _Rejected("advice item too long")
        tips.append(tip)
    tips = tips[:ADVICE_MAX_ITEMS]
    for text in (summary, *tips):
        _check_numbers(text, allowed)
    return summary, tips


# ---------------------------------------------------------------------------
# Sale ad

_AD_SCHEMA = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
    "required": ["title", "description"],
    "additionalProperties": False,
}

_AD_SYSTEM = """\
Tu rédiges des petites annonces de vente de voitures d'occasion entre particuliers, en français.
Tu reçois les faits sur la voiture au format JSON (et souvent une annonce modèle)
et tu réécris un titre et une description plus vivants et plus clairs.

Règles absolues :
- N'invente jamais un chiffre. Chaque nombre que tu écris (prix, kilométrage, année, date,
  puissance) doit figurer dans les faits fournis.
- N'invente aucun équipement, aucun état, aucun entretien, aucune garantie absents des faits.
- Le titre tient sur une ligne et fait au plus {title_max} caractères.
- La description reprend mot pour mot chacune de ces mentions obligatoires :
{mentions}
- Écris les nombres à la française : 63 890 km, 8 900 €.

Réponds uniquement par un objet JSON de la forme : {{"title": "...", "description": "..."}}
"""


def _squash(text: str) -> str:
    """Compare mentions whatever the spacing and case."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def rewrite_ad(ad_payload: dict, *, settings: Settings | None = None) -> dict | None:
    """{"title", "description"} rewritten by the model, or None (keep the template ad).

    `ad_payload`: the facts of the ad (any JSON), plus `title_max` (int),
    `legal_mentions` (list of French sentences the description must contain) and
    optionally `description_max`. Usually also the template `title`/`description`.
    """
    try:
        settings = settings or get_settings()
        if not settings.ai_enabled:
            return None
        title_max = _positive_int(ad_payload.get("title_max"), AD_TITLE_MAX_DEFAULT)
        description_max = _positive_int(ad_payload.get("description_max"), AD_DESCRIPTION_MAX_CHARS)
        raw_mentions = ad_payload.get("legal_mentions") or []
        mentions = [m.strip() for m in raw_mentions if isinstance(m, str) and m.strip()]
        facts = {k: v for k, v in ad_payload.items() if k not in _AD_INSTRUCTION_KEYS}
        system = _AD_SYSTEM.format(
            title_max=title_max,
            mentions="\n".join(f"  « {m} »" for m in mentions) or "  (aucune)",
        )
        user = "Faits sur la voiture et annonce modèle (JSON) :\n" + json.dumps(
            facts, ensure_ascii=False
        )
        answer = _ask_json(settings, system, user, "autocoach_ad", _AD_SCHEMA)
        # Mentions are ours, not the model's: their numbers are allowed too.
        allowed = allowed_numbers(facts) | allowed_numbers(mentions)
        return _validate_ad(answer, allowed, title_max, description_max, mentions)
    except Exception as exc:  # noqa: BLE001 - the template ad is always there
        _failure("ad rewrite", exc)
        return None


def _positive_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default


def _validate_ad(
    answer: dict, allowed: set[str], title_max: int, description_max: int, mentions: list[str]
) -> dict:
    title = answer.get("title")
    description = answer.get("description")
    if not isinstance(title, str) or not isinstance(description, str):
        raise _Rejected("missing title or description")
    title = _one_line(title)
    description = _clean(description)
    if not AD_TITLE_MIN_CHARS <= len(title) <= title_max:
        raise _Rejected(f"title length {len(title)} not within {title_max}")
    if not AD_DESCRIPTION_MIN_CHARS <= len(description) <= description_max:
        raise _Rejected(f"description length {len(description)} out of bounds")
    _check_numbers(title, allowed)
    _check_numbers(description, allowed)
    # Legal mentions must be there word for word: put back any the model dropped.
    missing = [m for m in mentions if _squash(m) not in _squash(description)]
    if missing:
        log.info("AI ad rewrite dropped %d legal mention(s); appending them", len(missing))
        description = description + "\n\n" + "\n".join(missing)
    return {"title": title, "description": description}
