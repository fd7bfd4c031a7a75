"""Load and validate the questionnaire content file.

Every problem is reported as ``file:line: item: problem`` so that a clinic
editing its content knows exactly where to look. ``load_content`` (in
``folder.py``) loads the whole content folder the app runs on.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kiosk.core.content.schema import EnableWhen, Messages, Question, Questionnaire, Step
from kiosk.core.policy import Policy

DEFAULT_CONTENT_DIR = Path(__file__).parent
M = TypeVar("M", bound=BaseModel)

# libyaml's parser when PyYAML was built with it: several times faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, mark: yaml.Mark):
        super().__init__(None, None, f"'{key}' is given twice", mark)
        self.key = key


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loading that refuses a key given twice in one mapping, which plain
    YAML loading would silently overwrite with the second value."""

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _loc_of_key(node: yaml.Node | None, line: int, key: Any, path: tuple = ()) -> tuple:
    """The location (keys and indexes) of ``key`` written on ``line`` (0-based)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if key_node.start_mark.line == line and key_node.value == str(key):
                return (*path, key)
            found = _loc_of_key(value, line, key, (*path, key_node.value))
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _loc_of_key(item, line, key, (*path, index))
            if found:
                return found
    return ()


QUESTIONNAIRE_FILE = "questionnaire.yaml"

# How a list in the file names its members in messages.
# Lists named by their section as well as their members ("aftercare > line 2").
_SECTIONS = {"preparation", "day_of", "downtime", "aftercare", "call_clinic", "device_notes"}
_MEMBER_NAMES = {
    "flags": "flag",
    **dict.fromkeys(_SECTIONS, "line"),
    "when": "condition",
    "only_if": "condition",
    "topics": "topic",
    "steps": "step",
    "questions": "question",
    "options": "option",
    "enable_when": "condition",
}


@dataclass(frozen=True)
class ContentProblem:
    path: Path
    line: int | None
    item: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.item}: {self.message}"


class ContentError(Exception):
    """The content file is broken; ``problems`` says where and how."""

    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_content(path: Path) -> str:
    """A content file's text, or a ContentError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = ContentProblem(path, None, "file", f"cannot be read ({exc.strerror})")
        raise ContentError([problem]) from None


def parse_questionnaire(text: str, path: Path) -> Questionnaire:
    """A questionnaire from ``text``, checked on its own (not for what the
    app's code reads: see ``load_questionnaire``)."""
    return parse_model(text, path, Questionnaire, questionnaire_problems)


