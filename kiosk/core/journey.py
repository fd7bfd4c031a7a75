"""How long the questionnaire takes a patient: a model, in plain Python.

Welcome tells the patient "It takes about N minutes". N is the time of the
content's typical patient (``typical_patient`` in questionnaire.yaml) from
Welcome to Done, on the screens their answers lead through: every word on a
screen read at 200 words a minute, one second per tap, 0.4 s per character
typed, rounded up to whole minutes. The app works it out when it starts (and
when the clinic's settings change what is asked), in each language.

200 words a minute is a realistic pace for this reading: adults read
non-fiction silently at 238 words a minute on average (Brysbaert 2019,
Journal of Memory and Language 109), slower when they must act on what they
read, on a screen, in a waiting room, not always in their first language.

The words are those a patient sees as each screen opens: on a question
screen, Back, the progress list, the title and introduction, each question's
label, hint and every option (read to choose one), and Continue; on Check
your answers, each row as it is read back; on the consent, all of its words
(a signature drawn counts as three taps); on Welcome and Done, their texts
(the clinic's name as configured, numbers as one word). Text only a screen
reader speaks is not counted, nor the months of a date's list. The taps are
those of the answers (a choice, each ticked option, each box typed in; a
month picked from its list is two) and each screen's button.
``tests/browser/test_journey_figures.py`` counts the same in Chromium and
checks that Welcome's figure agrees with what it measures.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.core.answer_text import check_lines
from kiosk.core.content import Question, Step
from kiosk.core.content.contract import FIRST_NAME
from kiosk.core.flow import Flow, has_answer
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import language as language_in_force
from kiosk.core.i18n import local, ngettext, own_name
from kiosk.core.plan.model import ConsentText

WORDS_PER_MINUTE = 200
SECONDS_PER_TAP = 1.0
SECONDS_PER_CHARACTER = 0.4
# A signature drawn with a finger takes about as long as three taps.
SIGNATURE_TAPS = 3

_WORD = re.compile(r"\w+")
# What a reference code on Done looks like: two words.
_REFERENCE = "ABC-DEF"


def count_words(*texts: str | None) -> int:
    return sum(len(_WORD.findall(text)) for text in texts if text)


@dataclass(frozen=True)
class Screen:
    """One screen of the journey: the words on it, the taps (its button
    included) and the characters typed."""

    name: str
    words: int
    taps: int = 1
    typed: int = 0

    @property
    def seconds(self) -> float:
        return (
            self.words * 60 / WORDS_PER_MINUTE
            + self.taps * SECONDS_PER_TAP
            + self.typed * SECONDS_PER_CHARACTER
        )


def minutes(screens: Iterable[Screen]) -> int:
    """The journey's time in whole minutes, rounded up."""
    return math.ceil(sum(screen.seconds for screen in screens) / 60)


def journey(
    flow: Flow,
    answers: Mapping[str, Any],
    language: str,
    *,
    clinic: str = "",
    covers: Sequence[str] = (),
    consent: ConsentText | None = None,
) -> list[Screen]:
    """The screens of a patient giving ``answers`` (as stored), in ``language``:
    Welcome, each question screen their answers lead to, Check your answers,
    the consent where the clinic asks for it (``consent``: its words for these
    answers) and Done. ``clinic``: the clinic's name on Welcome; ``covers``:
    what Done says their summary will cover."""
    asked = consent is not None
    with language_in_force(language):
        screens = [Screen("welcome", count_words(*_welcome(flow, clinic)))]
        screens += [
            question_screen(flow, step, answers, language)
            for step in flow.applicable_steps(answers)
        ]
        screens.append(check_screen(flow, answers, language, consent=asked))
        if consent is not None:
            screens.append(consent_screen(flow, consent, language))
        # Done returns to Welcome by itself: nothing to tap.
        screens.append(Screen("done", count_words(*_done(answers, covers)), taps=0))
    return screens


def question_screen(flow: Flow, step: Step, answers: Mapping[str, Any], language: str) -> Screen:
    """A question screen as it opens, and what answering it takes."""
    questions = flow.enabled_questions(step, answers)
    texts = [_("Back"), local(step.title, language), local(step.intro, language), _("Continue")]
    taps, typed = 1, 0
    items = {q.id for q in step.checklist_items}
    if items:
        checklist = step.checklist
        texts += [local(checklist.label, language), local(checklist.hint, language)]
        texts += [local(q.item or q.label, language) for q in step.checklist_items]
        texts += [_("or"), local(checklist.none, language)]
        # Each line ticked, or "None of these apply to me".
        taps += sum(answers.get(q) is True for q in items) or 1
    for question in questions:
        if question.id in items:
            continue
        texts += _question_texts(question, language)
        answer_taps, answer_typed = _effort(question, answers.get(question.id))
        taps += answer_taps
        typed += answer_typed
    return Screen(step.id, count_words(*texts) + _progress_words(flow, language), taps, typed)


