"""Every figure the platform can show is checked against the clinical reference.

The reference's registry (section 7) and the 2026.2 change file's registry row are parsed
here; each number of each figure sentence must appear in that trial's row, and the known
errors of section 8 must not appear in any figure or rendered explanation.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import yaml

from edu.guideline import load_library

from .support import CHANGES, GUIDELINES, REFERENCE, V1, V2, guideline

NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?")


def numbers(text: str) -> set[Decimal]:
    """Every number in ``text`` (not those glued to letters, like HER2 or T-DM1)."""
    return {Decimal(n.replace(",", "")).normalize() for n in NUMBER.findall(text)}


def registry_rows() -> dict[str, str]:
    """Trial id -> the whole registry row (reference section 7, plus the change file)."""
    rows = {}
    section7 = REFERENCE.read_text(encoding="utf-8").split("## 7.", 1)[1].split("## 8.", 1)[0]
    changes = CHANGES.read_text(encoding="utf-8").split("## New registry entry", 1)[1]
    for text in (section7, changes):
        for line in text.splitlines():
            match = re.match(r"\|\s*`([A-Za-z0-9-]+)`\s*\|", line)
            if match:
                rows[match[1]] = line
    return rows


ROWS = registry_rows()
LIBRARY = load_library(GUIDELINES)
TRIALS = list(LIBRARY.evidence)


def test_the_reference_registry_parses():
    assert "CLEOPATRA" in ROWS and "DESTINY-Breast09" in ROWS and len(ROWS) == 13


def test_the_registry_holds_exactly_the_reference_trials():
    assert {t.id for t in TRIALS} == set(ROWS)


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.id)
def test_every_number_of_every_figure_appears_in_the_reference_row(trial):
    row = numbers(ROWS[trial.id])
    for key, sentence in trial.figures.items():
        missing = numbers(sentence) - row
        assert not missing, f"{trial.id}.{key}: {sorted(map(str, missing))} not in the reference"
    missing = numbers(trial.design) - row
    assert not missing, f"{trial.id} design: {missing}"


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.id)
def test_key_figures_name_figures_of_the_trial(trial):
    assert trial.key_figures and set(trial.key_figures) <= set(trial.figures)


# Reference section 8 and the unconfirmed figures of section 7, as (description, pattern).
FORBIDDEN = [
    ("CLEOPATRA PFS gain is not 6.3 months", r"6\.3[- ]?(mo|month)"),
    ("28.8 vs 6.8 goes with HR 0.33, never 0.28", r"28\.8.{0,200}0\.28|0\.28.{0,200}28\.8"),
    ("Slamon had no sequential arm", r"sequential"),
    ("Phesgo is not 2-5 minutes", r"\b2 ?(-|–|to) ?5 ?min"),
    ("no ESMO-MCBS grades", r"MCBS"),
    ("antibodies are not CYP-metabolised", r"\bCYP"),
    ("P+T after trastuzumab figures unconfirmed", r"24\.2 ?%|15\.5[- ]?(mo|month)"),
    ("DB-12 OS 86.1 % unconfirmed", r"86\.1"),
    ("MARIANNE QoL is 7.7 vs 3.6", r"3\.9"),
    ("EGF104900 weeks go with HR 0.73", r"8\.1 ?weeks?.{0,200}0\.74|0\.74.{0,200}8\.1 ?week"),
    ("EGF100151 medians unconfirmed", r"8\.4|4\.4 vs|vs 4\.4"),
    ("EGF104900 OS medians unconfirmed", r"9\.5"),
    ("paclitaxel + trastuzumab 13 % unconfirmed", r"\b13 ?%"),
    ("LVEF stop is not 50-55 %", r"50 ?(-|–|to) ?55"),
]


def all_texts() -> list[tuple[str, str]]:
    """Every figure sentence and every rendered explanation and note, with where it is."""
    texts = [(f"{t.id}.{k}", s) for t in TRIALS for k, s in t.figures.items()]
    for version in (V1, V2):
        g = guideline(version)
        for rule in g.rules:
            for kind, table in rule.table.items():
                for code, cases in table.items():
                    for _, outcome in cases:
                        where = f"{version} {rule.id} {kind} {code}"
                        texts.append((where, getattr(outcome, "explanation", "")))
                        texts.append((where + " note", getattr(outcome, "note", "") or ""))
    return texts


TEXTS = all_texts()


@pytest.mark.parametrize(("description", "pattern"), FORBIDDEN, ids=[d for d, _ in FORBIDDEN])
def test_no_known_source_error_reaches_a_learner(description, pattern):
    hits = [where for where, text in TEXTS if re.search(pattern, text, re.IGNORECASE)]
    assert not hits, f"{description}: {hits[:3]}"


def test_the_herclimb_brain_figure_is_always_labelled_as_the_subgroup():
    for where, text in TEXTS:
        if "HR 0.48" in text:
            assert "brain" in text, where


def test_the_forbidden_patterns_would_catch_the_errors():
    # each pattern must be able to fail: it matches the wrong statement it guards against
    samples = {
        "28.8 vs 6.8 goes with HR 0.33, never 0.28": "median PFS 28.8 vs 6.8 months, HR 0.28",
        "MARIANNE QoL is 7.7 vs 3.6": "quality of life 7.7 vs 3.9 months",
        "EGF104900 weeks go with HR 0.73": "PFS 12.0 vs 8.1 weeks, HR 0.74",
    }
    patterns = dict(FORBIDDEN)
    for description, wrong in samples.items():
        assert re.search(patterns[description], wrong, re.IGNORECASE), description


def test_rationales_quote_figures_only_through_placeholders():
    # a decimal number typed into a rules file is a figure that escaped the registry
    for name in ("her2-mbc-2026.1.yaml", "her2-mbc-2026.2.yaml"):
        raw = yaml.safe_load((GUIDELINES / name).read_text(encoding="utf-8"))
        rules = raw.get("rules", []) + raw.get("add_rules", [])
        texts = list(_rationales(rules))
        assert len(texts) >= 5
        for text in texts:
            assert not re.search(r"\d+\.\d+", text), f"{name}: {text[:80]}"


def _rationales(value, key=""):
    """Every `why` and `note` string in a parsed rules file."""
    if isinstance(value, str):
        if key in ("why", "note"):
            yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _rationales(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _rationales(item, key)


def test_destiny_breast09_is_citable_only_from_2026_2():
    assert "DESTINY-Breast09" not in guideline(V1).evidence
    assert "DESTINY-Breast09" in guideline(V2).evidence
    assert guideline(V2).evidence.get("DESTINY-Breast09").figures["ild"].startswith("adjudicated")


def test_every_citation_is_a_registry_trial_and_contract_id():
    contract_ids = set(ROWS)
    for version in (V1, V2):
        g = guideline(version)
        for rule in g.rules:
            assert set(rule.citations) <= set(g.evidence.ids()) <= contract_ids, rule.id


def test_explanations_are_one_or_two_sentences():
    explanations = [(w, t) for w, t in TEXTS if w.startswith("her2-mbc") and not w.endswith("note")]
    assert len(explanations) > 300
    for where, text in explanations:
        sentences = re.split(r"(?<=[a-z)%])[.] +(?=[A-Z])", text.strip())
        assert len(sentences) <= 2, f"{where}: {text}"
        assert len(text) <= 420, f"{where}: {len(text)} characters"


def test_unknown_figures_are_load_errors(tmp_path):
    import shutil

    from edu.guideline import RulesFileError

    directory = tmp_path / "guidelines"
    shutil.copytree(GUIDELINES, directory)
    path = directory / "her2-mbc-2026.1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{CLEOPATRA.os_final}", "{CLEOPATRA.os_median}", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulesFileError) as caught:
        load_library(directory)
    assert "her2-mbc-2026.1.yaml" in str(caught.value) and "os_median" in str(caught.value)
