"""paid days carry their assignment and day number; index for the last payment

Revision ID: 5e1f0c2a9d47
Revises: 7bb40f40e676
Create Date: 2026-11-23 12:30:00

The arrears engine folds an assignment's valid paid days into bit masks per 62-day
block from one covering index, (assignment_id, day_number / 62, day_number, void) where
not void, read in its own order: no join to the payments, no sort, no date parsing.
"""

import sqlalchemy as sa
from alembic import op

revision = "5e1f0c2a9d47"
down_revision = "7bb40f40e676"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("day_number", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        number = sa.text("day - DATE '1970-01-01'")
    else:
        number = sa.text("CAST(julianday(day) AS INTEGER) - 2440587")
    pd = sa.table(
        "payment_days",
        sa.column("payment_id"),
        sa.column("assignment_id"),
        sa.column("day_number"),
    )
    payments = sa.table("payments", sa.column("id"), sa.column("assignment_id"))
    op.execute(
        pd.update().values(
            assignment_id=sa.select(payments.c.assignment_id)
            .where(payments.c.id == pd.c.payment_id)
            .scalar_subquery(),
            day_number=number,
        )
    )
    with op.batch_alter_table("payment_days", schema=None) as batch_op:
        batch_op.alter_column("assignment_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("day_number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_days_assignment_id_assignments"),
            "assignments",
            ["assignment_id"],
            ["id"],
        )
    op.create_index(
        "ix_payment_days_valid_assignment_block",
        "payment_days",
        ["assignment_id", sa.text("(day_number / 62)"), "day_number", "void"],
        unique=False,
        sqlite_where=sa.text("void = 0"),
        postgresql_where=sa.text("void = false"),
    )
    op.create_index(
        "ix_payments_assignment_day", "payments", ["assignment_id", "business_day"], unique=False
    )


def downgrade():
    op.drop_index("ix_payments_assignment_day", table_name="payments")
    op.drop_index("ix_payment_days_valid_assignment_block", table_name="payment_days")
    with op.batch_alter_table("payment_days", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payment_days_assignment_id_assignments"), type_="foreignkey"
        )
        batch_op.drop_column("day_number")
        batch_op.drop_column("assignment_id")
