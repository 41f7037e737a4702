"""One test per rule of the decision tables (reference sections 2, 3 and 6), named for the
behaviour it pins down, plus checks that every rule and every pitfall can be reached."""

from __future__ import annotations

import pytest

from edu.guideline import VERDICTS

from .support import LINE, V1, V2, guideline, judge, preferred, verdicts

# -- metastatic_line: first line ---------------------------------------------------------------


def test_first_line_fit_patient_prefers_thp_docetaxel_for_its_survival_gain():
    j = judge("THP_DOCETAXEL")
    assert (j.verdict, j.rule, j.citations) == ("preferred", "L1", ("CLEOPATRA",))
    assert "56.5 vs 40.8 months" in j.explanation and "HR 0.68" in j.explanation
    assert preferred() == {"THP_DOCETAXEL"}


def test_first_line_other_taxanes_are_acceptable_substitutes_citing_peruse():
    for code in ("THP_PACLITAXEL", "THP_NAB_PACLITAXEL"):
        j = judge(code)
        assert j.verdict == "acceptable" and "PERUSE" in j.citations


def test_first_line_trastuzumab_taxane_without_pertuzumab_walks_into_p1():
    j = judge("TH_TAXANE")
    assert (j.verdict, j.pitfalls) == ("not_recommended", ("P1",))


def test_first_line_t_dm1_is_not_recommended_because_marianne_showed_no_gain():
    j = judge("T_DM1")
    assert j.verdict == "not_recommended" and j.citations == ("MARIANNE",)
    assert "non-inferior but not superior" in j.explanation


def test_first_line_unfit_hr_negative_prefers_pertuzumab_trastuzumab_alone():
    v = verdicts(attributes={"chemo_suitable": False})
    assert [c for c, x in v.items() if x == "preferred"] == ["HP"]
    assert v["THP_DOCETAXEL"] == v["ET_ALONE"] == v["HP_ET"] == "not_recommended"
    assert judge("HP", chemo_suitable=False).rule == "L1-U−"


def test_first_line_unfit_hr_positive_prefers_hp_with_endocrine_therapy():
    v = verdicts(attributes={"chemo_suitable": False, "hr_status": "positive"})
    assert v["HP_ET"] == "preferred" and v["ET_TRASTUZUMAB"] == "acceptable"
    assert v["HP"] == v["ET_ALONE"] == v["THP_DOCETAXEL"] == "not_recommended"
    assert judge("HP_ET", chemo_suitable=False, hr_status="positive").rule == "L1-U+"


def test_first_line_heart_failure_hr_positive_prefers_endocrine_therapy_alone():
    v = verdicts(attributes={"hr_status": "positive", "heart_failure": True})
    assert v["ET_ALONE"] == "preferred"
    for code in ("THP_DOCETAXEL", "HP", "HP_ET", "ET_TRASTUZUMAB", "T_DM1", "T_DXD"):
        assert v[code] == "contraindicated", code
    j = judge("HP_ET", hr_status="positive", heart_failure=True)
    assert (j.rule, j.pitfalls) == ("L1-ET", ("P11",))


def test_frail_low_burden_hr_positive_may_have_endocrine_therapy_alone_flagged():
    j = judge("ET_ALONE", hr_status="positive", frail=True, low_disease_burden=True)
    assert (j.verdict, j.rule, j.sources_differ) == ("acceptable", "L1-ET2", True)
    assert j.note and "Sources differ" in j.note
    assert preferred(hr_status="positive", frail=True, low_disease_burden=True) == {"THP_DOCETAXEL"}


def test_endocrine_therapy_alone_in_a_fit_hr_positive_patient_walks_into_p4():
    j = judge("ET_ALONE", hr_status="positive")
    assert j.verdict == "not_recommended" and "P4" in j.pitfalls


# -- metastatic_line: second line ----------------------------------------------------------------

AFTER_THP = {"metastatic_regimens": ["THP_DOCETAXEL"]}


