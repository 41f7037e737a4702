"""Test helpers of the authoring tests: the fixture case, playing it, a rules directory.

Shared by tests/services/test_{authoring,analytics,rescoring}.py and tests/web/test_author.py.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Sequence
from pathlib import Path

from werkzeug.security import generate_password_hash

from edu.extensions import db
from edu.models import Attempt, CaseRecord, Role, User
from edu.services import play
from edu.services.content import parsed
from tests.conftest import FIXTURE_CASES, ROOT
from tests.factories import PASSWORD, sync_fixture_cases

BASIC_PATH = FIXTURE_CASES / "author-basic.md"
BASIC = BASIC_PATH.read_text()
#: The same case with an option leading to a node that does not exist (a lint error on
#: the line of that option).
BROKEN = BASIC.replace("-> #monitoring\n- TH_TAXANE", "-> #nowhere\n- TH_TAXANE")
BROKEN_LINE = (
    BROKEN.splitlines().index("- THP_DOCETAXEL: Pertuzumab + trastuzumab + docetaxel -> #nowhere")
    + 1
)
TEST_RULES = ROOT / "tests" / "fixtures" / "guidelines" / "her2-mbc-2099.1.yaml"


# factories.create_user hashes with scrypt (~0.3 s a user); these tests create many users,
# so they share one cheap hash of the same password. Log-in still checks it for real.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_numbers = itertools.count(1)


def make_user(role: Role | str = Role.RESIDENT) -> User:
    """Create a user with ``role`` and the factories' PASSWORD, quickly."""
    n = next(_numbers)
    role = Role(role)
    user = User(
        email=f"author-{role.value}{n}@test.edu",
        name=f"{role.value.title()} {n}",
        role=role.value,
        password_hash=_CHEAP_HASH,
    )
    db.session.add(user)
    db.session.commit()
    return user


def basic_case() -> CaseRecord:
    """Sync the fixture case into the library, published, and return it."""
    return sync_fixture_cases(BASIC_PATH)[0]


def play_through(
    user_id: int,
    case: CaseRecord,
    codes: Sequence[str],
    *,
    course_id: int | None = None,
    preview: bool = False,
) -> Attempt:
    """Play ``case`` choosing ``codes`` in order; return the attempt (completed if it ended).

    ``preview`` plays the published version as an author's preview (nothing counts).
    """
    attempt = play.start_attempt(
        user_id,
        case,
        course_id=course_id,
        restart=True,
        preview=preview,
        version=case.published_version if preview else None,
    )
    document = parsed(case.published_version)
    pending = list(codes)
    while attempt.status == "in_progress":
        step = len(attempt.path) - 1
        node = document.nodes[attempt.current_node]
        if node.kind == "decision":
            if not pending:
                break
            play.decide(attempt.id, user_id, step, pending.pop(0))
        else:
            play.advance(attempt.id, user_id, step)
        attempt = play.get_attempt(attempt.id, user_id)
    return attempt


def rules_with_test_version(tmp_path: Path) -> Path:
    """A CASES_DIR whose guidelines are the real ones plus the test-only her2-mbc-2099.1."""
    root = tmp_path / "cases-with-2099"
    shutil.copytree(ROOT / "cases" / "guidelines", root / "guidelines")
    shutil.copy(TEST_RULES, root / "guidelines" / TEST_RULES.name)
    return root
