"""the money core: one implementation of the dues, effective-dated open days, credits,
idempotency records that keep the first response

Revision ID: c0a1e5d2b7f3
Revises: 3b8d2e61c0f4
Create Date: 2026-12-06 21:00:00

- paid_blocks (and the triggers keeping it) and calendar_days go: the dues read the
  covered days of payment_days directly (hallmgr.arrears.dues).
- payment_days.void becomes `covers` (the day covers its stall-day now), with `credit_id`
  for days released to a credit. Covered days outside their assignment's period (an end
  set back over days paid ahead) are released to one credit per assignment.
- halls.open_days becomes hall_schedules, from the calendar's first day.
- payments' idempotency key and request hash move to idempotency_records, which also keep
  the first response (the records made here have none: a retry of them answers 409).
"""

import sqlalchemy as sa
from alembic import op

revision = "c0a1e5d2b7f3"
down_revision = "3b8d2e61c0f4"
branch_labels = None
depends_on = None


def _drop_paid_blocks():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS paid_blocks_on_{event} ON payment_days")
        op.execute("DROP FUNCTION IF EXISTS paid_blocks_keep()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS paid_blocks_on_{event}")
    op.drop_table("paid_blocks")
    op.drop_table("calendar_days")


def _hall_schedules():
    op.create_table(
        "hall_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("open_days", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "open_days > 0 AND open_days <= 127", name=op.f("ck_hall_schedules_open_days")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_hall_schedules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["halls.id"], name=op.f("fk_hall_schedules_hall_id_halls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_schedules")),
        sa.UniqueConstraint(
            "hall_id", "effective_from", name=op.f("uq_hall_schedules_hall_id_effective_from")
        ),
    )
    op.execute(
        "INSERT INTO hall_schedules (hall_id, effective_from, open_days, created_at) "
        "SELECT id, DATE '2000-01-01', open_days, CURRENT_TIMESTAMP FROM halls"
        if op.get_bind().dialect.name == "postgresql"
        else "INSERT INTO hall_schedules (hall_id, effective_from, open_days, created_at) "
        "SELECT id, '2000-01-01', open_days, CURRENT_TIMESTAMP FROM halls"
    )
    with op.batch_alter_table("halls", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_halls_open_days"), type_="check")
        batch_op.drop_column("open_days")


def _credits():
    op.create_table(
        "credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settlement", sa.String(length=10), nullable=True),
        sa.Column("settlement_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("carried_to_id", sa.Integer(), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reason IN ('assignment_ended', 'closure', 'schedule_changed')",
            name=op.f("ck_credits_reason"),
        ),
        sa.CheckConstraint(
            "settlement IN ('refunded', 'carried')", name=op.f("ck_credits_settlement")
        ),
        sa.CheckConstraint(
            "(settlement IS NULL) = (settled_at IS NULL)",
            name=op.f("ck_credits_settled_with_a_time"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_credits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name=op.f("fk_credits_assignment_id_assignments")
        ),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_credits_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["carried_to_id"], ["assignments.id"], name=op.f("fk_credits_carried_to_id_assignments")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_credits_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_credits_hall_id_halls")),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["users.id"], name=op.f("fk_credits_settled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credits")),
    )
    op.create_index("ix_credits_business_id", "credits", ["business_id"])
    op.create_index("ix_credits_hall_open", "credits", ["hall_id", "settled_at"])


def _payment_days():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_payment_days_valid_assignment_block", table_name="payment_days")
    op.drop_index("uq_payment_days_valid_stall_day", table_name="payment_days")
    with op.batch_alter_table("payment_days", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("covers", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("credit_id", sa.Integer(), nullable=True))
    op.execute("UPDATE payment_days SET covers = NOT void")
    # Covered days outside their assignment's period: one credit per assignment.
    outside = (
        "pd.covers AND (pd.day < a.start_date OR (a.end_date IS NOT NULL AND pd.day > a.end_date))"
    )
    op.execute(
        "INSERT INTO credits (hall_id, business_id, assignment_id, amount, reason, created_at, "
        "settlement_note) "
        "SELECT p.hall_id, p.business_id, pd.assignment_id, SUM(pd.rate), 'assignment_ended', "
        "CURRENT_TIMESTAMP, '' FROM payment_days pd "
        "JOIN payments p ON p.id = pd.payment_id JOIN assignments a ON a.id = pd.assignment_id "
        f"WHERE {outside} GROUP BY pd.assignment_id, p.hall_id, p.business_id"
    )
    op.execute(
        "UPDATE payment_days SET covers = false, credit_id = (SELECT c.id FROM credits c "
        "WHERE c.assignment_id = payment_days.assignment_id) "
        "WHERE payment_days.id IN (SELECT pd.id FROM payment_days pd "
        f"JOIN assignments a ON a.id = pd.assignment_id WHERE {outside})"
    )
    with op.batch_alter_table("payment_days", schema=None) as batch_op:
        batch_op.drop_column("void")
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_days_credit_id_credits"), "credits", ["credit_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_payment_days_released_covers_not"), "NOT (covers AND credit_id IS NOT NULL)"
        )
    op.create_index(
        "uq_payment_days_cover",
        "payment_days",
        ["stall_id", "day"],
        unique=True,
        sqlite_where=sa.text("covers = 1"),
        postgresql_where=sa.text("covers"),
    )
    op.create_index(
        "ix_payment_days_cover_block",
        "payment_days",
        ["assignment_id", sa.text("(day_number / 62)"), "day_number", "covers"],
        sqlite_where=sa.text("covers = 1"),
        postgresql_where=sa.text("covers"),
    )
    op.create_index("ix_payment_days_credit", "payment_days", ["credit_id"])
    if postgresql:
        op.alter_column("payment_days", "covers", server_default=None)


def _idempotency_records():
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("mimetype", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_idempotency_records_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_records_user_id_key")),
    )
    op.create_index("ix_idempotency_records_payment_id", "idempotency_records", ["payment_id"])
    op.execute(
        "INSERT INTO idempotency_records (user_id, key, request_hash, payment_id, created_at) "
        "SELECT collector_id, idempotency_key, request_hash, id, recorded_at FROM payments "
        "WHERE idempotency_key IS NOT NULL AND request_hash IS NOT NULL"
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_payments_collector_id_idempotency_key"), type_="unique")
        batch_op.drop_column("request_hash")
        batch_op.drop_column("idempotency_key")
    op.create_index("ix_payments_business_day", "payments", ["business_day"])
    op.create_index("ix_payments_voided_at", "payments", ["voided_at"])


def upgrade():
    _drop_paid_blocks()
    _hall_schedules()
    _credits()
    _payment_days()
    _idempotency_records()


def downgrade():
    raise NotImplementedError("the money core is not taken back: restore a backup instead")
