"""A clinic's own wording, layered over the shipped content: ``wording.yaml``
in the instance folder.

It changes texts only, per language, of what exists, by id: a screen's
title, introduction and checklist texts; a question's label, hint, summary
label, checklist line, messages and its options' labels; a screening flag's
staff and patient texts; the consent's title, introduction, part headings,
lines (by part and line id), agreement and photo choice; and any interface
string (Welcome, the privacy text, buttons) by its English text. It adds,
removes and reorders nothing, so no rule loses a question it depends on.
It is checked as the content files are: an unknown id, language or field, a
plan text that drops or invents a placeholder, or an interface string that
does not exist is a problem naming the file, line and item.

    steps:
      about: {title: {en: "A little about you"}}
    questions:
      recent_tan:
        item: {en: "Sun, a sunbed or fake tan lately"}
    flags:
      home_roller:
        patient: {en: "Bring your roller to your appointment and we will look at it."}
    consent:
      parts:
        alternatives:
          lines:
            other_treatments: {en: "We also offer chemical peels; ask us how they compare."}
    interface:
      "Please hand the tablet back at the front desk.":
        en: "Please give the tablet back at reception."
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import StringConstraints

from kiosk.core.content.loader import parse_model, placeholders_known, read_content
from kiosk.core.content.schema import Identifier, LanguageCode, Questionnaire, Strict
from kiosk.core.paths import PACKAGE_DIR
from kiosk.core.plan.rules import PlanRules

WORDING_FILE = "wording.yaml"
CATALOGUE = PACKAGE_DIR / "translations" / "messages.pot"

Text = dict[LanguageCode, Annotated[str, StringConstraints(min_length=1)]]


class OptionWords(Strict):
    label: Text | None = None
    hint: Text | None = None
    staff_label: Text | None = None


class MessageWords(Strict):
    required: Text | None = None
    invalid: Text | None = None


class QuestionWords(Strict):
    label: Text | None = None
    hint: Text | None = None
    summary_label: Text | None = None
    item: Text | None = None
    suffix: Text | None = None
    suffix_one: Text | None = None
    messages: MessageWords | None = None
    options: dict[str, OptionWords] = {}


class ChecklistWords(Strict):
    label: Text | None = None
    hint: Text | None = None
    none: Text | None = None
    summary_none: Text | None = None


class StepWords(Strict):
    title: Text | None = None
    intro: Text | None = None
    checklist: ChecklistWords | None = None


class FlagWords(Strict):
    staff: Text | None = None
    patient: Text | None = None


class ConsentPartWords(Strict):
    heading: Text | None = None
    lines: dict[Identifier, Text] = {}


class ConsentWords(Strict):
    title: Text | None = None
    intro: Text | None = None
    agreement: Text | None = None
    photos: Text | None = None
    parts: dict[Identifier, ConsentPartWords] = {}


def texts_of(model: type[Strict]) -> tuple[str, ...]:
    """The fields of ``model`` that hold a text: each part of the wording
    lists its texts once, in its class, and the layering reads them there."""
    return tuple(
        name for name, field in model.model_fields.items() if field.annotation == Text | None
    )


class Wording(Strict):
    steps: dict[Identifier, StepWords] = {}
    questions: dict[Identifier, QuestionWords] = {}
    flags: dict[Identifier, FlagWords] = {}
    consent: ConsentWords | None = None
    interface: dict[str, Text] = {}

    @property
    def count(self) -> int:
        """How many texts it changes, each language counted."""
        return sum(len(text) for _loc, text in _texts(self.model_dump(exclude_none=True)))


def _texts(node: Any, loc: tuple = ()) -> Iterator[tuple[tuple, dict[str, str]]]:
    """Every text of a dumped model (a mapping of languages to strings), with its place."""
    if isinstance(node, dict):
        if node and loc and all(isinstance(v, str) for v in node.values()):
            yield loc, node
            return
        for key, value in node.items():
            yield from _texts(value, (*loc, key))


def load_wording(path: Path, questionnaire: Questionnaire, rules: PlanRules) -> Wording:
    """The clinic's wording file, checked against the content it changes."""
    text = read_content(path)
    if not text.strip():
        return Wording()
    return parse_model(text, path, Wording, lambda w: _problems(w, questionnaire, rules))


def _problems(
    wording: Wording, questionnaire: Questionnaire, rules: PlanRules
) -> Iterator[tuple[tuple, str]]:
    languages = set(questionnaire.languages)
    steps = {step.id: step for step in questionnaire.steps}
    questions = {q.id: q for step in questionnaire.steps for q in step.questions}
    flags = {flag.id: flag for flag in rules.flags}
    for step_id in wording.steps:
        if step_id not in steps:
            yield ("steps", step_id), f"no screen has the id '{step_id}'"
    for question_id, words in wording.questions.items():
        question = questions.get(question_id)
        if question is None:
            yield ("questions", question_id), f"no question has the id '{question_id}'"
            continue
        values = {option.value for option in question.options or []}
        for value in words.options:
            if value not in values:
                yield (
                    ("questions", question_id, "options", value),
                    f"question '{question_id}' has no option '{value}'",
                )
    for flag_id, words in wording.flags.items():
        flag = flags.get(flag_id)
        if flag is None:
            yield ("flags", flag_id), f"no screening flag has the id '{flag_id}'"
            continue
        for field in texts_of(FlagWords):
            yield from _same_placeholders(
                ("flags", flag_id, field), getattr(words, field), getattr(flag, field)
            )
    if wording.consent is not None:
        yield from _consent_problems(wording.consent, rules)
    known = _catalogue()
    for message, text in wording.interface.items():
        if message not in known:
            yield ("interface", message), "no interface text reads exactly so (see messages.pot)"
            continue
        yield from _same_placeholders(("interface", message), text, {"en": message}, "%")
    dumped = wording.model_dump(exclude_none=True, exclude={"interface"})
    for loc, text in _texts(dumped):
        for language in sorted(text.keys() - languages):
            yield loc, f"text for language {language}, which is not in the questionnaire's"
        if loc[0] in ("steps", "questions"):
            for language, words in text.items():
                yield from placeholders_known(loc, language, words)


