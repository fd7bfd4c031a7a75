"""The content folder: every file the app loads from it, loaded and checked
together, by the app at start-up and by ``flask --app kiosk content check``.

- ``questionnaire.yaml``: the screens and questions (``loader.py``), with the
  questions the code reads (``contract.py``);
- ``plan.yaml``: screening flags and the summary's texts (``kiosk/core/plan/rules.py``),
  checked against the questionnaire;
- ``sources.yaml``: what the plan's texts may cite.

(``glossary.yaml`` is the translators' word list; the app does not load it and
``tests/test_translations.py`` checks the texts against it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.content.loader import DEFAULT_CONTENT_DIR, load_questionnaire
from kiosk.core.content.schema import Questionnaire
from kiosk.core.content.wording import Wording, load_wording, reword_questionnaire, reword_rules

if TYPE_CHECKING:
    from kiosk.core.plan.rules import Citations, PlanRules


@dataclass(frozen=True)
class Content:
    folder: Path
    questionnaire: Questionnaire
    rules: PlanRules
    citations: Citations  # what the plan's sources keys stand for
    wording: Wording | None = None  # the clinic's own wording, already layered in


def load_content(
    content_dir: Path | str | None = None, wording_file: Path | None = None
) -> Content:
    """Every content file of ``content_dir`` (default: the shipped content),
    and the clinic's ``wording_file`` over them when it exists, checked; a
    ``ContentError`` lists every problem with file, line and item."""
    # The plan package reads the content package: imported here, not at the top.
    from kiosk.core.plan.rules import load_citations, load_rules

    folder = Path(content_dir or DEFAULT_CONTENT_DIR)
    questionnaire = load_questionnaire(folder)
    rules = load_rules(questionnaire, folder)
    wording = None
    if wording_file is not None and wording_file.is_file():
        wording = load_wording(wording_file, questionnaire, rules)
        questionnaire = reword_questionnaire(questionnaire, wording)
        rules = reword_rules(rules, wording)
    return Content(folder, questionnaire, rules, load_citations(folder), wording)