def parse_model(
    text: str,
    path: Path,
    model: type[M],
    cross_check: Callable[[M], Iterable[tuple[tuple, str]]],
) -> M:
    """Parse YAML ``text`` into ``model``; every problem names file, line and item.

    ``cross_check`` yields ``(location, message)`` for what the types cannot say.
    """
    try:
        raw = yaml.load(text, Loader=_Loader)
    except _DuplicateKey as exc:
        # Name the item as for any other problem, from the file read leniently.
        lenient = _Locator(path, yaml.load(text, Loader=_BaseLoader), text)
        loc = _loc_of_key(lenient.tree, exc.problem_mark.line, exc.key)
        line = exc.problem_mark.line + 1
        raise ContentError([ContentProblem(path, line, lenient.item(loc), exc.problem)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError([ContentProblem(path, line, "YAML syntax", problem)]) from None
    if not isinstance(raw, dict):
        names = [n for n, f in model.model_fields.items() if f.is_required()]
        fields = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
        raise ContentError([ContentProblem(path, 1, "file", f"must be a mapping with {fields}")])

    locate = _Locator(path, raw, text)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        problems = [
            locate(err["loc"], _pydantic_message(err)) for err in exc.errors(include_url=False)
        ]
        raise ContentError(problems) from None

    problems = [locate(loc, message) for loc, message in cross_check(parsed)]
    if problems:
        raise ContentError(problems)
    return parsed


def _pydantic_message(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown field '{err['loc'][-1]}'"
    if err["type"] == "missing":
        return f"required field '{err['loc'][-1]}' is missing"
    return err["msg"]


class _Locator:
    """Turns a location in the parsed data into a line number and an item name."""

    def __init__(self, path: Path, raw: Any, text: str):
        self.path, self.raw, self.text = path, raw, text
        self._tree: yaml.Node | None = None

    @property
    def tree(self) -> yaml.Node | None:
        # The node tree (with line numbers) is built only when there is a problem.
        if self._tree is None:
            self._tree = yaml.compose(self.text, Loader=_BaseLoader)
        return self._tree

    def __call__(self, loc: tuple, message: str) -> ContentProblem:
        return ContentProblem(self.path, self._line(loc), self.item(loc), message)

    def item(self, loc: tuple) -> str:
        parts: list[str] = []
        data, parent_key = self.raw, None
        for n, key in enumerate(loc):
            if isinstance(data, dict) and key in data:
                data, parent_key = data[key], key
                # A list is named by its members ("step 'x'"), unless the
                # problem is with the list itself.
                if (
                    parent_key not in _MEMBER_NAMES
                    or parent_key in _SECTIONS
                    or (n == len(loc) - 1)
                ):
                    parts.append(str(key))
            elif isinstance(data, list) and isinstance(key, int) and key < len(data):
                data = data[key]
                member = _MEMBER_NAMES.get(parent_key, "item")
                ident = data.get("id") or data.get("value") if isinstance(data, dict) else None
                parts.append(f"{member} '{ident}'" if ident else f"{member} {key + 1}")
            else:
                parts.append(str(key))
                break
        return " > ".join(parts) or "file"

    def _line(self, loc: tuple) -> int | None:
        node, line = self.tree, 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == key), None)
                if found is None:
                    break
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    break
                node = node.value[key]
            else:
                break
            line = node.start_mark.line + 1
        return line if node is not None else None


def questionnaire_problems(q: Questionnaire) -> Iterator[tuple[tuple, str]]:
    """What the types alone cannot say: unique ids, references, languages."""
    languages = set(q.languages)
    yield from _texts_complete(("title",), q.title, languages)

    topic_ids = [t.id for t in q.topics]
    for i, topic in enumerate(q.topics):
        if topic_ids.index(topic.id) != i:
            yield ("topics", i, "id"), f"topic id '{topic.id}' is used twice"
        yield from _texts_complete(("topics", i, "title"), topic.title, languages)
        yield from _texts_complete(("topics", i, "short_title"), topic.short_title, languages)

    step_ids: set[str] = set()
    earlier: dict[str, Question] = {}
    topics_used: list[str] = []
    asked_again: set[str] = set()  # the questions of the steps marked returning
    for s, step in enumerate(q.steps):
        loc = ("steps", s)
        if step.id in step_ids:
            yield (*loc, "id"), f"step id '{step.id}' is used twice"
        step_ids.add(step.id)
        yield from _returning_valid(loc, step, asked_again)
        if step.returning:
            asked_again.update(question.id for question in step.questions)
        if step.topic not in topic_ids:
            yield (*loc, "topic"), f"unknown topic '{step.topic}' (topics: {', '.join(topic_ids)})"
        elif topics_used and step.topic != topics_used[-1] and step.topic in topics_used:
            yield (*loc, "topic"), f"steps of topic '{step.topic}' must follow each other"
        if not topics_used or topics_used[-1] != step.topic:
            topics_used.append(step.topic)
        yield from _texts_complete((*loc, "title"), step.title, languages)
        yield from _texts_complete((*loc, "intro"), step.intro, languages)
        yield from _checklist_valid(loc, step, languages)
        yield from _conditions_valid(loc, step.enable_when, earlier)

        in_step: dict[str, Question] = {}
        for n, question in enumerate(step.questions):
            qloc = (*loc, "questions", n)
            if question.id in earlier or question.id in in_step:
                yield (*qloc, "id"), f"question id '{question.id}' is used twice"
            yield from _question_valid(qloc, question, languages)
            # A condition may only look at questions on earlier screens: the
            # screen must be complete before it is shown, with or without JavaScript.
            for c, cond in enumerate(question.enable_when):
                if cond.question in in_step:
                    yield (
                        (*qloc, "enable_when", c, "question"),
                        f"'{cond.question}' is on the same step; conditions may only "
                        "refer to questions on earlier steps",
                    )
            yield from _conditions_valid(
                qloc,
                [c for c in question.enable_when if c.question not in in_step],
                earlier,
                question.offered_with,
            )
            in_step[question.id] = question
        earlier.update(in_step)

    for i, topic in enumerate(q.topics):
        if topic.id not in topics_used:
            yield ("topics", i, "id"), f"topic '{topic.id}' has no steps"
    # The progress list names the topics as listed, marking the current one,
    # and the answers are read back topic by topic in the order they were
    # asked: the two orders must agree, or the progress would go backwards.
    for r, row in enumerate(q.at_a_glance):
        yield from _texts_complete(("at_a_glance", r, "label"), row.label, languages)
        for n, question_id in enumerate(row.questions):
            if question_id not in earlier:
                yield (
                    ("at_a_glance", r, "questions", n),
                    f"unknown question '{question_id}'",
                )
    by_steps = [t for t in dict.fromkeys(topics_used) if t in topic_ids]
    as_listed = [t for t in topic_ids if t in by_steps]
    for first, listed in zip(by_steps, as_listed, strict=True):
        if first != listed:
            yield (
                ("topics", topic_ids.index(first), "id"),
                f"topic '{first}' must be listed before '{listed}': its steps come first",
            )
            break


def _returning_valid(loc: tuple, step: Step, asked_again: set[str]):
    """A step that follows up an answer asked again of a returning patient is
    asked again too: else a changed answer would call for a screen they never see."""
    if step.returning:
        return
    conditions = [*step.enable_when, *(c for q in step.questions for c in q.enable_when)]
    for cond in conditions:
        if cond.question in asked_again:
            yield (
                (*loc, "returning"),
                f"'{cond.question}' is asked again of a returning patient, so this step, "
                "which depends on it, needs returning: true too",
            )
            return


def _checklist_valid(loc: tuple, step: Step, languages: set[str]):
    if step.checklist is None:
        return
    for field in ("label", "hint", "none", "summary_none"):
        yield from _texts_complete(
            (*loc, "checklist", field), getattr(step.checklist, field), languages
        )
    yield from _messages_complete((*loc, "checklist"), step.checklist.messages, languages)
    if len(step.checklist_items) < 2:
        yield (*loc, "checklist"), "a checklist needs at least two yes/no questions on its step"
    for n, question in enumerate(step.questions):
        if question.type == "yesno" and question.enable_when:
            yield (
                (*loc, "questions", n, "enable_when"),
                "a question of a checklist is always asked: it takes no enable_when",
            )


def _question_valid(loc: tuple, question: Question, languages: set[str]):
    for field in ("label", "hint", "summary_label", "item", "suffix", "suffix_one"):
        yield from _texts_complete((*loc, field), getattr(question, field), languages)
    yield from _messages_complete(loc, question.messages, languages)
    has_options = question.type in ("choice", "multichoice")
    if has_options and not question.options:
        yield (*loc, "type"), f"a '{question.type}' question needs options"
    if not has_options and question.options:
        yield (*loc, "options"), f"a '{question.type}' question takes no options"
    values: set[str] = set()
    for o, option in enumerate(question.options or []):
        if option.value in values:
            yield (*loc, "options", o, "value"), f"option value '{option.value}' is used twice"
        values.add(option.value)
        yield from _texts_complete((*loc, "options", o, "label"), option.label, languages)
        yield from _texts_complete((*loc, "options", o, "hint"), option.hint, languages)
        yield from _texts_complete(
            (*loc, "options", o, "staff_label"), option.staff_label, languages
        )
    if question.max_length and question.type not in ("text", "textarea", "email", "phone"):
        yield (*loc, "max_length"), "max_length applies only to text questions"
    if (question.minimum is not None or question.maximum is not None) and question.type != (
        "integer"
    ):
        yield (*loc, "type"), "minimum and maximum apply only to integer questions"
    if (question.min_days is not None or question.max_days is not None) and question.type != (
        "date"
    ):
        yield (*loc, "type"), "min_days and max_days apply only to date questions"
    for low, high in (("minimum", "maximum"), ("min_days", "max_days")):
        lo, hi = getattr(question, low), getattr(question, high)
        if lo is not None and hi is not None and lo > hi:
            yield (*loc, low), f"{low} ({lo}) is greater than {high} ({hi})"


def _messages_complete(loc: tuple, messages: Messages, languages: set[str]):
    for field in ("required", "invalid"):
        yield from _texts_complete((*loc, "messages", field), getattr(messages, field), languages)


def _texts_complete(loc: tuple, text: dict[str, str] | None, languages: set[str]):
    if text is None:
        return
    missing = sorted(languages - text.keys())
    if missing:
        yield loc, f"missing text for language {', '.join(missing)}"
    extra = sorted(text.keys() - languages)
    if extra:
        yield loc, f"text for language {', '.join(extra)}, which is not in 'languages'"
    for language, words in text.items():
        yield from placeholders_known(loc, language, words)


def placeholders_known(loc: tuple, language: str, words: str):
    """A text may name a clinic policy value ({tanning_weeks}), filled in as
    the clinic has set it; anything else in braces is a mistake."""
    known = {field.name for field in dataclass_fields(Policy)}
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(words) if name is not None}
    except ValueError as exc:
        yield loc, f"text ({language}) has a broken placeholder: {exc}"
        return
    for name in sorted(names - known):
        yield loc, f"text ({language}) uses an unknown placeholder {{{name}}}"