def test_second_line_after_pertuzumab_prefers_t_dxd():
    j = judge("T_DXD", **AFTER_THP)
    assert (j.verdict, j.rule) == ("preferred", "L2")
    assert "28.8 vs 6.8 months, HR 0.33" in j.explanation
    assert judge("TUCATINIB_TRASTUZUMAB_CAPECITABINE", **AFTER_THP).verdict == "acceptable"


def test_second_line_t_dm1_without_a_reason_walks_into_p6():
    j = judge("T_DM1", **AFTER_THP)
    assert (j.verdict, j.pitfalls) == ("not_recommended", ("P6",))


def test_second_line_with_extracranial_predominance_keeps_t_dxd_preferred():
    j = judge("T_DXD", brain_metastases="active", cns_predominant=False, **AFTER_THP)
    assert (j.verdict, j.rule) == ("preferred", "L2-EC")
    assert "DESTINY-Breast12" in j.citations


def test_second_line_without_t_dxd_access_prefers_t_dm1():
    v = verdicts(attributes={"t_dxd_available": False, **AFTER_THP})
    assert v["T_DM1"] == "preferred" and v["TUCATINIB_TRASTUZUMAB_CAPECITABINE"] == "acceptable"
    assert judge("T_DM1", t_dxd_available=False, **AFTER_THP).rule == "L2-NA"


def test_second_line_with_ild_prefers_t_dm1_and_contraindicates_t_dxd():
    v = verdicts(attributes={"ild_history": True, **AFTER_THP})
    assert v["T_DM1"] == "preferred" and v["T_DXD"] == "contraindicated"
    assert judge("T_DM1", ild_history=True, **AFTER_THP).rule == "L2-ILD"


def test_second_line_with_brain_predominant_disease_prefers_tucatinib():
    cns = {"brain_metastases": "stable", "cns_predominant": True, **AFTER_THP}
    v = verdicts(attributes=cns)
    assert v["TUCATINIB_TRASTUZUMAB_CAPECITABINE"] == "preferred" and v["T_DXD"] == "acceptable"
    tucatinib = judge("TUCATINIB_TRASTUZUMAB_CAPECITABINE", **cns)
    assert tucatinib.rule == "L2-CNS" and "HR 0.48" in tucatinib.explanation
    assert "P8" in judge("T_DM1", **cns).pitfalls
    assert judge("T_DXD", ild_history=True, **cns).verdict == "contraindicated"


# -- metastatic_line: later lines ------------------------------------------------------------------

AFTER_T_DXD = {"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD"]}


def test_third_line_after_t_dxd_prefers_tucatinib_noting_herclimb_had_no_t_dxd():
    j = judge("TUCATINIB_TRASTUZUMAB_CAPECITABINE", **AFTER_T_DXD)
    assert (j.verdict, j.rule) == ("preferred", "L3")
    assert "HER2CLIMB had no patients treated with T-DXd" in j.explanation
    assert "HR 0.54" in j.explanation and "0.48" not in j.explanation
    v = verdicts(attributes=AFTER_T_DXD)
    assert v["T_DM1"] == v["LAPATINIB_CAPECITABINE"] == v["LAPATINIB_TRASTUZUMAB"] == "acceptable"
    assert v["T_DXD"] == v["HP_VINORELBINE"] == "not_recommended"  # pertuzumab was given


def test_third_line_allows_hp_vinorelbine_only_when_pertuzumab_was_never_given():
    never = {"metastatic_regimens": ["TH_TAXANE", "T_DXD"]}
    assert judge("HP_VINORELBINE", **never).verdict == "acceptable"
    adjuvant = {
        "adjuvant_her2": "trastuzumab_pertuzumab",
        "months_since_adjuvant_her2": 30,
        **never,
    }
    assert judge("HP_VINORELBINE", **adjuvant).verdict == "not_recommended"


