"""Every language the kiosk offers is complete: caught here, not by a patient."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk.content import load_questionnaire
from kiosk.i18n import TRANSLATIONS_DIR
from kiosk.plan import load_rules

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def interface_strings() -> set[str]:
    """Every string the code and templates pass to gettext, extracted afresh."""
    found: set[str] = set()
    for folder, method in (("kiosk", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def offered_languages() -> list[str]:
    return [code for code in load_questionnaire().languages if code != "en"]


def test_more_than_english_is_offered():
    assert "es" in offered_languages()


def test_content_files_hold_every_text_in_every_language():
    questionnaire = load_questionnaire()  # raises with file, line and item otherwise
    rules = load_rules(questionnaire)
    assert set(rules.languages) >= set(questionnaire.languages)


@pytest.mark.parametrize("code", offered_languages())
def test_every_interface_string_is_translated(code):
    path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalogue for {code}: see README 'Adding a language'"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            continue
        wanted = set(
            PLACEHOLDER.findall(
                " ".join(message.id if isinstance(message.id, tuple) else (message.id,))
            )
        )
        assert all(set(PLACEHOLDER.findall(s)) == wanted for s in strings), (
            f"{code}: placeholders differ in {key!r}"
        )
        translated[key] = strings
    missing = sorted(interface_strings() - translated.keys())
    assert missing == [], f"{code}: untranslated (run make extract-messages): {missing}"
