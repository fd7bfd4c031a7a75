"""The questionnaire content file: the shipped file is sound, and bad files are
rejected with a message that names the file, the line, the item and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import flask.cli
import pytest
from click.testing import CliRunner

from kiosk import create_app
from kiosk.cli import content_cli
from kiosk.core.content import ContentError, ContentProblem, parse_questionnaire
from kiosk.core.content.loader import DEFAULT_CONTENT_DIR
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.plan import load_rules

BAD = Path("bad.yaml")

# A small questionnaire that is valid; every test below breaks it in one place.
MINIMAL = """\
id: mini
version: "1"
languages: [en, es]
title: {en: Mini consultation, es: Consulta mini}
topics:
  - id: you
    title: {en: About you, es: Sobre usted}
  - id: health
    title: {en: Your health, es: Su salud}
steps:
  - id: about
    topic: you
    title: {en: About you, es: Sobre usted}
    questions:
      - id: name
        type: text
        max_length: 40
        label: {en: Your first name, es: Su nombre}
      - id: smoker
        type: yesno
        label: {en: "Do you smoke?", es: "¿Fuma?"}
      - id: isotretinoin
        type: choice
        label: {en: Isotretinoin, es: Isotretinoína}
        options:
          - {value: never, label: {en: Never, es: Nunca}}
          - {value: stopped, label: {en: Stopped, es: Lo dejé}}
      - id: age
        type: integer
        minimum: 18
        maximum: 120
        label: {en: Your age, es: Su edad}
  - id: details
    topic: health
    title: {en: A few details, es: Algunos detalles}
    questions:
      - id: cigarettes
        type: integer
        label: {en: Cigarettes a day, es: Cigarrillos al día}
        enable_when:
          - {question: smoker, operator: "=", answer: true}
      - id: months
        type: integer
        label: {en: Months since stopping, es: Meses desde que lo dejó}
        enable_when:
          - {question: isotretinoin, operator: "=", answer: stopped}
"""


def broken(old: str, new: str) -> str:
    """MINIMAL with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert MINIMAL.count(old) == 1, f"{old!r} must occur exactly once in MINIMAL"
    return MINIMAL.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the only line of ``text`` that contains ``needle``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def problems_of(text: str) -> list[ContentProblem]:
    with pytest.raises(ContentError) as caught:
        parse_questionnaire(text, BAD)
    return caught.value.problems


# The shipped content -------------------------------------------------------


def test_shipped_questionnaire_loads(questionnaire):
    assert questionnaire.id == "microneedling_consultation"
    assert questionnaire.languages
    assert len(questionnaire.steps) >= 5