def test_third_line_before_any_conjugate_prefers_t_dxd_or_t_dm1_when_lungs_forbid_it():
    after_tucatinib = {
        "metastatic_regimens": ["THP_DOCETAXEL", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]
    }
    assert judge("T_DXD", **after_tucatinib).verdict == "preferred"
    assert judge("T_DXD", **after_tucatinib).rule == "L3-no-ADC"
    assert judge("T_DM1", **after_tucatinib).pitfalls == ("P6",)
    assert judge("T_DM1", **{**after_tucatinib, "ild_history": True}).verdict == "preferred"
    assert judge("T_DM1", **{**after_tucatinib, "t_dxd_available": False}).verdict == "preferred"
    assert judge("T_DXD", **{**after_tucatinib, "ild_history": True}).verdict == "contraindicated"


def test_unfit_hr_positive_first_line_flags_the_sources_disagreement():
    unfit = {"hr_status": "positive", "chemo_suitable": False}
    assert judge("HP_ET", **unfit).sources_differ
    assert judge("ET_TRASTUZUMAB", **unfit).verdict == "acceptable"
    assert judge("ET_TRASTUZUMAB", **unfit).sources_differ


def test_third_line_after_t_dm1_prefers_tucatinib_and_allows_t_dxd_when_available():
    after_t_dm1 = {"metastatic_regimens": ["THP_DOCETAXEL", "T_DM1"], "t_dxd_available": True}
    assert judge("TUCATINIB_TRASTUZUMAB_CAPECITABINE", **after_t_dm1).rule == "L3-alt"
    assert judge("T_DXD", **after_t_dm1).verdict == "acceptable"
    assert judge("T_DXD", **{**after_t_dm1, "t_dxd_available": False}).verdict == (
        "not_recommended"
    )
    assert judge("T_DXD", **{**after_t_dm1, "ild_history": True}).verdict == "contraindicated"
    assert judge("T_DM1", **after_t_dm1).verdict == "not_recommended"


def test_fourth_line_prefers_the_first_later_line_option_not_yet_given():
    line4 = {
        "metastatic_regimens": ["THP_DOCETAXEL", "T_DXD", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]
    }
    v = verdicts(attributes=line4)
    assert v["T_DM1"] == "preferred"
    assert v["LAPATINIB_CAPECITABINE"] == v["TRASTUZUMAB_CHEMO"] == "acceptable"
    assert v["TUCATINIB_TRASTUZUMAB_CAPECITABINE"] == v["CHEMO_ALONE"] == "not_recommended"
    line5 = {"metastatic_regimens": [*line4["metastatic_regimens"], "T_DM1"]}
    assert preferred(**line5) == {"LAPATINIB_CAPECITABINE"}
    assert judge("T_DM1", **line5).rule == "L4+"


# -- metastatic_line: overlays ---------------------------------------------------------------------


@pytest.mark.parametrize("regimens", [[], ["THP_DOCETAXEL"], ["THP_DOCETAXEL", "T_DXD"]])
def test_regimen_without_her2_drug_in_a_fit_patient_is_not_recommended(regimens):
    for code in ("CHEMO_ALONE", "STOP_HER2_BEST_SUPPORTIVE"):
        j = judge(code, metastatic_regimens=regimens)
        assert j.verdict == "not_recommended" and "P3" in j.pitfalls


def test_thp_after_early_relapse_on_adjuvant_dual_blockade_walks_into_p9():
    early = {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 8}
    j = judge("THP_DOCETAXEL", **early)
    assert (j.verdict, j.rule, j.pitfalls) == (
        "not_recommended",
        "early-relapse-dual-blockade",
        ("P9",),
    )
    assert preferred(**early) == {"T_DXD"}
    assert guideline().effective_line(early).line == 2


