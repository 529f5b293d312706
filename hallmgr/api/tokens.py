"""A user's own API tokens: create (shown once) and revoke."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hallmgr.api import services
from hallmgr.api.models import ApiToken
from hallmgr.auth.policy import allow
from hallmgr.auth.roles import Permission
from hallmgr.core.days import utcnow
from hallmgr.core.errors import DomainError
from hallmgr.core.web import form_error
from hallmgr.extensions import db

bp = Blueprint("api_tokens", __name__, url_prefix="/tokens")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("e.g. the phone or system that will use it"),
        validators=[DataRequired(), Length(max=80)],
    )


@bp.route("/", methods=["GET", "POST"])
@allow(Permission.SIGNED_IN, self_service=True)
def tokens():
    form = TokenForm()
    plain = None
    if form.validate_on_submit():
        try:
            _token, plain = services.create_token(current_user, form.name.data, utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    rows = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("api/tokens.html", form=form, tokens=rows, plain=plain)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@allow(Permission.SIGNED_IN, self_service=True)
def revoke(token_id: int):
    try:
        services.revoke_token(current_user, token_id, utcnow())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("api_tokens.tokens"))
