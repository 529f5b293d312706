"""Two halls full of objects, for filling URL parameters of any route of the app.

"own" is the hall the manager and collector of a test work in; "other" is a hall they do
not. Each has a stall, a business holding that stall, a payment (receipt), an
application on the waiting list and a warning letter in a batch. The tests that walk
`app.url_map` (the authorization matrix, the NIK grep, the CSV exports) share it.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from hallmgr.core.days import market_today

PARAM_RE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")

# URL parameters that name a hall or an object of one: their route is checked with the
# own hall's object and with the other hall's. (`token_id` is scoped to its user, not a
# hall: it is always someone else's token.)
HALL_BOUND = {
    "code",
    "hall_code",
    "stall_id",
    "business_id",
    "assignment_id",
    "application_id",
    "number",
    "letter_id",
    "batch",
    "credit_id",
}


@dataclass
class HallObjects:
    hall: object
    stall_class: object
    stall: object
    business: object
    assignment: object
    payment: object
    application: object
    letter: object
    token: object
    credit: object

    def params(self) -> dict:
        return {
            "code": self.hall.code,
            "hall_code": self.hall.code,
            "stall_id": self.stall.id,
            "business_id": self.business.id,
            "assignment_id": self.assignment.id,
            "application_id": self.application.id,
            "number": self.payment.receipt_number,
            "letter_id": self.letter.id,
            "batch": self.letter.batch,
            "credit_id": self.credit.id,
        }


@dataclass
class World:
    own: HallObjects
    other: HallObjects
    plain: dict = field(default_factory=dict)  # parameters not tied to a hall

    def fill(self, rule: str, side: str | None, overrides: dict | None = None) -> str:
        values = {**self.plain, **(getattr(self, side).params() if side else {})}
        values.update(overrides or {})

        def value(match):
            name = match.group(2)
            if name not in values:
                raise KeyError(f"no value for URL parameter {name!r} of {rule}")
            return str(values[name])

        return PARAM_RE.sub(value, rule)


def rule_params(rule: str) -> set[str]:
    return {m.group(2) for m in PARAM_RE.finditer(rule)}


def build_world(db, make_hall, make_class, make_stall, make_business, make_assignment, make_user):
    from hallmgr.api.services import create_token
    from hallmgr.collection.services import record_payment
    from hallmgr.models import Application, Closure, Credit, Tariff, WarningLetter

    today = market_today()
    now = datetime.now(UTC)
    start = date(today.year - 1, 1, 1)
    paid_day = date(today.year - 1, 1, 2)

    def hall_objects(n: int) -> HallObjects:
        hall = make_hall()
        stall_class = make_class()
        stall = make_stall(hall, stall_class=stall_class)
        business = make_business()
        assignment = make_assignment(stall, business, start)
        collector = make_user("collector", [hall])
        payment, _ = record_payment(
            collector, stall, [paid_day], "cash", today=today, now=now, advance_days=31
        )
        waiting = make_business()
        application = Application(
            hall_id=hall.id,
            stall_class_id=stall_class.id,
            business_id=waiting.id,
            applied_at=now,
            status="waiting",
        )
        letter = WarningLetter(
            number=f"SP/{hall.code}/{n}",
            hall_id=hall.id,
            year=today.year,
            seq=n,
            assignment_id=assignment.id,
            business_id=business.id,
            stall_id=stall.id,
            level="teguran",
            issued_on=today,
            unpaid_days=30,
            amount=90_000,
            oldest_unpaid=start,
            deadline=today,
            batch=f"batch{hall.code}".lower()[:32],
            issued_by_id=make_user("manager", [hall]).id,
            issued_at=now,
        )
        credit = Credit(
            hall_id=hall.id,
            business_id=business.id,
            assignment_id=assignment.id,
            amount=3000,
            reason="assignment_ended",
        )
        db.session.add_all([application, letter, credit])
        db.session.flush()
        token, _plain = create_token(make_user("office"), "someone else's", now)
        return HallObjects(
            hall,
            stall_class,
            stall,
            business,
            assignment,
            payment,
            application,
            letter,
            token,
            credit,
        )

    own, other = hall_objects(1), hall_objects(2)
    closure = Closure(
        hall_id=own.hall.id, start_date=today, end_date=today, kind="other", reason="Uji"
    )
    db.session.add(closure)
    db.session.flush()
    tariff = db.session.query(Tariff).filter_by(stall_class_id=own.stall_class.id).one()
    target_user = make_user("manager", [own.hall])
    db.session.commit()
    plain = {
        "hall_id": own.hall.id,
        "class_id": own.stall_class.id,
        "tariff_id": tariff.id,
        "user_id": target_user.id,
        "active": 0,
        "day": paid_day,
        "size": "a6",
        "filename": "favicon.svg",
        "token_id": other.token.id,
    }
    return World(own=own, other=other, plain=plain)
