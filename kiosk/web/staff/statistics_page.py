"""Figures at a glance for admins (a period's statistics, drawn as SVG on the
server), and the CSV exports: a period's consultations and the audit log.

Each export is recorded in the audit log before its first row is sent: the
period or the filters, how many rows, whether free text was included; never
anything of a patient.

The chart is SVG written by the template (templates/staff/statistics.html)
from a geometry worked out in ``core/figures.py``, not a chart library's:
the Content-Security-Policy allows no inline style or script, which libraries
such as pygal put in their SVG, the page needs the figures as a table for
screen readers anyway, and a few rectangles and labels need no dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from kiosk.core import figures
from kiosk.core.content.contract import DEVICE_INTEREST
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import language, local
from kiosk.core.statuses import severity_label
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import AuditEvent
from kiosk.records import consultations, exports, statistics
from kiosk.records.period import Period
from kiosk.web.auth import admin_required
from kiosk.web.staff import bp
from kiosk.web.staff.forms import CsvExportForm, PeriodForm
from kiosk.web.staff.routes import audit_filter, audit_page


@bp.route("/statistics")
@admin_required
def statistics_page():
    form = PeriodForm(request.args)
    period = form.period()
    found = statistics.figures_for(period)
    return render_template(
        "staff/statistics.html",
        form=form,
        period=period,
        place=form.place(),
        figures=found,
        chart=figures.bar_chart(found.buckets),
        duration=figures.duration_words,
        labels={"flags": _flag_words, "treatments": _treatment_words, "contact": _contact_words},
    ), 422 if form.errors else 200


def _flag_words(key: str) -> str:
    return _("No flags") if key == "none" else severity_label(key)


def _treatment_words(value: str) -> str:
    """An option of the treatment question in words, as the clinic words it."""
    if value == statistics.NOT_ASKED:
        return _("Not asked")
    question = current_app.extensions["kiosk.core.flow"].question(DEVICE_INTEREST)
    options = (
        {option.value: option.label for option in (question.options or ())} if question else {}
    )
    return (
        local(options[value], current_app.config["CLINIC_LANGUAGE"]) if value in options else value
    )


def _contact_words(value: str) -> str:
    return {"yes": _("Yes"), "no": _("No")}.get(value) or _("Not answered")


def _csv(columns: Iterable[str], page: Callable[[exports.Key], exports.Page], filename: str):
    """The CSV of ``columns`` and the rows ``page`` reads, a page at a time,
    written while they are sent. Each page is read in an app context (and
    database session) of its own, closed before its rows are sent: nothing
    stays open between pages, or when a download is abandoned."""
    app = current_app._get_current_object()

    def lines() -> Iterator[str]:
        yield exports.csv_text([columns])
        key = None
        while True:
            with app.app_context(), language(app.config["CLINIC_LANGUAGE"]):
                rows, key = page(key)
                text = exports.csv_text(rows)
            if not rows:
                return
            yield text

    response = Response(lines(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/export.csv")
@admin_required
def export_csv():
    form = CsvExportForm(request.args)
    if not form.validate():
        if form.chain and form.location.errors:
            flash(_("The CSV was not made: choose a location from the list first."))
        else:
            flash(_("The CSV was not made: correct the period first."))
        return redirect(url_for("staff.statistics_page", **request.args.to_dict()), 303)
    period: Period = form.period()
    place = form.place()
    free_text = bool(form.free_text.data)
    rows = period.count()
    audit.add_entry(
        "export_csv",
        detail=f"{period.first.isoformat()} to {period.last.isoformat()}; "
        f"{f'{place.slug}; ' if place else ''}{rows} rows; "
        f"free text {'included' if free_text else 'left out'}",
        location_id=period.location_id,
    )
    db.session.commit()
    at = f"-{place.slug}" if place else ""
    return _csv(
        exports.consultation_columns(free_text=free_text, chain=form.chain),
        lambda after: exports.consultation_page(
            period, free_text=free_text, after=after, chain=form.chain
        ),
        f"consultations{at}-{period.first.isoformat()}-to-{period.last.isoformat()}.csv",
    )


@bp.route("/audit.csv")
@admin_required
def audit_csv():
    """Every entry the audit log's filters match (the page shows the newest 500),
    as they stood when asked for: this export's own entry comes after them."""
    form, accepted = audit_filter()
    if form.chain and form.location.errors:  # not every location's entries instead
        return audit_page(form, accepted, 422)
    newest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    query = consultations.audit_query(**accepted).where(AuditEvent.id <= newest)
    rows = exports.audit_count(query)
    given = ", ".join(
        f"{name}={value.isoformat() if hasattr(value, 'isoformat') else value}"
        for name, value in accepted.items()
        if value
    )
    audit.add_entry(
        "export_audit",
        detail=f"{given or 'all entries'}; {rows} rows",
        location_id=accepted.get("location_id"),
    )
    db.session.commit()
    return _csv(
        exports.audit_columns(chain=form.chain),
        lambda after: exports.audit_page(query, after, chain=form.chain),
        "audit-log.csv",
    )
