from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from hallmgr.auth.roles import Role
from hallmgr.core.forms import DayField, options
from hallmgr.core.labels import CLOSURE_KIND_LABELS, HALL_STATUS_LABELS, WEEKDAY_LABELS


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only.")
            ),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"), choices=options((r.value, r.label) for r in Role), validators=[DataRequired()]
    )
    halls = SelectMultipleField(_l("Halls"), coerce=int, validators=[Optional()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"), choices=options((r.value, r.label) for r in Role), validators=[DataRequired()]
    )
    halls = SelectMultipleField(_l("Halls"), coerce=int, validators=[Optional()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class HallForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Short and unique; printed in receipt numbers, e.g. JP01."),
        validators=[
            DataRequired(),
            Length(min=2, max=8),
            Regexp(r"^[A-Za-z0-9]+$", message=_l("Letters and digits only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    region_code = SelectField(_l("Region"), validators=[DataRequired()])
    kecamatan_code = SelectField(_l("Kecamatan"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    open_days = SelectMultipleField(
        _l("Open days"),
        coerce=int,
        choices=options(enumerate(WEEKDAY_LABELS)),
        validators=[DataRequired(message=_l("Choose at least one open day."))],
    )
    open_days_from = DayField(
        _l("Changed open days apply from"),
        description=_l("Tomorrow at the earliest: days already due or paid keep their state."),
        validators=[Optional()],
    )
    status = SelectField(_l("Status"), choices=options(HALL_STATUS_LABELS.items()))


class StallClassForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, dash and underscore only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class TariffForm(FlaskForm):
    effective_from = DayField(_l("In force from"), validators=[InputRequired()])
    daily_rate = IntegerField(
        _l("Daily rate (rupiah)"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=10_000_000, message=_l("Between Rp1 and Rp10.000.000.")),
        ],
    )
    regulation = StringField(
        _l("Regulation"),
        description=_l("e.g. Pergub DKI Jakarta No. 1 Tahun 2026"),
        validators=[DataRequired(), Length(max=200)],
    )


class TariffEditForm(FlaskForm):
    daily_rate = IntegerField(
        _l("Daily rate (rupiah)"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=10_000_000, message=_l("Between Rp1 and Rp10.000.000.")),
        ],
    )
    regulation = StringField(_l("Regulation"), validators=[DataRequired(), Length(max=200)])


class ClosureForm(FlaskForm):
    hall_id = SelectField(_l("Hall"), coerce=int)
    start_date = DayField(_l("From"), validators=[InputRequired()])
    end_date = DayField(_l("Until"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=options(CLOSURE_KIND_LABELS.items()))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class HolidayImportForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
