from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from hallmgr.core.forms import DayField


class AssignForm(FlaskForm):
    stall_id = SelectField(_l("Stall"), coerce=int)
    business_ref = StringField(
        _l("Business"),
        description=_l("The owner's NIK (16 digits) or the business's registry number."),
        validators=[DataRequired(), Length(max=30)],
    )
    start_date = DayField(_l("Start date"), validators=[InputRequired()])
    end_date = DayField(_l("End date (optional)"), validators=[Optional()])
    backdate_reason = TextAreaField(
        _l("Reason for a start date in the past"), validators=[Optional(), Length(max=500)]
    )
    out_of_order_reason = TextAreaField(
        _l("Reason for assigning out of waiting-list order"),
        description=_l(
            "Needed when the business is not first in line for this class, or has no application."
        ),
        validators=[Optional(), Length(max=1000)],
    )


class EndForm(FlaskForm):
    end_date = DayField(_l("Last day"), validators=[InputRequired()])
    reason = SelectField(_l("Reason"))
    note = TextAreaField(_l("Details"), validators=[Optional(), Length(max=500)])
