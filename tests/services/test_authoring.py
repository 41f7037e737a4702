"""Authoring service: drafts, immutable versions, publish only when clean, restore, upload."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from edu.extensions import db
from edu.models import CaseRecord, CaseVersion
from edu.services import authoring
from tests.author_helpers import BASIC, BROKEN, BROKEN_LINE, basic_case, make_user, play_through


@pytest.fixture
def owner(app):
    return make_user("instructor")


@pytest.fixture
def draft(owner):
    """A new authored case: version 1, a clean draft, not published."""
    return authoring.create_case(BASIC, owner).case


def versions(case) -> list[int]:
    return list(
        db.session.scalars(
            select(CaseVersion.number)
            .where(CaseVersion.case_id == case.id)
            .order_by(CaseVersion.number)
        )
    )


class TestPermissions:
    def test_owner_co_author_and_admin_may_edit(self, draft, owner):
        coauthor = make_user("instructor")
        authoring.add_coauthor(draft, coauthor.email)
        assert authoring.can_edit(owner, draft)
        assert authoring.can_edit(coauthor, draft)
        assert authoring.can_edit(make_user("admin"), draft)

    def test_other_instructors_residents_and_anonymous_may_not(self, draft):
        assert not authoring.can_edit(make_user("instructor"), draft)
        assert not authoring.can_edit(make_user("resident"), draft)
        assert not authoring.can_edit(None, draft)

    def test_a_resident_listed_as_co_author_still_may_not_edit(self, draft):
        resident = make_user("resident")
        draft.owner_id = resident.id  # e.g. an instructor demoted after writing it
        db.session.commit()
        assert not authoring.can_edit(resident, draft)

    def test_library_cases_without_owner_are_for_admins(self, app):
        case = basic_case()
        assert not authoring.can_edit(make_user("instructor"), case)
        assert authoring.can_edit(make_user("admin"), case)

    def test_editable_cases_lists_owned_and_co_authored_cases(self, draft, owner):
        other = authoring.create_case(
            BASIC.replace("id: author-basic", "id: author-other"), make_user("instructor")
        ).case
        assert authoring.editable_cases(owner) == [draft]
        authoring.add_coauthor(other, owner.email)
        assert {c.slug for c in authoring.editable_cases(owner)} == {"author-basic", "author-other"}
        assert len(authoring.editable_cases(make_user("admin"))) == 2

    def test_only_instructors_can_be_co_authors(self, draft):
        with pytest.raises(authoring.AuthoringError, match="resident"):
            authoring.add_coauthor(draft, make_user("resident").email)
        with pytest.raises(authoring.AuthoringError, match="No account"):
            authoring.add_coauthor(draft, "nobody@test.edu")

    def test_adding_a_co_author_twice_is_harmless_and_removal_works(self, draft):
        coauthor = make_user("instructor")
        authoring.add_coauthor(draft, coauthor.email.upper())
        authoring.add_coauthor(draft, coauthor.email)
        assert authoring.coauthors(draft) == [coauthor]
        authoring.remove_coauthor(draft, coauthor.id)
        assert authoring.coauthors(draft) == []
        assert not authoring.can_edit(coauthor, draft)


class TestDrafts:
    def test_a_new_case_is_an_unpublished_draft_owned_by_its_author(self, draft, owner):
        assert draft.owner_id == owner.id
        assert draft.source == "authored"
        assert draft.published_version_id is None
        assert authoring.has_draft(draft)
        assert versions(draft) == [1]

    def test_an_id_already_taken_is_refused(self, draft, owner):
        with pytest.raises(authoring.AuthoringError, match="already used"):
            authoring.create_case(BASIC, owner)

    def test_text_without_a_readable_id_is_refused_as_a_new_case(self, owner):
        with pytest.raises(authoring.AuthoringError):
            authoring.create_case("no front matter at all\n", owner)

    def test_every_change_is_a_new_version_and_old_ones_stay_as_they_were(self, draft, owner):
        authoring.save_draft(draft, BASIC + "\nSecond.\n", owner)
        authoring.save_draft(draft, BASIC + "\nThird.\n", owner)
        assert versions(draft) == [1, 2, 3]
        assert authoring.get_version(draft, 1).content == BASIC

    def test_saving_the_same_text_creates_nothing(self, draft, owner):
        result = authoring.save_draft(draft, BASIC.replace("\n", "\r\n"), owner)
        assert not result.created
        assert versions(draft) == [1]

    def test_a_draft_with_lint_errors_is_kept_with_its_findings(self, draft, owner):
        result = authoring.save_draft(draft, BROKEN, owner)
        assert result.created and not result.ok
        assert not result.version.lint_ok
        assert any(
            f["line"] == BROKEN_LINE and f["severity"] == "error"
            for f in result.version.lint_report
        )

    def test_text_that_does_not_parse_is_still_kept_as_a_draft(self, draft, owner):
        result = authoring.save_draft(draft, "---\nid: [unclosed\n", owner)
        assert result.created and not result.version.lint_ok
        assert result.version.title == "Author fixture, first line and monitoring"

    def test_changing_the_id_is_an_error_and_creates_no_other_case(self, draft, owner):
        result = authoring.save_draft(
            draft, BASIC.replace("id: author-basic", "id: renamed"), owner
        )
        assert not result.version.lint_ok
        assert any("must stay 'author-basic'" in f.message for f in result.findings)
        assert db.session.scalar(select(func.count()).select_from(CaseRecord)) == 1


class TestPublish:
    def test_a_clean_version_is_published(self, draft):
        version = authoring.latest_version(draft)
        authoring.publish(draft, version)
        assert draft.published_version_id == version.id
        assert version.published_at is not None
        assert not authoring.has_draft(draft)

    def test_a_version_with_lint_errors_is_never_published(self, draft, owner):
        authoring.publish(draft, authoring.latest_version(draft))
        broken = authoring.save_draft(draft, BROKEN, owner).version
        with pytest.raises(authoring.PublishRefused):
            authoring.publish(draft, broken)
        assert draft.published_version.number == 1
        assert authoring.version_status(draft, broken) == "draft"

    def test_attempts_keep_the_version_they_were_played_on(self, app, owner):
        case = basic_case()
        resident = make_user("resident")
        first = play_through(resident.id, case, ["THP_DOCETAXEL"])
        admin = make_user("admin")
        new = authoring.save_draft(case, BASIC + "\nEdited.\n", admin).version
        authoring.publish(case, new)
        assert (
            db.session.get(type(first), first.id).case_version_id
            == authoring.get_version(case, 1).id
        )
        second = play_through(make_user("resident").id, case, ["THP_DOCETAXEL"])
        assert second.case_version_id == new.id


class TestRollback:
    def test_restoring_saves_the_old_text_as_a_new_published_version(self, draft, owner):
        authoring.publish(draft, authoring.latest_version(draft))
        v2 = authoring.save_draft(draft, BASIC + "\nLater text.\n", owner).version
        authoring.publish(draft, v2)
        result = authoring.rollback(draft, authoring.get_version(draft, 1), owner)
        assert result.created
        assert result.version.number == 3
        assert result.version.content == BASIC
        assert result.version.meta["restored_from"] == 1
        assert draft.published_version_id == result.version.id
        assert versions(draft) == [1, 2, 3]

    def test_restoring_a_broken_version_is_refused(self, draft, owner):
        broken = authoring.save_draft(draft, BROKEN, owner).version
        authoring.save_draft(draft, BASIC + "\nfixed\n", owner)
        with pytest.raises(authoring.PublishRefused):
            authoring.rollback(draft, broken, owner)
        assert draft.published_version_id is None

    def test_restoring_the_text_of_the_newest_version_just_publishes_it(self, draft, owner):
        result = authoring.rollback(draft, authoring.latest_version(draft), owner)
        assert not result.created
        assert draft.published_version.number == 1


class TestUpload:
    def test_a_new_clean_file_is_added_and_published(self, owner):
        [entry] = authoring.upload_files([("author-basic.md", BASIC.encode())], owner)
        assert (entry.status, entry.slug, entry.version, entry.published) == (
            "added",
            "author-basic",
            1,
            True,
        )
        case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == "author-basic"))
        assert case.owner_id == owner.id and case.source == "authored"

    def test_a_broken_upload_is_kept_as_draft_and_the_live_version_stays(self, draft, owner):
        authoring.publish(draft, authoring.latest_version(draft))
        [entry] = authoring.upload_files([("author-basic.md", BROKEN.encode())], owner)
        assert entry.status == "draft" and not entry.published
        assert any(f.line == BROKEN_LINE for f in entry.errors)
        assert draft.published_version.number == 1

    def test_several_files_each_get_a_report_line(self, owner):
        entries = authoring.upload_files(
            [
                ("author-basic.md", BASIC.encode()),
                ("notes.txt", b"hello"),
                ("big.md", b"x" * (300 * 1024)),
                ("latin1.md", "caf\xe9".encode("latin-1")),
                ("author-basic.md", BASIC.encode()),
            ],
            owner,
        )
        assert [e.status for e in entries] == [
            "added",
            "rejected",
            "rejected",
            "rejected",
            "unchanged",
        ]
        assert "Markdown" in entries[1].findings[0].message
        assert "KiB" in entries[2].findings[0].message
        assert "UTF-8" in entries[3].findings[0].message

    def test_a_case_of_someone_else_cannot_be_overwritten(self, draft):
        [entry] = authoring.upload_files(
            [("x.md", (BASIC + "\nmine\n").encode())], make_user("instructor")
        )
        assert entry.status == "rejected"
        assert "cannot edit" in entry.findings[0].message
        assert versions(draft) == [1]

    def test_without_publish_a_clean_upload_stays_a_draft(self, owner):
        [entry] = authoring.upload_files(
            [("author-basic.md", BASIC.encode())], owner, publish_clean=False
        )
        assert entry.status == "draft" and not entry.published


class TestPreviewAndDiff:
    def test_preview_lists_findings_by_line_and_renders_each_node(self, app):
        preview = authoring.preview_text(BROKEN)
        assert not preview.ok
        assert [f.line for f in preview.findings] == sorted(f.line for f in preview.findings)
        assert [n.id for n in preview.nodes] == ["start", "first-line", "monitoring", "end"]
        first_line = preview.nodes[1]
        assert first_line.line <= BROKEN_LINE <= first_line.end_line
        assert first_line.question_html.startswith("<p>")

    def test_preview_html_is_sanitised(self, app):
        text = BASIC.replace(
            "A fit patient", '<script>alert(1)</script><b onclick="x()">A fit</b> patient'
        )
        body = authoring.preview_text(text).nodes[0].body_html
        assert "<script" not in body and "onclick" not in body

    def test_diff_marks_added_and_removed_lines_with_their_numbers(self, draft, owner):
        new = authoring.save_draft(draft, BASIC.replace("Test P.", "Other P."), owner).version
        lines = authoring.diff_versions(authoring.get_version(draft, 1), new)
        removed = [line for line in lines if line.kind == "removed"]
        added = [line for line in lines if line.kind == "added"]
        assert [line.text for line in removed] == ["  name: Test P."]
        assert [line.text for line in added] == ["  name: Other P."]
        number = BASIC.splitlines().index("  name: Test P.") + 1
        assert removed[0].old_line == number and added[0].new_line == number
        assert lines[0].kind == "header" and any(line.kind == "hunk" for line in lines)

    def test_the_starter_text_of_a_new_case_lints_clean(self, owner):
        assert authoring.preview_text(authoring.new_case_template(owner)).ok
