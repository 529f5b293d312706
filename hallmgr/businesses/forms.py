from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from hallmgr.core.forms import DayField, options
from hallmgr.core.labels import BUSINESS_STATUS_LABELS


class BusinessForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=160)])
    owner_name = StringField(_l("Owner's name"), validators=[DataRequired(), Length(max=120)])
    nik = StringField(
        _l("Owner's NIK"),
        description=_l("16 digits, as on the KTP."),
        validators=[DataRequired(), Length(max=30)],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    kecamatan_code = SelectField(_l("Kecamatan"), validators=[Optional()])
    category = StringField(
        _l("Category"),
        description=_l("e.g. kuliner, fesyen, jasa"),
        validators=[Optional(), Length(max=60)],
    )
    nib = StringField(_l("NIB"), validators=[Optional(), Length(max=13)])
    okoce_member_no = StringField(
        _l("OK OCE member number"), validators=[Optional(), Length(max=30)]
    )
    status = SelectField(_l("Status"), choices=options(BUSINESS_STATUS_LABELS.items()))


class ApplyForm(FlaskForm):
    hall_id = SelectField(_l("Hall"), coerce=int)
    stall_class_id = SelectField(_l("Stall class"), coerce=int)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=255)])


class OfferForm(FlaskForm):
    stall_id = SelectField(_l("Stall"), coerce=int, validators=[Optional()])


class AcceptForm(FlaskForm):
    start_date = DayField(_l("Start date"), validators=[InputRequired()])
    end_date = DayField(_l("End date (optional)"), validators=[Optional()])
    backdate_reason = TextAreaField(
        _l("Reason for a start date in the past"), validators=[Optional(), Length(max=500)]
    )


class DeclineForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=255)])
