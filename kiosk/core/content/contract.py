"""The questions the code reads by id: the contract between code and content.

Everything else about a question is content: a clinic may reword these
questions, move them and add others. It may not remove a required one, give
one another type, or drop an option the code compares answers with. The
questionnaire loader checks this list, so a questionnaire that breaks it is a
content problem with its file, line and a message naming the question, never
a ``KeyError`` later. Code that reads an answer by id takes the id from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.core.content.schema import Questionnaire

FIRST_NAME = "first_name"
CONCERNS = "concerns"
AREAS = "areas"
EVENT_DATE = "event_date"
DEVICE_INTEREST = "device_interest"
CONTACT_CONSENT = "contact_consent"
EMAIL = "email"


@dataclass(frozen=True)
class Read:
    """A question the code reads: of this type; needed, or read only when asked."""

    question: str
    type: str
    required: bool
    read_by: tuple[str, ...]  # what reads it, and for what
    options: tuple[str, ...] = ()  # option values the code compares answers with


CODE_READS: tuple[Read, ...] = (
    Read(
        FIRST_NAME,
        "text",
        required=True,
        read_by=(
            "submission: the name on Done and in the staff queue",
            "plan engine: the name on both summaries",
        ),
    ),
    Read(
        CONCERNS,
        "multichoice",
        required=True,
        read_by=(
            "plan engine: what microneedling may do, and the course of sessions",
            "plan.yaml: a text for each option",
        ),
    ),
    Read(AREAS, "multichoice", required=False, read_by=("plan engine: the areas to treat",)),
    Read(EVENT_DATE, "date", required=False, read_by=("plan engine: the plan around an event",)),
    Read(
        DEVICE_INTEREST,
        "choice",
        required=False,
        read_by=("plan engine: pen or RF texts and screening",),
        options=("pen", "rf"),
    ),
    Read(
        CONTACT_CONSENT,
        "yesno",
        required=False,
        read_by=("summary e-mail: sent only to a patient who agreed to be contacted",),
    ),
    Read(EMAIL, "email", required=False, read_by=("summary e-mail: where it is sent",)),
)


def contract_problems(questionnaire: Questionnaire) -> Iterator[tuple[tuple, str]]:
    """Where and how ``questionnaire`` breaks :data:`CODE_READS`: ``(location
    in the file, message)``, the location empty for a question that is missing."""
    where = {
        question.id: ("steps", s, "questions", n)
        for s, step in enumerate(questionnaire.steps)
        for n, question in enumerate(step.questions)
    }
    questions = {q.id: q for step in questionnaire.steps for q in step.questions}
    for read in CODE_READS:
        question = questions.get(read.question)
        if question is None:
            if read.required:
                yield (
                    (),
                    f"the questionnaire has no question '{read.question}' ({read.type}), "
                    "which the app needs",
                )
            continue
        if question.type != read.type:
            yield (
                (*where[read.question], "type"),
                f"the question '{read.question}' must be a {read.type} question "
                f"(the app reads it as one), not {question.type}",
            )
        values = {o.value for o in question.options or []}
        missing = [v for v in read.options if v not in values]
        if missing:
            yield (
                (*where[read.question], "options"),
                f"the question '{read.question}' needs the option(s) {', '.join(missing)}",
            )
