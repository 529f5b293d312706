"""Every model, imported in one place so Alembic and the app see the whole schema."""

from hallmgr.api.models import ApiToken
from hallmgr.arrears.models import PaidBlock, WarningLetter
from hallmgr.assignments.models import Assignment
from hallmgr.audit.models import AuditEvent
from hallmgr.auth.models import User, user_halls
from hallmgr.businesses.models import Application, Business
from hallmgr.collection.models import ClosedMark, Deposit, Payment, PaymentDay, Waiver
from hallmgr.core.models import CalendarDay, NumberSequence
from hallmgr.halls.models import Closure, Hall, Kecamatan, Region, Stall, StallClass, Tariff

__all__ = [
    "ApiToken",
    "Application",
    "Assignment",
    "AuditEvent",
    "Business",
    "CalendarDay",
    "ClosedMark",
    "Closure",
    "Deposit",
    "Hall",
    "Kecamatan",
    "NumberSequence",
    "PaidBlock",
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
