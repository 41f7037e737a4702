"""index attempts by course

Revision ID: 0002_attempts_course_index
Revises: 08fdbd913544
Create Date: 2026-11-22 18:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_attempts_course_index"
down_revision = "08fdbd913544"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_course_id"), ["course_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_course_id"))
