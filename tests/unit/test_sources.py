"""Every sentence the patient reads is traceable to the facts sheet.

Each text of plan.yaml names its sources; the loader refuses a text without
one and a key that sources.yaml does not list; sources.yaml lists exactly the
facts sheet's keys and sections.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kiosk.core.content.loader import DEFAULT_CONTENT_DIR
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.plan import load_rules
from kiosk.core.plan.rules import cited, load_citations
from kiosk.core.policy import Policy

from .test_plan import line_of, problems_of

FACTS = Path(__file__).resolve().parents[3] / "shared" / "docs" / "microneedling-facts.md"
PLAN_YAML = (DEFAULT_CONTENT_DIR / "plan.yaml").read_text(encoding="utf-8")


def test_every_text_of_the_plan_cites_a_known_source():
    rules = load_rules(load_questionnaire())
    citations = load_citations()
    places = list(cited(rules))
    # Concerns (4 texts each at most), sessions, schedule, event, lines, flags.
    assert len(places) > 100
    for where, keys in places:
        assert keys, where
        assert all(citations.problem(key) is None for key in keys), (where, keys)


def test_policy_citations_name_real_settings():
    citations = load_citations()
    assert citations.problem("policy:tanning_weeks") is None
    assert citations.problem("policy:tanning_days") == "unknown policy setting 'tanning_days'"
    assert all(citations.problem(f"policy:{name}") is None for name in Policy().as_dict())


def test_a_text_without_sources_is_refused(tmp_path):
    old = """    text: {en: "Keep out of the sun.", es: "Evite el sol."}
    sources: [R8, "policy:sun_before_hours"]
"""
    assert PLAN_YAML.count(old) == 1
    text = PLAN_YAML.replace(old, old.splitlines(keepends=True)[0])
    [problem] = problems_of(text, tmp_path)
    assert problem.item == "preparation > line 5 > sources"
    assert problem.message == "required field 'sources' is missing"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("R99", "unknown source 'R99' (not in sources.yaml)"),
        ("§12", "unknown source '§12' (not in sources.yaml)"),
        ('"policy:sun_hours"', "unknown policy setting 'sun_hours'"),
    ],
)
def test_a_source_key_the_facts_sheet_does_not_list_is_refused(tmp_path, key, message):
    old = 'sources: [R8, "policy:sun_before_hours"]'
    text = PLAN_YAML.replace(old, f"sources: [R8, {key}]")
    [problem] = problems_of(text, tmp_path)
    assert problem.line == line_of(text, f"sources: [R8, {key}]")
    assert problem.item == "preparation > line 5 > sources > item 2"
    assert problem.message == message


def facts_sheet() -> str:
    if not FACTS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the facts sheet is missing: {FACTS}")
        pytest.skip(f"the facts sheet is not beside this checkout ({FACTS})")
    return FACTS.read_text(encoding="utf-8")


def test_sources_yaml_lists_exactly_the_facts_sheets_keys_and_sections():
    text = facts_sheet()
    sources_list = text.split("## Sources", 1)[1]
    keys = set(re.findall(r"(?:^|·)\s*([RP]\d+)\s", sources_list, re.MULTILINE))
    sections = {f"§{n}" for n in re.findall(r"^## (\d+)\.", text, re.MULTILINE)}
    citations = load_citations()
    assert keys
    assert sections
    assert set(citations.keys) == keys | {"C"}  # C: the sheet's tag for clinic protocols
    assert set(citations.sections) == sections
