"""What `serve` (and so `make run`) prints when it starts: where to go, and
which clinic details are still missing, read with the settings page's values."""

from __future__ import annotations

from kiosk.cli import missing_clinic_details, ready_message
from kiosk.clinic import saved_settings

from .conftest import another_process


def test_the_start_up_message_reads_what_the_settings_page_saved(app):
    started = another_process(app)
    with started.app_context():
        assert missing_clinic_details(started) == ["CLINIC_PHONE", "CLINIC_ADDRESS"]
    with app.app_context():
        saved_settings.save(
            app, {"CLINIC_PHONE": "020 7946 0000", "CLINIC_ADDRESS": "1 High Street, London"}
        )
    # The next start (a new process, its config from the schema and files only).
    restarted = another_process(app)
    with restarted.app_context():
        assert missing_clinic_details(restarted) == []


def test_the_start_up_message_sends_the_clinic_to_the_settings_page():
    message = ready_message(["http://127.0.0.1:8000/"], None, ["CLINIC_PHONE"])
    assert "set the clinic's phone number" in message
    assert "Staff area, Settings: http://127.0.0.1:8000/staff/settings" in message
    assert "KIOSK_CLINIC_PHONE" not in message  # a variable would lock the field on the page
    assert "set the clinic's" not in ready_message(["http://127.0.0.1:8000/"], None, [])


def test_in_a_chain_the_start_up_message_gives_each_locations_tablets_their_address(app):
    from .test_locations import add_locations

    with app.app_context():
        from kiosk.cli import location_paths

        assert location_paths() == []  # one location: the kiosk's own address
        add_locations(app)
        welcomes = location_paths()
    message = ready_message(["http://192.168.1.20:8000/"], None, [], welcomes)
    assert f"  {app.config['CLINIC_NAME']}: http://192.168.1.20:8000/\n" in message
    assert "  Glow Harley Street: http://192.168.1.20:8000/at/harley-street/\n" in message
    assert "  Glow Madrid: http://192.168.1.20:8000/at/madrid/\n" in message
    assert "Staff area:              http://192.168.1.20:8000/staff/" in message
