"""The PDFs as the kiosk makes and keeps them, and the preview command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.data.database import db
from kiosk.data.models import Consultation, ConsultationPdf, StaffUser
from kiosk.records import stored_pdfs

from .patient_client import PLAIN
from .staff_helpers import EXAMPLES, add_consultation, example_answers


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.render
def test_submitting_stores_both_pdfs_under_random_names(app, patient, tmp_path):
    patient.walk({"about": {**PLAIN["about"], "first_name": "Ines"}})
    patient.submit()
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        stored = {s.copy: s for s in consultation.pdfs}
        assert {c: s.status for c, s in stored.items()} == {"patient": "ready", "staff": "ready"}
        for copy, pdf in stored.items():
            path = stored_pdfs.pdf_path(pdf)
            assert path.parent == tmp_path / "pdfs"
            assert consultation.reference not in path.name
            assert "Ines" not in path.name
            assert len(path.stem) >= 32
            assert pdf.size == path.stat().st_size
            assert "Ines" in pdf_text(path.read_bytes()), copy


@pytest.mark.render
def test_a_failed_render_keeps_the_consultation_and_can_be_retried(app, patient, monkeypatch):
    import kiosk.core.pdf

    def broken(document, copy):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(kiosk.core.pdf, "render_pdf", broken)
    patient.walk()
    response = patient.submit()
    assert response.headers["Location"] == "/done"
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        assert consultation.answers["first_name"] == "Maya"
        assert [(s.copy, s.status, s.error) for s in consultation.pdfs] == [
            ("patient", "failed", "RuntimeError: fonts missing"),
            ("staff", "failed", "RuntimeError: fonts missing"),
        ]

    # The first attempt and every retry of the queue's job.
    tried = 1 + app.config["RENDER_RETRIES"]
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["pdfs", "retry"])
    assert result.exit_code == 0
    assert "2 of 2 summaries rendered" in result.output
    with app.app_context():
        statuses = [s.status for s in db.session.scalars(db.select(ConsultationPdf))]
        assert statuses == ["ready", "ready"]
        assert all(s.attempts == tried + 1 for s in db.session.scalars(db.select(ConsultationPdf)))


def test_regenerating_replaces_the_old_files(app):
    sent = add_consultation(app, "pregnant")
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        first = [stored_pdfs.pdf_path(s) for s in stored_pdfs.generate(consultation)]
        second = [stored_pdfs.pdf_path(s) for s in stored_pdfs.generate(consultation)]
    assert all(p.exists() for p in second)
    assert not any(p.exists() for p in first)


def test_every_flag_on_the_staff_copy_names_an_answer_of_its_answers_table(app):
    # A Spanish-speaking patient: the staff copy is in the clinic's English,
    # and its answers table marks each flag's answers by question id.
    with app.app_context():
        document = stored_pdfs.build_document(
            app,
            example_answers("fitzpatrick-6-rf-pacemaker"),
            language="es",
            reference="T3S-T00",
            submitted_at=dt.datetime(2027, 3, 1, 10, 0).astimezone(),
        )
    lines = {line.question_id: line for group in document.answers for line in group.lines}
    triggers = [t for flag in document.staff_flags_plan.flags for t in flag.triggers]
    assert triggers
    for trigger in triggers:
        assert (lines[trigger.question_id].question, lines[trigger.question_id].answer) == (
            trigger.question,
            trigger.answer,
        )


def test_preview_command_renders_what_the_kiosk_would(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "pregnant.pdf"
    example = EXAMPLES / "pregnant.json"
    result = runner.invoke(args=["summary", str(example), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: patient copy" in result.output
    text = pdf_text(out.read_bytes())
    assert "Sofia" in text
    assert "pregnant or breastfeeding" in text
    assert "Do not treat" not in text

    staff = tmp_path / "staff.pdf"
    result = runner.invoke(args=["summary", str(example), "--out", str(staff), "--copy", "staff"])
    assert result.exit_code == 0, result.output
    assert "Do not treat today" in pdf_text(staff.read_bytes())

    spanish = tmp_path / "es.pdf"
    result = runner.invoke(args=["summary", str(example), "--out", str(spanish), "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "Su resumen de microneedling" in pdf_text(spanish.read_bytes())


@pytest.mark.sweep
def test_every_example_answers_file_previews(app, tmp_path):
    for example in sorted(EXAMPLES.glob("*.json")):
        out = tmp_path / f"{example.stem}.pdf"
        result = app.test_cli_runner().invoke(args=["summary", str(example), "--out", str(out)])
        assert result.exit_code == 0, (example.name, result.output)
        assert out.read_bytes().startswith(b"%PDF")


def test_preview_command_lists_every_problem_in_the_answers(app, tmp_path):
    answers = json.loads((EXAMPLES / "pregnant.json").read_text())["answers"]
    answers.update({"age_band": "age_100_plus", "isotretinoin": "stopped", "favourite": 1})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answers": answers}))
    out = tmp_path / "never.pdf"
    result = app.test_cli_runner().invoke(args=["summary", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "age_band: Select one of the options" in result.output
    assert (
        "isotretinoin_months: Enter about how many months ago you stopped isotretinoin"
        in result.output
    )
    assert "favourite: not a question of this questionnaire" in result.output
    assert "3 answer(s) need fixing" in result.output
    assert not out.exists()


def test_preview_command_refuses_a_language_not_offered(app, tmp_path):
    out = tmp_path / "x.pdf"
    result = app.test_cli_runner().invoke(
        args=["summary", str(EXAMPLES / "pregnant.json"), "--out", str(out), "--lang", "fr"]
    )
    assert result.exit_code == 1
    assert "language 'fr' is not offered (en, es)" in result.output


def test_a_review_during_a_render_is_not_lost_to_it(app, monkeypatch):
    # The first render of a new consultation is still running when a clinician
    # marks it reviewed: what that render made is from before the review, so
    # both copies stay pending for the job the review queued, which names them.
    import kiosk.core.pdf
    from kiosk.records import consultations
    from kiosk.web import accounts

    real = kiosk.core.pdf.render_pdf
    sent = add_consultation(app, "fine-lines-no-flags")
    with app.app_context():
        reviewer, _password = accounts.create("nia", "staff", "Nia Brooks")
        reviewer_id = reviewer.id
    reviewed = []

    def render_while_reviewed(document, copy):
        if not reviewed:  # another request, with its own session, meanwhile
            with app.app_context():
                consultation = db.session.get(Consultation, sent.id)
                consultations.mark_reviewed(consultation, db.session.get(StaffUser, reviewer_id))
            reviewed.append(copy)
        return real(document, copy)

    monkeypatch.setattr(kiosk.core.pdf, "render_pdf", render_while_reviewed)
    with app.app_context():
        assert stored_pdfs.render(sent.id) == []
        pdfs = db.session.scalars(db.select(ConsultationPdf)).all()
        assert {(p.copy, p.status, p.filename) for p in pdfs} == {
            ("patient", "pending", None),
            ("staff", "pending", None),
        }
        assert not list(Path(app.config["PDF_DIR"]).iterdir())  # its files thrown away

        [patient, staff] = sorted(stored_pdfs.render(sent.id), key=lambda p: p.copy)
        assert (patient.status, staff.status) == ("ready", "ready")
        assert "Nia Brooks" in pdf_text(stored_pdfs.pdf_path(patient).read_bytes())
