"""The roles and what each may do, named once (DOMAIN.md, "Users (roles)").

Views declare a Permission (`@allow(Permission.VOID)`), templates and views ask
`current_user.may(Permission.VOID)`: no list of role names anywhere else.
"""

from enum import Enum

from flask_babel import lazy_gettext as _l

from hallmgr.core.enums import LabelledEnum


class Role(LabelledEnum):
    """A user's role, stored as its value; lists show the roles in this order."""

    ADMIN = "admin", _l("Administrator")
    OFFICE = "office", _l("UMKM office")
    MANAGER = "manager", _l("Hall manager")
    COLLECTOR = "collector", _l("Collector")


# Short names for the table below.
ADMIN, OFFICE, MANAGER, COLLECTOR = Role


class Permission(Enum):
    """What a set of roles may do. Named by what it allows, so a view, its template and
    the authorization matrix ask the same question."""

    # Every role: the home page, one's own account and API tokens, the API's reference.
    SIGNED_IN = ADMIN, OFFICE, MANAGER, COLLECTOR
    # Every role: the collection pages of one's halls (round, receipts, the day summary).
    READ_COLLECTION = ADMIN, OFFICE, MANAGER, COLLECTOR
    # Anything but read: the office audits and changes nothing (its own account aside).
    WRITE = ADMIN, MANAGER, COLLECTOR
    # Every hall rather than one's own (hall scope).
    SEE_ALL_HALLS = ADMIN, OFFICE
    # Users and their halls, regions, halls, stall classes, tariffs, closures, settings.
    ADMINISTER = (ADMIN,)
    READ_AUDIT_LOG = ADMIN, OFFICE
    # The registers of a hall: stalls and maps, businesses, assignments, waiting lists, waivers.
    READ_REGISTERS = ADMIN, OFFICE, MANAGER
    # Arrears, warning letters, dashboards, the daily collection report; the whole day of a
    # hall rather than one's own receipts.
    READ_REPORTS = ADMIN, OFFICE, MANAGER
    # A business's whole NIK, on its own page (masked everywhere else).
    SEE_NIK = ADMIN, MANAGER
    MANAGE_STALLS = ADMIN, MANAGER
    # Register and edit businesses; applications, offers and the waiting list.
    MANAGE_BUSINESSES = ADMIN, MANAGER
    ASSIGN = ADMIN, MANAGER
    WAIVE = ADMIN, MANAGER
    VOID = ADMIN, MANAGER
    # Say how a credit (days paid that stopped being due) was settled with its business.
    SETTLE_CREDITS = ADMIN, MANAGER
    ISSUE_LETTERS = ADMIN, MANAGER
    # Confirm the cash a collector hands over (setoran).
    DEPOSIT = ADMIN, MANAGER
    PAY = ADMIN, MANAGER, COLLECTOR
    MARK_CLOSED = ADMIN, MANAGER, COLLECTOR

    def __new__(cls, *roles: Role):
        # Numbered in order, so that two permissions of the same roles stay two members.
        member = object.__new__(cls)
        member._value_ = len(cls.__members__) + 1
        member.roles = frozenset(roles)
        return member

    def allows(self, role: str) -> bool:
        return role in self.roles