def test_relapse_under_6_months_after_trastuzumab_prefers_t_dxd_with_thp_acceptable():
    band = {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 3}
    t_dxd, thp = judge("T_DXD", **band), judge("THP_DOCETAXEL", **band)
    assert (t_dxd.verdict, t_dxd.sources_differ) == ("preferred", True)
    assert (thp.verdict, thp.sources_differ, thp.rule) == (
        "acceptable",
        True,
        "relapse-trastuzumab-under-6-months",
    )
    assert "ASCO" in thp.note and "DESTINY-Breast03" in thp.note


def test_relapse_6_to_12_months_after_trastuzumab_prefers_both_flagged():
    band = {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 9}
    for code in ("T_DXD", "THP_DOCETAXEL"):
        j = judge(code, **band)
        assert (j.verdict, j.sources_differ) == ("preferred", True), code
    assert judge("T_DXD", **band).rule == "relapse-trastuzumab-6-to-12-months"


def test_relapse_12_months_after_dual_blockade_prefers_thp_with_t_dxd_acceptable_flagged():
    band = {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 20}
    thp, t_dxd = judge("THP_DOCETAXEL", **band), judge("T_DXD", **band)
    assert (thp.verdict, thp.sources_differ) == ("preferred", True)
    assert (t_dxd.verdict, t_dxd.sources_differ, t_dxd.rule) == (
        "acceptable",
        True,
        "relapse-dual-blockade-12-months-or-more",
    )


def test_a_regimen_that_already_failed_is_never_better_than_not_recommended():
    # tucatinib given at line 2, line 3 after T-DM1: L3-alt prefers it, no-repeat caps it
    history = {"metastatic_regimens": ["THP_DOCETAXEL", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]}
    j = judge("TUCATINIB_TRASTUZUMAB_CAPECITABINE", **history)
    assert (j.verdict, j.rule) == ("not_recommended", "no-repeat")


@pytest.mark.parametrize("regimens", [[], ["THP_DOCETAXEL"], ["THP_DOCETAXEL", "T_DM1", "HP"]])
def test_t_dxd_with_ild_is_contraindicated_in_every_line(regimens):
    j = judge("T_DXD", ild_history=True, metastatic_regimens=regimens)
    assert j.verdict == "contraindicated" and "P7" in j.pitfalls
    assert "exclusion, not a trial" in j.explanation


@pytest.mark.parametrize("regimens", [[], ["THP_DOCETAXEL"], ["THP_DOCETAXEL", "T_DXD", "T_DM1"]])
def test_trastuzumab_with_an_anthracycline_is_contraindicated_in_every_line(regimens):
    j = judge("ANTHRACYCLINE_TRASTUZUMAB", metastatic_regimens=regimens)
    assert (j.verdict, j.pitfalls, j.citations) == ("contraindicated", ("P2",), ("SLAMON-2001",))
    assert "27%" in j.explanation and "8%" in j.explanation and "sequential" not in j.explanation


@pytest.mark.parametrize("regimens", [[], ["THP_DOCETAXEL"], ["THP_DOCETAXEL", "T_DXD"]])
def test_pregnancy_contraindicates_every_her2_directed_option_in_any_line(regimens):
    g = guideline()
    evaluation = g.evaluate(
        LINE, {"hr_status": "negative", "pregnant": True, "metastatic_regimens": regimens}
    )
    for j in evaluation.judgements:
        has_her2_drug = j.code not in ("ET_ALONE", "CHEMO_ALONE", "STOP_HER2_BEST_SUPPORTIVE")
        assert (j.verdict == "contraindicated") == has_her2_drug, j.code
        if has_her2_drug and j.code != "ANTHRACYCLINE_TRASTUZUMAB":
            assert (j.rule, j.pitfalls) == ("P", ("P15",))


def test_pregnancy_also_contraindicates_her2_maintenance_and_formulations():
    g = guideline()
    for decision in ("maintenance", "formulation"):
        evaluation = g.evaluate(decision, {"hr_status": "negative", "pregnant": True})
        her2 = [j for j in evaluation.judgements if g.drugs_of(j.code) & HER2_DRUGS]
        assert len(her2) == 3
        for j in her2:
            assert j.verdict == "contraindicated" and j.pitfalls == ("P15",), j.code


