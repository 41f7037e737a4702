"""The engine: effective line, rule selection and precedence, evaluation output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edu.guideline import (
    Evaluation,
    UnknownDecisionKind,
    UnknownOptionCode,
    load_library,
)

from .support import GUIDELINES, LINE, V1, V2, guideline, judge

# -- table of patient scenarios ---------------------------------------------------------------

SCENARIOS = [
    # (what, version, patient, code, verdict, rule)
    ("de novo HR+ fit", V1, {"hr_status": "positive"}, "THP_DOCETAXEL", "preferred", "L1"),
    (
        "de novo HR+ fit, ET+trastuzumab",
        V1,
        {"hr_status": "positive"},
        "ET_TRASTUZUMAB",
        "not_recommended",
        "L1",
    ),
    (
        "late relapse after trastuzumab",
        V1,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 30},
        "THP_DOCETAXEL",
        "preferred",
        "L1",
    ),
    (
        "late relapse after trastuzumab, T-DXd",
        V1,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 30},
        "T_DXD",
        "not_recommended",
        "L1",
    ),
    (
        "first line with ILD keeps THP",
        V1,
        {"ild_history": True},
        "THP_DOCETAXEL",
        "preferred",
        "L1",
    ),
    (
        "unfit HR- with ILD",
        V1,
        {"chemo_suitable": False, "ild_history": True},
        "T_DXD",
        "contraindicated",
        "ild-t-dxd",
    ),
    (
        "unfit HR+ ET alone",
        V1,
        {"chemo_suitable": False, "hr_status": "positive"},
        "ET_ALONE",
        "not_recommended",
        "continue-her2-blockade",
    ),
    (
        "heart failure HR+ anthracycline",
        V1,
        {"hr_status": "positive", "heart_failure": True},
        "ANTHRACYCLINE_TRASTUZUMAB",
        "contraindicated",
        "no-anthracycline-trastuzumab",
    ),
    (
        "heart failure HR+ lapatinib",
        V1,
        {"hr_status": "positive", "heart_failure": True},
        "LAPATINIB_CAPECITABINE",
        "not_recommended",
        "L1-ET",
    ),
    (
        "line 2 tucatinib",
        V1,
        {"metastatic_regimens": ["THP_PACLITAXEL"]},
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
        "acceptable",
        "L2",
    ),
    (
        "line 2 THP again",
        V1,
        {"metastatic_regimens": ["THP_DOCETAXEL"]},
        "THP_DOCETAXEL",
        "not_recommended",
        "L2",
    ),
    (
        "line 2 lapatinib",
        V1,
        {"metastatic_regimens": ["THP_DOCETAXEL"]},
        "LAPATINIB_CAPECITABINE",
        "not_recommended",
        "L2",
    ),
    (
        "line 2 ILD and CNS",
        V1,
        {
            "metastatic_regimens": ["THP_DOCETAXEL"],
            "ild_history": True,
            "brain_metastases": "active",
            "cns_predominant": True,
        },
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
        "preferred",
        "L2-CNS",
    ),
    (
        "line 2 after first-line T-DXd",
        V1,
        {"metastatic_regimens": ["T_DXD"]},
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
        "preferred",
        "L3",
    ),
    (
        "line 3 T-DM1 not yet given",
        V1,
        {"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD"]},
        "T_DM1",
        "acceptable",
        "L3",
    ),
    (
        "line 4 T-DXd never given",
        V1,
        {"metastatic_regimens": ["THP_DOCETAXEL", "T_DM1", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]},
        "T_DXD",
        "acceptable",
        "L4+",
    ),
    (
        "line 4 trastuzumab + chemo",
        V1,
        {"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]},
        "TRASTUZUMAB_CHEMO",
        "acceptable",
        "L4+",
    ),
    (
        "early relapse on dual blockade, T-DXd",
        V1,
        {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 6},
        "T_DXD",
        "preferred",
        "L2",
    ),
    (
        "early relapse on dual blockade, then T-DXd: line 3",
        V1,
        {
            "adjuvant_her2": "trastuzumab_pertuzumab",
            "months_since_adjuvant_her2": 6,
            "metastatic_regimens": ["T_DXD"],
        },
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
        "preferred",
        "L3",
    ),
    (
        "pregnant, chemotherapy alone stays not recommended, without the P3 pitfall",
        V1,
        {"pregnant": True},
        "CHEMO_ALONE",
        "not_recommended",
        "P",
    ),
    ("2026.2 first line THP still preferred", V2, {}, "THP_DOCETAXEL", "preferred", "L1"),
    (
        "2026.2 first line T-DXd+P",
        V2,
        {"hr_status": "positive"},
        "T_DXD_PERTUZUMAB",
        "preferred",
        "L1-DB09",
    ),
    (
        "2026.2 heart failure T-DXd+P",
        V2,
        {"hr_status": "positive", "heart_failure": True},
        "T_DXD_PERTUZUMAB",
        "contraindicated",
        "L1-ET",
    ),
    ("2026.2 pregnant T-DXd+P", V2, {"pregnant": True}, "T_DXD_PERTUZUMAB", "contraindicated", "P"),
    (
        "2026.2 line 3 ILD T-DXd+P",
        V2,
        {"ild_history": True, "metastatic_regimens": ["THP_DOCETAXEL", "T_DM1"]},
        "T_DXD_PERTUZUMAB",
        "contraindicated",
        "ild-t-dxd",
    ),
    (
        "2026.2 relapse under 6 months T-DXd+P",
        V2,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 4},
        "T_DXD_PERTUZUMAB",
        "not_recommended",
        "L2+",
    ),
    (
        "2026.2 relapse 6-12 months T-DXd+P",
        V2,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 10},
        "T_DXD_PERTUZUMAB",
        "preferred",
        "L1-DB09",
    ),
]


@pytest.mark.parametrize(
    ("version", "attributes", "code", "verdict", "rule"),
    [row[1:] for row in SCENARIOS],
    ids=[row[0] for row in SCENARIOS],
)
def test_patient_scenarios(version, attributes, code, verdict, rule):
    j = judge(code, version, **attributes)
    assert (j.verdict, j.rule) == (verdict, rule)


def test_pregnancy_charges_no_her2_blockade_pitfall_to_a_regimen_without_her2_drugs():
    assert judge("CHEMO_ALONE", V1, pregnant=True).pitfalls == ()
    assert judge("THP_DOCETAXEL", V1, pregnant=True).pitfalls == ("P15",)


# -- effective line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "line", "differ"),
    [
        ({}, 1, False),
        ({"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD"]}, 3, False),
        ({"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 2}, 2, True),
        ({"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 6}, 1, True),
        ({"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 11.5}, 1, True),
        ({"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 12}, 1, False),
        ({"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 0}, 2, False),
        ({"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 11}, 2, False),
        ({"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 12}, 1, True),
        # plus one line for the early-relapse row, for every later line
        (
            {
                "adjuvant_her2": "trastuzumab_pertuzumab",
                "months_since_adjuvant_her2": 3,
                "metastatic_regimens": ["T_DXD", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"],
            },
            4,
            False,
        ),
    ],
)
def test_effective_line_follows_history_and_relapse_bands(history, line, differ):
    result = guideline().effective_line({"hr_status": "negative", **history})
    assert (result.line, result.sources_differ) == (line, differ)
    # the band's note explains the first metastatic decision only
    early = result.relapse_band.startswith("dual-blockade-under") and result.regimens_given == 0
    assert (result.note is not None) == (differ or early)


def test_effective_line_is_reported_only_for_line_decisions():
    g = guideline()
    assert g.evaluate(LINE, {"hr_status": "negative"}, ["T_DXD"]).effective_line == 1
    assert g.evaluate("formulation", {}, ["PHESGO_SUBCUTANEOUS"]).effective_line is None


# -- precedence -------------------------------------------------------------------------------


def _library_with(tmp_path: Path, extra: str):
    """A copy of the real rules plus a version 2026.3 extending 2026.2 with ``extra``."""
    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    (directory / "her2-mbc-2026.3.yaml").write_text(
        "version: her2-mbc-2026.3\nextends: her2-mbc-2026.2\n" + extra, encoding="utf-8"
    )
    return load_library(directory)


def test_a_later_rule_never_softens_a_contraindication(tmp_path):
    library = _library_with(
        tmp_path,
        """
