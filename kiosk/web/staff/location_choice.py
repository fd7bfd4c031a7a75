"""Which location the staff pages are about, in a chain.

A staff account sees the consultations of its own locations, an admin those
of every location (``consultations.visible_locations``). Admins, and staff of
more than one location, choose in the header which of them the queue shows:
all, or one. The choice is kept in the staff member's Flask session as a
location id (nothing of a patient), and checked on every request against what
the account may see now. ``g.place`` is the chosen location (with all of them,
the first, the chain's own), so that the header names it.

In an installation with one location none of this shows: no switcher, no
location column, and ``g.place`` is left to the first location.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, session, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from kiosk.clinic import locations
from kiosk.clinic.locations import Place
from kiosk.core.i18n import gettext as _
from kiosk.data.models import StaffUser
from kiosk.records import consultations
from kiosk.web.htmx import htmx
from kiosk.web.redirects import local_path
from kiosk.web.staff import bp
from kiosk.web.staff.forms import LocationChoiceForm

SESSION_KEY = "staff_location"


def switchable(user: StaffUser) -> list[Place]:
    """The locations ``user`` may choose between in the header: none unless
    there are two or more of them in a chain."""
    if not locations.chain():
        return []
    seen = consultations.visible_locations(user)
    places = [p for p in locations.places().values() if seen is None or p.id in seen]
    return places if len(places) > 1 else []


def chosen(user: StaffUser) -> Place | None:
    """The location chosen in the header, if it is still one ``user`` may see
    (else None: all of them)."""
    location_id = session.get(SESSION_KEY)
    if location_id is None:
        return None
    found = next((p for p in switchable(user) if p.id == location_id), None)
    if found is None:
        session.pop(SESSION_KEY, None)
    return found


def queue_locations(user: StaffUser) -> frozenset[int] | None:
    """The locations whose consultations the queue lists for ``user`` (None: every one)."""
    place = chosen(user)
    if place is not None:
        return frozenset({place.id})
    return consultations.visible_locations(user)


def _place_of_the_page(user: StaffUser) -> Place | None:
    """The location the staff pages are about: the one chosen, or the only one
    ``user`` sees; None for all (the first location stands for the chain)."""
    place = chosen(user)
    if place is not None:
        return place
    seen = consultations.visible_locations(user)
    if seen is not None and len(seen) == 1:
        return locations.places().get(next(iter(seen)))
    return None


@bp.before_request
def location_of_the_page() -> None:
    if not current_user.is_authenticated or not locations.chain():
        return
    place = _place_of_the_page(current_user._get_current_object())
    if place is not None:
        g.place = place


@bp.route("/location", methods=["POST"])
def choose_location():
    """The header's switcher: a plain form, back to the page it was on; with
    htmx, the browser is sent there (every part of the page changes)."""
    user = current_user._get_current_object()
    form = _form(user)
    if form.validate_on_submit():
        if form.location.data:
            session[SESSION_KEY] = int(form.location.data)
        else:
            session.pop(SESSION_KEY, None)
    elif not form.csrf_token.errors:  # without this session's token: nothing at all
        # One this account may not see, or no longer.
        flash(_("Choose a location from the list."))
    back = local_path(form.back.data, under="/staff/") or url_for("staff.queue")
    if htmx:
        return htmx_response(redirect=back)
    return redirect(back, 303)


def _form(user: StaffUser, **kwargs) -> LocationChoiceForm:
    form = LocationChoiceForm(**kwargs)
    every = _("All locations") if user.is_admin else _("All my locations")
    form.location.choices = [
        SelectChoice("", every),
        *(SelectChoice(str(place.id), place.name) for place in switchable(user)),
    ]
    return form


@bp.context_processor  # after the app's: its brand addresses are replaced
def staff_locations() -> dict:
    """For the staff pages of a chain: the switcher's form (for those who may
    switch), and the name of a consultation's location."""
    if not current_user.is_authenticated:
        return {}
    if not locations.chain():
        return {"in_chain": False}
    user = current_user._get_current_object()
    context = {"in_chain": True, "location_name": lambda i: locations.place(i).name}
    if switchable(user):
        place = chosen(user)
        context["location_switch"] = _form(
            user,
            formdata=None,
            location=str(place.id) if place else "",
            # Back to this page; from a page that answered a form, the queue.
            back=request.full_path.rstrip("?")
            if request.method == "GET"
            else url_for("staff.queue"),
        )
    if "place" in g and not g.place.first:
        context.update(_brand_at(g.place))
    return context


def _brand_at(place: Place) -> dict:
    """The location's logo and colour, from its own address: served at the
    root, they would be the first location's."""
    from kiosk.clinic import branding

    config = place.config
    logo = branding.logo_file(config["CLINIC_LOGO"])
    root = request.script_root
    prefix = root + place.path.rstrip("/")

    def under(url: str) -> str:
        return prefix + url.removeprefix(root)

    colour = config["BRAND_COLOUR"].lstrip("#")
    return {
        "brand_css_url": under(url_for("brand_css", version=colour)),
        "brand_logo_url": under(url_for("brand_logo", version=branding.logo_version(logo)))
        if logo
        else None,
    }
