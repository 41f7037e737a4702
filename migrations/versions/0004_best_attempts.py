"""best attempt per learner, case and course, for the standings

Revision ID: 0004_best_attempts
Revises: 0003_attempts_standings_index
Create Date: 2026-11-23 10:00:00

``best_attempts`` holds, per (course, learner, case), the attempt the leaderboard counts:
the most points among the learner's completed, non-preview attempts in the course, then
the earlier completion, then the lower id (``edu/models/best_attempts.py``). The ORM keeps
it up to date after every flush; this migration fills it from the attempts already there.

Why: ranking a course from ``attempts`` sorts every attempt of the course, about 0.8 s of
SQLite's time at 5,000 learners (300,000 attempts) and 3 s at 20,000; reading this table
takes 0.15 s at 5,000 (``docs/performance-history.md``, fourth session).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_best_attempts"
down_revision = "0003_attempts_standings_index"
branch_labels = None
depends_on = None

# Written out rather than imported from edu.models: a migration must keep doing what it
# did when it was written, whatever the models become.
BACKFILL = """
INSERT INTO best_attempts
    (course_id, user_id, case_id, attempt_id, points, max_points, completed_at)
SELECT course_id, user_id, case_id, id, points, max_points, completed_at
FROM (
    SELECT course_id, user_id, case_id, id, points, max_points, completed_at,
           ROW_NUMBER() OVER (
               PARTITION BY course_id, user_id, case_id
               ORDER BY points DESC, completed_at ASC, id ASC
           ) AS position
    FROM attempts
    WHERE course_id IS NOT NULL AND status = 'completed' AND preview = false
      AND completed_at IS NOT NULL
) AS ranked
WHERE position = 1
"""


def upgrade():
    op.create_table(
        "best_attempts",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("max_points", sa.Double(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"],
            name=op.f("fk_best_attempts_attempt_id_attempts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_best_attempts_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_best_attempts_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_best_attempts_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "user_id", "case_id", name=op.f("pk_best_attempts")
        ),
    )
    op.execute(BACKFILL)


def downgrade():
    op.drop_table("best_attempts")
