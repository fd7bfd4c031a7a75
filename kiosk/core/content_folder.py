"""The content folder: every file the app loads from it, loaded and checked
together, by the app at start-up and by ``flask --app kiosk content check``.

- ``questionnaire.yaml``: the screens and questions (``kiosk/core/content/``),
  with the questions the code reads (``contract.py``) and a typical patient
  whose answers fit them (Welcome's time needed is theirs);
- ``plan.yaml``: screening flags and the summary's texts (``kiosk/core/plan/rules.py``),
  checked against the questionnaire;
- ``sources.yaml``: what the plan's texts may cite.

(``glossary.yaml`` is the translators' word list; the app does not load it and
``tests/test_translations.py`` checks the texts against it.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.answers import AnswerProblem, check_stored
from kiosk.core.content.contract import contract_problems
from kiosk.core.content.loader import (
    DEFAULT_CONTENT_DIR,
    QUESTIONNAIRE_FILE,
    parse_model,
    questionnaire_problems,
    read_content,
)
from kiosk.core.content.schema import Questionnaire
from kiosk.core.flow import Flow, has_answer
from kiosk.core.plan.rules import Citations, PlanRules, load_citations, load_rules
from kiosk.core.wording import Wording, load_wording, reword_questionnaire, reword_rules


@dataclass(frozen=True)
class Content:
    folder: Path
    questionnaire: Questionnaire
    rules: PlanRules
    citations: Citations  # what the plan's sources keys stand for
    wording: Wording | None = None  # the clinic's own wording, already layered in


def load_content(
    content_dir: Path | str | None = None, wording_file: Path | None = None
) -> Content:
    """Every content file of ``content_dir`` (default: the shipped content),
    and the clinic's ``wording_file`` over them when it exists, checked; a
    ``ContentError`` lists every problem with file, line and item."""
    folder = Path(content_dir or DEFAULT_CONTENT_DIR)
    questionnaire = load_questionnaire(folder)
    rules = load_rules(questionnaire, folder)
    wording = None
    if wording_file is not None and wording_file.is_file():
        wording = load_wording(wording_file, questionnaire, rules)
        questionnaire = reword_questionnaire(questionnaire, wording)
        rules = reword_rules(rules, wording)
    return Content(folder, questionnaire, rules, load_citations(folder), wording)


def load_questionnaire(content_dir: Path | str | None = None) -> Questionnaire:
    """The questionnaire file of ``content_dir``, checked, and checked to hold
    the questions the code reads (``contract.py``): the app can run on it."""
    path = Path(content_dir or DEFAULT_CONTENT_DIR) / QUESTIONNAIRE_FILE
    return parse_model(read_content(path), path, Questionnaire, _the_apps_questionnaire)


def _the_apps_questionnaire(q: Questionnaire) -> Iterator[tuple[tuple, str]]:
    yield from questionnaire_problems(q)
    yield from contract_problems(q)
    if not q.typical_patient:
        yield (
            (),
            "the questionnaire has no typical_patient: Welcome's 'It takes about N minutes' "
            "is worked out from a typical patient's answers",
        )
    yield from _typical_patient_valid(q)


def _typical_patient_valid(q: Questionnaire) -> Iterator[tuple[tuple, str]]:
    """The typical patient's answers are answers a patient could give, to every
    question their answers lead them to."""
    if not q.typical_patient:
        return
    questions = {question.id: question for step in q.steps for question in step.questions}
    fine = True
    for question_id, value in q.typical_patient.items():
        loc = ("typical_patient", question_id)
        question = questions.get(question_id)
        if question is None:
            fine = False
            yield loc, f"unknown question '{question_id}'"
            continue
        try:
            check_stored(question, value, dt.date.today())
        except AnswerProblem as exc:
            fine = False
            yield loc, f"{value!r} is no answer to this {question.type} question ({exc})"
    if not fine:
        return
    for item in Flow(q).walk(q.typical_answers()):
        if item.question.required and not has_answer(item.value):
            yield (
                ("typical_patient",),
                f"no answer to '{item.question.id}', which these answers lead to",
            )
