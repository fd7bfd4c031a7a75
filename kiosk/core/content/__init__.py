"""The questionnaire's file: its schema, its parser and the problems it
reports. The whole content folder, checked as the app runs on it, is
``kiosk.core.content_folder``."""

from kiosk.core.content.loader import ContentError, ContentProblem, parse_questionnaire
from kiosk.core.content.schema import EnableWhen, Option, Question, Questionnaire, Step, Topic

__all__ = [
    "ContentError",
    "ContentProblem",
    "EnableWhen",
    "Option",
    "Question",
    "Questionnaire",
    "Step",
    "Topic",
    "parse_questionnaire",
]