def _conditions_valid(
    loc: tuple,
    conditions: list[EnableWhen],
    earlier: dict[str, Question],
    offered_with: str | None = None,
):
    for c, cond in enumerate(conditions):
        cloc = (*loc, "enable_when", c)
        target = earlier.get(cond.question)
        if target is None:
            yield (
                (*cloc, "question"),
                f"refers to '{cond.question}', which is not a question on an earlier step",
            )
            continue
        if target.offered_with and target.offered_with != offered_with:
            yield (
                (*cloc, "question"),
                f"'{cond.question}' is asked only where the clinic offers "
                f"'{target.offered_with}'; a condition on it would be left without an answer",
            )
        problem = condition_answer_problem(cond, target)
        if problem:
            yield (*cloc, "answer"), problem


def condition_answer_problem(cond: EnableWhen, target: Question) -> str | None:
    """Why ``cond.answer`` cannot be compared with answers to ``target``, if it cannot."""
    answer = cond.answer
    if cond.operator == "exists":
        return None if isinstance(answer, bool) else "'exists' takes true or false"
    ordered = cond.operator in ("<", "<=", ">", ">=")
    if target.type == "yesno":
        if ordered or not isinstance(answer, bool):
            return f"'{target.id}' is a yes/no question: use = or != with true or false"
    elif target.type in ("choice", "multichoice"):
        values = [o.value for o in target.options or []]
        if ordered or answer not in values:
            return (
                f"'{answer}' is not an option of '{target.id}' (options: {', '.join(values)}); "
                "use = or !="
            )
    elif target.type == "integer":
        if isinstance(answer, bool) or not isinstance(answer, int):
            return f"'{target.id}' takes a whole number"
    elif target.type == "date":
        if not isinstance(answer, dt.date):
            return f"'{target.id}' takes a date (YYYY-MM-DD)"
    elif ordered or not isinstance(answer, str):
        return f"'{target.id}' is a text question: use = or != with a text"
    return None
