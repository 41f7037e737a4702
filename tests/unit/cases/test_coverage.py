"""Coverage: which rules and pitfalls the case library exercises."""

from __future__ import annotations

import pytest

from edu.cases import parse_document
from edu.cases.coverage import compute_coverage

from .conftest import fixture_text


def documents(*names: str):
    return [parse_document(fixture_text(name), name).document for name in names]


@pytest.fixture(scope="module")
def newest(library):
    return library.newest()


def test_a_decision_exercises_the_rules_behind_its_offered_options(newest):
    coverage = compute_coverage(documents("valid/minimal.md"), newest)
    first_line = {rule for rule, uses in coverage.rules.items() if uses}
    # The engine's judgement of each offered option names its rule: those rules are covered.
    evaluation = newest.evaluate(
        "metastatic_line",
        {"hr_status": "negative"},
        ["THP_DOCETAXEL", "T_DXD_PERTUZUMAB", "TH_TAXANE"],
    )
    assert {j.rule for j in evaluation.judgements} <= first_line
    assert [str(use) for use in coverage.rules[evaluation.judgements[0].rule]] == [
        "fixture-minimal#first-line"
    ]


def test_offering_a_pitfall_option_exercises_the_pitfall(newest):
    coverage = compute_coverage(documents("valid/minimal.md"), newest)
    # TH_TAXANE in first line walks into pitfall P1 (pertuzumab left out).
    assert [str(use) for use in coverage.pitfalls["P1"]] == ["fixture-minimal#first-line"]


def test_quiz_items_exercise_the_pitfalls_they_list(newest):
    coverage = compute_coverage(documents("valid/quiz.md"), newest)
    assert [str(use) for use in coverage.pitfalls["P2"]] == ["fixture-quiz#anthracycline"]
    assert [str(use) for use in coverage.pitfalls["P13"]] == ["fixture-quiz#taxane-cycles"]
    assert coverage.quiz_banks == 1 and coverage.cases == 0


def test_second_line_is_judged_for_the_patient_on_each_path(newest):
    coverage = compute_coverage(documents("valid/branching.md"), newest)
    second_line = {
        rule for rule, uses in coverage.rules.items() if any(u.where == "second-line" for u in uses)
    }
    evaluation = newest.evaluate(
        "metastatic_line",
        {"hr_status": "negative", "metastatic_regimens": ["THP_DOCETAXEL"]},
        ["T_DXD", "T_DM1", "CHEMO_ALONE"],
    )
    assert evaluation.effective_line == 2
    assert {j.rule for j in evaluation.judgements} <= second_line


def test_uncovered_rules_and_pitfalls_fail_the_report(newest):
    coverage = compute_coverage(documents("valid/minimal.md"), newest)
    assert not coverage.ok
    assert coverage.uncovered_rules
    text = coverage.to_text()
    assert text.startswith(f"Coverage of {newest.version} by 1 cases and 0 quiz banks")
    assert "UNCOVERED" in text
    assert "Uncovered: " in text


def test_every_rule_and_pitfall_is_listed_in_guideline_order(newest):
    coverage = compute_coverage([], newest)
    assert list(coverage.rules) == [rule.id for rule in newest.rules]
    assert list(coverage.pitfalls) == list(newest.pitfalls)
    assert coverage.uncovered_pitfalls == list(newest.pitfalls)


def test_unknown_pitfalls_in_quiz_items_are_left_to_the_linter(newest):
    text = fixture_text("valid/quiz.md").replace("Pitfalls: P2", "Pitfalls: P99")
    coverage = compute_coverage([parse_document(text).document], newest)
    assert "P99" not in coverage.pitfalls


def test_cases_of_another_family_are_skipped(newest):
    text = fixture_text("valid/minimal.md").replace("guideline: her2-mbc", "guideline: other-1.0")
    coverage = compute_coverage([parse_document(text).document], newest)
    assert coverage.cases == 0
