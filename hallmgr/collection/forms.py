from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from hallmgr.collection.rules import PaymentMethod, Settlement
from hallmgr.core.forms import DayField, DaysField, options


class PaymentForm(FlaskForm):
    # Choices are not enforced here: a day taken by someone else since the page was drawn
    # must reach the service, which names the receipt that holds it.
    days = DaysField(_l("Days"), validate_choice=False)
    all_arrears = BooleanField(_l("All arrears"))
    method = RadioField(
        _l("Method"),
        choices=options(PaymentMethod.choices()),
        default=PaymentMethod.CASH,
        validators=[DataRequired()],
    )
    skip_older = BooleanField(_l("Pay the chosen newer days while older days stay unpaid"))
    # The total the collector saw: a payment whose days cost anything else is refused.
    shown_total = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])


class ClosedForm(FlaskForm):
    pass


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class WaiverForm(FlaskForm):
    start = DayField(_l("First day"), validators=[InputRequired()])
    end = DayField(_l("Last day"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class DepositForm(FlaskForm):
    collector_id = SelectField(_l("Collector"), coerce=int, validators=[InputRequired()])
    amount_received = IntegerField(
        _l("Cash received (Rp)"), validators=[InputRequired(), NumberRange(min=0, max=10**9)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=255)])


class SettleCreditForm(FlaskForm):
    settlement = RadioField(
        _l("Settled by"), choices=options(Settlement.choices()), validators=[DataRequired()]
    )
    carried_to = SelectField(
        _l("Carried to"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