def test_every_question_id_in_the_shipped_content_is_unique(questionnaire):
    ids = [q.id for step in questionnaire.steps for q in step.questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []


def test_every_step_id_in_the_shipped_content_is_unique(questionnaire):
    ids = [step.id for step in questionnaire.steps]
    assert len(ids) == len(set(ids))


def _texts(questionnaire):
    """Every text of the questionnaire as (where, {language: text})."""
    yield "title", questionnaire.title
    for topic in questionnaire.topics:
        yield f"topic {topic.id}", topic.title
        yield f"topic {topic.id} short title", topic.short_title
    for step in questionnaire.steps:
        yield f"step {step.id} title", step.title
        yield f"step {step.id} intro", step.intro
        for q in step.questions:
            for field in ("label", "hint", "summary_label", "suffix"):
                yield f"question {q.id} {field}", getattr(q, field)
            yield f"question {q.id} required message", q.messages.required
            yield f"question {q.id} invalid message", q.messages.invalid
            for option in q.options or []:
                yield f"question {q.id} option {option.value}", option.label
                yield f"question {q.id} option {option.value} hint", option.hint


def test_every_text_in_the_shipped_content_is_given_in_every_language(questionnaire):
    languages = set(questionnaire.languages)
    incomplete = [
        where
        for where, text in _texts(questionnaire)
        if text is not None
        and (set(text) != languages or not all(t.strip() for t in text.values()))
    ]
    assert incomplete == []


# Bad content: one mistake, one precise message -----------------------------


def test_the_minimal_questionnaire_used_below_is_valid():
    questionnaire = parse_questionnaire(MINIMAL, BAD)
    assert [s.id for s in questionnaire.steps] == ["about", "details"]


# The wording of a YAML syntax error comes from the YAML parser (libyaml or
# PyYAML's own), so only a part of it common to both is checked.
@pytest.mark.parametrize(
    ("old", "new", "at", "wording"),
    [
        pytest.param(
            "    title: {en: About you, es: Sobre usted}\n  - id: health",
            "     title: {en: About you, es: Sobre usted}\n  - id: health",
            "     title: {en: About you",
            "mapping values are not allowed",
            id="key indented too far",
        ),
        pytest.param(
            "        minimum: 18",
            "\tminimum: 18",
            "minimum: 18",
            "",
            id="tab instead of spaces",
        ),
        pytest.param(
            "    title: {en: A few details, es: Algunos detalles}",
            "    title: {en: A few details, es: Algunos detalles}}",
            "Algunos detalles}}",
            "",
            id="stray closing brace",
        ),
    ],
)
def test_yaml_syntax_error_names_the_line(old, new, at, wording):
    text = broken(old, new)
    [problem] = problems_of(text)
    assert (problem.path, problem.line, problem.item) == (BAD, line_of(text, at), "YAML syntax")
    assert wording in problem.message
    assert problem.message.strip()


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a list\n- not a mapping\n"])
def test_file_that_is_not_a_mapping_is_rejected(text):
    [problem] = problems_of(text)
    assert (problem.path, problem.line, problem.item) == (BAD, 1, "file")
    assert problem.message.startswith("must be a mapping with ")
    assert {"topics", "steps"} <= set(problem.message.replace(",", " ").split())


# Each case: the change to MINIMAL, a text on the line the problem must name,
# the item, and the message.
BROKEN = {
    "unknown field on a question": (
        ("        type: yesno\n", "        type: yesno\n        colour: red\n"),
        "colour: red",
        "step 'about' > question 'smoker' > colour",
        "unknown field 'colour'",
    ),
    "unknown field at the top": (
        ('version: "1"\n', 'version: "1"\nauthor: Dr Who\n'),
        "author:",
        "author",
        "unknown field 'author'",
    ),
    "missing required field": (
        ("        type: yesno\n", ""),
        "- id: smoker",
        "step 'about' > question 'smoker' > type",
        "required field 'type' is missing",
    ),
    "missing step title": (
        ("    title: {en: A few details, es: Algunos detalles}\n", ""),
        "- id: details",
        "step 'details' > title",
        "required field 'title' is missing",
    ),
    "unknown question type": (
        ("        type: yesno\n", "        type: yes_no\n"),
        "type: yes_no",
        "step 'about' > question 'smoker' > type",
        "Input should be 'text', 'textarea', 'email', 'phone', 'choice', 'multichoice', "
        "'yesno', 'integer' or 'date'",
    ),
    "wrong operator": (
        ('{question: smoker, operator: "="', '{question: smoker, operator: "~="'),
        '"~="',
        "step 'details' > question 'cigarettes' > condition 1 > operator",
        "Input should be 'exists', '=', '!=', '<', '<=', '>' or '>='",
    ),
    "condition on an unknown question": (
        ("{question: smoker,", "{question: smoking,"),
        "question: smoking",
        "step 'details' > question 'cigarettes' > condition 1 > question",
        "refers to 'smoking', which is not a question on an earlier step",
    ),
    "condition on a question on the same step": (
        (
            "        maximum: 120\n",
            "        maximum: 120\n        enable_when: [{question: smoker, operator: exists, "
            "answer: true}]\n",
        ),
        "enable_when: [{question: smoker",
        "step 'about' > question 'age' > condition 1 > question",
        "'smoker' is on the same step; conditions may only refer to questions on earlier steps",
    ),
    "condition on a later question": (
        (
            "        type: yesno\n",
            "        type: yesno\n        enable_when: [{question: cigarettes, operator: "
            "exists, answer: true}]\n",
        ),
        "question: cigarettes",
        "step 'about' > question 'smoker' > condition 1 > question",
        "refers to 'cigarettes', which is not a question on an earlier step",
    ),
    "step condition on its own question": (
        (
            "    title: {en: About you, es: Sobre usted}\n    questions:",
            "    title: {en: About you, es: Sobre usted}\n"
            "    enable_when: [{question: name, operator: exists, answer: true}]\n"
            "    questions:",
        ),
        "question: name",
        "step 'about' > condition 1 > question",
        "refers to 'name', which is not a question on an earlier step",
    ),
    "condition answer that is not an option": (
        ("answer: stopped}", "answer: stoped}"),
        "answer: stoped",
        "step 'details' > question 'months' > condition 1 > answer",
        "'stoped' is not an option of 'isotretinoin' (options: never, stopped); use = or !=",
    ),
    "ordered operator on a choice": (
        ('{question: isotretinoin, operator: "="', '{question: isotretinoin, operator: ">"'),
        "question: isotretinoin",
        "step 'details' > question 'months' > condition 1 > answer",
        "'stopped' is not an option of 'isotretinoin' (options: never, stopped); use = or !=",
    ),
    "yes/no condition with a text answer": (
        ("answer: true}", "answer: sometimes}"),
        "answer: sometimes",
        "step 'details' > question 'cigarettes' > condition 1 > answer",
        "'smoker' is a yes/no question: use = or != with true or false",
    ),
    "yes/no condition with a number": (
        ("answer: true}", "answer: 1}"),
        "answer: 1}",
        "step 'details' > question 'cigarettes' > condition 1 > answer",
        "'smoker' is a yes/no question: use = or != with true or false",
    ),
    "exists with a non-boolean": (
        (
            '{question: smoker, operator: "=", answer: true}',
            "{question: smoker, operator: exists, answer: 3}",
        ),
        "operator: exists",
        "step 'details' > question 'cigarettes' > condition 1 > answer",
        "'exists' takes true or false",
    ),
    "duplicate question id": (
        ("      - id: months\n", "      - id: age  # copied\n"),
        "# copied",
        "step 'details' > question 'age' > id",
        "question id 'age' is used twice",
    ),
    "duplicate option value": (
        (
            "          - {value: stopped, label: {en: Stopped, es: Lo dejé}}\n",
            "          - {value: stopped, label: {en: Stopped, es: Lo dejé}}\n"
            "          - {value: never, label: {en: Never again, es: Nunca más}}\n",
        ),
        "Never again",
        "step 'about' > question 'isotretinoin' > option 'never' > value",
        "option value 'never' is used twice",
    ),
    "choice question without options": (
        (
            "      - id: cigarettes\n        type: integer\n",
            "      - id: cigarettes\n        type: choice  # was integer\n",
        ),
        "# was integer",
        "step 'details' > question 'cigarettes' > type",
        "a 'choice' question needs options",
    ),
    "multichoice question with an empty option list": (
        (
            "      - id: cigarettes\n        type: integer\n",
            "      - id: cigarettes\n        type: multichoice\n        options: []\n",
        ),
        "type: multichoice",
        "step 'details' > question 'cigarettes' > type",
        "a 'multichoice' question needs options",
    ),
    "max_length on a yes/no question": (
        ("        type: yesno\n", "        type: yesno\n        max_length: 3\n"),
        "max_length: 3",
        "step 'about' > question 'smoker' > max_length",
        "max_length applies only to text questions",
    ),
    "label only in one of the languages": (
        ('label: {en: "Do you smoke?", es: "¿Fuma?"}', 'label: {en: "Do you smoke?"}'),
        "Do you smoke?",
        "step 'about' > question 'smoker' > label",
        "missing text for language es",
    ),
    "option label only in one of the languages": (
        ("{en: Never, es: Nunca}", "{en: Never}"),
        "{en: Never}",
        "step 'about' > question 'isotretinoin' > option 'never' > label",
        "missing text for language es",
    ),
    "short title of a topic only in one of the languages": (
        (
            "    title: {en: Your health, es: Su salud}\n",
            "    title: {en: Your health, es: Su salud}\n    short_title: {en: Health}\n",
        ),
        "short_title: {en: Health}",
        "topic 'health' > short_title",
        "missing text for language es",
    ),
    "text in a language that is not offered": (
        ("{en: Your age, es: Su edad}", "{en: Your age, es: Su edad, fr: Votre âge}"),
        "Votre âge",
        "step 'about' > question 'age' > label",
        "text for language fr, which is not in 'languages'",
    ),
    "a condition on a question asked only where the clinic offers RF": (
        (
            '        label: {en: "Do you smoke?", es: "¿Fuma?"}\n',
            '        label: {en: "Do you smoke?", es: "¿Fuma?"}\n        offered_with: rf\n',
        ),
        "- {question: smoker",
        "step 'details' > question 'cigarettes' > condition 1 > question",
        "'smoker' is asked only where the clinic offers 'rf'; a condition on it would be "
        "left without an answer",
    ),
    "a placeholder that is no policy setting": (
        ('label: {en: "Do you smoke?"', 'label: {en: "Do you smoke {daily}?"'),
        "Do you smoke {daily}?",
        "step 'about' > question 'smoker' > label",
        "text (en) uses an unknown placeholder {daily}",
    ),
    "a treatment the content does not know": (
        ("        type: yesno\n", "        type: yesno\n        offered_with: laser\n"),
        "offered_with: laser",
        "step 'about' > question 'smoker' > offered_with",
        "Input should be 'rf' or 'home_roller'",
    ),
    "minimum greater than maximum": (
        ("maximum: 120", "maximum: 12"),
        "minimum: 18",
        "step 'about' > question 'age' > minimum",
        "minimum (18) is greater than maximum (12)",
    ),
    "topics listed in another order than their steps": (
        (
            "  - id: you\n    title: {en: About you, es: Sobre usted}\n"
            "  - id: health\n    title: {en: Your health, es: Su salud}\n",
            "  - id: health\n    title: {en: Your health, es: Su salud}\n"
            "  - id: you\n    title: {en: About you, es: Sobre usted}\n",
        ),
        "- id: you",
        "topic 'you' > id",
        "topic 'you' must be listed before 'health': its steps come first",
    ),
}


@pytest.mark.parametrize(("change", "at", "item", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_bad_content_is_rejected_with_one_precise_problem(change, at, item, message):
    text = broken(*change)
    assert problems_of(text) == [ContentProblem(BAD, line_of(text, at), item, message)]


@pytest.mark.parametrize(
    ("change", "at", "item", "message"),
    [
        pytest.param(
            ("steps:\n", "steps: []\nold_steps:\n"),
            "steps: []",
            "steps",
            "List should have at least 1 item after validation, not 0",
            id="no steps",
        ),
        pytest.param(
            (
                "    questions:\n      - id: cigarettes",
                "    questions: []\n    old_questions:\n      - id: cigarettes",
            ),
            "questions: []",
            "step 'details' > questions",
            "List should have at least 1 item after validation, not 0",
            id="step without questions",
        ),
        pytest.param(
            (
                "        type: yesno\n",
                "        type: yesno\n"
                "        options: [{value: often, label: {en: Often, es: A menudo}}]\n",
            ),
            "value: often",
            "step 'about' > question 'smoker' > options",
            "a 'yesno' question takes no options",
            id="yes/no question with options",
        ),
    ],
)
def test_problem_with_a_whole_list_names_the_list(change, at, item, message):
    # A list is named by its members ("step 'x'"); a problem with the list
    # itself must still name the list, not just say "file: List should have
    # at least 1 item".
    text = broken(*change)
    problems = [p for p in problems_of(text) if not p.message.startswith("unknown field 'old_")]
    assert problems == [ContentProblem(BAD, line_of(text, at), item, message)]


def test_step_with_an_unknown_topic_is_rejected():
    text = broken("    topic: health\n", "    topic: lifestyle\n")
    problems = problems_of(text)
    assert problems[0] == ContentProblem(
        BAD,
        line_of(text, "topic: lifestyle"),
        "step 'details' > topic",
        "unknown topic 'lifestyle' (topics: you, health)",
    )
    # ... which leaves the topic 'health' without steps, also said plainly.
    assert problems[1:] == [
        ContentProblem(
            BAD, line_of(text, "- id: health"), "topic 'health' > id", "topic 'health' has no steps"
        )
    ]


def test_every_problem_in_a_file_is_reported_at_once():
    text = broken("        type: yesno\n", "        type: yesno\n        colour: red\n").replace(
        '"="', '"~="'
    )
    problems = problems_of(text)
    assert [p.message for p in problems] == [
        "unknown field 'colour'",
        "Input should be 'exists', '=', '!=', '<', '<=', '>' or '>='",
        "Input should be 'exists', '=', '!=', '<', '<=', '>' or '>='",
    ]
    assert [p.line for p in problems] == [
        line_of(text, "colour: red"),
        line_of(text, "question: smoker"),
        line_of(text, "question: isotretinoin"),
    ]


def test_problem_reads_as_file_line_item_message():
    text = broken("        type: yesno\n", "        type: yesno\n        colour: red\n")
    with pytest.raises(ContentError) as caught:
        parse_questionnaire(text, BAD)
    line = line_of(text, "colour: red")
    expected = f"bad.yaml:{line}: step 'about' > question 'smoker' > colour: unknown field 'colour'"
    assert str(caught.value.problems[0]) == expected
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("change", "at", "item"),
    [
        pytest.param(
            ("        max_length: 40\n", "        max_length: 40\n        max_length: 400\n"),
            "max_length: 400",
            "step 'about' > question 'name' > max_length",
            id="field of a question",
        ),
        pytest.param(
            ("{en: Your age, es: Su edad}", "{en: Your age, es: Su edad, en: Age}"),
            "en: Age",
            "step 'about' > question 'age' > label > en",
            id="language of a text",
        ),
    ],
)
def test_key_given_twice_is_rejected_not_overwritten(change, at, item):
    # Plain YAML loading keeps the second value without a word, so a clinic
    # would lose the first one (here a max_length of 40 silently becoming 400).
    text = broken(*change)
    [problem] = problems_of(text)
    assert (problem.line, problem.item) == (line_of(text, at), item)
    assert "given twice" in problem.message


def test_unreadable_content_folder_is_a_problem_too(tmp_path):
    with pytest.raises(ContentError) as caught:
        load_questionnaire(tmp_path)
    [problem] = caught.value.problems
    assert problem.path == tmp_path / "questionnaire.yaml"
    assert problem.item == "file"
    assert problem.message.startswith("cannot be read")


# flask --app kiosk content check -------------------------------------------


def test_content_check_accepts_the_shipped_content():
    result = CliRunner().invoke(content_cli, ["check"], env={"KIOSK_CONTENT_DIR": None})
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "microneedling_consultation" in result.output


def content_copy(folder: Path, **changes: tuple[str, str]) -> Path:
    """A copy of the shipped content files in ``folder``; ``changes`` maps a
    file's stem to an (old, new) replacement, ``old`` occurring once."""
    for path in DEFAULT_CONTENT_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.stem in changes:
            old, new = changes[path.stem]
            assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
            text = text.replace(old, new)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def test_content_check_checks_the_plan_and_its_sources(tmp_path):
    # The count it reports is of the flags it loaded, whatever plan.yaml holds.
    flags = load_rules(load_questionnaire()).flags
    good = CliRunner().invoke(content_cli, ["check", str(DEFAULT_CONTENT_DIR)])
    assert good.exit_code == 0, good.output
    assert f"plan.yaml: {len(flags)} screening flags, every text sourced" in good.output
    content_copy(tmp_path, plan=('sources: [R8, "policy:sun_before_hours"]', "sources: [R99]"))
    bad = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert bad.exit_code == 1
    assert "unknown source 'R99' (not in sources.yaml)" in bad.output


def test_content_check_accepts_a_good_folder(tmp_path):
    content_copy(tmp_path)
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # What it checked, by shape: the counts grow with the content.
    folder, questionnaire, plan = result.output.splitlines()
    assert folder == f"Content folder: {tmp_path}"
    assert re.fullmatch(
        r"OK: microneedling_consultation \S+: \d+ steps, \d+ questions, languages en, es",
        questionnaire,
    )
    assert re.fullmatch(r"OK: plan\.yaml: \d+ screening flags, every text sourced", plan)


def test_content_check_refuses_a_folder_the_app_could_not_start_on(tmp_path):
    # A questionnaire (and its sources) without a plan file: the app loads
    # the plan file too, so it could not start.
    content_copy(tmp_path)
    (tmp_path / "plan.yaml").unlink()
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'plan.yaml'}: file: cannot be read" in result.output
    assert "OK" not in result.output


def test_content_check_names_a_question_the_app_needs_that_is_missing(tmp_path):
    content_copy(
        tmp_path,
        questionnaire=(
            "      - id: concerns\n        type: multichoice\n",
            "      - id: worries\n        type: multichoice\n",
        ),
    )
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'questionnaire.yaml'}:1: file: the questionnaire has no question "
        "'concerns' (multichoice), which the app needs"
    ) in result.output
    # ... and the staff's at-a-glance row that gathers it, and the typical
    # patient's answer to it.
    assert "at_a_glance > item 2 > question 1: unknown question 'concerns'" in result.output
    assert "typical_patient > concerns: unknown question 'concerns'" in result.output
    assert "3 problem(s) found." in result.output


