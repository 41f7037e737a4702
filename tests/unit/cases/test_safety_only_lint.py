"""Lint: a decision where the guideline prefers no option at all is a warning, not an error."""

from pathlib import Path

from edu.cases import lint_document
from edu.guideline import load_library

GUIDELINES = Path(__file__).resolve().parents[3] / "cases" / "guidelines"

# The fixture's decision, with the options each test needs in place of its own.
CASE = (
    (Path(__file__).resolve().parents[2] / "fixtures" / "play" / "play-pregnancy.md")
    .read_text()
    .split("- CHEMO_ALONE")[0]
    + "{options}\n\n## End {#end}\n\nEnding: good\n\nDone.\n"
)


def lint(options: str):
    return lint_document(CASE.replace("{options}", options), "p.md", load_library(GUIDELINES))


def test_pregnancy_decision_offering_the_safe_option_lints_with_a_warning_only():
    result = lint("- CHEMO_ALONE: Chemotherapy only -> #end\n- THP_DOCETAXEL: THP -> #end")
    assert result.ok
    assert any("scored for safety only" in f.message for f in result.findings)


def test_pregnancy_decision_offering_only_her2_drugs_is_an_error():
    result = lint("- THP_DOCETAXEL: THP -> #end\n- T_DXD: T-DXd -> #end")
    assert not result.ok
    assert any("no option of 'start' is preferred" in f.message for f in result.findings)
