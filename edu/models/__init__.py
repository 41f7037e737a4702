"""Persistence models, one module per area.

Every module is imported here so Alembic's autogenerate and ``db.create_all`` see every
table (Indico's ``import_all_models`` idea).
"""

from edu.models.attempts import Attempt, Choice, ChoiceScore
from edu.models.best_attempts import BestAttempt
from edu.models.courses import Assignment, Course, Enrolment
from edu.models.library import CaseAuthor, CaseRecord, CaseVersion
from edu.models.users import Role, User

__all__ = [
    "Assignment",
    "Attempt",
    "BestAttempt",
    "CaseAuthor",
    "CaseRecord",
    "CaseVersion",
    "Choice",
    "ChoiceScore",
    "Course",
    "Enrolment",
    "Role",
    "User",
]
