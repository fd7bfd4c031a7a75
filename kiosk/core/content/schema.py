"""Typed schema of the questionnaire content file.

The YAML file is parsed into these models once at start-up; anything the
models do not accept stops the app with a message that names the file, the
line, the item and the problem (see ``loader.py``).

Branching follows FHIR ``enableWhen``: a list of conditions on earlier
questions, combined with ``enable_behavior`` ``all`` or ``any``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
OptionValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=60)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]

# One text in every language the questionnaire offers: {"en": "...", "es": "..."}.
LocalText = dict[LanguageCode, Annotated[str, StringConstraints(min_length=1)]]

# What a clinic may or may not offer: RF microneedling (the pen always is), and
# information about at-home rollers.
Treatment = Literal["rf", "home_roller"]

Operator = Literal["exists", "=", "!=", "<", "<=", ">", ">="]
QuestionType = Literal[
    "text", "textarea", "email", "phone", "choice", "multichoice", "yesno", "integer", "date"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    value: OptionValue
    label: LocalText
    hint: LocalText | None = None
    # "None of these": may not be chosen together with another option.
    exclusive: bool = False
    # What staff read instead of the patient's wording (the staff page and copy),
    # e.g. the Fitzpatrick type's number.
    staff_label: LocalText | None = None


class EnableWhen(Strict):
    question: Identifier
    operator: Operator
    # bool for exists and yes/no questions, a string for options and text,
    # an integer for number questions, a date for date questions.
    answer: bool | int | dt.date | str


class Messages(Strict):
    """Error texts shown beside the field and in the error summary."""

    required: LocalText | None = None
    invalid: LocalText | None = None


class Question(Strict):
    id: Identifier
    type: QuestionType
    label: LocalText
    hint: LocalText | None = None
    # Short wording for the check-answers page and the staff copy.
    summary_label: LocalText | None = None
    # A yes/no question's wording as a line of its step's checklist
    # ("Pregnant or breastfeeding"), where the label is the whole question.
    item: LocalText | None = None
    required: bool = True
    options: list[Option] | None = None
    max_length: Annotated[int, Field(gt=0, le=5000)] | None = None
    minimum: int | None = None
    maximum: int | None = None
    # Dates: the earliest and latest allowed, in days from today.
    min_days: int | None = None
    max_days: int | None = None
    # Shown after the number box, e.g. "months"; suffix_one after the number 1.
    suffix: LocalText | None = None
    suffix_one: LocalText | None = None
    messages: Messages = Messages()
    enable_when: list[EnableWhen] = []
    enable_behavior: Literal["all", "any"] = "all"
    # Asked only where the clinic offers this (POLICY_OFFERS_RF,
    # POLICY_HOME_ROLLER_INFORMATION): a question that chooses between
    # treatments means nothing without RF, and one about at-home rollers
    # nothing where the clinic says nothing about them.
    offered_with: Treatment | None = None


class Topic(Strict):
    """A part of the questionnaire, its screens one after another: the
    progress list at the top of each screen names the topics, and Check your
    answers reads the answers back under their titles."""

    id: Identifier
    title: LocalText
    # Its name in the progress list, where the title is too long for it
    # ("Health" for "Your health"); the title when not given.
    short_title: LocalText | None = None


class Checklist(Strict):
    """A step's yes/no questions asked as one list to tick: what applies, or
    "None of these apply to me". A ticked line is a yes, an unticked one a no
    once the list is answered; the answers are stored per question as ever."""

    label: LocalText
    hint: LocalText | None = None
    none: LocalText
    summary_none: LocalText
    messages: Messages = Messages()


class Step(Strict):
    """One screen of the questionnaire: a handful of questions on one topic."""

    id: Identifier
    topic: Identifier
    title: LocalText
    intro: LocalText | None = None
    checklist: Checklist | None = None
    questions: Annotated[list[Question], Field(min_length=1)]
    enable_when: list[EnableWhen] = []
    enable_behavior: Literal["all", "any"] = "all"
    # Asked again of a patient coming back for a later session of their course
    # (what may change between sessions: skin today, health, medicines); the
    # other steps' answers are carried over from their earlier consultation.
    returning: bool = False

    @property
    def checklist_items(self) -> tuple[Question, ...]:
        """The questions its checklist asks: its yes/no questions, when it has one."""
        if self.checklist is None:
            return ()
        return tuple(q for q in self.questions if q.type == "yesno")


class GlanceRow(Strict):
    """A row of the staff's at-a-glance block: a label and the answers it
    gathers (those of its questions that apply)."""

    label: LocalText
    questions: Annotated[list[Identifier], Field(min_length=1)]


class Questionnaire(Strict):
    id: Identifier
    version: Annotated[str, StringConstraints(min_length=1)]
    title: LocalText
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    topics: Annotated[list[Topic], Field(min_length=1)]
    steps: Annotated[list[Step], Field(min_length=1)]
    # On top of the staff page and copy: what a clinician needs in 30 seconds.
    at_a_glance: list[GlanceRow] = []
    # The answers of a typical patient, as stored (yes/no true or false, a
    # number a whole number, several choices a list); a checklist's lines left
    # out are not ticked. Welcome's "It takes about N minutes" is their time
    # (kiosk/core/journey.py).
    typical_patient: dict[Identifier, bool | int | str | list[str]] = {}

    def typical_answers(self) -> dict[str, Any]:
        """``typical_patient``'s answers as the kiosk stores them: a checklist's
        lines not given are a no."""
        unticked = {q.id: False for step in self.steps for q in step.checklist_items}
        return {**unticked, **self.typical_patient}

    def as_offered(self, treatments: frozenset[str]) -> Questionnaire:
        """The questionnaire a clinic offering ``treatments`` asks: questions
        about a treatment it does not offer are left out, and so is a step
        left with no questions."""
        steps = []
        for step in self.steps:
            questions = [
                q for q in step.questions if q.offered_with is None or q.offered_with in treatments
            ]
            if questions:
                steps.append(step.model_copy(update={"questions": questions}))
        return self.model_copy(update={"steps": steps})

    def with_policy(self, values: Mapping[str, Any]) -> Questionnaire:
        """The questionnaire with the ``{placeholders}`` of its texts filled in
        from the clinic's policy values ("In the last {tanning_weeks} weeks")."""
        languages = set(self.languages)

        def fill(node: Any, text: bool = False) -> Any:
            if isinstance(node, str):
                return node.format_map(values) if text else node
            if isinstance(node, list):
                return [fill(item) for item in node]
            if isinstance(node, dict):
                is_text = bool(node) and node.keys() <= languages
                return {key: fill(value, is_text) for key, value in node.items()}
            return node

        return Questionnaire.model_validate(fill(self.model_dump()))
