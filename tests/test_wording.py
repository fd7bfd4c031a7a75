"""A clinic's own wording (instance/wording.yaml) over the shipped content:
per language, checked like the content, shown everywhere the text is."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kiosk import create_app
from kiosk.cli import content_cli
from kiosk.core.content import ContentError
from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.records import stored_pdfs

from .conftest import another_process
from .patient_client import PLAIN, PatientClient, csrf_token, plain

GOOD = """\
steps:
  about: {title: {en: "A little about you"}}
questions:
  recent_tan:
    item: {en: "Strong sun, a sunbed or fake tan in the last {tanning_weeks} weeks"}
  allergies:
    options:
      gold: {label: {en: "Gold jewellery", es: "Joyas de oro"}}
flags:
  home_roller:
    patient: {en: "Bring your roller to your appointment: we will look at it with you."}
interface:
  "WELCOME_LEAD":
    en: "A few short questions about your skin and health: about %(minutes)d minutes."
""".replace(
    "WELCOME_LEAD",
    "Answer a few short questions about your skin and your health. "
    "It takes about %(minutes)d minutes.",
)


@pytest.fixture
def reworded(app):
    """A server of the app whose instance folder holds the wording file."""
    (Path(app.instance_path) / "wording.yaml").write_text(GOOD, encoding="utf-8")
    return another_process(app)


def page(app, url: str, language: str = "en", until: str | None = None) -> str:
    patient = PatientClient(app.test_client())
    if language != "en":
        patient.get("/")
        patient.client.post(
            "/language", data={"language": language, "csrf_token": csrf_token(patient.last_html)}
        )
    if until:
        # An allergy ticked: the list of allergies is asked.
        patient.walk({"medicines": plain("medicines", has_allergies="yes")}, until=until)
    patient.get(url)
    return patient.last_html


def test_the_clinics_words_show_on_welcome_and_the_screens(reworded):
    minutes = reworded.extensions["kiosk.minutes_needed"]["en"]
    assert f"A few short questions about your skin and health: about {minutes} minutes." in page(
        reworded, "/"
    )
    assert "A little about you" in page(reworded, "/step/about", until="about")
    html = page(reworded, "/step/skin_today", until="skin_today")
    assert "Strong sun, a sunbed or fake tan in the last 2 weeks</label>" in html
    assert "Gold jewellery" in page(
        reworded, "/step/treatments_allergies", until="treatments_allergies"
    )


def test_a_language_the_file_leaves_alone_keeps_the_shipped_words(reworded):
    html = page(reworded, "/step/skin_today", language="es", until="skin_today")
    assert "Bronceado al sol, camas solares o autobronceador en las últimas 2 semanas" in html
    assert "Joyas de oro" in page(
        reworded, "/step/treatments_allergies", language="es", until="treatments_allergies"
    )
    welcome = page(reworded, "/", language="es")
    assert "Responda unas preguntas breves sobre su piel y su salud." in welcome


@pytest.mark.render
def test_the_patients_copy_prints_the_clinics_words(reworded):
    patient = PatientClient(reworded.test_client())
    goals = dict(PLAIN["goals"], home_roller="yes")
    patient.walk({"goals": goals})
    patient.submit()
    from pypdf import PdfReader

    with reworded.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        text = " ".join(
            " ".join(
                p.extract_text()
                for p in PdfReader(stored_pdfs.pdf_path(consultation.pdf("patient"))).pages
            ).split()
        )
    assert "Bring your roller to your appointment: we will look at it with you." in text


BROKEN = {
    "unknown question": (
        "questions:\n  recent_tanning:\n    label: {en: x}\n",
        "wording.yaml:3: recent_tanning: no question has the id 'recent_tanning'",
    ),
    "unknown option": (
        "questions:\n  allergies:\n    options:\n      silver: {label: {en: Silver}}\n",
        "wording.yaml:4: allergies > silver: question 'allergies' has no option 'silver'",
    ),
    "unknown language": (
        "steps:\n  about:\n    title: {fr: 'Vous'}\n",
        "wording.yaml:3: about > title: text for language fr, which is not in the questionnaire's",
    ),
    "unknown field": (
        "questions:\n  recent_tan:\n    colour: {en: red}\n",
        "wording.yaml:3: recent_tan > colour:",
    ),
    "placeholder left out": (
        "flags:\n  isotretinoin_recent:\n    staff: {en: 'Recent isotretinoin: review.'}\n",
        "wording.yaml:3: isotretinoin_recent > staff: text (en) leaves out the placeholder "
        "{isotretinoin_months}",
    ),
    "unknown interface text": (
        "interface:\n  'Welcome to our place': {en: Hi}\n",
        "wording.yaml:2: interface > Welcome to our place: no interface text reads exactly so",
    ),
}


@pytest.mark.parametrize(("text", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_content_check_names_the_wording_file_line_and_problem(tmp_path, text, message):
    wording = tmp_path / "wording.yaml"
    wording.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(content_cli, ["check", "--wording", str(wording)])
    assert result.exit_code == 1
    assert f"{tmp_path}/{message}" in result.output


def test_the_kiosk_does_not_start_on_a_broken_wording_file(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "wording.yaml").write_text(BROKEN["unknown question"][0], encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    assert "no question has the id 'recent_tanning'" in str(refused.value.problems[0])


def test_content_check_counts_the_clinics_texts(tmp_path):
    wording = tmp_path / "wording.yaml"
    wording.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(content_cli, ["check", "--wording", str(wording)])
    assert result.exit_code == 0, result.output
    assert f"OK: {wording}: 6 text(s) in the clinic's own words" in result.output


def languages_given(node) -> int:
    """The texts of a wording file: each language of each text counted."""
    if isinstance(node, dict):
        if node and all(isinstance(value, str) for value in node.values()):
            return len(node)
        return sum(languages_given(value) for value in node.values())
    return 0


def test_the_documented_example_is_a_good_wording_file():
    example = Path(__file__).resolve().parent.parent / "examples" / "wording.yaml"
    result = CliRunner().invoke(content_cli, ["check", "--wording", str(example)])
    assert result.exit_code == 0, result.output
    texts = languages_given(yaml.safe_load(example.read_text(encoding="utf-8")))
    assert f"{texts} text(s) in the clinic's own words" in result.output
