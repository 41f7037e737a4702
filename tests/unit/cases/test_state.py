"""The patient state: baseline plus the events on the path the learner took."""

from __future__ import annotations

import pytest

from edu.cases import InvalidPath, initial_state, parse_document, state_on_path
from edu.cases.state import split_patient

from .conftest import fixture_text


@pytest.fixture(scope="module")
def case():
    return parse_document(fixture_text("valid/branching.md")).document


def test_initial_state_separates_display_facts_from_engine_attributes(case):
    state = initial_state(case)
    assert state.display == {"name": "Branch B.", "age": 61, "sex": "female"}
    assert state.engine_patient() == {
        "hr_status": "negative",
        "lvef_percent": 64,
        "lvef_baseline_percent": 64,
    }
    assert state.months_elapsed == 0


def test_progressed_on_chosen_appends_the_regimen_chosen_on_this_path(case):
    path = [("start", None), ("first-line", "TH_TAXANE"), ("progression", None)]
    state = state_on_path(case, path)
    assert state.engine_patient()["metastatic_regimens"] == ["TH_TAXANE"]
    assert state.months_elapsed == 14
    other = state_on_path(
        case, [("start", None), ("first-line", "THP_DOCETAXEL"), ("progression", None)]
    )
    assert other.engine_patient()["metastatic_regimens"] == ["THP_DOCETAXEL"]


def test_the_latest_line_choice_counts_after_a_loop(case):
    path = [
        ("start", None),
        ("first-line", "T_DM1"),
        ("second-opinion", None),
        ("first-line", "THP_DOCETAXEL"),
        ("progression", None),
        ("second-line", None),
    ]
    state = state_on_path(case, path)
    assert state.engine_patient()["metastatic_regimens"] == ["THP_DOCETAXEL"]
    assert state.last_line_choice == "THP_DOCETAXEL"


def test_state_at_a_decision_before_choosing(case):
    state = state_on_path(case, [("start", None), ("first-line", None)])
    assert "metastatic_regimens" not in state.engine_patient()
    assert state.last_line_choice is None


def test_engine_patient_is_a_fresh_copy(case):
    state = state_on_path(
        case, [("start", None), ("first-line", "TH_TAXANE"), ("progression", None)]
    )
    patient = state.engine_patient()
    patient["metastatic_regimens"].append("T_DXD")
    assert state.engine_patient()["metastatic_regimens"] == ["TH_TAXANE"]


def test_equal_histories_give_equal_keys(case):
    a = state_on_path(case, [("start", None), ("first-line", "TH_TAXANE"), ("progression", None)])
    b = state_on_path(case, [("start", None), ("first-line", "TH_TAXANE"), ("progression", None)])
    c = state_on_path(
        case, [("start", None), ("first-line", "THP_DOCETAXEL"), ("progression", None)]
    )
    assert a.key() == b.key()
    assert a.key() != c.key()
    assert "metastatic_regimens=[TH_TAXANE]" in a.summary()


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ([], "empty"),
        ([("first-line", None)], "must start at 'start'"),
        ([("start", None), ("second-line", None)], "does not follow"),
        ([("start", None), ("nowhere", None)], "no node 'nowhere'"),
        ([("start", None), ("first-line", "T_DXD"), ("end-good", None)], "does not offer T_DXD"),
        ([("start", None), ("first-line", None), ("progression", None)], "no option chosen"),
        ([("start", "THP_DOCETAXEL")], "not a decision"),
    ],
)
def test_invalid_paths_raise(case, path, fragment):
    with pytest.raises(InvalidPath, match=fragment):
        state_on_path(case, path)


def test_progressed_on_chosen_before_any_line_decision_raises():
    text = fixture_text("broken/progressed-on-before-choice.md")
    case = parse_document(text).document
    with pytest.raises(InvalidPath, match="before any metastatic_line decision"):
        state_on_path(case, [("start", None), ("first-line", None)])


def test_display_events_change_the_panel_not_the_engine():
    text = fixture_text("valid/branching.md").replace(
        "- months_elapsed: 14", "- months_elapsed: 14\n- ecog: 2\n- brain_metastases: stable"
    )
    case = parse_document(text).document
    state = state_on_path(
        case, [("start", None), ("first-line", "TH_TAXANE"), ("progression", None)]
    )
    assert state.display["ecog"] == 2
    assert "ecog" not in state.engine_patient()
    assert state.engine_patient()["brain_metastases"] == "stable"


def test_split_patient():
    engine, display = split_patient(
        {"name": "X", "hr_status": "positive", "metastatic_regimens": ("A",)}
    )
    assert engine == {"hr_status": "positive", "metastatic_regimens": ["A"]}
    assert display == {"name": "X"}
