from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from hallmgr.core.forms import options
from hallmgr.core.labels import STALL_STATUS_LABELS
from hallmgr.halls import rules


class StallForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Unique in the hall, e.g. A-07."),
        validators=[DataRequired(), Length(max=20)],
    )
    block = StringField(_l("Block"), validators=[Optional(), Length(max=20)])
    stall_class_id = SelectField(_l("Stall class"), coerce=int)
    area = StringField(
        _l("Area (m²)"), description=_l("e.g. 9 or 2,5"), validators=[Optional(), Length(max=12)]
    )

    def validate_area(self, field):
        try:
            field.area_dm2 = rules.parse_area_m2(field.data or "")
        except ValueError as error:
            raise ValidationError(_l("Give the area in square metres, e.g. 9 or 2,5.")) from error


class StallStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=options(STALL_STATUS_LABELS.items()))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
