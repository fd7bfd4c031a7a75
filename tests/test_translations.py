"""Every language the kiosk offers is complete: caught here, not by a patient."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk.core.content_folder import load_questionnaire
from kiosk.core.i18n import TRANSLATIONS_DIR
from kiosk.core.plan import load_rules

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
    assert path.exists(), f"no catalogue for {code}: see docs/content.md, 'Adding a language'"
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


# One neutral Spanish, one term for each thing -------------------------------------------

CONTENT = ROOT / "kiosk" / "core" / "content"


@functools.cache
def glossary() -> list[dict]:
    return yaml.safe_load((CONTENT / "glossary.yaml").read_text(encoding="utf-8"))["terms"]


def text_pairs() -> list[tuple[str, str, str]]:
    """(where, English, Spanish) for every text of the content files and the catalogue."""
    pairs = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("en"), str) and isinstance(node.get("es"), str):
                pairs.append((where, node["en"], node["es"]))
            for key, value in node.items():
                walk(value, f"{where} > {key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, f"{where} > {n}")

    for name in ("questionnaire.yaml", "plan.yaml"):
        walk(yaml.safe_load((CONTENT / name).read_text(encoding="utf-8")), name)
    with (TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        for message in read_po(handle):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(strings):
                pairs.append(("messages.po", " ".join(ids), " ".join(strings)))
    return pairs


@functools.cache
def words(term: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def test_the_glossary_is_well_formed():
    terms = glossary()
    assert len(terms) >= 10
    for term in terms:
        assert {"en", "es", "avoid"} <= set(term) <= {"en", "es", "avoid", "not_in"}, term
        assert all(term[key] for key in ("en", "es", "avoid")), term


def test_the_glossary_check_catches_a_second_term_and_a_regional_word():
    # The checks below, applied to made-up pairs, so that they can be seen to fail.
    clinician = next(t for t in glossary() if "clinician" in t["en"])
    bad = ("Ask your clinician.", "Pregunte a su profesional sanitario.")
    assert any(words(w).search(bad[1]) for w in clinician["avoid"])
    assert not any(words(w).search(bad[1]) for w in clinician["es"])


def test_no_spanish_text_uses_a_word_the_glossary_avoids():
    found = [
        (where, avoided, spanish)
        for where, _english, spanish in text_pairs()
        for term in glossary()
        for avoided in term["avoid"]
        if words(avoided).search(spanish)
    ]
    assert found == []


def test_every_spanish_text_uses_the_glossary_term_where_the_english_does():
    pairs = text_pairs()
    assert len(pairs) > 300
    missing = []
    for where, english, spanish in pairs:
        for term in glossary():
            for phrase in term.get("not_in", []):
                english = words(phrase).sub("", english)
            uses = any(words(w).search(english) for w in term["en"])
            if uses and not any(words(w).search(spanish) for w in term["es"]):
                missing.append((where, term["es"][0], spanish))
    assert missing == []
