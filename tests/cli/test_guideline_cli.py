"""`flask guideline evaluate|codes|versions|diff` through the CLI runner.

The app is a bare Flask app with only the guideline group: these commands need no
database (create_app's wiring is tested elsewhere).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask

from edu.cli.guideline import guideline_cli

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
V1, V2 = "her2-mbc-2026.1", "her2-mbc-2026.2"


def make_runner(cases_dir: Path):
    app = Flask(__name__)
    app.config.update(TESTING=True, CASES_DIR=str(cases_dir))
    app.cli.add_command(guideline_cli)
    return app.test_cli_runner()


@pytest.fixture
def runner():
    return make_runner(CASES)


def run(runner, *args, input=None):
    return runner.invoke(args=["guideline", *args], input=input)


def evaluate(runner, request) -> object:
    text = request if isinstance(request, str) else json.dumps(request)
    return run(runner, "evaluate", "-", input=text)


def assert_bad_input(result, *fragments):
    """Exit 2, nothing on stdout, exactly one line on stderr containing the fragments."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in result.stderr


REQUEST = {
    "guideline": V1,
    "decision": "metastatic_line",
    "patient": {"hr_status": "negative", "adjuvant_her2": "none", "metastatic_regimens": []},
    "options": ["THP_DOCETAXEL", "TH_TAXANE", "T_DM1"],
}


# -- evaluate -----------------------------------------------------------------------------------


def test_evaluate_prints_the_contract_output(runner):
    result = evaluate(runner, REQUEST)
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["guideline"] == V1 and data["decision"] == "metastatic_line"
    assert data["effective_line"] == 1
    assert [o["code"] for o in data["options"]] == REQUEST["options"]
    first = data["options"][0]
    assert (first["verdict"], first["rule"], first["citations"]) == (
        "preferred",
        "L1",
        ["CLEOPATRA"],
    )
    assert data["options"][1]["pitfalls"] == ["P1"]


def test_evaluate_reads_a_file_path(runner, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST), encoding="utf-8")
    result = run(runner, "evaluate", str(path))
    assert result.exit_code == 0 and json.loads(result.stdout)["guideline"] == V1


def test_evaluate_uses_the_newest_version_when_none_is_named(runner):
    request = {key: value for key, value in REQUEST.items() if key != "guideline"}
    data = json.loads(evaluate(runner, request).stdout)
    assert data["guideline"] == V2
    assert (
        data["options"][0]["sources_differ"] is True
        and "DESTINY-Breast09" in data["options"][0]["note"]
    )


def test_evaluate_echoes_the_guideline_named_by_family(runner):
    data = json.loads(evaluate(runner, {**REQUEST, "guideline": "her2-mbc"}).stdout)
    assert data["guideline"] == V2


def test_sources_differ_is_reported_with_its_note(runner):
    request = {
        **REQUEST,
        "patient": {
            "hr_status": "positive",
            "adjuvant_her2": "trastuzumab",
            "months_since_adjuvant_her2": 9,
        },
        "options": ["T_DXD", "THP_DOCETAXEL"],
    }
    data = json.loads(evaluate(runner, request).stdout)
    for option in data["options"]:
        assert (
            option["verdict"] == "preferred" and option["sources_differ"] is True and option["note"]
        )
    assert data["effective_line_detail"]["sources_differ"] is True


