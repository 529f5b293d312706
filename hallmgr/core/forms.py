"""Form helpers shared by features."""

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

# The dates anyone may enter or ask about: the calendar's arithmetic stays far from the
# years 1 and 9999, and no range can ask for millions of days.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class DayField(DateField):
    """A date field that takes days from 2000 to 2099 only."""

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            raise ValidationError(
                _l("Choose a date from %(first)s to %(last)s.", first=FIRST_DAY, last=LAST_DAY)
            )
