"""The linter: one broken fixture per check, each declaring the finding it must produce.

Every file under ``tests/fixtures/cases/broken/`` starts its front matter with
``# expect: LINE: SEVERITY: message fragment`` comments. The test lints the file against
the real guideline library and checks that each expected finding appears and that no
other error does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edu.cases import lint_document, lint_paths
from edu.cases.lint import find_case_files, lint_files

from .conftest import FIXTURES, ROOT, fixture_text

EXPECT = re.compile(r"^# expect: (\d+): (error|warning): (.*)$", re.MULTILINE)
BROKEN = sorted((FIXTURES / "broken").glob("*.md"))
VALID = sorted((FIXTURES / "valid").glob("*.md"))
# A message "says what to do" when it carries an instruction; these verbs are the ones used.
ACTIONS = re.compile(
    r"\b(add|remove|use|write|fix|move|give|make|rename|cite|name|keep|split|save|link|"
    r"delete|change|consider|list|merge|key|letter|say|tell|simplify|flatten|end|start|"
    r"indent|un-indent|drop|reword|score|replay|retype)\b",
    re.IGNORECASE,
)


def expectations(path: Path) -> list[tuple[int, str, str]]:
    found = [(int(line), sev, frag) for line, sev, frag in EXPECT.findall(path.read_text())]
    assert found, f"{path.name} declares no '# expect:' line"
    return found


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_fixture_reports_its_finding(library, path):
    expected = expectations(path)
    result = lint_document(path.read_bytes(), path.name, library)
    for line, severity, fragment in expected:
        assert any(
            f.line == line and f.severity == severity and fragment in f.message
            for f in result.findings
        ), f"expected {line}: {severity}: {fragment}\nfound:\n" + "\n".join(
            map(str, result.findings)
        )
    unexpected = [
        str(f)
        for f in result.findings
        if f.is_error
        and not any(f.line == line and fragment in f.message for line, _, fragment in expected)
    ]
    assert unexpected == []
    assert result.ok == all(severity == "warning" for _, severity, _ in expected)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_every_message_says_what_to_do(library, path):
    result = lint_document(path.read_bytes(), path.name, library)
    for finding in result.findings:
        assert ACTIONS.search(finding.message), str(finding)
        assert str(finding).startswith(f"{path.name}:{finding.line}: {finding.severity}: ")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_lints_clean(library, path):
    result = lint_document(path.read_bytes(), path.name, library)
    assert [str(f) for f in result.findings] == []
    assert result.ok


def test_the_documented_example_lints_clean(library):
    path = ROOT / "cases" / "example-denovo-hr-negative.md"
    assert lint_paths([path], library) == []


def test_example_in_the_docs_is_the_library_file():
    docs = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    example = (ROOT / "cases" / "example-denovo-hr-negative.md").read_text(encoding="utf-8")
    # The documentation quotes the file verbatim inside one fenced block.
    assert example.strip() in docs


def test_structural_checks_run_without_a_library():
    result = lint_document(fixture_text("broken/missing-target.md"), "x.md", None)
    assert any("no node has that id" in f.message for f in result.findings)


def test_each_disagreement_is_reported_once(library):
    text = fixture_text("valid/branching.md").replace(
        "- T_DXD: Trastuzumab deruxtecan -> #end-good\n", ""
    )
    result = lint_document(text, "x.md", library)
    preferred = [f for f in result.findings if "is preferred" in f.message]
    assert len(preferred) == 1
    assert "add T_DXD" in preferred[0].message
    assert "start → first-line(" in preferred[0].message


def test_pinned_case_warns_to_move_before_adding(library):
    result = lint_document(fixture_text("broken/aging-case.md"), "x.md", library)
    (warning,) = result.warnings
    assert "moving the case from her2-mbc-2026.1" in warning.message


class TestLintPaths:
    def test_directories_are_walked_skipping_guidelines_and_readme(self, tmp_path):
        (tmp_path / "guidelines").mkdir()
        (tmp_path / "guidelines" / "rules.md").write_text("not a case")
        (tmp_path / "README.md").write_text("notes for maintainers")
        (tmp_path / ".hidden.md").write_text("editor backup")
        (tmp_path / "quiz").mkdir()
        (tmp_path / "quiz" / "bank.md").write_text(fixture_text("valid/quiz.md"))
        (tmp_path / "a.md").write_text(fixture_text("valid/minimal.md"))
        files = find_case_files([tmp_path])
        assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.md", "quiz/bank.md"]

    def test_duplicate_ids_across_files_are_errors(self, tmp_path, library):
        text = fixture_text("valid/minimal.md")
        (tmp_path / "a.md").write_text(text)
        (tmp_path / "b.md").write_text(text)
        findings = lint_paths([tmp_path], library)
        assert len(findings) == 1
        assert findings[0].path == str(tmp_path / "b.md")
        assert f"already used by {tmp_path / 'a.md'}:2" in findings[0].message

    def test_unreadable_file_is_one_finding(self, tmp_path):
        results = lint_files([tmp_path / "missing.md"], None)
        assert len(results) == 1
        assert results[0].findings[0].message.startswith("cannot read the file")

    def test_huge_file_is_read_only_up_to_the_limit(self, tmp_path):
        big = tmp_path / "big.md"
        big.write_bytes(b"x" * (2 * 1024 * 1024))
        (finding,) = lint_paths([big], None)
        assert "256 KiB" in finding.message


class TestHostileStructures:
    """Files built to make the checks slow must still lint quickly and say something useful."""

    HEAD = (
        "---\nid: big\ntitle: t\nauthors: [a]\ntags: []\ndifficulty: core\n"
        "guideline: her2-mbc\nobjectives: [x]\npatient:\n  hr_status: negative\n---\n"
    )

    def lint(self, body: str, library):
        import time

        start = time.perf_counter()
        result = lint_document(self.HEAD + body, "big.md", library)
        assert time.perf_counter() - start < 5
        return result

    def test_a_long_chain_of_nodes_is_walked_completely(self, library):
        body = "".join(f"## N{i} {{#n{i}}}\n\nText.\n\nNext: #n{i + 1}\n\n" for i in range(3000))
        result = self.lint(body + "## End {#n3000}\n\nEnding: good\n\nDone.\n", library)
        assert result.findings == []

    def test_a_long_chain_into_a_closed_loop_reports_the_loop_once(self, library):
        body = "".join(f"## N{i} {{#n{i}}}\n\nText.\n\nNext: #n{i + 1}\n\n" for i in range(3000))
        body += "## Loop {#n3000}\n\nAgain.\n\nNext: #n3000\n\n"
        body += "## End {#end}\n\nEnding: good\n\nNever reached.\n"
        result = self.lint(body, library)
        messages = [str(f) for f in result.findings]
        assert len(messages) == 2, messages
        assert "error: loop with no way out: 'n3000'" in messages[0]
        assert "warning: node 'end' cannot be reached" in messages[1]

    def test_multiplying_histories_stop_with_a_clear_error(self, library):
        body = ""
        for i in range(12):
            body += (
                f"## D{i} {{#d{i}}}\n\nDecision: metastatic_line\n\nWhich?\n\n"
                f"- T_DXD: a -> #p{i}\n- T_DM1: b -> #p{i}\n"
                f"- TUCATINIB_TRASTUZUMAB_CAPECITABINE: c -> #p{i}\n"
                f"- LAPATINIB_CAPECITABINE: d -> #p{i}\n\n"
                f"## P{i} {{#p{i}}}\n\nEvents:\n- progressed_on: chosen\n\nLater.\n\n"
                f"Next: #d{i + 1}\n\n"
            )
        result = self.lint(body + "## E {#d12}\n\nEnding: good\n\nx\n", library)
        assert any("stopped checking after" in f.message for f in result.findings)


def test_every_quiz_citation_is_checked_even_in_lower_case(library):
    text = fixture_text("valid/quiz.md").replace("Citations: CLEOPATRA", "Citations: cleopatra")
    (finding,) = lint_document(text, "q.md", library).findings
    assert "[cleopatra] is not in the evidence registry (did you mean 'CLEOPATRA'?)" in (
        finding.message
    )


def test_a_missing_patient_is_reported_once(library):
    text = fixture_text("valid/minimal.md")
    text = text.replace("patient:\n  name: Test P.\n  age: 50\n  hr_status: negative\n", "")
    errors = [f.message for f in lint_document(text, "x.md", library).errors]
    assert errors == [
        "missing front-matter key 'patient': add it, e.g. 'patient: {hr_status: negative}'"
    ]


def test_citations_and_html_are_found_in_notes_questions_and_debriefs(library):
    text = (
        fixture_text("valid/minimal.md")
        .replace("Which first-line regimen", "Which <u>first-line</u> [NOPE-1] regimen")
        .replace("Overall survival benefit", "Overall <blink>survival</blink> benefit [NOPE-2]")
    )
    findings = [str(f) for f in lint_document(text, "x.md", library).findings]
    assert any(":29: error: [NOPE-1]" in f for f in findings)
    assert any(":32: error: [NOPE-2]" in f for f in findings)
    assert any(":29: warning: raw HTML" in f and "<u>" in f for f in findings)
    assert any(":32: warning: raw HTML" in f and "<blink>" in f for f in findings)
