"""The consent's words: built from plan.yaml for the patient's treatments and
language, checked like the plan's texts, reworded by a clinic's wording file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk.core.content.loader import ContentError
from kiosk.core.content_folder import load_content
from kiosk.core.plan import PlanEngine
from kiosk.core.policy import Policy


@pytest.fixture(scope="module")
def content():
    return load_content()


def engine(content, **policy) -> PlanEngine:
    return PlanEngine(content.questionnaire, content.rules, Policy(**policy))


def test_rf_lines_only_where_rf_is_in_question(content):
    pen = engine(content).consent({"device_interest": "pen"}, language="en")
    unsure = engine(content).consent({"device_interest": "not_sure"}, language="en")
    not_offered = engine(content, offers_rf=False).consent(
        {"device_interest": "not_sure"}, language="en"
    )
    assert "RF" not in pen.as_text()
    assert "RF" not in not_offered.as_text()
    assert "RF microneedling adds the risk of burns" in unsure.as_text()
    assert pen.digest != unsure.digest


def test_the_words_fill_in_the_clinics_policy_and_the_digest_follows_them(content):
    two = engine(content).consent({}, language="en")
    four = engine(content, tanning_weeks=4).consent({}, language="en")
    assert "fake tan for 2 weeks" in two.as_text()
    assert "fake tan for 4 weeks" in four.as_text()
    assert two.version == four.version == content.rules.consent.version
    assert two.digest != four.digest
    assert two.label == f"{two.version} ({two.digest[:8]})"


def test_every_language_has_every_part(content):
    english = engine(content).consent({}, language="en")
    spanish = engine(content).consent({}, language="es")
    assert len(english.parts) == len(spanish.parts) == 5
    assert spanish.title == "Su consentimiento para el microneedling"
    assert spanish.as_text().count("\n- ") == english.as_text().count("\n- ")


def test_every_consent_text_cites_a_known_source(tmp_path):
    folder = tmp_path / "content"
    source = Path(load_content().folder)
    folder.mkdir()
    for name in ("questionnaire.yaml", "sources.yaml"):
        (folder / name).write_text((source / name).read_text())
    plan = (source / "plan.yaml").read_text().replace("sources: [§7]", "sources: [P99]")
    (folder / "plan.yaml").write_text(plan)
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    assert (
        "plan.yaml:826: consent > parts > item 'alternatives' > lines > item "
        "'other_treatments' > sources > item 1: unknown source 'P99'"
    ) in str(raised.value)


def test_a_wording_file_rewords_the_consent_by_part_and_line(tmp_path, content):
    wording = tmp_path / "wording.yaml"
    wording.write_text(
        "consent:\n"
        '  title: {en: "Agreeing to microneedling"}\n'
        "  parts:\n"
        "    your_part:\n"
        "      lines:\n"
        '        before: {en: "Keep out of the sun for {tanning_weeks} weeks before."}\n'
    )
    reworded = load_content(wording_file=wording)
    text = engine(reworded).consent({}, language="en")
    assert text.title == "Agreeing to microneedling"
    assert "- Keep out of the sun for 2 weeks before." in text.as_text()
    spanish = engine(reworded).consent({}, language="es")
    assert spanish.title == "Su consentimiento para el microneedling"  # Spanish untouched
    assert text.digest != engine(content).consent({}, language="en").digest


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("  parts:\n    nowhere: {heading: {en: x}}\n", "the consent has no part 'nowhere'"),
        (
            "  parts:\n    risks:\n      lines:\n        gone: {en: x}\n",
            "the consent's part 'risks' has no line 'gone'",
        ),
        (
            "  parts:\n    your_part:\n      lines:\n        before: {en: No tan.}\n",
            "leaves out the placeholder {tanning_weeks}",
        ),
    ],
)
def test_a_wording_file_that_does_not_fit_the_consent_is_refused(tmp_path, words, problem):
    wording = tmp_path / "wording.yaml"
    wording.write_text("consent:\n" + words)
    with pytest.raises(ContentError) as raised:
        load_content(wording_file=wording)
    assert problem in str(raised.value)


def test_the_consent_text_is_plain_text_with_its_parts(content):
    text = engine(content).consent({}, language="en")
    bare = dataclasses.replace(text, parts=())
    assert bare.as_text().split("\n\n") == [
        text.title,
        text.intro,
        text.agreement,
        text.photos + "\n",
    ]
    risks = text.as_text().split("\n\n")[4].split("\n")
    assert risks[0] == "Risks"
    assert all(line.startswith("- ") for line in risks[1:])
