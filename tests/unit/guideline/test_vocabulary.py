"""The vocabulary agrees with the engine contract, and patients are validated strictly."""

from __future__ import annotations

import re

import pytest

from edu.guideline import (
    InvalidAttributeValue,
    MissingPatientAttribute,
    UnknownDecisionKind,
    UnknownOptionCode,
    UnknownPatientAttribute,
)

from .support import CONTRACT, LINE, V1, V2, guideline

ADDED_KINDS = {"toxicity_management", "assay_interference"}


def contract_kinds() -> dict[str, dict[str, list[str]]]:
    """Parse the contract's decision kinds: kind -> {"all": codes, "from_2026_2": codes}."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Decision kinds and option codes", 1)[1]
    kinds: dict[str, dict[str, list[str]]] = {}
    for paragraph in section.split("\n\n"):
        match = re.match(r"\s*`([a-z_]+)` —", paragraph)
        if not match:
            continue
        before, _, after = paragraph.partition("from version")
        codes = re.findall(r"`([A-Z][A-Z0-9_]+)`", before)
        later = re.findall(r"`([A-Z][A-Z0-9_]+)`", after)
        kinds[match[1]] = {"all": codes, "from_2026_2": later}
    return kinds


def contract_attributes() -> dict[str, tuple[str, str]]:
    """Parse the contract's attribute table: name -> (values cell, default cell)."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Patient attributes", 1)[1].split("## Decision kinds", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_the_contract_parses_into_eight_kinds():
    kinds = contract_kinds()
    assert len(kinds) == 8 and kinds[LINE]["from_2026_2"] == ["T_DXD_PERTUZUMAB"]
    assert len(kinds[LINE]["all"]) == 18


@pytest.mark.parametrize("version", [V1, V2])
def test_every_contract_code_belongs_to_its_kind_in_declared_order(version):
    g = guideline(version)
    for kind, codes in contract_kinds().items():
        expected = codes["all"] + (codes["from_2026_2"] if version == V2 else [])
        assert list(g.codes(kind))[: len(expected)] == expected, kind
    assert set(g.decision_kinds()) == set(contract_kinds()) | ADDED_KINDS


@pytest.mark.parametrize("version", [V1, V2])
@pytest.mark.parametrize(
    "patient",
    [
        {"hr_status": "negative"},
        {"hr_status": "positive", "menopausal_status": "pre", "pregnant": True},
        {"hr_status": "positive", "heart_failure": True, "chemo_suitable": False},
        {"hr_status": "negative", "metastatic_regimens": ["THP_DOCETAXEL", "T_DXD", "T_DM1"]},
        {
            "hr_status": "positive",
            "ild_history": True,
            "adjuvant_her2": "trastuzumab",
            "months_since_adjuvant_her2": 7,
        },
    ],
)
def test_every_contract_code_gets_a_verdict_for_every_kind_it_belongs_to(version, patient):
    g = guideline(version)
    for kind, codes in g.decision_kinds().items():
        evaluation = g.evaluate(kind, patient, list(codes))
        assert [j.code for j in evaluation.judgements] == list(codes)
        for j in evaluation.judgements:
            assert j.explanation and j.rule and j.verdict, (kind, j.code)


def test_t_dxd_pertuzumab_is_unknown_under_2026_1():
    with pytest.raises(UnknownOptionCode) as caught:
        guideline(V1).evaluate(LINE, {"hr_status": "negative"}, ["T_DXD_PERTUZUMAB"])
    message = str(caught.value)
    assert "T_DXD_PERTUZUMAB" in message and "THP_DOCETAXEL" in message
    assert not guideline(V1).has_code("T_DXD_PERTUZUMAB") and guideline(V2).has_code(
        "T_DXD_PERTUZUMAB"
    )


def test_every_code_has_a_plain_words_label():
    g = guideline(V2)
    for codes in g.decision_kinds().values():
        for code in codes:
            label = g.option_label(code)
            assert label and "_" not in label and label[0].isupper(), code
    assert g.option_label("T_DXD_PERTUZUMAB").startswith("Trastuzumab deruxtecan + pertuzumab")
    with pytest.raises(UnknownOptionCode):
        g.option_label("NOPE")


