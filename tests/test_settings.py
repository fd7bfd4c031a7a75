"""Settings: one schema reads every source the same way, and a bad value stops
the app with a message naming the setting, never a traceback."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import flask.cli
import pytest
from click.testing import CliRunner

from kiosk import create_app
from kiosk.clinic.settings import SETTINGS, SettingError, in_group
from kiosk.core.policy import Policy

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"


def instance_with(folder: Path, config_py: str) -> Path:
    folder.mkdir()
    (folder / "config.py").write_text(config_py, encoding="utf-8")
    return folder


def served_over_https(app) -> bool:
    response = app.test_client().get("/staff/login")
    session = app.config["SESSION_COOKIE_NAME"]
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(session)]
    assert ("Strict-Transport-Security" in response.headers) == ("; Secure" in cookie)
    return "Strict-Transport-Security" in response.headers


# Every source reads text the same way ----------------------------------------


@pytest.mark.parametrize("text", ["false", "False", "no", "off", "0"])
def test_false_as_text_in_config_py_is_false(tmp_path, text):
    instance = instance_with(tmp_path / "instance", f"SESSION_COOKIE_SECURE = {text!r}\n")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert not served_over_https(app)


@pytest.mark.parametrize(("text", "secure"), [("false", False), ("no", False), ("true", True)])
def test_true_or_false_in_the_environment(tmp_path, monkeypatch, text, secure):
    monkeypatch.setenv("KIOSK_SESSION_COOKIE_SECURE", text)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert served_over_https(app) is secure


def test_numbers_as_text_are_numbers_wherever_they_come_from(tmp_path, monkeypatch):
    instance = instance_with(tmp_path / "instance", 'RETENTION_DAYS = "12"\n')
    monkeypatch.setenv("KIOSK_DRAFT_RETENTION_HOURS", "48")
    app = create_app({"INSTANCE_PATH": str(instance), "POLICY_ISOTRETINOIN_MONTHS": "9"})
    assert app.config["RETENTION_DAYS"] == 12
    assert app.config["DRAFT_RETENTION_HOURS"] == 48
    assert app.extensions["kiosk.core.plan"].policy.isotretinoin_months == 9


def test_text_settings_stay_text_in_the_environment(tmp_path, monkeypatch):
    # A phone number of digits only is still the clinic's phone number, as written.
    monkeypatch.setenv("KIOSK_CLINIC_PHONE", "5551234")
    monkeypatch.setenv("KIOSK_CLINIC_NAME", "2026")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["CLINIC_PHONE"] == "5551234"
    assert app.config["CLINIC_NAME"] == "2026"


def test_the_policy_is_built_from_the_checked_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_POLICY_OPENING_DAYS", "Monday, wed fri")
    monkeypatch.setenv("KIOSK_POLICY_OFFERS_RF", "no")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "POLICY_TANNING_WEEKS": "3"})
    policy = app.extensions["kiosk.core.plan"].policy
    assert policy == Policy(opening_days=("mon", "wed", "fri"), offers_rf=False, tanning_weeks=3)


def test_defaults_are_the_policy_s_own(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.extensions["kiosk.core.plan"].policy == Policy()


# Bounds and choices ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # WCAG 2.2 SC 2.2.1: the idle warning never counts down from less than 20 seconds.
        ("IDLE_WARNING_SECONDS", "5", 20),
        ("IDLE_WARNING_SECONDS", 0, 20),
        ("IDLE_WARNING_SECONDS", "45", 45),
        ("PAPER_SIZE", "letter", "Letter"),
        ("CLINIC_LANGUAGE", "ES", "es"),
        ("PORT", "65535", 65535),
        ("WORKER_NICE", 0, 0),
        ("RENDER_RETRY_DELAY", "2.5", 2.5),
        ("POLICY_ISOTRETINOIN_MONTHS", "0", 0),
        ("POLICY_OPENING_DAYS", ["sat", "sun"], ("sat", "sun")),
        ("QUEUE_IMMEDIATE", "", None),
        ("WTF_CSRF_TIME_LIMIT", "null", None),
        ("SQLALCHEMY_ENGINE_OPTIONS", '{"pool_size": 3}', {"pool_size": 3}),
        ("PDF_DIR", Path("/srv/pdfs"), "/srv/pdfs"),
    ],
)
def test_a_value_that_fits_is_read_as_its_type(name, value, expected):
    assert SETTINGS[name].parse(value) == expected


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("IDLE_WARNING_SECONDS", 3601, "a whole number up to 3600 (under 20 counts as 20)"),
        ("IDLE_SECONDS", "0", "a whole number from 1 to 3600"),
        ("DONE_SECONDS", True, "a whole number from 1 to 3600"),
        ("PAPER_SIZE", "A3", "one of A4, Letter"),
        ("CLINIC_LANGUAGE", "fr", "one of en, es"),
        ("CLINIC_NAME", "  ", "non-empty text"),
        ("CLINIC_PHONE", 5551234, "text"),
        ("PORT", 0, "a whole number from 1 to 65535"),
        ("WORKER_NICE", 20, "a whole number from 0 to 19"),
        ("SESSION_COOKIE_SECURE", "maybe", "true or false"),
        ("SESSION_COOKIE_SAMESITE", "None", "one of Lax, Strict"),
        ("SIGN_IN_LIMIT_PER_ADDRESS", "5 a day", "a rate limit such as '20 per 15 minutes'"),
        ("SIGN_IN_FAILURES", 0, "a whole number, 1 or more"),
        ("TRUSTED_PROXY_ADDRESS", "proxy.local", "an IP address such as 127.0.0.1"),
        ("POLICY_ISOTRETINOIN_MONTHS", -1, "a whole number from 0 to 120"),
        ("POLICY_SURGERY_WEEKS", 521, "a whole number from 0 to 520"),
        ("POLICY_SESSION_SPACING_WEEKS", 0, "a whole number from 1 to 520"),
        ("POLICY_MINIMUM_AGE", "eighteen", "a whole number from 0 to 120"),
        ("POLICY_OFFERS_RF", "sometimes", "true or false"),
        ("POLICY_OPENING_DAYS", "", "one or more of mon, tue, wed, thu, fri, sat, sun"),
        ("POLICY_OPENING_DAYS", "mon,someday", "one or more of mon, tue, wed, thu, fri, sat, sun"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_with_what_is_allowed(name, value, allowed):
    with pytest.raises(SettingError) as refused:
        SETTINGS[name].parse(value)
    assert (
        refused.value.message == f"setting {name} (KIOSK_{name}) must be {allowed}, not {value!r}"
    )


def test_a_refused_secret_is_not_repeated(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "kiosk:hunter2@db.example/kiosk")
    with pytest.raises(SettingError) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    assert "SQLALCHEMY_DATABASE_URI" in refused.value.message
    assert "hunter2" not in refused.value.message


def test_every_bad_setting_is_named_at_once(tmp_path):
    with pytest.raises(SettingError) as refused:
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "PAPER_SIZE": "A3",
                "POLICY_TANNING_WEEKS": "two",
                "POLICY_TANING_WEEKS": 3,
            }
        )
    assert refused.value.message.splitlines() == [
        "setting PAPER_SIZE (KIOSK_PAPER_SIZE) must be one of A4, Letter, not 'A3'",
        "setting POLICY_TANNING_WEEKS (KIOSK_POLICY_TANNING_WEEKS) must be a whole number "
        "from 0 to 520, not 'two'",
        "unknown setting POLICY_TANING_WEEKS (KIOSK_POLICY_TANING_WEEKS): "
        "no policy setting has that name",
    ]


# SQLALCHEMY_DATABASE_URI has no default of its own: the SQLite file in the
# instance folder, whichever that is.
@pytest.mark.parametrize(
    "setting",
    [s for s in SETTINGS.values() if s.name != "SQLALCHEMY_DATABASE_URI"],
    ids=lambda s: s.name,
)
def test_every_default_fits_its_own_setting(setting):
    assert setting.parse(setting.default) == setting.default
    assert setting.description
    assert setting.group in ("clinic", "deployment")


# At start: a message, never a traceback ----------------------------------------


def flask_command(*args: str, instance: Path, **environment: str | None):
    """``flask --app kiosk ARGS`` as typed in a shell, on the instance folder ``instance``."""
    return CliRunner().invoke(
        flask.cli.cli,
        ["--app", "kiosk", *args],
        env={"KIOSK_INSTANCE_PATH": str(instance), "DATABASE_URL": None, **environment},
    )


def test_a_wrong_policy_value_stops_the_app_with_a_message(tmp_path):
    instance = instance_with(tmp_path / "instance", 'POLICY_ISOTRETINOIN_MONTHS = "half a year"\n')
    result = flask_command("purge", "--dry-run", instance=instance)
    assert result.exit_code == 1
    assert result.output == (
        "Error: setting POLICY_ISOTRETINOIN_MONTHS (KIOSK_POLICY_ISOTRETINOIN_MONTHS) must be "
        "a whole number from 0 to 120, not 'half a year'\n"
    )
    assert isinstance(result.exception, SystemExit)  # click's message, not a traceback


def test_a_wrong_policy_value_in_the_environment_too(tmp_path):
    result = flask_command(
        "purge", "--dry-run", instance=tmp_path, KIOSK_POLICY_OPENING_DAYS="weekends"
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: setting POLICY_OPENING_DAYS (KIOSK_POLICY_OPENING_DAYS) must be one or more of "
        "mon, tue, wed, thu, fri, sat, sun, not 'weekends'\n"
    )


def test_content_check_runs_whatever_the_other_settings_say(tmp_path):
    # It checks the content files, and reads only the setting that finds them.
    result = flask_command(
        "content", "check", instance=tmp_path, KIOSK_RETENTION_DAYS="soon", KIOSK_CONTENT_DIR=None
    )
    assert result.exit_code == 0, result.output
    assert "OK: microneedling_consultation" in result.output


def test_content_check_refuses_an_empty_content_folder_setting(tmp_path):
    result = flask_command("content", "check", instance=tmp_path, KIOSK_CONTENT_DIR=" ")
    assert result.exit_code == 1
    assert result.output == (
        "Error: setting CONTENT_DIR (KIOSK_CONTENT_DIR) must be non-empty text, not ' '\n"
    )


# docs/operations.md documents exactly the schema ---------------------------------

# Read from the environment by these names, before any setting.
ENVIRONMENT_ONLY = {"KIOSK_INSTANCE_PATH", "DATABASE_URL"}


def readme_tables() -> dict[str, set[str]]:
    """The names in the first column of each table of docs/operations.md's
    Configuration section, by the heading above the table."""
    section = OPERATIONS.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    tables: dict[str, set[str]] = {}
    heading = "Configuration"
    for line in section.splitlines():
        if line.startswith("### "):
            heading = line.removeprefix("### ")
        elif line.startswith("| `"):
            first_cell = line.split("|")[1]
            names = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)) - ENVIRONMENT_ONLY
            tables.setdefault(heading, set()).update(names)
    return tables


def test_the_operations_doc_lists_every_setting_in_its_group():
    tables = readme_tables()
    assert set(tables) == {"The clinic", "Clinic policy", "Deployment"}
    assert tables["The clinic"] | tables["Clinic policy"] == {s.name for s in in_group("clinic")}
    assert tables["Clinic policy"] == {
        s.name for s in SETTINGS.values() if s.name.startswith("POLICY_")
    }
    assert tables["Deployment"] == {s.name for s in in_group("deployment")}


# Closed days ---------------------------------------------------------------------------


def test_holidays_region_and_closed_dates_reach_the_plan(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_HOLIDAYS_REGION", "gb-eng")
    monkeypatch.setenv("KIOSK_CLOSED_DATES", "31/12/2026, 2026-12-24\n24/12/2026")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["HOLIDAYS_REGION"] == "GB-ENG"
    assert app.config["CLOSED_DATES"] == (dt.date(2026, 12, 24), dt.date(2026, 12, 31))
    open_days = app.extensions["kiosk.core.plan"].open_days
    assert open_days.region == "GB-ENG"
    assert not open_days.is_open(dt.date(2026, 12, 24))  # closed date
    assert not open_days.is_open(dt.date(2026, 12, 25))  # Christmas Day
    assert open_days.is_open(dt.date(2026, 12, 23))


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("HOLIDAYS_REGION", "GB-XYZ", "'GB-XYZ' is not a region the holidays package knows"),
        ("HOLIDAYS_REGION", "Atlantis", "'Atlantis' is not a country the holidays package knows"),
        ("CLOSED_DATES", "24/12/2026, 31/02/2027", "'31/02/2027' is not a date written like"),
    ],
)
def test_a_closed_day_setting_that_does_not_fit_stops_the_app_naming_it(
    tmp_path, name, value, words
):
    result = flask_command("purge", "--dry-run", instance=tmp_path, **{f"KIOSK_{name}": value})
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: setting {name} (KIOSK_{name}) must be ")
    assert words in result.output


def test_the_retired_same_day_setting_is_ignored_with_a_warning(tmp_path, caplog, monkeypatch):
    # Alembic's logging set-up (migrations/env.py, run in-process by other
    # tests) disables the loggers that exist by then: this one must speak.
    monkeypatch.setattr(logging.getLogger("kiosk.clinic.settings"), "disabled", False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "POLICY_SAME_DAY_TREATMENT": "yes"})
    assert app.extensions["kiosk.core.plan"].policy == Policy()
    assert "POLICY_SAME_DAY_TREATMENT is no longer used" in caplog.text
