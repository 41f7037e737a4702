"""Effective line of therapy and the other facts derived from a patient's history.

The thresholds (relapse bands after adjuvant HER2 therapy, LVEF limits) come from the
rules file, so a guideline update that moves a threshold needs no code change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edu.guideline.errors import RulesFileError, listing
from edu.guideline.results import EffectiveLine
from edu.guideline.vocabulary import Vocabulary

DE_NOVO = "de-novo"


@dataclass(frozen=True)
class RelapseBand:
    """Relapse after adjuvant HER2 therapy within ``[months_from, months_below)``."""

    id: str
    adjuvant: str
    months_from: float
    months_below: float
    line_offset: int
    sources_differ: bool = False
    note: str | None = None

    def holds(self, adjuvant: str, months: float) -> bool:
        """Return True when the relapse falls in this band."""
        return adjuvant == self.adjuvant and self.months_from <= months < self.months_below


@dataclass(frozen=True)
class LvefThresholds:
    """When a fall in LVEF means holding HER2 therapy (the label's metastatic thresholds)."""

    hold_below: float
    borderline_up_to: float
    borderline_fall: float

    def low(self, lvef: float, baseline: float) -> bool:
        """Return True when the LVEF is below the label's thresholds."""
        if lvef < self.hold_below:
            return True
        return lvef <= self.borderline_up_to and baseline - lvef >= self.borderline_fall


@dataclass(frozen=True)
class LineSettings:
    """The effective-line section of a rules file."""

    adjuvant_drugs: Mapping[str, frozenset[str]]
    bands: tuple[RelapseBand, ...]
    lvef: LvefThresholds

    def band_ids(self) -> tuple[str, ...]:
        """Return every relapse band id, ``de-novo`` first."""
        return (DE_NOVO, *(band.id for band in self.bands))

    def band_for(self, patient: Mapping[str, Any]) -> RelapseBand | None:
        """Return the relapse band of the patient, None when there was no adjuvant therapy."""
        adjuvant = patient.get("adjuvant_her2", "none")
        months = patient.get("months_since_adjuvant_her2")
        if adjuvant == "none" or months is None:
            return None
        for band in self.bands:
            if band.holds(adjuvant, months):
                return band
        return None  # unreachable: bands are checked to cover every month at load

    def effective_line(self, patient: Mapping[str, Any]) -> EffectiveLine:
        """Return the effective line: 1 + the band's offset + regimens already given.

        The band's disagreement is reported only before the first metastatic regimen:
        once treatment has started, the line follows the regimens actually given.
        """
        band = self.band_for(patient)
        given = len(patient.get("metastatic_regimens") or ())
        offset = band.line_offset if band else 0
        differ = bool(band and band.sources_differ and given == 0)
        return EffectiveLine(
            line=1 + offset + given,
            sources_differ=differ,
            note=band.note if band and given == 0 else None,
            relapse_band=band.id if band else DE_NOVO,
            regimens_given=given,
        )


def parse_line_settings(
    raw_line: Any, raw_lvef: Any, vocabulary: Vocabulary, path: Path
) -> LineSettings:
    """Return the checked ``effective_line`` and ``lvef_thresholds`` sections.

    :raises RulesFileError: a malformed band, or bands that leave a gap or overlap.
    """
    if not isinstance(raw_line, Mapping):
        raise RulesFileError(path, "effective_line must be a mapping")
    adjuvant_spec = vocabulary.attributes.get("adjuvant_her2")
    adjuvant_values = tuple(
        v for v in (adjuvant_spec.values if adjuvant_spec else ()) if v != "none"
    )
    raw_drugs = raw_line.get("adjuvant_drugs") or {}
    adjuvant_drugs: dict[str, frozenset[str]] = {}
    for value, drugs in raw_drugs.items():
        if value not in adjuvant_values:
            raise RulesFileError(path, f"adjuvant_drugs names unknown adjuvant_her2 {value!r}")
        unknown = set(drugs) - set(vocabulary.drugs)
        if unknown:
            raise RulesFileError(path, f"adjuvant_drugs names unknown drugs {listing(unknown)}")
        adjuvant_drugs[value] = frozenset(drugs)
    bands: list[RelapseBand] = []
    for raw in raw_line.get("relapse_bands") or ():
        if not isinstance(raw, Mapping):
            raise RulesFileError(path, "each relapse band must be a mapping")
        band_id = str(raw.get("id", ""))
        where = f"relapse band {band_id!r}"
        unknown = set(raw) - {
            "id",
            "adjuvant_her2",
            "months_from",
            "months_below",
            "line_offset",
            "sources_differ",
            "note",
        }
        if unknown or not band_id:
            raise RulesFileError(path, f"{where} has unknown keys or no id")
        if raw.get("adjuvant_her2") not in adjuvant_values:
            raise RulesFileError(
                path, f"{where} adjuvant_her2 must be one of {listing(adjuvant_values)}"
            )
        note = " ".join(str(raw.get("note") or "").split()) or None
        if raw.get("sources_differ") and not note:
            raise RulesFileError(path, f"{where} flags sources_differ without a note")
        bands.append(
            RelapseBand(
                id=band_id,
                adjuvant=raw["adjuvant_her2"],
                months_from=float(raw.get("months_from", 0)),
                months_below=float(raw.get("months_below", math.inf)),
                line_offset=int(raw.get("line_offset", 0)),
                sources_differ=bool(raw.get("sources_differ", False)),
                note=note,
            )
        )
    if len({b.id for b in bands}) != len(bands) or DE_NOVO in {b.id for b in bands}:
        raise RulesFileError(path, f"relapse band ids must be unique and not {DE_NOVO!r}")
    for adjuvant in adjuvant_values:
        # the bands of one adjuvant regimen must tile [0, infinity) with no gap or overlap
        edge = 0.0
        for band in sorted(
            (b for b in bands if b.adjuvant == adjuvant), key=lambda b: b.months_from
        ):
            if band.months_from != edge:
                raise RulesFileError(
                    path,
                    f"relapse bands after {adjuvant} leave a gap or overlap at {edge:g} months",
                )
            edge = band.months_below
        if edge != math.inf:
            raise RulesFileError(
                path,
                f"relapse bands after {adjuvant} stop at {edge:g} months; "
                "the last needs no months_below",
            )
    if not isinstance(raw_lvef, Mapping):
        raise RulesFileError(path, "lvef_thresholds must be a mapping")
    try:
        lvef = LvefThresholds(
            hold_below=float(raw_lvef["hold_below"]),
            borderline_up_to=float(raw_lvef["borderline_up_to"]),
            borderline_fall=float(raw_lvef["borderline_fall"]),
        )
    except (KeyError, TypeError, ValueError):
        raise RulesFileError(
            path, "lvef_thresholds needs hold_below, borderline_up_to and borderline_fall"
        ) from None
    return LineSettings(adjuvant_drugs=adjuvant_drugs, bands=tuple(bands), lvef=lvef)