def _consent_problems(words: ConsentWords, rules: PlanRules) -> Iterator[tuple[tuple, str]]:
    consent = rules.consent
    for name in ("intro", "agreement", "photos"):
        yield from _same_placeholders(
            ("consent", name), getattr(words, name), getattr(consent, name).text
        )
    parts = {part.id: part for part in consent.parts}
    for part_id, part_words in words.parts.items():
        part = parts.get(part_id)
        if part is None:
            yield ("consent", "parts", part_id), f"the consent has no part '{part_id}'"
            continue
        lines = {line.id: line for line in part.lines}
        for line_id, text in part_words.lines.items():
            loc = ("consent", "parts", part_id, "lines", line_id)
            line = lines.get(line_id)
            if line is None:
                yield loc, f"the consent's part '{part_id}' has no line '{line_id}'"
                continue
            yield from _same_placeholders(loc, text, line.text)


def _same_placeholders(
    loc: tuple, new: Mapping[str, str] | None, old: Mapping[str, str], style: str = "{"
) -> Iterator[tuple[tuple, str]]:
    """A changed text keeps the placeholders of the text it replaces."""
    if not new:
        return
    expected = set().union(*(_placeholders(words, style) for words in old.values()))
    for language, words in new.items():
        names = _placeholders(words, style)
        for name in sorted(names - expected):
            yield loc, f"text ({language}) uses a placeholder the original has not: {name}"
        for name in sorted(expected - names):
            yield loc, f"text ({language}) leaves out the placeholder {name}"


def _placeholders(words: str, style: str) -> set[str]:
    if style == "%":
        return {f"%({name})" for name in re.findall(r"%\((\w+)\)", words)}
    try:
        return {f"{{{n}}}" for _, n, _, _ in string.Formatter().parse(words) if n is not None}
    except ValueError:
        return {"{"}  # broken: never equal to the original's


def _catalogue() -> set[str]:
    """Every interface text the app can show (the extracted catalogue's)."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}


# Layering --------------------------------------------------------------------------------


def _merge(original: dict | None, changed: Mapping[str, str] | None) -> dict | None:
    return {**(original or {}), **changed} if changed else original


def reword_questionnaire(questionnaire: Questionnaire, wording: Wording) -> Questionnaire:
    data = questionnaire.model_dump()
    for step in data["steps"]:
        words = wording.steps.get(step["id"])
        if words:
            for field in texts_of(StepWords):
                step[field] = _merge(step[field], getattr(words, field))
            if words.checklist and step["checklist"]:
                for field in texts_of(ChecklistWords):
                    step["checklist"][field] = _merge(
                        step["checklist"][field], getattr(words.checklist, field)
                    )
        for question in step["questions"]:
            change = wording.questions.get(question["id"])
            if change is None:
                continue
            for field in texts_of(QuestionWords):
                question[field] = _merge(question[field], getattr(change, field))
            if change.messages:
                for field in texts_of(MessageWords):
                    question["messages"][field] = _merge(
                        question["messages"][field], getattr(change.messages, field)
                    )
            for option in question["options"] or []:
                option_words = change.options.get(option["value"])
                if option_words:
                    for field in texts_of(OptionWords):
                        option[field] = _merge(option[field], getattr(option_words, field))
    return Questionnaire.model_validate(data)


def reword_rules(rules: PlanRules, wording: Wording) -> PlanRules:
    if not wording.flags and wording.consent is None:
        return rules
    data = rules.model_dump()
    for flag in data["flags"]:
        words = wording.flags.get(flag["id"])
        if words:
            for field in texts_of(FlagWords):
                flag[field] = _merge(flag[field], getattr(words, field))
    if wording.consent is not None:
        _reword_consent(data["consent"], wording.consent)
    return type(rules).model_validate(data)


def _reword_consent(consent: dict[str, Any], words: ConsentWords) -> None:
    consent["title"] = _merge(consent["title"], words.title)
    for name in ("intro", "agreement", "photos"):
        consent[name]["text"] = _merge(consent[name]["text"], getattr(words, name))
    for part in consent["parts"]:
        part_words = words.parts.get(part["id"])
        if part_words is None:
            continue
        part["heading"] = _merge(part["heading"], part_words.heading)
        for line in part["lines"]:
            line["text"] = _merge(line["text"], part_words.lines.get(line["id"]))


def interface_texts(wording: Wording) -> dict[tuple[str, str], str]:
    """(language, English text) -> the clinic's text, for ``i18n.gettext``."""
    return {
        (language, message): words
        for message, text in wording.interface.items()
        for language, words in text.items()
    }
