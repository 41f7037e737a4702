"""drop the two indexes that repeat the leading column of a wider one

Revision ID: 0005_drop_redundant_indexes
Revises: 0004_best_attempts
Create Date: 2026-12-04 22:00:00

- ``ix_attempts_user_id`` is the first column of ``ix_attempts_user_case`` (user_id,
  case_id), which answers every lookup of a learner's attempts (the catalog's, a course's
  progress, the foreign key's checks when a user is deleted) as well.
- ``ix_assignments_course_id`` is the first column of the unique constraint on
  (course_id, case_id), whose index answers every "course_id = ?" of the assignments.

An index is written on every row inserted and, where an update changes an indexed column,
on every update. A decision updates its attempt, and on PostgreSQL that update adds an
entry to every index of ``attempts`` (its ``lock_version`` is a column of the standings
index, so it cannot be a heap-only update): one index fewer is a quarter fewer of the
attempt's index entries per decision (``docs/performance-history.md``, twelfth session).
``tests/services/test_attempt_indexes.py`` checks the learner's lookups still use an
index and that no index repeats another's leading columns.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_drop_redundant_indexes"
down_revision = "0004_best_attempts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_user_id"))
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_course_id"))


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_course_id"), ["course_id"], unique=False)
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_user_id"), ["user_id"], unique=False)
