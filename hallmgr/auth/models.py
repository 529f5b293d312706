from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallmgr.auth.roles import Permission, Role
from hallmgr.core.days import UTCDateTime
from hallmgr.core.models import created_at_column, enum_check
from hallmgr.extensions import db


class RoleType(sa.types.TypeDecorator):
    """A role: its value in a VARCHAR column, a Role once read."""

    impl = sa.String(16)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else Role(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else Role(value)


user_halls = sa.Table(
    "user_halls",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("hall_id", sa.ForeignKey("halls.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", tuple(Role), "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(RoleType())
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped to end every session of the user (sign-out, deactivation, password change).
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = created_at_column()

    # Loaded when asked for (most requests ask the scope in SQL, see policy.load_in_scope);
    # lists of users load them with selectinload.
    halls = relationship("Hall", secondary=user_halls, order_by="Hall.code", lazy="select")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def hall_ids(self) -> set[int]:
        return {hall.id for hall in self.halls}

    @property
    def sees_all_halls(self) -> bool:
        return self.may(Permission.SEE_ALL_HALLS)

    def may(self, permission: Permission) -> bool:
        return permission.allows(self.role)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
