"""`flask cases lint|coverage` through the CLI runner; the functions behind them are
tested in tests/unit/cases/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from edu.cli.cases import cases_cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cases"


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    """A case directory with the real guideline rules and two valid fixture cases."""
    shutil.copytree(ROOT / "cases" / "guidelines", tmp_path / "guidelines")
    shutil.copy(FIXTURES / "valid" / "minimal.md", tmp_path / "minimal.md")
    (tmp_path / "quiz").mkdir()
    shutil.copy(FIXTURES / "valid" / "quiz.md", tmp_path / "quiz" / "quiz.md")
    return tmp_path


@pytest.fixture
def runner(library_dir: Path):
    """A CLI runner on a bare app with only the cases group: these commands need no
    database, so the test does not pay for one (the wiring is create_app's business)."""
    app = Flask(__name__)
    app.config.update(TESTING=True, CASES_DIR=str(library_dir))
    app.cli.add_command(cases_cli)
    return app.test_cli_runner()


def run(runner, *args):
    return runner.invoke(args=["cases", *args])


class TestLint:
    def test_clean_directory_exits_0_and_prints_no_findings(self, runner):
        result = run(runner, "lint")
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert "2 file(s) checked: 0 error(s), 0 warning(s)" in result.stderr

    def test_errors_are_printed_as_file_line_severity_message_and_exit_1(self, runner, library_dir):
        shutil.copy(FIXTURES / "broken" / "missing-target.md", library_dir / "broken.md")
        result = run(runner, "lint")
        assert result.exit_code == 1
        first, second = result.stdout.splitlines()
        assert second.endswith(
            "broken.md:38: warning: node 'end-poor' cannot be reached "
            "from the start node 'start': link to it from another node, "
            "or delete it"
        )
        assert first.endswith(
            "broken.md:30: error: 'first-line' leads to '#end-bad', but no node has that id: "
            "fix the id, or add a node headed '## Title {#end-bad}'"
        )
        assert "1 error(s), 1 warning(s)" in result.stderr

    def test_warnings_alone_exit_0(self, runner, library_dir):
        shutil.copy(FIXTURES / "broken" / "unreachable-node.md", library_dir / "w.md")
        result = run(runner, "lint")
        assert result.exit_code == 0
        assert ": warning: node 'orphan' cannot be reached" in result.stdout

    def test_explicit_paths_are_linted_instead_of_the_directory(self, runner):
        paths = [str(FIXTURES / "broken" / name) for name in ("bad-id.md", "no-ending.md")]
        result = run(runner, "lint", *paths)
        assert result.exit_code == 1
        assert "bad-id.md:3: error:" in result.stdout
        assert "no-ending.md:16: error: the case has no ending" in result.stdout
        assert "2 file(s) checked" in result.stderr

    def test_a_directory_argument_is_walked(self, runner):
        result = run(runner, "lint", str(FIXTURES / "valid"))
        assert result.exit_code == 0, result.output
        assert "3 file(s) checked: 0 error(s)" in result.stderr

    def test_missing_path_is_bad_usage(self, runner, library_dir):
        result = run(runner, "lint", str(library_dir / "nope.md"))
        assert result.exit_code == 2
        assert "does not exist" in result.stderr

    def test_broken_rules_are_reported_and_structural_checks_still_run(self, runner, library_dir):
        (library_dir / "guidelines" / "her2-mbc-2026.2.yaml").write_text("rules: [")
        result = run(runner, "lint")
        assert result.exit_code == 1
        assert "error: the guideline rules cannot be loaded" in result.stdout


class TestCoverage:
    def test_reports_every_rule_and_pitfall_and_exits_1_when_uncovered(self, runner):
        result = run(runner, "coverage")
        assert result.exit_code == 1
        assert result.stdout.startswith("Coverage of her2-mbc-2026.2 by 1 cases and 1 quiz banks")
        assert "fixture-minimal#first-line" in result.stdout
        assert "fixture-quiz#anthracycline" in result.stdout
        assert "UNCOVERED" in result.stdout

    def test_a_named_version(self, runner):
        result = run(runner, "coverage", "--guideline", "her2-mbc-2026.1")
        assert result.stdout.startswith("Coverage of her2-mbc-2026.1")

    def test_unknown_version_is_bad_usage(self, runner):
        result = run(runner, "coverage", "--guideline", "her2-mbc-1999.1")
        assert result.exit_code == 2
        assert "her2-mbc-1999.1" in result.stderr

    def test_files_with_errors_are_skipped_and_named(self, runner, library_dir):
        shutil.copy(FIXTURES / "broken" / "no-ending.md", library_dir / "bad.md")
        result = run(runner, "coverage")
        assert "skipped" in result.stderr and "bad.md" in result.stderr