def check_screen(
    flow: Flow, answers: Mapping[str, Any], language: str, *, consent: bool = False
) -> Screen:
    """Check your answers: every row read back, then Send (or Continue, to the
    consent)."""
    texts = [_("Back"), _("Check your answers")]
    texts.append(_("Read through your answers. Use Change to correct anything."))
    if consent:
        texts += [
            _("Next, your consent"),
            _(
                "On the next screen you read the consent for microneedling and sign it. "
                "Your answers are sent when you sign."
            ),
            _("Continue"),
        ]
    else:
        texts += [
            _("Now send your answers"),
            _(
                "When you send them, a member of our team will go through your personal "
                "summary with you."
            ),
            _("Send my answers"),
        ]
    for group in check_lines(flow, answers, language):
        texts.append(group.title)
        for line in group.lines:
            texts += [line.question, line.answer, _("Change")]
    return Screen("check", count_words(*texts) + _progress_words(flow, language))


def consent_screen(flow: Flow, consent: ConsentText, language: str) -> Screen:
    """The consent (templates/_signing.html): every word read, the photo
    choice left as it is, and a signature drawn, counted as
    ``SIGNATURE_TAPS`` taps, then Sign."""
    texts = [_("Back"), consent.title, consent.intro]
    for part in consent.parts:
        texts += [part.heading, *part.lines]
    texts += [_("Photos"), _("A separate choice: you can say no and still have treatment.")]
    texts += [consent.photos, _("Your signature"), consent.agreement]
    texts += [_("Sign with your finger in the box"), _("Clear")]
    texts += [_("Cannot sign with your finger? Type your full name instead")]
    texts.append(_("Sign and send my answers"))
    words = count_words(*texts) + _progress_words(flow, language)
    return Screen("consent", words, taps=1 + SIGNATURE_TAPS)


def _progress_words(flow: Flow, language: str) -> int:
    names = [local(topic.short_title or topic.title, language) for topic in flow.progress_topics]
    return count_words(*names, _("Check"))


def _question_texts(question: Question, language: str) -> list[str]:
    texts = [local(question.label, language), local(question.hint, language)]
    texts.append(local(question.suffix, language))
    if question.type == "yesno":
        texts += [_("Yes"), _("No")]
    elif question.type in ("choice", "multichoice"):
        for n, option in enumerate(question.options or []):
            if option.exclusive and n:
                texts.append(_("or"))
            texts += [local(option.label, language), local(option.hint, language)]
    elif question.type == "date":
        texts += [_("Day"), _("Month"), _("Year")]
    return texts


def _effort(question: Question, value: Any) -> tuple[int, int]:
    """The taps and characters typed to give ``value``."""
    if not has_answer(value):
        return 0, 0
    if question.type in ("yesno", "choice"):
        return 1, 0
    if question.type == "multichoice":
        return len(value), 0
    if question.type == "date":
        day = dt.date.fromisoformat(value)
        # The day and the year typed, each after a tap on its box; the month
        # picked from its list: a tap to open it, one to choose.
        return 1 + 2 + 1, len(str(day.day)) + len(str(day.year))
    return 1, len(str(value))


def _welcome(flow: Flow, clinic: str) -> list[str]:
    """Welcome's words (templates/patient/welcome.html), with the language
    choice when the questionnaire has more than one language."""
    languages = flow.questionnaire.languages
    choice = [_("Language"), *(own_name(code) for code in languages)] if len(languages) > 1 else []
    return [
        *choice,
        _("Welcome to %(clinic)s", clinic=clinic),
        _(
            "Answer a few short questions about your skin and your health. "
            "It takes about %(minutes)d minutes.",
            minutes=5,
        ),
        _(
            "We turn your answers into a personal summary about microneedling: what it may do "
            "for you, how to prepare, and how to look after your skin afterwards. A member of "
            "our team will go through it with you."
        ),
        _("Your answers"),
        _(
            "Your answers are stored on this clinic's own system, are seen only by our team, "
            "and are used only for your consultation. Nothing is kept on this tablet."
        ),
        ngettext(
            "We delete your answers %(num)d day after you send them.",
            "We delete your answers %(num)d days after you send them.",
            30,
        ),
        ngettext(
            "If you stop before sending them, we delete them after %(num)d hour.",
            "If you stop before sending them, we delete them after %(num)d hours.",
            24,
        ),
        _("Start"),
        _("I have been here before"),
    ]


def _done(answers: Mapping[str, Any], covers: Sequence[str]) -> list[str]:
    """Done's words (templates/patient/done.html)."""
    return [
        _("Thank you, %(name)s", name=answers.get(FIRST_NAME, "")),
        _("Your reference"),
        _REFERENCE,
        _("A member of our team will go through your summary with you."),
        _("Your summary will cover"),
        *covers,
        _("Please hand the tablet back at the front desk."),
        _("This screen clears itself in %(seconds)s seconds.", seconds=20),
        _("Finish now"),
    ]
