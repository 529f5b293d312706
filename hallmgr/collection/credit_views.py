"""The credits page: every credit of the user's halls, and how a manager settles one."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallmgr.auth.policy import allow, load_in_scope, visible_hall_ids
from hallmgr.auth.roles import Permission
from hallmgr.collection import credits as credit_services
from hallmgr.collection.forms import SettleCreditForm
from hallmgr.collection.models import Credit
from hallmgr.collection.rules import Settlement
from hallmgr.collection.views import bp
from hallmgr.core.days import utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.forms import options
from hallmgr.extensions import db


def _settle_form(credit: Credit, others: dict[int, list]) -> SettleCreditForm:
    form = SettleCreditForm(prefix=f"c{credit.id}")
    form.carried_to.choices = options(
        [(0, "—")]
        + [
            (a.id, f"{a.stall.code} · {a.start_date.isoformat()}")
            for a in others.get(credit.id, [])
        ]
    )
    return form


@bp.route("/credits")
@allow(Permission.READ_REGISTERS)
def credits():
    """Every credit of the user's halls, open ones first, with how each was settled."""
    rows = credit_services.credits_of_halls(visible_hall_ids(current_user))
    forms = {}
    if current_user.may(Permission.SETTLE_CREDITS):
        others = credit_services.other_assignments([c for c in rows if c.settled_at is None])
        forms = {c.id: _settle_form(c, others) for c in rows if c.settled_at is None}
    return render_template(
        "collection/credits.html",
        credits=rows,
        forms=forms,
        open_total=sum(c.amount for c in rows if c.settled_at is None),
    )


@bp.route("/credits/<int:credit_id>/settle", methods=["POST"])
@allow(Permission.SETTLE_CREDITS)
def settle_credit(credit_id: int):
    credit = load_in_scope(Credit, credit_id)
    others = credit_services.other_assignments([credit])
    form = _settle_form(credit, others)
    if form.validate_on_submit():
        # Only one of the business's other assignments, as the form offered them.
        carried_to = next(
            (a for a in others.get(credit.id, []) if a.id == form.carried_to.data), None
        )
        try:
            credit_services.settle(
                current_user,
                credit,
                Settlement(form.settlement.data),
                form.note.data,
                carried_to=carried_to,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                _("Credit settled: %(how)s.", how=Settlement(form.settlement.data).label), "success"
            )
    else:
        flash(_("Choose how the credit was settled."), "danger")
    return redirect(url_for("collection.credits", _anchor=f"credit-{credit_id}"))
