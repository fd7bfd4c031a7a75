"""``locations list`` and ``locations add``: a chain's clinics, from the command
line (the settings' Locations page does the same, and more)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    app.cli.add_command(locations_cli)


@click.group("locations", help="The chain's locations: each with its tablets' own address.")
def locations_cli() -> None:
    pass


@locations_cli.command("list")
@with_appcontext
def locations_list() -> None:
    """Each location: its slug, the path its tablets open, its name."""
    from kiosk.clinic import locations, saved_settings

    saved_settings.refresh(current_app._get_current_object())
    for place in locations.places().values():
        click.echo(f"{place.slug:<24} {place.path:<32} {place.name}")


# Option name → the setting it gives the location (text as the settings page takes it).
OPTIONS = {
    "name": "CLINIC_NAME",
    "address": "CLINIC_ADDRESS",
    "phone": "CLINIC_PHONE",
    "email": "CLINIC_EMAIL",
    "booking_url": "CLINIC_BOOKING_URL",
    "colour": "BRAND_COLOUR",
    "opening_days": "POLICY_OPENING_DAYS",
    "holidays_region": "HOLIDAYS_REGION",
    "closed_dates": "CLOSED_DATES",
    "languages": "PATIENT_LANGUAGES",
    "language": "PATIENT_LANGUAGE",
}


@locations_cli.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Its name, on its screens and copies.")
@click.option("--address", default="", help="Its address, on the patient's copy.")
@click.option("--phone", default="", help="Its phone number.")
@click.option("--email", default="", help="Its e-mail address.")
@click.option("--booking-url", default="", help="Its booking page.")
@click.option("--logo", type=click.Path(exists=True, dir_okay=False), help="A PNG or SVG logo.")
@click.option("--colour", default="", help="Its brand colour, #rrggbb.")
@click.option("--opening-days", default="", help="Days it treats patients: mon,tue,…")
@click.option("--holidays-region", default="", help="Its public holidays: GB-ENG, ES-MD, …")
@click.option("--closed-dates", default="", help="Other days it is closed: 24/12/2026,…")
@click.option("--languages", default="", help="Languages its patients may choose: en,es")
@click.option("--language", default="", help="The language its Welcome starts in.")
@with_appcontext
def locations_add(slug: str, logo: str | None, **given: str) -> None:
    """Add a location; its tablets open /at/SLUG/. What is not given is the chain's."""
    from kiosk.clinic import branding, locations
    from kiosk.clinic.settings import SETTINGS, SettingError

    app = current_app._get_current_object()
    values = {}
    for option, text in given.items():
        if not text.strip():
            continue
        name = OPTIONS[option]
        if SETTINGS[name].type is tuple or name == "CLOSED_DATES":
            text = [part.strip() for part in text.split(",") if part.strip()]
        try:
            values[name] = (
                branding.check_colour(text)
                if name == "BRAND_COLOUR"
                else SETTINGS[name].parse(text)
            )
        except (SettingError, branding.ColourError) as exc:
            raise click.ClickException(f"--{option.replace('_', '-')}: {exc.message}") from None
    if logo:
        try:
            values["CLINIC_LOGO"] = str(
                branding.store_logo(app.instance_path, Path(logo).read_bytes(), filename=logo)
            )
        except branding.LogoError as exc:
            raise click.ClickException(f"--logo: {exc.message}") from None
    try:
        location = locations.add(app, slug, values)
    except locations.LocationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Added {given['name']}: its tablets open {locations.place(location.id).path}")
