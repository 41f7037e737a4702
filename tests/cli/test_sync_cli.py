"""`flask cases sync`: one report line per file, a summary, exit 1 when a file is rejected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from edu.extensions import db
from edu.models import CaseRecord
from tests.conftest import FIXTURE_CASES, ROOT

BASIC = (FIXTURE_CASES / "author-basic.md").read_text()
BROKEN = BASIC.replace("-> #monitoring\n- TH_TAXANE", "-> #nowhere\n- TH_TAXANE")


@pytest.fixture
def cases_dir(tmp_path):
    root = tmp_path / "cases"
    root.mkdir()
    (root / "guidelines").symlink_to(ROOT / "cases" / "guidelines")
    return root


@pytest.fixture
def app_config(cases_dir):
    return {"CASES_DIR": str(cases_dir)}


def run_sync(runner):
    return runner.invoke(args=["cases", "sync"])


def test_first_sync_reports_each_file_added_and_exits_0(runner, cases_dir):
    (cases_dir / "author-basic.md").write_text(BASIC)
    result = run_sync(runner)
    assert result.exit_code == 0, result.output
    assert "added     cases/author-basic.md (version 1)" in result.stdout
    assert "sync: 1 added" in result.stdout


def test_second_sync_reports_unchanged(runner, cases_dir):
    (cases_dir / "author-basic.md").write_text(BASIC)
    run_sync(runner)
    result = run_sync(runner)
    assert result.exit_code == 0
    assert "unchanged cases/author-basic.md (version 1)" in result.stdout
    assert "sync: 1 unchanged" in result.stdout


def test_a_changed_file_is_reported_updated(runner, cases_dir):
    path = cases_dir / "author-basic.md"
    path.write_text(BASIC)
    run_sync(runner)
    path.write_text(BASIC + "\nA new paragraph.\n")
    result = run_sync(runner)
    assert result.exit_code == 0
    assert "updated   cases/author-basic.md (version 2)" in result.stdout


def test_a_rejected_file_exits_1_names_its_errors_and_keeps_the_good_version(
    app, runner, cases_dir
):
    path = cases_dir / "author-basic.md"
    path.write_text(BASIC)
    run_sync(runner)
    path.write_text(BROKEN)
    (cases_dir / "author-other.md").write_text(
        BASIC.replace("id: author-basic", "id: author-other")
    )
    result = run_sync(runner)
    assert result.exit_code == 1
    assert "rejected  cases/author-basic.md" in result.stdout
    assert "added     cases/author-other.md (version 1)" in result.stdout
    assert "sync: 1 added, 1 rejected" in result.stdout
    # Errors go to standard error as file:line: error: message.
    assert "cases/author-basic.md:" in result.stderr
    assert ": error: " in result.stderr and "nowhere" in result.stderr
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == "author-basic"))
    assert case.published_version.number == 1


def test_an_empty_directory_says_so(runner, cases_dir):
    result = run_sync(runner)
    assert result.exit_code == 0
    assert "sync: no case files" in result.stdout
