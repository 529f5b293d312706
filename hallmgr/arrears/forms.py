from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from hallmgr.arrears.rules import AgingBucket, WarningLevel
from hallmgr.core.forms import DayField, options


class ArrearsFilterForm(FlaskForm):
    """The filters of the arrears list, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    as_of = DayField(_l("As of"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    hall = SelectField(_l("Hall"), validators=[Optional()])
    bucket = SelectField(
        _l("Aging"),
        choices=options([("", _l("all")), *AgingBucket.choices()]),
        validators=[Optional()],
    )
    min_days = IntegerField(
        _l("Minimum unpaid days"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    level = SelectField(
        _l("Warning level (at least)"),
        choices=options([("", _l("all")), *WarningLevel.choices()]),
        validators=[Optional()],
    )


class LetterForm(FlaskForm):
    level = SelectField(
        _l("Warning level"), choices=options(WarningLevel.choices()), validators=[DataRequired()]
    )
