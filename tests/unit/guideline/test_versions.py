"""Versions: the library, 2026.2 side by side with 2026.1, and how version files load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edu.guideline import (
    RulesFileError,
    UnknownGuidelineVersion,
    UnknownOptionCode,
    clear_cache,
    load_library,
)
from edu.guideline import library as library_module

from .support import GUIDELINES, LINE, V1, V2, guideline, judge

# -- the library ------------------------------------------------------------------------------


def test_versions_are_listed_newest_first():
    library = load_library(GUIDELINES)
    assert library.versions() == [V2, V1]
    assert library.families() == ["her2-mbc"]


@pytest.mark.parametrize(("name", "version"), [(None, V2), ("her2-mbc", V2), (V1, V1), (V2, V2)])
def test_get_resolves_none_a_family_or_an_exact_version(name, version):
    assert load_library(GUIDELINES).get(name).version == version


def test_an_unknown_version_lists_the_known_ones():
    with pytest.raises(UnknownGuidelineVersion) as caught:
        load_library(GUIDELINES).get("her2-mbc-2025.9")
    assert V1 in str(caught.value) and V2 in str(caught.value) and "her2-mbc," in str(caught.value)


def test_the_library_is_cached_per_directory_until_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(library_module, "CHECK_INTERVAL", 0.0)
    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    first = load_library(directory)
    assert load_library(str(directory)) is first
    assert load_library(GUIDELINES) is load_library(GUIDELINES)
    path = directory / "pitfalls.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_library(directory) is not first


def test_files_are_checked_for_edits_at_most_once_per_interval(tmp_path, monkeypatch):
    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    clock = [1000.0]
    monkeypatch.setattr(library_module.time, "monotonic", lambda: clock[0])
    first = load_library(directory)
    path = directory / "pitfalls.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    clock[0] += 0.5
    assert load_library(directory) is first  # within the interval: no stat, same library
    clock[0] += library_module.CHECK_INTERVAL
    second = load_library(directory)
    assert second is not first  # the edit is noticed on the next check
    clock[0] += library_module.CHECK_INTERVAL + 1
    assert load_library(directory) is second  # checked again, nothing changed
    path.write_text(path.read_text(encoding="utf-8") + "\n# again\n", encoding="utf-8")
    clear_cache()
    assert load_library(directory) is not second  # clear_cache forces a reload


def test_version_metadata_comes_from_the_files():
    v2 = guideline(V2)
    assert v2.family == "her2-mbc" and v2.extends == V1 and v2.sources == (V1, V2)
    assert v2.changes and "T_DXD_PERTUZUMAB" in v2.changes[0]
    assert guideline(V1).extends is None


def test_each_version_owns_its_pitfalls():
    assert list(guideline(V1).pitfalls) == [f"P{i}" for i in range(1, 18)]
    assert list(guideline(V2).pitfalls) == [f"P{i}" for i in range(1, 19)]
    assert guideline(V2).pitfalls["P18"].title.startswith("First-line T-DXd + pertuzumab")


# -- the 2026.2 change table, each row under both versions ------------------------------------

ROWS = [
    # (row, patient, 2026.2 verdict of T_DXD_PERTUZUMAB, 2026.2 rule)
    ("L1-DB09", {}, "preferred", "L1-DB09"),
    ("L1-DB09-ILD", {"ild_history": True}, "contraindicated", "L1-DB09-ILD"),
    ("L1-DB09-U", {"chemo_suitable": False}, "not_recommended", "L1-DB09-U"),
    ("L2+", {"metastatic_regimens": ["THP_DOCETAXEL"]}, "not_recommended", "L2+"),
    (
        "L2+ at line 4",
        {"metastatic_regimens": ["THP_DOCETAXEL", "T_DXD", "T_DM1"]},
        "not_recommended",
        "L2+",
    ),
    ("P", {"pregnant": True}, "contraindicated", "P"),
    ("L1-ET", {"hr_status": "positive", "heart_failure": True}, "contraindicated", "L1-ET"),
]


@pytest.mark.parametrize(
    ("patient", "verdict", "rule"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_change_table_rows_judge_the_new_code_and_leave_every_old_verdict(patient, verdict, rule):
    old = guideline(V1).evaluate(LINE, {"hr_status": "negative", **patient})
    new = guideline(V2).evaluate(LINE, {"hr_status": "negative", **patient})
    new_code = new.for_code("T_DXD_PERTUZUMAB")
    assert (new_code.verdict, new_code.rule) == (verdict, rule)
    for before in old.judgements:
        after = new.for_code(before.code)
        assert after.verdict == before.verdict, before.code
    with pytest.raises(UnknownOptionCode):
        old.for_code("T_DXD_PERTUZUMAB")


def test_l1_db09_flags_both_first_line_preferred_options_with_the_same_note():
    new_code = judge("T_DXD_PERTUZUMAB", V2)
    thp_new, thp_old = judge("THP_DOCETAXEL", V2), judge("THP_DOCETAXEL", V1)
    assert new_code.sources_differ and thp_new.sources_differ and not thp_old.sources_differ
    assert new_code.note == thp_new.note and "overall survival is immature" in thp_new.note
    assert "40.7 vs 26.9 months, HR 0.56" in new_code.explanation
    assert "12.1% vs 1.0%" in new_code.explanation and "ILD monitoring" in new_code.explanation


def test_l1_db09_ild_names_both_lung_pitfalls():
    j = judge("T_DXD_PERTUZUMAB", V2, ild_history=True)
    assert j.pitfalls == ("P7", "P18") and "exclusion, not a trial" in j.explanation
    assert not judge("THP_DOCETAXEL", V2, ild_history=True).sources_differ


def test_after_first_line_t_dxd_pertuzumab_apply_l3_flagged():
    after = {"metastatic_regimens": ["T_DXD_PERTUZUMAB"]}
    evaluation = guideline(V2).evaluate(LINE, {"hr_status": "negative", **after})
    v = {j.code: j for j in evaluation.judgements}
    assert v["TUCATINIB_TRASTUZUMAB_CAPECITABINE"].verdict == "preferred"
    assert v["T_DM1"].verdict == v["LAPATINIB_CAPECITABINE"].verdict == "acceptable"
    assert v["LAPATINIB_TRASTUZUMAB"].verdict == "acceptable"
    assert v["T_DXD"].verdict == v["HP_VINORELBINE"].verdict == "not_recommended"
    assert v["T_DXD_PERTUZUMAB"].verdict == "not_recommended"
    for j in evaluation.judgements:
        if j.verdict != "contraindicated":
            assert j.sources_differ and j.rule == "AFTER-TDXD-P", j.code
            assert "No trial has tested" in j.note
    assert evaluation.effective_line == 2


def test_relapse_bands_still_decide_the_line_for_the_new_code():
    # DESTINY-Breast09 admitted relapses more than 6 months after adjuvant therapy
    assert (
        judge(
            "T_DXD_PERTUZUMAB", V2, adjuvant_her2="trastuzumab", months_since_adjuvant_her2=9
        ).verdict
        == "preferred"
    )
    assert (
        judge(
            "T_DXD_PERTUZUMAB", V2, adjuvant_her2="trastuzumab", months_since_adjuvant_her2=3
        ).verdict
        == "not_recommended"
    )
    assert (
        judge(
            "T_DXD_PERTUZUMAB",
            V2,
            adjuvant_her2="trastuzumab_pertuzumab",
            months_since_adjuvant_her2=8,
        ).rule
        == "L2+"
    )


def test_the_2026_1_file_does_not_mention_the_new_code():
    text = (GUIDELINES / "her2-mbc-2026.1.yaml").read_text(encoding="utf-8")
    assert "T_DXD_PERTUZUMAB" not in text and "DESTINY-Breast09" not in text


# -- loading version files ---------------------------------------------------------------------


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    return directory


def write_v3(directory: Path, body: str) -> Path:
    path = directory / "her2-mbc-2026.3.yaml"
    path.write_text("version: her2-mbc-2026.3\nextends: her2-mbc-2026.2\n" + body, encoding="utf-8")
    return path


def test_a_new_version_can_replace_and_remove_rules(rules_dir):
    write_v3(
        rules_dir,
        """