HER2_DRUGS = {"trastuzumab", "pertuzumab", "trastuzumab_emtansine"}


# -- other decision kinds --------------------------------------------------------------------------


def test_taxane_tolerated_calls_for_at_least_6_cycles():
    v = verdicts(decision="taxane_duration")
    assert v["AT_LEAST_6_CYCLES"] == "preferred"
    assert judge("FEWER_THAN_6_CYCLES_ROUTINE", decision="taxane_duration").pitfalls == ("P13",)
    assert judge("AT_LEAST_6_CYCLES", decision="taxane_duration").rule == "taxane-tolerated"


def test_taxane_toxicity_stops_the_taxane_and_keeps_dual_blockade():
    v = verdicts(decision="taxane_duration", attributes={"chemo_tolerated": False})
    assert v == {
        "AT_LEAST_6_CYCLES": "not_recommended",
        "FEWER_THAN_6_CYCLES_ROUTINE": "not_recommended",
        "TAXANE_INDEFINITELY": "not_recommended",
        "STOP_TAXANE_FOR_TOXICITY_CONTINUE_HP": "preferred",
    }


def test_maintenance_hr_negative_continues_pertuzumab_trastuzumab():
    v = verdicts(decision="maintenance")
    assert [c for c, x in v.items() if x == "preferred"] == ["HP_MAINTENANCE"]
    assert judge("CHEMO_ET_CONCURRENT", decision="maintenance").pitfalls == ("P5",)
    assert "P3" in judge("STOP_ALL_THERAPY", decision="maintenance").pitfalls


def test_maintenance_hr_positive_postmenopausal_adds_endocrine_therapy():
    v = verdicts(decision="maintenance", attributes={"hr_status": "positive"})
    assert v["HP_ET_MAINTENANCE"] == "preferred" and v["HP_MAINTENANCE"] == "acceptable"
    assert v["ET_ALONE_MAINTENANCE"] == "not_recommended"


def test_maintenance_hr_positive_premenopausal_needs_ovarian_suppression():
    pre = {"hr_status": "positive", "menopausal_status": "pre"}
    v = verdicts(decision="maintenance", attributes=pre)
    assert v["HP_ET_OFS_MAINTENANCE"] == "preferred"
    assert v["HP_ET_MAINTENANCE"] == v["HP_MAINTENANCE"] == "acceptable"
    assert judge("HP_ET_MAINTENANCE", decision="maintenance", **pre).pitfalls == ("P16",)


def test_cardiac_monitoring_is_baseline_and_every_3_months():
    v = verdicts(decision="cardiac_monitoring")
    assert v["LVEF_BASELINE_AND_EVERY_3_MONTHS"] == "preferred"
    for code in ("LVEF_BASELINE_ONLY", "LVEF_ONLY_IF_SYMPTOMS", "NO_CARDIAC_MONITORING"):
        assert judge(code, decision="cardiac_monitoring").pitfalls == ("P11",)


def test_lvef_decline_with_heart_failure_stops_her2_therapy_for_good():
    v = verdicts(decision="lvef_decline", attributes={"heart_failure": True})
    assert v == {
        "HOLD_HER2_AND_REASSESS": "acceptable",
        "CONTINUE_UNCHANGED": "contraindicated",
        "DISCONTINUE_HER2_PERMANENTLY": "preferred",
        "SWITCH_TO_ANTHRACYCLINE": "contraindicated",
    }


