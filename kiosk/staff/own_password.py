"""A member of staff changes their own password, giving the current one. The
change itself is ``kiosk/accounts.py``'s; every other session of the account
ends with it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import accounts
from ..i18n import gettext as _
from . import bp
from .forms import OwnPasswordForm


@bp.route("/password", methods=["GET", "POST"])
def own_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()  # the account, not the proxy to it
            accounts.change_own_password(user, form.current.data, form.new.data)
        except accounts.WrongPassword as exc:
            form.current.errors.append(exc.message)
        except accounts.AccountError as exc:
            form.new.errors.append(exc.message)
        else:
            flash(_("Your password has been changed. You are signed out everywhere else."))
            return redirect(url_for("staff.queue"), 303)
    status = 422 if form.errors else 200
    return render_template("staff/own_password.html", form=form), status