@pytest.mark.parametrize(
    ("old", "new", "item", "message"),
    [
        pytest.param(
            "  fitzpatrick: type_3\n  isotretinoin",
            "  fitzpatrick: type_9\n  isotretinoin",
            "typical_patient > fitzpatrick",
            "'type_9' is no answer to this choice question (not_an_option)",
            id="not an option",
        ),
        pytest.param(
            "  age_band: age_30_39\n  contact_consent",
            "  age_band: age_30_39\n  age: 34\n  contact_consent",
            "typical_patient > age",
            "unknown question 'age'",
            id="unknown question",
        ),
        pytest.param(
            "  downtime: few_days\n  device_interest",
            "  device_interest",
            "typical_patient",
            "no answer to 'downtime', which these answers lead to",
            id="a question left out",
        ),
        pytest.param(
            "  contact_consent: false\n  concerns",
            "  contact_consent: true\n  concerns",
            "typical_patient",
            "no answer to 'phone', which these answers lead to",
            id="a follow-up left out",
        ),
    ],
)
def test_the_typical_patient_answers_what_their_answers_lead_to(tmp_path, old, new, item, message):
    # Welcome's "It takes about N minutes" is their time: answers that do not
    # fit the questions are a content problem, not a wrong figure.
    content_copy(tmp_path, questionnaire=(old, new))
    with pytest.raises(ContentError) as caught:
        load_questionnaire(tmp_path)
    [problem] = caught.value.problems
    assert (problem.item, problem.message) == (item, message)