@pytest.mark.parametrize(
    ("lvef", "baseline", "low"),
    [
        (38, 60, True),
        (43, 55, True),
        (43, 50, False),
        (45, 55, True),
        (46, 70, False),
        (55, 62, False),
    ],
)
def test_lvef_decline_uses_the_labels_metastatic_thresholds(lvef, baseline, low):
    v = verdicts(
        decision="lvef_decline",
        attributes={"lvef_percent": lvef, "lvef_baseline_percent": baseline},
    )
    expected = "HOLD_HER2_AND_REASSESS" if low else "CONTINUE_UNCHANGED"
    assert [c for c, x in v.items() if x == "preferred"] == [expected]
    assert v["SWITCH_TO_ANTHRACYCLINE"] == "contraindicated"


def test_formulation_accepts_phesgo_and_iv_alike_and_forbids_t_dm1_substitution():
    v = verdicts(decision="formulation")
    assert v["PHESGO_SUBCUTANEOUS"] == v["IV_PERTUZUMAB_TRASTUZUMAB"] == "preferred"
    j = judge("SUBSTITUTE_T_DM1_FOR_TRASTUZUMAB", decision="formulation")
    assert (j.verdict, j.pitfalls) == ("contraindicated", ("P10",))
    assert "about 8 minutes" in judge("PHESGO_SUBCUTANEOUS", decision="formulation").explanation


def test_progression_workup_rebiopsies_an_accessible_lesion():
    assert verdicts(decision="progression_workup") == {
        "REBIOPSY_ACCESSIBLE_LESION": "preferred",
        "NO_REBIOPSY_ASSUME_HER2_UNCHANGED": "not_recommended",
    }


def test_reproductive_counseling_covers_7_months_after_the_last_dose():
    v = verdicts(decision="reproductive_counseling")
    assert v["EFFECTIVE_CONTRACEPTION_UNTIL_7_MONTHS_AFTER"] == "preferred"
    assert judge("NO_CONTRACEPTION_ADVICE", decision="reproductive_counseling").pitfalls == ("P15",)


def test_manageable_thp_toxicity_is_managed_not_a_reason_to_abandon_thp():
    v = verdicts(decision="toxicity_management")
    assert v["MANAGE_TOXICITY_CONTINUE_THP"] == "preferred"
    j = judge("STOP_HER2_THERAPY_FOR_TOXICITY", decision="toxicity_management")
    assert j.pitfalls == ("P3", "P17")
    assert (
        "66.8% vs 46.3%"
        in judge("MANAGE_TOXICITY_CONTINUE_THP", decision="toxicity_management").explanation
    )


def test_biotin_is_no_reason_to_withhold_therapy():
    j = judge("WITHHOLD_THERAPY_FOR_BIOTIN", decision="assay_interference")
    assert (j.verdict, j.pitfalls, j.citations) == ("not_recommended", ("P14",), ())
    assert judge("START_THERAPY_BIOTIN_NOTED", decision="assay_interference").verdict == "preferred"


# -- every rule and every pitfall is reachable ------------------------------------------------------