remove_rules: [L1-ET2]
replace_rules:
  - id: L1-DB09
    decision: metastatic_line
    overlay: true
    priority: 40
    when: {line: 1, chemo_suitable: true, ild_history: false, pregnant: false}
    options:
      T_DXD_PERTUZUMAB: {verdict: acceptable, cite: [DESTINY-Breast09], why: A test replacement.}
""",
    )
    library = load_library(rules_dir)
    v3 = library.get("her2-mbc-2026.3")
    assert library.versions()[0] == "her2-mbc-2026.3"
    assert "L1-ET2" not in {r.id for r in v3.rules}
    assert (
        v3.evaluate(LINE, {"hr_status": "negative"}, ["T_DXD_PERTUZUMAB"]).judgements[0].verdict
        == "acceptable"
    )
    # the versions it builds on are untouched
    assert (
        library.get(V2)
        .evaluate(LINE, {"hr_status": "negative"}, ["T_DXD_PERTUZUMAB"])
        .judgements[0]
        .verdict
        == "preferred"
    )


BROKEN = [
    ("not yaml", "rules: [\n", "invalid YAML"),
    ("duplicate key", "add_rules: []\nadd_rules: []\n", "appears twice"),
    ("unknown top-level key", "add_rule: []\n", "unknown top-level keys add_rule"),
    ("unknown parent", None, "extends unknown version"),
    (
        "unknown trial",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [NOPE], why: w}}}\n",
        "unknown trial 'NOPE'",
    ),
    (
        "unknown pitfall",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], pitfalls: [P99], why: w}}}\n",
        "pitfall 'P99'",
    ),
    (
        "unknown verdict",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: good, cite: [], why: w}}}\n",
        "verdict 'good'",
    ),
    (
        "unknown code",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO: {verdict: preferred, cite: [], why: w}}}\n",
        "unknown option code 'PHESGO'",
    ),
    (
        "unknown fact",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, when: {pregnancy: true}, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], why: w}}}\n",
        "unknown fact 'pregnancy'",
    ),
    (
        "bad fact value",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, when: {hr_status: pos}, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], why: w}}}\n",
        "cannot be 'pos'",
    ),
    (
        "missing why",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: []}}}\n",
        "needs a 'why'",
    ),
    (
        "missing cite",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, why: w}}}\n",
        "needs 'cite'",
    ),
    (
        "uncited figure",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], why: '{FeDeriCa.trough}'}}}\n",
        "not cited",
    ),
    (
        "flag without note",
        "add_rules:\n  - {id: x, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {sources_differ: true}}}\n",
        "note",
    ),
    (
        "base rule without a verdict for every code",
        "add_rules:\n  - {id: x, decision: formulation, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], why: w}}}\n",
        "no verdict for IV_PERTUZUMAB_TRASTUZUMAB",
    ),
    (
        "duplicate rule id",
        "add_rules:\n  - {id: L1, decision: formulation, overlay: true, options: {PHESGO_SUBCUTANEOUS: {verdict: preferred, cite: [], why: w}}}\n",
        "rule 'L1' is defined twice",
    ),
    ("replacing an unknown rule", "replace_rules:\n  - {id: L9}\n", "unknown rule 'L9'"),
    (
        "redefining a code",
        "add_codes:\n  metastatic_line:\n    T_DXD: {label: again}\n",
        "already exists",
    ),
    (
        "a code without label",
        "add_codes:\n  metastatic_line:\n    NEW_CODE: {contains: []}\n",
        "plain-words label",
    ),
    (
        "a gap in relapse bands",
        "effective_line:\n  relapse_bands:\n    - {id: a, adjuvant_her2: trastuzumab, months_below: 6}\n    - {id: b, adjuvant_her2: trastuzumab, months_from: 7}\n    - {id: c, adjuvant_her2: trastuzumab_pertuzumab}\n",
        "gap or overlap at 6 months",
    ),
]


@pytest.mark.parametrize(("body", "problem"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_rules_file_names_the_file_and_the_problem(rules_dir, body, problem):
    if body is None:
        (rules_dir / "her2-mbc-2026.3.yaml").write_text(
            "version: her2-mbc-2026.3\nextends: her2-mbc-2025.1\n", encoding="utf-8"
        )
    else:
        write_v3(rules_dir, body)
    with pytest.raises(RulesFileError) as caught:
        load_library(rules_dir)
    message = str(caught.value)
    assert "her2-mbc-2026.3.yaml" in message and problem in message and "\n" not in message


def test_a_file_named_for_another_version_is_refused(rules_dir):
    (rules_dir / "her2-mbc-2026.3.yaml").write_text("version: her2-mbc-2026.4\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match="named for 'her2-mbc-2026.3'"):
        load_library(rules_dir)


def test_a_missing_registry_is_refused(rules_dir):
    (rules_dir / "evidence.yaml").unlink()
    with pytest.raises(RulesFileError, match="evidence.yaml: file not found"):
        load_library(rules_dir)


def test_a_pitfall_from_a_later_version_cannot_be_used_earlier(rules_dir):
    path = rules_dir / "her2-mbc-2026.1.yaml"
    text = path.read_text(encoding="utf-8").replace("pitfalls: [P14]", "pitfalls: [P18]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError, match="P18.*not in force in her2-mbc-2026.1"):
        load_library(rules_dir)
