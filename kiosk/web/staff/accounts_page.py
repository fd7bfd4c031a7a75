"""Staff accounts in the browser (admins): make one (its password shown once,
on the page that answers the request, never in a URL or a cookie), disable or
enable it, give it a new password, change its role, lift a sign-in limit; in
a chain, choose the locations whose consultations it sees.
The changes themselves are ``kiosk/web/accounts.py``'s, shared with the ``staff``
commands."""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, url_for

from kiosk.clinic import locations
from kiosk.core.i18n import gettext as _
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import StaffUser, local_time, numbered
from kiosk.web import accounts, throttle
from kiosk.web.auth import admin_required
from kiosk.web.forms import EmptyForm
from kiosk.web.staff import bp
from kiosk.web.staff.forms import AccountLocationsForm, NewAccountForm, RoleForm


def _page(form: NewAccountForm, status: int = 200, *, shown: tuple[str, str] | None = None):
    """The accounts page; ``shown``: an account's username and the password to
    show this once."""
    return render_template(
        "staff/accounts.html",
        form=form,
        accounts=accounts.everyone(),
        action_form=EmptyForm(),
        role_form=RoleForm,
        location_choices=_location_choices() if locations.chain() else None,
        local_time=local_time,
        shown=shown,
        refusals=throttle.refusals(),
    ), status


def _location_choices() -> list[tuple[str, str]]:
    return [(str(place.id), place.name) for place in locations.places().values()]


def _new_account_form(**kwargs) -> NewAccountForm:
    """The form to add an account: with the locations to choose from in a
    chain, without that field in an installation with one location (the
    account gets it)."""
    form = NewAccountForm(**kwargs)
    if locations.chain():
        form.locations.choices = _location_choices()
    else:
        del form.locations
    return form


def _user(user_id: int) -> StaffUser:
    return numbered(StaffUser, user_id) or abort(404)


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts_page():
    form = _new_account_form()
    if not form.is_submitted():
        return _page(form)
    if form.validate():
        at = form.locations.ids if "locations" in form else None
        try:
            user, password = accounts.create(
                form.username.data, form.role.data, form.display_name.data, at
            )
        except accounts.AccountError as exc:
            form.username.errors.append(exc.message)
        else:
            return _page(_new_account_form(formdata=None), shown=(user.username, password))
    return _page(form, 422)


def _change(user_id: int, change) -> tuple[StaffUser, object] | None:
    """Run ``change`` on the account when the form carries this session's
    token; an :class:`accounts.AccountError` is flashed."""
    user = _user(user_id)
    if not EmptyForm().validate_on_submit():
        return None
    try:
        return user, change(user)
    except accounts.AccountError as exc:
        flash(exc.message)
        return None


@bp.route("/accounts/<int:user_id>/disable", methods=["POST"])
@admin_required
def disable_account(user_id: int):
    if done := _change(user_id, accounts.disable):
        flash(_("%(username)s can no longer sign in.", username=done[0].username))
    return redirect(url_for("staff.accounts_page"), 303)


@bp.route("/accounts/<int:user_id>/enable", methods=["POST"])
@admin_required
def enable_account(user_id: int):
    if done := _change(user_id, accounts.enable):
        flash(_("%(username)s can sign in again.", username=done[0].username))
    return redirect(url_for("staff.accounts_page"), 303)


@bp.route("/accounts/<int:user_id>/password", methods=["POST"])
@admin_required
def reset_account_password(user_id: int):
    done = _change(user_id, accounts.reset_password)
    if done is None:
        return redirect(url_for("staff.accounts_page"), 303)
    user, password = done
    return _page(_new_account_form(formdata=None), shown=(user.username, password))


@bp.route("/accounts/<int:user_id>/role", methods=["POST"])
@admin_required
def change_account_role(user_id: int):
    form = RoleForm()
    if form.validate_on_submit() and (
        done := _change(user_id, lambda user: accounts.change_role(user, form.role.data))
    ):
        flash(_("%(username)s's role is saved.", username=done[0].username))
    return redirect(url_for("staff.accounts_page"), 303)


@bp.route("/accounts/<int:user_id>/locations", methods=["POST"])
@admin_required
def change_account_locations(user_id: int):
    """In a chain: the locations whose consultations the account sees."""
    user = _user(user_id)
    if not locations.chain():
        abort(404)
    form = AccountLocationsForm()
    form.locations.choices = _location_choices()
    if not form.validate_on_submit():
        # A request without this session's token does nothing, as the other
        # account buttons' do.
        if not form.csrf_token.errors:
            flash(_("Choose at least one location for %(username)s.", username=user.username))
    elif done := _change(user_id, lambda user: accounts.change_locations(user, form.locations.ids)):
        flash(_("%(username)s's locations are saved.", username=done[0].username))
    return redirect(url_for("staff.accounts_page") + f"#account-{quote(user.username)}", 303)


@bp.route("/accounts/limits/lift", methods=["POST"])
@admin_required
def lift_sign_in_limit():
    """Let a refused address try again at once (its count starts again)."""
    if EmptyForm().validate_on_submit():
        refusal = throttle.lift(str(request.form.get("limit", ""))[:400])
        if refusal is None:
            flash(_("That sign-in limit had already ended."))
        else:
            audit.add_entry(
                "limit_lifted",
                detail=f"{refusal.account or '*'} from {refusal.address}",
            )
            db.session.commit()
            flash(_("Sign-in from %(address)s is allowed again.", address=refusal.address))
    return redirect(url_for("staff.accounts_page"), 303)
