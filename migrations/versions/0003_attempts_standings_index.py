"""covering index for the standings fingerprint

Revision ID: 0003_attempts_standings_index
Revises: 0002_attempts_course_index
Create Date: 2026-11-22 20:10:00

``edu.services.gradebook._standings_fingerprint`` runs on every leaderboard view:
count(id), max(id), max(completed_at) and sum(lock_version) of a course's completed,
non-preview attempts. This index holds every column that query reads, so it is an
index-only scan on PostgreSQL and a covering-index scan on SQLite instead of a read of
every attempt row of the course.

Column order:
- course_id, status, preview: the three equality conditions, all of them bounds of the
  scan (course first: the most selective, and the prefix other queries use);
- id next, not last: PostgreSQL needs id in the index for max(id), and in id order the
  scan checks the table's visibility map in the order rows were written. With
  completed_at fourth, consecutive entries point all over the table, and once it is
  larger than one visibility map page covers (~255 MB; 20,000 learners) most of them
  cost a buffer lookup: 647,000 for 1.2 million attempts, against 7,000 in id order;
- lock_version, then completed_at: 4-byte columns before the 8-byte one pack without
  alignment padding (14 MB for 300,000 attempts, not 17 MB).

It starts with course_id, so it serves every ``WHERE course_id = ?`` that
``ix_attempts_course_id`` served; that index is dropped (and recreated on downgrade).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_attempts_standings_index"
down_revision = "0002_attempts_course_index"
branch_labels = None
depends_on = None

COLUMNS = ["course_id", "status", "preview", "id", "lock_version", "completed_at"]


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index("ix_attempts_course_standing", COLUMNS, unique=False)
        batch_op.drop_index(batch_op.f("ix_attempts_course_id"))


def downgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_course_id"), ["course_id"], unique=False)
        batch_op.drop_index("ix_attempts_course_standing")
