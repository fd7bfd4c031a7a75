"""The questionnaire content: data files, their schema and their loader."""

from .folder import Content, load_content
from .loader import ContentError, ContentProblem, load_questionnaire, parse_questionnaire
from .schema import EnableWhen, Option, Question, Questionnaire, Step, Topic

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
