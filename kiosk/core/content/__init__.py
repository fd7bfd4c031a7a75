"""The questionnaire content: data files, their schema and their loader."""

from kiosk.core.content.folder import Content, load_content
from kiosk.core.content.loader import (
    ContentError,
    ContentProblem,
    load_questionnaire,
    parse_questionnaire,
)
from kiosk.core.content.schema import EnableWhen, Option, Question, Questionnaire, Step, Topic

__all__ = [
    "Content",
    "ContentError",
    "ContentProblem",
    "EnableWhen",
    "Option",
    "Question",
    "Questionnaire",
    "Step",
    "Topic",
    "load_content",
    "load_questionnaire",
    "parse_questionnaire",
]