def test_attributes_match_the_contract_table():
    attributes = guideline().attributes()
    table = contract_attributes()
    assert set(attributes) == set(table)
    for name, (values, default) in table.items():
        spec = attributes[name]
        if spec["type"] == "choice":
            assert spec["values"] == re.findall(r"`([a-z_]+)`", values), name
        if default.startswith("required"):
            assert spec.get("required") or spec.get("required_when"), name
        else:
            expected = default.strip("`")
            shown = spec["default"]
            assert str(shown).lower() == expected or (shown == [] and expected == "[]"), name


def test_validate_patient_applies_defaults():
    p = guideline().validate_patient({"hr_status": "positive"})
    assert p["menopausal_status"] == "post" and p["lvef_percent"] == 60
    assert p["metastatic_regimens"] == () and p["chemo_suitable"] is True and p["pregnant"] is False


@pytest.mark.parametrize(
    ("patient", "error", "text"),
    [
        ({"hr_status": "negative", "her2": "positive"}, UnknownPatientAttribute, "'her2'"),
        ({"hr_status": "neg"}, InvalidAttributeValue, "positive, negative"),
        ({"hr_status": "negative", "pregnant": "yes"}, InvalidAttributeValue, "true or false"),
        ({"hr_status": "negative", "pregnant": 1}, InvalidAttributeValue, "true or false"),
        ({"hr_status": "negative", "lvef_percent": True}, InvalidAttributeValue, "a number"),
        ({"hr_status": "negative", "lvef_percent": 140}, InvalidAttributeValue, "from 0 to 100"),
        ({"hr_status": "negative", "chemo_cycles_completed": 2.5}, InvalidAttributeValue, "whole"),
        (
            {"hr_status": "negative", "metastatic_regimens": "THP_DOCETAXEL"},
            InvalidAttributeValue,
            "list",
        ),
        (
            {"hr_status": "negative", "metastatic_regimens": ["PHESGO_SUBCUTANEOUS"]},
            InvalidAttributeValue,
            "PHESGO_SUBCUTANEOUS",
        ),
        (
            {"hr_status": "negative", "months_since_adjuvant_her2": -1},
            InvalidAttributeValue,
            "at least 0",
        ),
        ({}, MissingPatientAttribute, "'hr_status'"),
        (
            {"hr_status": "negative", "adjuvant_her2": "trastuzumab"},
            MissingPatientAttribute,
            "months_since_adjuvant_her2",
        ),
        (["hr_status"], InvalidAttributeValue, "object"),
    ],
)
def test_validate_patient_rejects_bad_input_with_one_clear_line(patient, error, text):
    with pytest.raises(error) as caught:
        guideline().validate_patient(patient)
    assert text in str(caught.value) and "\n" not in str(caught.value)


def test_only_the_attributes_a_decision_needs_are_required():
    g = guideline()
    assert g.validate_patient({}, "formulation")["hr_status"] is None
    assert g.evaluate("cardiac_monitoring", {}).judgements
    with pytest.raises(MissingPatientAttribute):
        g.validate_patient({}, "maintenance")
    with pytest.raises(MissingPatientAttribute):
        g.evaluate(
            LINE, {"hr_status": "negative", "adjuvant_her2": "trastuzumab_pertuzumab"}, ["HP"]
        )
    with pytest.raises(UnknownDecisionKind):
        g.validate_patient({}, "nope")


def test_vocabulary_json_lists_kinds_codes_labels_and_attributes():
    data = guideline(V2).vocabulary()
    assert data["guideline"] == V2 and data["family"] == "her2-mbc"
    assert data["verdicts"] == ["preferred", "acceptable", "not_recommended", "contraindicated"]
    assert "T_DXD_PERTUZUMAB" in data["decision_kinds"][LINE]["options"]
    assert data["patient_attributes"]["hr_status"]["required"] is True
    assert "T_DXD_PERTUZUMAB" not in guideline(V1).vocabulary()["decision_kinds"][LINE]["options"]