@pytest.mark.parametrize(
    ("request_text", "fragments"),
    [
        ("{not json", ["invalid JSON"]),
        ("[1, 2]", ["JSON object"]),
        (
            json.dumps({**REQUEST, "decision": "first_line"}),
            ["unknown decision kind 'first_line'", "metastatic_line"],
        ),
        (
            json.dumps({**REQUEST, "options": ["THP", "T_DXD"]}),
            ["unknown option code 'THP'", "THP_DOCETAXEL, THP_PACLITAXEL"],
        ),
        (
            json.dumps({**REQUEST, "patient": {"hr_status": "negative", "age": 52}}),
            ["unknown patient attribute 'age'"],
        ),
        (
            json.dumps({**REQUEST, "patient": {"hr_status": "unknown"}}),
            ["'hr_status'", "positive, negative"],
        ),
        (
            json.dumps({**REQUEST, "patient": {"adjuvant_her2": "none"}}),
            ["missing patient attribute 'hr_status'"],
        ),
        (
            json.dumps(
                {**REQUEST, "patient": {"hr_status": "negative", "adjuvant_her2": "trastuzumab"}}
            ),
            ["missing patient attribute 'months_since_adjuvant_her2'"],
        ),
        (
            json.dumps({**REQUEST, "guideline": "her2-mbc-2024.1"}),
            ["unknown guideline 'her2-mbc-2024.1'", V1, V2],
        ),
        (json.dumps({**REQUEST, "option": ["HP"]}), ["unknown input key 'option'"]),
        (
            json.dumps({key: v for key, v in REQUEST.items() if key != "options"}),
            ["missing 'options'"],
        ),
        (json.dumps({**REQUEST, "options": []}), ["non-empty list"]),
    ],
    ids=[
        "invalid json",
        "not an object",
        "unknown decision",
        "unknown option",
        "unknown attribute",
        "unknown value",
        "missing hr_status",
        "missing months",
        "unknown version",
        "unknown key",
        "missing options",
        "empty options",
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(runner, request_text, fragments):
    assert_bad_input(evaluate(runner, request_text), *fragments)


def test_t_dxd_pertuzumab_is_an_unknown_code_under_2026_1(runner):
    result = evaluate(runner, {**REQUEST, "options": ["T_DXD_PERTUZUMAB"]})
    assert_bad_input(result, "T_DXD_PERTUZUMAB", "valid codes: THP_DOCETAXEL")
    assert "T_DXD_PERTUZUMAB" not in result.stderr.split("valid codes:")[1]


def test_a_missing_input_file_exits_2(runner, tmp_path):
    assert_bad_input(run(runner, "evaluate", str(tmp_path / "nope.json")), "cannot read")


def test_a_broken_rules_directory_exits_1_with_one_line(tmp_path):
    shutil.copytree(CASES / "guidelines", tmp_path / "guidelines")
    (tmp_path / "guidelines" / "her2-mbc-2026.2.yaml").write_text("version: [\n", encoding="utf-8")
    result = evaluate(make_runner(tmp_path), REQUEST)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "her2-mbc-2026.2.yaml" in result.stderr


# -- codes and versions ------------------------------------------------------------------------


def test_versions_lists_newest_first(runner):
    result = run(runner, "versions")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["versions"] == [V2, V1] and data["newest"] == {"her2-mbc": V2}
    assert data["details"][0]["extends"] == V1


def test_codes_prints_the_newest_vocabulary(runner):
    data = json.loads(run(runner, "codes").stdout)
    assert data["guideline"] == V2
    assert "T_DXD_PERTUZUMAB" in data["decision_kinds"]["metastatic_line"]["options"]
    assert data["patient_attributes"]["brain_metastases"]["values"] == ["none", "stable", "active"]


def test_codes_for_an_older_version_lacks_the_new_code(runner):
    result = run(runner, "codes", "--version", V1)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["guideline"] == V1
    assert "T_DXD_PERTUZUMAB" not in data["decision_kinds"]["metastatic_line"]["options"]
    assert data["decision_kinds"]["formulation"]["options"]["PHESGO_SUBCUTANEOUS"].startswith(
        "Fixed-dose"
    )


def test_codes_for_an_unknown_version_lists_the_known_ones(runner):
    assert_bad_input(
        run(runner, "codes", "--version", "2026.1"), "unknown guideline '2026.1'", V1, V2
    )


# -- diff ------------------------------------------------------------------------------------------


def test_diff_prints_text(runner):
    result = run(runner, "diff", V1, V2)
    assert result.exit_code == 0 and result.stderr == ""
    assert "Codes added (metastatic_line): T_DXD_PERTUZUMAB" in result.stdout
    assert "Existing codes whose verdict changes: none" in result.stdout


def test_diff_prints_json(runner):
    result = run(runner, "diff", V1, V2, "--json")
    data = json.loads(result.stdout)
    assert data["changed_codes"] == [] and data["flag_changed_codes"] == ["THP_DOCETAXEL"]


def test_diff_with_an_unknown_version_exits_2(runner):
    assert_bad_input(
        run(runner, "diff", V1, "her2-mbc-2027.1"), "unknown guideline 'her2-mbc-2027.1'"
    )
