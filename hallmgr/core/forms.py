"""Form helpers shared by features."""

from collections.abc import Iterable

from wtforms import DateField, SelectMultipleField
from wtforms.fields.choices import SelectChoice

from hallmgr.core.days import DayError, parse_day


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class DayField(DateField):
    """A date field that takes days from 2000 to 2099 only (core.days.parse_day)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = parse_day(valuelist[0])
        except DayError as error:
            self.data = None
            raise ValueError(error.message) from None


class DaysField(SelectMultipleField):
    """Several days (ticked YYYY-MM-DD values), each from 2000 to 2099 (core.days.parse_day)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=parse_day, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [parse_day(value) for value in valuelist]
        except DayError as error:
            self.data = []
            raise ValueError(error.message) from None
