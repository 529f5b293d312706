"""Warning letters (teguran, SP1–SP3): issued for an assignment's arrears at a level, in
sequence per hall and year, and printed from what they stated on the day of issue."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hallmgr.arrears import rules
from hallmgr.arrears.models import WarningLetter
from hallmgr.arrears.services import ArrearsFilter, ArrearsRow, arrears_rows
from hallmgr.assignments.models import Assignment
from hallmgr.audit.services import record
from hallmgr.auth.models import User
from hallmgr.businesses.models import Business
from hallmgr.core.errors import DomainError
from hallmgr.core.sequences import next_number
from hallmgr.extensions import db
from hallmgr.halls.models import Hall, Region, Stall


class NoArrearsForLetterError(DomainError):
    code = "no_arrears_for_letter"


class LetterAlreadyIssuedError(DomainError):
    status_code = 409
    code = "letter_already_issued"


def _issued_today(today: date, keys: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """{(assignment_id, level): number} of the letters among `keys` issued on `today`."""
    if not keys:
        return {}
    found = db.session.execute(
        sa.select(WarningLetter.assignment_id, WarningLetter.level, WarningLetter.number).where(
            WarningLetter.issued_on == today,
            WarningLetter.assignment_id.in_({k[0] for k in keys}),
        )
    ).all()
    wanted = set(keys)
    return {(a, lv): n for a, lv, n in found if (a, lv) in wanted}


def _new_letter(
    actor, row: ArrearsRow, level: str, hall: Hall, *, today, now, deadline_days, batch
):
    seq = next_number("letter", hall.code, today.year)
    letter = WarningLetter(
        number=rules.letter_number(seq, level, hall.code, today),
        hall_id=hall.id,
        year=today.year,
        seq=seq,
        assignment_id=row.assignment_id,
        business_id=row.business_id,
        stall_id=row.stall_id,
        level=level,
        issued_on=today,
        unpaid_days=row.unpaid_days,
        amount=row.amount,
        oldest_unpaid=row.oldest_unpaid,
        deadline=today + timedelta(days=deadline_days),
        batch=batch,
        issued_by_id=actor.id,
        issued_at=now,
    )
    db.session.add(letter)
    record(
        actor,
        "warning_letter_issued",
        letter,
        after={
            "number": letter.number,
            "level": level,
            "business": row.business_name,
            "nik": row.nik_masked,
            "stall": row.stall_code,
            "unpaid_days": row.unpaid_days,
            "amount": row.amount,
            "deadline": letter.deadline.isoformat(),
        },
        at=now,
    )
    return letter


def issue_letter(
    actor,
    assignment: Assignment,
    level: str,
    *,
    today: date,
    now: datetime,
    thresholds: tuple[int, int, int, int],
    deadline_days: int,
) -> WarningLetter:
    """Issue a warning letter of `level` for one stall's arrears, if they reach that level."""
    if level not in rules.WarningLevel.codes():
        raise DomainError(_("Choose a warning level."), field="level")
    rows = arrears_rows(today, thresholds, ArrearsFilter(assignment_ids=(assignment.id,)))
    if not rows or not (rows[0].level and rows[0].level.reaches(level)):
        raise NoArrearsForLetterError(
            _("The arrears of this business do not reach that warning level."), field="level"
        )
    earlier = _issued_today(today, [(assignment.id, level)])
    if earlier:
        raise LetterAlreadyIssuedError(
            _(
                "Letter %(number)s of this level was already issued today for this stall.",
                number=earlier[(assignment.id, level)],
            ),
            field="level",
        )
    hall = db.session.get(Hall, rows[0].hall_id)
    return _new_letter(
        actor, rows[0], level, hall, today=today, now=now, deadline_days=deadline_days, batch=None
    )


def issue_hall_letters(
    actor,
    hall: Hall,
    level: str,
    *,
    today: date,
    now: datetime,
    thresholds: tuple[int, int, int, int],
    deadline_days: int,
) -> tuple[str, list[WarningLetter]]:
    """Issue a letter to every business of the hall whose arrears reach `level`, each at
    the level its own arrears have reached; they share a batch printed as one PDF."""
    if level not in rules.WarningLevel.codes():
        raise DomainError(_("Choose a warning level."), field="level")
    rows = arrears_rows(
        today,
        thresholds,
        ArrearsFilter(hall_ids=frozenset({hall.id}), level=rules.WarningLevel(level)),
    )
    if not rows:
        raise NoArrearsForLetterError(
            _("No business of this hall has arrears at or above that level."), field="level"
        )
    # A repeated click issues nothing twice: letters of today at the same level are kept.
    earlier = _issued_today(today, [(row.assignment_id, row.level) for row in rows])
    rows = [row for row in rows if (row.assignment_id, row.level) not in earlier]
    if not rows:
        raise LetterAlreadyIssuedError(_("These letters were already issued today."), field="level")
    batch = uuid.uuid4().hex
    letters = [
        _new_letter(
            actor,
            row,
            row.level,
            hall,
            today=today,
            now=now,
            deadline_days=deadline_days,
            batch=batch,
        )
        for row in rows
    ]
    db.session.flush()
    return batch, letters


@dataclass(frozen=True)
class LetterData:
    """Everything a printed letter shows, plain values only."""

    number: str
    level: rules.WarningLevel
    issued_on: date
    deadline: date
    unpaid_days: int
    amount: int
    oldest_unpaid: date
    business_name: str
    owner_name: str
    address: str
    stall_code: str
    hall_code: str
    hall_name: str
    hall_address: str
    region_name: str
    issued_by: str


def letter_data(letter_ids: list[int] | None = None, batch: str | None = None) -> list[LetterData]:
    """The letters, joined with who and where in one statement, in number order."""
    query = (
        sa.select(
            WarningLetter,
            Business.name,
            Business.owner_name,
            Business.address,
            Stall.code,
            Hall.code,
            Hall.name,
            Hall.address,
            Region.name,
            User.full_name,
        )
        .join(Business, Business.id == WarningLetter.business_id)
        .join(Stall, Stall.id == WarningLetter.stall_id)
        .join(Hall, Hall.id == WarningLetter.hall_id)
        .join(Region, Region.code == Hall.region_code)
        .join(User, User.id == WarningLetter.issued_by_id)
        .order_by(WarningLetter.hall_id, WarningLetter.year, WarningLetter.seq)
    )
    if letter_ids is not None:
        query = query.where(WarningLetter.id.in_(letter_ids))
    if batch is not None:
        query = query.where(WarningLetter.batch == batch)
    out = []
    for (
        letter,
        b_name,
        owner,
        b_addr,
        stall,
        h_code,
        h_name,
        h_addr,
        region,
        issuer,
    ) in db.session.execute(query).tuples():
        out.append(
            LetterData(
                number=letter.number,
                level=letter.level,
                issued_on=letter.issued_on,
                deadline=letter.deadline,
                unpaid_days=letter.unpaid_days,
                amount=letter.amount,
                oldest_unpaid=letter.oldest_unpaid,
                business_name=b_name,
                owner_name=owner,
                address=b_addr or "",
                stall_code=stall,
                hall_code=h_code,
                hall_name=h_name,
                hall_address=h_addr or "",
                region_name=region,
                issued_by=issuer,
            )
        )
    return out
