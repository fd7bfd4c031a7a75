"""Shared fixtures: an app on a real SQLite file, migrated with Alembic."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest

from kiosk import create_app
from kiosk.content import load_questionnaire
from kiosk.flow import Flow

from .patient_client import PatientClient

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PDF_DIR": str(tmp_path / "pdfs"),
            "CLINIC_NAME": "Test Clinic",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def patient(client):
    return PatientClient(client)


@pytest.fixture(scope="session")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="session")
def flow(questionnaire):
    return Flow(questionnaire)