# rule id -> (decision, patient, code the rule decides)
WITNESSES = {
    "L1": (LINE, {}, "THP_DOCETAXEL"),
    "L1-U−": (LINE, {"chemo_suitable": False}, "HP"),
    "L1-U+": (LINE, {"chemo_suitable": False, "hr_status": "positive"}, "HP_ET"),
    "L1-ET": (LINE, {"hr_status": "positive", "heart_failure": True}, "ET_ALONE"),
    "L1-ET2": (
        LINE,
        {"hr_status": "positive", "frail": True, "low_disease_burden": True},
        "ET_ALONE",
    ),
    "L2": (LINE, AFTER_THP, "T_DXD"),
    "L2-EC": (LINE, {"brain_metastases": "stable", **AFTER_THP}, "T_DXD"),
    "L2-NA": (LINE, {"t_dxd_available": False, **AFTER_THP}, "T_DM1"),
    "L2-ILD": (LINE, {"ild_history": True, **AFTER_THP}, "T_DM1"),
    "L2-CNS": (LINE, {"brain_metastases": "active", "cns_predominant": True, **AFTER_THP}, "T_DXD"),
    "L3": (LINE, AFTER_T_DXD, "TUCATINIB_TRASTUZUMAB_CAPECITABINE"),
    "L3-alt": (LINE, {"metastatic_regimens": ["THP_DOCETAXEL", "T_DM1"]}, "T_DXD"),
    "L3-no-ADC": (
        LINE,
        {"metastatic_regimens": ["THP_DOCETAXEL", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]},
        "T_DXD",
    ),
    "L4+": (
        LINE,
        {"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD", "T_DM1"]},
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
    ),
    "continue-her2-blockade": (LINE, {}, "CHEMO_ALONE"),
    "early-relapse-dual-blockade": (
        LINE,
        {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 5},
        "THP_DOCETAXEL",
    ),
    "relapse-trastuzumab-under-6-months": (
        LINE,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 2},
        "THP_DOCETAXEL",
    ),
    "relapse-trastuzumab-6-to-12-months": (
        LINE,
        {"adjuvant_her2": "trastuzumab", "months_since_adjuvant_her2": 8},
        "T_DXD",
    ),
    "relapse-dual-blockade-12-months-or-more": (
        LINE,
        {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 24},
        "T_DXD",
    ),
    "no-repeat": (
        LINE,
        {"metastatic_regimens": ["THP_DOCETAXEL", "TUCATINIB_TRASTUZUMAB_CAPECITABINE"]},
        "TUCATINIB_TRASTUZUMAB_CAPECITABINE",
    ),
    "ild-t-dxd": (LINE, {"ild_history": True}, "T_DXD"),
    "no-anthracycline-trastuzumab": (LINE, {}, "ANTHRACYCLINE_TRASTUZUMAB"),
    "P": (LINE, {"pregnant": True}, "THP_DOCETAXEL"),
    "taxane-tolerated": ("taxane_duration", {}, "AT_LEAST_6_CYCLES"),
    "taxane-toxicity": ("taxane_duration", {"chemo_tolerated": False}, "AT_LEAST_6_CYCLES"),
    "maintenance-hr-negative": ("maintenance", {}, "HP_MAINTENANCE"),
    "maintenance-hr-positive-post": ("maintenance", {"hr_status": "positive"}, "HP_MAINTENANCE"),
    "maintenance-hr-positive-pre": (
        "maintenance",
        {"hr_status": "positive", "menopausal_status": "pre"},
        "HP_MAINTENANCE",
    ),
    "cardiac-monitoring": ("cardiac_monitoring", {}, "NO_CARDIAC_MONITORING"),
    "lvef-heart-failure": ("lvef_decline", {"heart_failure": True}, "CONTINUE_UNCHANGED"),
    "lvef-below-threshold": ("lvef_decline", {"lvef_percent": 35}, "CONTINUE_UNCHANGED"),
    "lvef-above-threshold": ("lvef_decline", {}, "CONTINUE_UNCHANGED"),
    "formulation": ("formulation", {}, "PHESGO_SUBCUTANEOUS"),
    "progression-workup": ("progression_workup", {}, "REBIOPSY_ACCESSIBLE_LESION"),
    "reproductive-counseling": ("reproductive_counseling", {}, "NO_CONTRACEPTION_ADVICE"),
    "toxicity-manageable": ("toxicity_management", {}, "MANAGE_TOXICITY_CONTINUE_THP"),
    "biotin": ("assay_interference", {}, "WITHHOLD_THERAPY_FOR_BIOTIN"),
}
WITNESSES_V2 = {
    "L1-DB09": (LINE, {}, "T_DXD_PERTUZUMAB"),
    "L1-DB09-ILD": (LINE, {"ild_history": True}, "T_DXD_PERTUZUMAB"),
    "L1-DB09-U": (LINE, {"chemo_suitable": False}, "T_DXD_PERTUZUMAB"),
    "L2+": (LINE, AFTER_THP, "T_DXD_PERTUZUMAB"),
    "AFTER-TDXD-P": (LINE, {"metastatic_regimens": ["T_DXD_PERTUZUMAB"]}, "T_DM1"),
}


