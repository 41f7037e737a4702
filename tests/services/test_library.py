"""Library sync: idempotent, a new version only on change, a broken file never unpublishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from edu.extensions import db
from edu.models import CaseRecord, CaseVersion
from edu.services.guidelines import current_library
from edu.services.library import case_files, sync_directory
from tests.conftest import FIXTURE_CASES, ROOT

BASIC = (FIXTURE_CASES / "author-basic.md").read_text()
# Removing the target node makes a lint error: an option leads nowhere.
BROKEN = BASIC.replace("-> #monitoring\n- TH_TAXANE", "-> #nowhere\n- TH_TAXANE")


@pytest.fixture
def library(tmp_path) -> Path:
    """A case directory holding the real guidelines and nothing else (yet)."""
    root = tmp_path / "cases"
    root.mkdir()
    (root / "guidelines").symlink_to(ROOT / "cases" / "guidelines")
    return root


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def sync(root: Path):
    return {entry.path.split("/")[-1]: entry for entry in sync_directory(root, current_library())}


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseVersion))


def case(slug: str = "author-basic") -> CaseRecord:
    return db.session.scalar(select(CaseRecord).where(CaseRecord.slug == slug))


class TestSync:
    def test_a_new_file_is_added_as_published_version_1(self, app, library):
        write(library, "author-basic.md", BASIC)
        entry = sync(library)["author-basic.md"]
        assert (entry.status, entry.slug, entry.version) == ("added", "author-basic", 1)
        assert case().published_version.number == 1
        assert case().source == "library"

    def test_syncing_twice_changes_nothing(self, app, library):
        write(library, "author-basic.md", BASIC)
        sync(library)
        before = version_count()
        entry = sync(library)["author-basic.md"]
        assert (entry.status, entry.version) == ("unchanged", 1)
        assert version_count() == before

    def test_a_changed_file_becomes_a_new_published_version(self, app, library):
        write(library, "author-basic.md", BASIC)
        sync(library)
        write(library, "author-basic.md", BASIC + "\nOne more line.\n")
        entry = sync(library)["author-basic.md"]
        assert (entry.status, entry.version) == ("updated", 2)
        assert case().published_version.number == 2
        assert [v.number for v in case().versions] == [1, 2]

    def test_versions_are_never_rewritten(self, app, library):
        write(library, "author-basic.md", BASIC)
        sync(library)
        first = case().versions[0]
        write(library, "author-basic.md", BASIC + "\nChanged.\n")
        sync(library)
        db.session.refresh(first)
        assert first.content == BASIC

    def test_a_broken_file_is_rejected_and_the_published_version_stays(self, app, library):
        write(library, "author-basic.md", BASIC)
        sync(library)
        before = version_count()
        write(library, "author-basic.md", BROKEN)
        entry = sync(library)["author-basic.md"]
        assert entry.status == "rejected"
        errors = [f for f in entry.findings if f.severity == "error"]
        assert errors and all(f.line > 1 for f in errors)
        assert any("nowhere" in f.message for f in errors)
        assert version_count() == before
        assert case().published_version.number == 1

    def test_a_broken_new_file_creates_no_case(self, app, library):
        write(library, "author-basic.md", BROKEN)
        assert sync(library)["author-basic.md"].status == "rejected"
        assert case() is None

    def test_fixing_a_rejected_file_publishes_it(self, app, library):
        write(library, "author-basic.md", BASIC)
        sync(library)
        write(library, "author-basic.md", BROKEN)
        sync(library)
        write(library, "author-basic.md", BASIC + "\nFixed.\n")
        entry = sync(library)["author-basic.md"]
        assert (entry.status, entry.version) == ("updated", 2)
        assert case().published_version.number == 2

    def test_each_file_gets_its_own_entry(self, app, library):
        write(library, "a/author-basic.md", BASIC)
        write(library, "b/author-other.md", BASIC.replace("id: author-basic", "id: author-other"))
        write(
            library, "c/author-broken.md", BROKEN.replace("id: author-basic", "id: author-broken")
        )
        statuses = {name: entry.status for name, entry in sync(library).items()}
        assert statuses == {
            "author-basic.md": "added",
            "author-other.md": "added",
            "author-broken.md": "rejected",
        }

    def test_an_id_used_by_a_quiz_bank_is_rejected(self, app, library):
        write(library, "author-basic.md", BASIC)
        quiz = (ROOT / "cases" / "quiz" / "trials.md").read_text()
        slug = next(
            line.split(":", 1)[1].strip() for line in quiz.splitlines() if line.startswith("id:")
        )
        write(library, "z-clash.md", quiz.replace(f"id: {slug}", "id: author-basic", 1))
        entry = sync(library)["z-clash.md"]
        assert entry.status == "rejected"
        assert "already names a case" in entry.findings[0].message
        assert case().kind == "case"

    def test_readme_files_and_the_guidelines_folder_are_not_cases(self, app, library):
        write(library, "README.md", "# Not a case\n")
        write(library, "author-basic.md", BASIC)
        names = [path.name for path in case_files(library)]
        assert names == ["author-basic.md"]
