"""A member of staff changes their own password, giving the current one. The
change itself is ``kiosk/web/accounts.py``'s; every other session of the account
ends with it.

A wrong current password counts as a failed sign-in for that username from
that address (kiosk/web/throttle.py), so a signed-in desk left open is no place to
guess the owner's password, and it is in the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from kiosk.core.i18n import gettext as _
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.web import accounts, throttle
from kiosk.web.staff import bp
from kiosk.web.staff.forms import OwnPasswordForm
from kiosk.web.staff.routes import _try_again


@bp.route("/password", methods=["GET", "POST"])
def own_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()  # the account, not the proxy to it
        account, address = throttle.account_name(user.username), request.remote_addr or ""
        if wait := throttle.wait_left(account, address):
            form.current.errors.append(_try_again(wait))
            return render_template("staff/own_password.html", form=form), 429
        try:
            accounts.change_own_password(user, form.current.data, form.new.data)
        except accounts.WrongPassword as exc:
            wait = throttle.record_failure(account, address)
            audit.add_entry("password_change_refused", user=user, detail=user.username)
            db.session.commit()
            form.current.errors.append(
                f"{exc.message}. {_try_again(wait)}" if wait else exc.message
            )
        except accounts.AccountError as exc:
            form.new.errors.append(exc.message)
        else:
            throttle.forget(account, address)
            flash(_("Your password has been changed. You are signed out everywhere else."))
            return redirect(url_for("staff.queue"), 303)
    status = 422 if form.errors else 200
    return render_template("staff/own_password.html", form=form), status