add_rules:
  - id: try-to-allow-t-dxd-with-ild
    decision: metastatic_line
    overlay: true
    priority: 500
    when: {ild_history: true}
    options:
      T_DXD: {verdict: preferred, cite: [], why: A test rule that must lose.}
""",
    )
    j = (
        library.get("her2-mbc-2026.3")
        .evaluate(LINE, {"hr_status": "negative", "ild_history": True}, ["T_DXD"])
        .judgements[0]
    )
    assert (j.verdict, j.rule) == ("contraindicated", "ild-t-dxd")


def test_a_capping_overlay_only_makes_verdicts_worse(tmp_path):
    library = _library_with(
        tmp_path,
        """
add_rules:
  - id: cap-everything
    decision: metastatic_line
    overlay: true
    mode: cap
    priority: 95
    default: {verdict: acceptable, cite: [], why: A test cap.}
""",
    )
    v3 = library.get("her2-mbc-2026.3")
    evaluation = v3.evaluate(
        LINE, {"hr_status": "negative"}, ["THP_DOCETAXEL", "TH_TAXANE", "ANTHRACYCLINE_TRASTUZUMAB"]
    )
    assert [(j.verdict, j.rule) for j in evaluation.judgements] == [
        ("acceptable", "cap-everything"),
        ("not_recommended", "L1"),
        ("contraindicated", "no-anthracycline-trastuzumab"),
    ]


def test_base_rules_are_chosen_by_priority_then_specificity(tmp_path):
    library = _library_with(
        tmp_path,
        """
