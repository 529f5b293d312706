"""Every model, imported in one place so Alembic and the app see the whole schema."""

from hallmgr.api.models import ApiToken
from hallmgr.arrears.models import WarningLetter
from hallmgr.assignments.models import Assignment
from hallmgr.audit.models import AuditEvent
from hallmgr.auth.models import User, user_halls
from hallmgr.businesses.models import Application, Business
from hallmgr.collection.models import ClosedMark, Credit, Deposit, Payment, PaymentDay, Waiver
from hallmgr.core.models import IdempotencyRecord, NumberSequence
from hallmgr.halls.models import (
    Closure,
    Hall,
    HallSchedule,
    Kecamatan,
    Region,
    Stall,
    StallClass,
    Tariff,
)

__all__ = [
    "ApiToken",
    "Application",
    "Assignment",
    "AuditEvent",
    "Business",
    "ClosedMark",
    "Closure",
    "Credit",
    "Deposit",
    "Hall",
    "HallSchedule",
    "IdempotencyRecord",
    "Kecamatan",
    "NumberSequence",
    "Payment",
    "PaymentDay",
    "Region",
    "Stall",
    "StallClass",
    "Tariff",
    "User",
    "Waiver",
    "WarningLetter",
    "user_halls",
]
