"""The questionnaire content: data files, their schema and their loader."""

from .loader import ContentError, Problem, load_questionnaire, parse_questionnaire
from .schema import EnableWhen, Option, Question, Questionnaire, Step, Topic

__all__ = [
    "ContentError",
    "EnableWhen",
    "Option",
    "Problem",
    "Question",
    "Questionnaire",
    "Step",
    "Topic",
    "load_questionnaire",
    "parse_questionnaire",
]