def test_the_apps_questionnaire_needs_a_typical_patient(tmp_path):
    text = (DEFAULT_CONTENT_DIR / "questionnaire.yaml").read_text(encoding="utf-8")
    typical = text[text.index("# A typical patient") :]
    content_copy(tmp_path, questionnaire=(typical, ""))
    with pytest.raises(ContentError) as caught:
        load_questionnaire(tmp_path)
    [problem] = caught.value.problems
    assert problem.message.startswith("the questionnaire has no typical_patient: Welcome's")
    # A questionnaire on its own (a test's, an example's) may go without one.
    assert parse_questionnaire(text.replace(typical, ""), tmp_path / "q.yaml").typical_patient == {}


def test_content_check_points_at_a_needed_question_given_another_type(tmp_path):
    changed = (
        "      - id: areas\n        type: multichoice\n",
        "      - id: areas\n        type: choice\n",
    )
    content_copy(tmp_path, questionnaire=changed)
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    text = (tmp_path / "questionnaire.yaml").read_text(encoding="utf-8")
    line = (
        text.splitlines().index(
            "        type: choice", text.splitlines().index("      - id: areas")
        )
        + 1
    )
    assert (
        f"{tmp_path / 'questionnaire.yaml'}:{line}: step 'concerns' > question 'areas' > type: "
        "the question 'areas' must be a multichoice question (the app reads it as one), not choice"
    ) in result.output


