"""The version diff: situations, code changes, text and JSON."""

from __future__ import annotations

import json
import shutil
from functools import cache

from edu.guideline import load_library
from edu.guideline.diff import GuidelineDiff, diff_guidelines

from .support import GUIDELINES, LINE, V1, V2, guideline


@cache
def forward() -> GuidelineDiff:
    return diff_guidelines(guideline(V1), guideline(V2))


def test_2026_2_adds_t_dxd_pertuzumab_and_nothing_else():
    diff = forward()
    assert diff.codes_added == {LINE: ("T_DXD_PERTUZUMAB",)}
    assert diff.codes_removed == {} and diff.kinds_added == () and diff.kinds_removed == ()
    assert set(diff.rules_added) == {"L1-DB09", "L1-DB09-ILD", "L1-DB09-U", "L2+", "AFTER-TDXD-P"}


def test_no_existing_code_changes_verdict_so_no_past_score_changes():
    diff = forward()
    assert diff.changed_codes == ()
    for situation in diff.situations:
        for change in situation.changes:
            assert change.change != "verdict", (situation.describe(), change)


def test_thp_docetaxel_is_newly_flagged_sources_differ_in_first_line():
    diff = forward()
    assert diff.flag_changed_codes == ("THP_DOCETAXEL",)
    flagged = [(s, c) for s in diff.situations for c in s.changes if c.change == "sources_differ"]
    assert flagged and all(s.effective_line == 1 for s, _ in flagged)
    situation, change = flagged[0]
    assert change.old.verdict == change.new.verdict == "preferred"
    assert not change.old.sources_differ and change.new.sources_differ
    assert "DESTINY-Breast09" in change.new.note
    assert "L1-DB09" in situation.rules_new and "L1-DB09" not in situation.rules_old


def test_t_dxd_pertuzumab_appears_with_its_verdict_in_each_situation():
    seen = {}
    for situation in forward().situations:
        for change in situation.changes:
            if change.code == "T_DXD_PERTUZUMAB" and not situation.new_only:
                assert change.change == "added" and change.old is None
                seen.setdefault(change.new.rule, set()).add(change.new.verdict)
    assert seen["L1-DB09"] == {"preferred"}
    assert seen["L1-DB09-ILD"] == {"contraindicated"}
    assert seen["L1-DB09-U"] == {"not_recommended"}
    assert seen["L2+"] == {"not_recommended"}
    assert seen["P"] == {"contraindicated"}
    assert seen["L1-ET"] == {"contraindicated"}


def test_the_line_after_first_line_t_dxd_pertuzumab_is_a_new_situation_flagged_throughout():
    after = [s for s in forward().situations if s.new_only and "AFTER-TDXD-P" in s.rules_new]
    assert after
    plain = next(s for s in after if s.rules_new == ("L3", "AFTER-TDXD-P"))
    verdicts = {c.code: c.new.verdict for c in plain.changes}
    assert verdicts["TUCATINIB_TRASTUZUMAB_CAPECITABINE"] == "preferred"
    assert verdicts["T_DXD"] == verdicts["T_DXD_PERTUZUMAB"] == "not_recommended"
    assert all(c.new.sources_differ for c in plain.changes)


def test_comparing_a_version_with_itself_finds_no_change():
    diff = diff_guidelines(guideline(V2), guideline(V2))
    assert diff.situations == () and diff.changed_codes == () and diff.codes_added == {}
    assert diff.situations_compared > 20


def test_the_diff_text_says_what_changed_and_that_no_score_changes():
    text = forward().to_text()
    assert text.startswith(f"Guideline diff {V1} -> {V2}")
    assert "Codes added (metastatic_line): T_DXD_PERTUZUMAB" in text
    assert "Existing codes whose verdict changes: none (no past attempt's points change)" in text
    assert "THP_DOCETAXEL: preferred, now flagged sources_differ [L1]" in text
    assert "+ T_DXD_PERTUZUMAB: preferred, sources differ [L1-DB09]" in text


def test_the_diff_json_is_serialisable_and_complete():
    data = json.loads(json.dumps(forward().to_json()))
    assert data["old"] == V1 and data["new"] == V2
    assert data["codes_added"] == {LINE: ["T_DXD_PERTUZUMAB"]}
    assert data["changed_codes"] == [] and data["flag_changed_codes"] == ["THP_DOCETAXEL"]
    first = data["situations"][0]
    assert {
        "decision",
        "description",
        "rules_old",
        "rules_new",
        "example_patient",
        "changes",
    } <= set(first)
    assert first["changes"][0]["new"]["verdict"] in (
        "preferred",
        "acceptable",
        "not_recommended",
        "contraindicated",
    )


def test_the_reverse_diff_reports_the_code_as_removed():
    diff = diff_guidelines(guideline(V2), guideline(V1))
    assert diff.codes_removed == {LINE: ("T_DXD_PERTUZUMAB",)}
    assert diff.changed_codes == ()
    removed = [c for s in diff.situations for c in s.changes if c.change == "removed"]
    assert removed and all(c.code == "T_DXD_PERTUZUMAB" and c.new is None for c in removed)


def test_a_changed_verdict_is_reported_per_situation(tmp_path):
    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    (directory / "her2-mbc-2026.3.yaml").write_text(
        """
version: her2-mbc-2026.3
extends: her2-mbc-2026.2
add_rules:
  - id: paclitaxel-equal
    decision: metastatic_line
    overlay: true
    priority: 50
    when: {line: 1, chemo_suitable: true}
    options:
      THP_PACLITAXEL: {verdict: preferred, cite: [PERUSE], why: A test change.}
""",
        encoding="utf-8",
    )
    library = load_library(directory)
    diff = diff_guidelines(library.get(V2), library.get("her2-mbc-2026.3"))
    assert diff.changed_codes == ("THP_PACLITAXEL",)
    changed = [s for s in diff.situations if any(c.change == "verdict" for c in s.changes)]
    assert changed and all(s.effective_line == 1 for s in changed)
    change = changed[0].changes[0]
    assert (change.old.verdict, change.new.verdict, change.new.rule) == (
        "acceptable",
        "preferred",
        "paclitaxel-equal",
    )
    assert "~ THP_PACLITAXEL: acceptable [L1] -> preferred [paclitaxel-equal]" in diff.to_text()