def test_every_rule_has_a_witness_here():
    assert set(WITNESSES) == {r.id for r in guideline(V1).rules}
    assert set(WITNESSES) | set(WITNESSES_V2) == {r.id for r in guideline(V2).rules}


@pytest.mark.parametrize(
    ("version", "rule_id"),
    [(V1, r) for r in WITNESSES] + [(V2, r) for r in WITNESSES_V2],
)
def test_each_rule_decides_its_witness_situation(version, rule_id):
    table = WITNESSES if rule_id in WITNESSES else WITNESSES_V2
    decision, attributes, code = table[rule_id]
    assert judge(code, version, decision, **attributes).rule == rule_id


# pitfall -> (decision, patient, code that walks into it)
PITFALL_WITNESSES = {
    "P1": (LINE, {}, "TH_TAXANE"),
    "P2": (LINE, {}, "ANTHRACYCLINE_TRASTUZUMAB"),
    "P3": (LINE, AFTER_THP, "CHEMO_ALONE"),
    "P4": (LINE, {"hr_status": "positive"}, "ET_ALONE"),
    "P5": ("maintenance", {"hr_status": "positive"}, "CHEMO_ET_CONCURRENT"),
    "P6": (LINE, AFTER_THP, "T_DM1"),
    "P7": (LINE, {"ild_history": True, **AFTER_THP}, "T_DXD"),
    "P8": (LINE, {"brain_metastases": "active", "cns_predominant": True, **AFTER_THP}, "T_DM1"),
    "P9": (
        LINE,
        {"adjuvant_her2": "trastuzumab_pertuzumab", "months_since_adjuvant_her2": 4},
        "THP_PACLITAXEL",
    ),
    "P10": ("formulation", {}, "SUBSTITUTE_T_DM1_FOR_TRASTUZUMAB"),
    "P11": ("lvef_decline", {"heart_failure": True}, "CONTINUE_UNCHANGED"),
    "P12": ("progression_workup", {}, "NO_REBIOPSY_ASSUME_HER2_UNCHANGED"),
    "P13": ("taxane_duration", {}, "FEWER_THAN_6_CYCLES_ROUTINE"),
    "P14": ("assay_interference", {}, "WITHHOLD_THERAPY_FOR_BIOTIN"),
    "P15": (LINE, {"pregnant": True}, "HP"),
    "P16": (
        "maintenance",
        {"hr_status": "positive", "menopausal_status": "pre"},
        "HP_ET_MAINTENANCE",
    ),
    "P17": ("toxicity_management", {}, "SWITCH_REGIMEN_FOR_MANAGEABLE_TOXICITY"),
}


@pytest.mark.parametrize("version", [V1, V2])
def test_every_pitfall_of_the_version_is_reachable_at_some_decision(version):
    table = dict(PITFALL_WITNESSES)
    if version == V2:
        table["P18"] = (LINE, {"ild_history": True}, "T_DXD_PERTUZUMAB")
    assert set(table) == set(guideline(version).pitfalls)
    for pid, (decision, attributes, code) in table.items():
        assert pid in judge(code, version, decision, **attributes).pitfalls, pid


def test_rule_citations_and_pitfalls_summarise_their_entries():
    l1 = guideline().rule("L1")
    assert set(l1.citations) >= {"CLEOPATRA", "PERUSE", "MARIANNE"}
    assert set(l1.pitfalls) >= {"P1", "P3", "P4"}
    assert l1.conditions == {"line": 1, "chemo_suitable": True}


def test_verdicts_are_always_one_of_the_four():
    for version in (V1, V2):
        g = guideline(version)
        for kind in g.decision_kinds():
            for j in g.evaluate(kind, {"hr_status": "positive"}).judgements:
                assert j.verdict in VERDICTS
