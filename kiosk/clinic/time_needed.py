"""Welcome's "It takes about N minutes": the journey model (``kiosk/core/journey.py``)
run on the content's typical patient, in each language, when the app starts
and whenever the clinic's settings change what is asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from kiosk.core import copy_covers, journey
from kiosk.core.flow import Flow
from kiosk.core.i18n import current_language, language
from kiosk.core.plan import PlanEngine

# Where the app keeps the minutes, by language.
EXTENSION = "kiosk.minutes_needed"


def minutes_needed(flow: Flow, engine: PlanEngine, config: Mapping[str, Any]) -> dict[str, int]:
    """The typical patient's time in whole minutes, by language."""
    answers = flow.questionnaire.typical_answers()
    minutes = {}
    for code in flow.questionnaire.languages:
        plan = engine.build(answers, language=code)
        with language(code):
            covers = copy_covers.covers(plan)
        consent = engine.consent(answers, language=code) if config["CONSENT_ON"] else None
        screens = journey.journey(
            flow, answers, code, clinic=config["CLINIC_NAME"], covers=covers, consent=consent
        )
        minutes[code] = journey.minutes(screens)
    return minutes


def for_welcome() -> int:
    """The minutes Welcome names, in the language in force."""
    by_language = current_app.extensions[EXTENSION]
    return by_language.get(current_language()) or max(by_language.values())