add_rules:
  - id: more-specific-line-1
    decision: metastatic_line
    when: {line: 1, chemo_suitable: true, hr_status: negative}
    default: {verdict: acceptable, cite: [], why: More conditions than L1.}
  - id: higher-priority-line-1
    decision: metastatic_line
    priority: 1
    when: {line: 1, frail: true}
    default: {verdict: not_recommended, cite: [], why: Higher priority than both.}
""",
    )
    v3 = library.get("her2-mbc-2026.3")
    assert judge_rule(v3, {"hr_status": "negative"}) == "more-specific-line-1"
    assert judge_rule(v3, {"hr_status": "positive"}) == "L1"
    assert judge_rule(v3, {"hr_status": "negative", "frail": True}) == "higher-priority-line-1"


def judge_rule(g, attributes):
    return g.evaluate(LINE, attributes, ["HP"]).judgements[0].rule


def test_flags_from_two_disagreements_keep_both_notes():
    # relapse 12+ months after dual blockade (2026.1 flag) plus DESTINY-Breast09 (2026.2 flag)
    j = judge(
        "THP_DOCETAXEL", V2, adjuvant_her2="trastuzumab_pertuzumab", months_since_adjuvant_her2=20
    )
    assert j.sources_differ and "new disease" in j.note and "DESTINY-Breast09" in j.note
    assert j.verdict == "preferred"


# -- evaluation output ----------------------------------------------------------------------------


def test_evaluation_keeps_input_order_and_matches_the_contract_shape():
    options = ["TH_TAXANE", "THP_DOCETAXEL", "T_DM1"]
    evaluation = guideline().evaluate(LINE, {"hr_status": "negative"}, options)
    assert isinstance(evaluation, Evaluation)
    data = json.loads(json.dumps(evaluation.to_json()))
    assert data["guideline"] == V1 and data["decision"] == LINE and data["effective_line"] == 1
    assert [o["code"] for o in data["options"]] == options
    for option in data["options"]:
        assert {"code", "verdict", "rule", "explanation", "citations", "pitfalls"} <= set(option)
        assert option["label"]
    assert evaluation.for_code("T_DM1").verdict == "not_recommended"
    with pytest.raises(UnknownOptionCode):
        evaluation.for_code("HP")


def test_safety_error_marks_contraindicated_judgements():
    j = judge("ANTHRACYCLINE_TRASTUZUMAB")
    assert j.safety_error and j.to_json()["safety_error"] is True
    assert not judge("THP_DOCETAXEL").safety_error


def test_evaluate_without_options_judges_every_code_of_the_kind():
    g = guideline()
    assert [j.code for j in g.evaluate("formulation", {}).judgements] == list(
        g.codes("formulation")
    )


@pytest.mark.parametrize(
    ("decision", "options", "error", "text"),
    [
        ("metastatic_lines", ["T_DXD"], UnknownDecisionKind, "metastatic_line"),
        (LINE, ["T_DXD_PERTUZUMAB"], UnknownOptionCode, "T_DXD_PERTUZUMAB"),
        (LINE, ["PHESGO_SUBCUTANEOUS"], UnknownOptionCode, "THP_DOCETAXEL"),
    ],
)
def test_evaluate_rejects_bad_decisions_and_codes_with_one_line(decision, options, error, text):
    with pytest.raises(error) as caught:
        guideline(V1).evaluate(decision, {"hr_status": "negative"}, options)
    assert text in str(caught.value) and "\n" not in str(caught.value)


def test_an_unknown_option_is_reported_before_a_bad_patient():
    with pytest.raises(UnknownOptionCode):
        guideline().evaluate(LINE, {"bogus": 1}, ["NOT_A_CODE"])


def test_evaluating_is_cheap_enough_for_a_classroom():
    # the benchmark (bench/bench_engine.py) measures properly; this only catches a collapse
    import time

    g = guideline(V2)
    p = {"hr_status": "positive", "metastatic_regimens": ["THP_DOCETAXEL"]}
    start = time.perf_counter()
    for _ in range(2000):
        g.evaluate(LINE, p, ["T_DXD", "T_DM1", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"])
    assert time.perf_counter() - start < 2.0
