"""Sync and the editor share one library without overwriting each other."""

from pathlib import Path

from edu.cases import lint_document
from edu.extensions import db
from edu.models import CaseVersion
from edu.services.guidelines import current_library
from edu.services.library import save_version, sync_directory
from tests.factories import create_user

CASE = (Path(__file__).resolve().parents[1] / "fixtures" / "play" / "play-short.md").read_text()


def test_a_file_on_disk_cannot_take_over_a_case_written_in_the_editor(app, tmp_path):
    author = create_user("instructor")
    result = lint_document(CASE, "editor", current_library())
    save_version(
        CASE,
        result.document,
        findings=list(result.findings),
        publish=True,
        source="authored",
        user_id=author.id,
    )
    db.session.commit()
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "same-id.md").write_text(
        CASE.replace("A short test patient", "Changed on disk")
    )
    [entry] = sync_directory(tmp_path / "cases", current_library())
    assert entry.status == "rejected"
    assert "written in the editor" in str(entry.findings[0])
    assert db.session.query(CaseVersion).count() == 1


def test_unchanged_text_that_now_lints_clean_is_recorded_clean_before_publishing(app):
    result = lint_document(CASE, "disk", current_library())
    version, _ = save_version(CASE, result.document, findings=list(result.findings), publish=False)
    version.lint_ok = False  # as if an older guideline had rejected it
    db.session.commit()
    again, created = save_version(
        CASE, result.document, findings=list(result.findings), publish=True
    )
    assert not created
    assert again.lint_ok is True
    assert again.case.published_version_id == again.id