def flask_command(*args: str, instance: Path):
    """``flask --app kiosk ARGS`` as typed in a shell: Flask's own command line,
    with the kiosk's plugin commands, on the instance folder ``instance``."""
    return CliRunner().invoke(
        flask.cli.cli,
        ["--app", "kiosk", *args],
        env={"KIOSK_INSTANCE_PATH": str(instance), "KIOSK_CONTENT_DIR": None},
    )


def test_content_check_reads_the_content_folder_the_app_is_configured_with(tmp_path):
    # The clinic's instance/config.py points at its own content, whose plan
    # file gives a flag a severity that does not exist: the check fails as the
    # app would, naming the file, the line and the flag.
    folder, instance = tmp_path / "content", tmp_path / "instance"
    folder.mkdir()
    instance.mkdir()
    content_copy(
        folder,
        plan=(
            "  - id: infection_in_area\n    severity: do_not_treat\n",
            "  - id: infection_in_area\n    severity: urgent\n",
        ),
    )
    (instance / "config.py").write_text(f"CONTENT_DIR = {str(folder)!r}\n", encoding="utf-8")

    result = flask_command("content", "check", instance=instance)
    assert result.exit_code == 1, result.output
    plan = folder / "plan.yaml"
    line = plan.read_text(encoding="utf-8").splitlines().index("    severity: urgent") + 1
    message = (
        f"{plan}:{line}: flag 'infection_in_area' > severity: "
        "Input should be 'do_not_treat', 'no_rf', 'review' or 'note'"
    )
    assert message in result.output
    assert "1 problem(s) found." in result.output

    # ... and the app itself refuses that folder with the same problem.
    with pytest.raises(ContentError) as caught:
        create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    assert [str(p) for p in caught.value.problems] == [message]


def test_content_check_reports_the_problem_and_fails(tmp_path):
    text = broken("        type: yesno\n", "        type: yesno\n        colour: red\n")
    path = tmp_path / "questionnaire.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    line = line_of(text, "colour: red")
    assert (
        f"{path}:{line}: step 'about' > question 'smoker' > colour: unknown field 'colour'"
        in result.output
    )
    assert "1 problem(s) found." in result.output
    assert "OK" not in result.output


def test_content_check_uses_the_content_dir_setting(tmp_path):
    (tmp_path / "questionnaire.yaml").write_text("steps: [\n", encoding="utf-8")
    result = CliRunner().invoke(content_cli, ["check"], env={"KIOSK_CONTENT_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert f"{tmp_path / 'questionnaire.yaml'}:" in result.output
    assert "YAML syntax" in result.output
