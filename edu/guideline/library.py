"""Load the guideline versions of a directory (``cases/guidelines/``).

The directory holds one YAML file per version (``<family>-<year>.<n>.yaml``), the trial
registry (``evidence.yaml``) and the pitfalls (``pitfalls.yaml``). A version either stands
alone or ``extends`` an earlier one and lists only what changes, so the earlier version's
file is never edited and attempts scored under it keep their scores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from edu.guideline.engine import Guideline, fact_catalogue
from edu.guideline.errors import RulesFileError, UnknownGuidelineVersion, listing
from edu.guideline.evidence import EvidenceRegistry, load_evidence
from edu.guideline.lines import parse_line_settings
from edu.guideline.pitfalls import Pitfall, load_pitfalls, pitfalls_for
from edu.guideline.rules import RuleContext, check_groups, compile_rules
from edu.guideline.versionfile import Resolved, read_yaml, resolve
from edu.guideline.versions import parse_version
from edu.guideline.vocabulary import Vocabulary, build_attributes, build_kinds

EVIDENCE_FILE = "evidence.yaml"
PITFALLS_FILE = "pitfalls.yaml"


def _build(
    resolved: Resolved, evidence: EvidenceRegistry, pitfalls: Mapping[str, Pitfall]
) -> Guideline:
    version = resolved.version
    parsed = parse_version(version)
    assert parsed is not None
    attributes = build_attributes(resolved.attributes, resolved.attributes_path)
    drugs = {str(k): str(v) for k, v in resolved.drugs.items()}
    kinds, codes = build_kinds(
        resolved.decisions, attributes, drugs, lambda key: resolved.origin.get(key, resolved.path)
    )
    for spec in attributes.values():
        if spec.type == "codes" and spec.decision not in kinds:
            raise RulesFileError(
                resolved.attributes_path,
                f"patient attribute {spec.name!r} lists codes of unknown decision "
                f"{spec.decision!r}",
            )
    vocabulary = Vocabulary(attributes, kinds, codes, drugs)
    settings = parse_line_settings(
        resolved.effective_line, resolved.lvef, vocabulary, resolved.settings_path
    )
    groups = check_groups(resolved.groups, drugs, resolved.groups_path)
    version_evidence = evidence.for_version(version)
    version_pitfalls = pitfalls_for(pitfalls, version)
    ctx = RuleContext(
        version=version,
        vocabulary=vocabulary,
        groups=groups,
        catalogue=fact_catalogue(vocabulary, settings),
        evidence=version_evidence,
        pitfalls=version_pitfalls,
    )
    rules = compile_rules(resolved.rules, ctx)
    return Guideline(
        version=version,
        family=parsed[0],
        title=resolved.title,
        vocabulary=vocabulary,
        rules=rules,
        settings=settings,
        evidence=version_evidence,
        pitfalls=version_pitfalls,
        groups=groups,
        sources=resolved.chain,
        extends=resolved.extends,
        changes=resolved.changes,
    )


class GuidelineLibrary:
    """Every guideline version of a directory, newest first."""

    def __init__(
        self,
        directory: Path,
        guidelines: Mapping[str, Guideline],
        evidence: EvidenceRegistry,
        pitfalls: Mapping[str, Pitfall],
    ) -> None:
        self.directory = directory
        self.evidence = evidence
        self.pitfalls = dict(pitfalls)
        self._by_version = dict(
            sorted(guidelines.items(), key=lambda item: _sort_key(item[0]), reverse=True)
        )

    def versions(self) -> list[str]:
        """Return the version names, newest first (by family, then number)."""
        return list(self._by_version)

    def families(self) -> list[str]:
        """Return the guideline families, e.g. ``["her2-mbc"]``."""
        return sorted({g.family for g in self._by_version.values()})

    def get(self, name: str | None = None) -> Guideline:
        """Return a version.

        :param name: None for the newest version overall, a family for its newest
            version, or an exact version name.
        :raises UnknownGuidelineVersion: listing the known versions.
        """
        if name is None:
            return self.newest()
        if isinstance(name, str):
            if name in self._by_version:
                return self._by_version[name]
            if name in self.families():
                return self.newest(name)
        raise UnknownGuidelineVersion(
            f"unknown guideline {name!r} (known: {listing([*self.families(), *self._by_version])})"
        )

    def newest(self, family: str | None = None) -> Guideline:
        """Return the newest version, overall or of one family."""
        candidates = [g for g in self._by_version.values() if family is None or g.family == family]
        if not candidates:
            raise UnknownGuidelineVersion(
                f"unknown guideline family {family!r} (known: {listing(self.families())})"
            )
        return max(candidates, key=lambda g: _sort_key(g.version))

    def __iter__(self) -> Iterator[Guideline]:
        return iter(self._by_version.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_version


def _sort_key(version: str) -> tuple[str, tuple[int, ...]]:
    parsed = parse_version(version)
    assert parsed is not None
    return parsed


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Return (name, mtime, size) of the YAML files, so an edited rules file is reloaded."""
    try:
        entries = sorted(directory.glob("*.yaml"))
    except OSError:
        entries = []
    out = []
    for path in entries:
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


# How often (seconds, monotonic clock) a cached directory's YAML files are re-``stat``ed to
# notice an edit. A request calls ``load_library`` several times; one check a second is
# enough for "edit a rules file, reload the page". Tests that edit a file and reload at
# once set it to 0 or call ``clear_cache()``.
CHECK_INTERVAL = 1.0


class _Entry:
    __slots__ = ("signature", "library", "checked_at")

    def __init__(
        self, signature: tuple[tuple[str, int, int], ...], library: GuidelineLibrary, at: float
    ) -> None:
        self.signature = signature
        self.library = library
        self.checked_at = at


_CACHE: dict[str, _Entry] = {}
_RESOLVED: dict[str, Path] = {}
_CACHE_LOCK = threading.Lock()


def _resolve(directory: Path | str) -> Path:
    key = str(directory)
    resolved = _RESOLVED.get(key)
    if resolved is None:
        resolved = Path(directory).resolve()
        if not Path(directory).is_absolute():
            return resolved  # relative to the working directory, which may change
        if len(_RESOLVED) > 256:
            _RESOLVED.clear()
        _RESOLVED[key] = resolved
    return resolved


def load_library(directory: Path | str) -> GuidelineLibrary:
    """Return the guideline library of ``directory``, cached per directory.

    The cache is keyed on the directory and the size and modification time of its YAML
    files, so editing a rules file takes effect without a restart: the files are checked
    at most once every ``CHECK_INTERVAL`` seconds per directory (``clear_cache()`` forces
    a reload).
    :raises RulesFileError: a missing directory or a broken file, naming the file.
    """
    directory = _resolve(directory)
    key = str(directory)
    now = time.monotonic()
    cached = _CACHE.get(key)
    if cached is not None and now - cached.checked_at < CHECK_INTERVAL:
        return cached.library
    signature = _signature(directory)
    if cached is not None and cached.signature == signature:
        cached.checked_at = now
        return cached.library
    with _CACHE_LOCK:
        library = _load(directory)
        _CACHE[key] = _Entry(signature, library, now)
    return library


def clear_cache() -> None:
    """Forget every loaded library (tests that rewrite files in place use it)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _RESOLVED.clear()


def _load(directory: Path) -> GuidelineLibrary:
    if not directory.is_dir():
        raise RulesFileError(directory, "guideline directory not found")
    evidence_path = directory / EVIDENCE_FILE
    pitfalls_path = directory / PITFALLS_FILE
    for required in (evidence_path, pitfalls_path):
        if not required.is_file():
            raise RulesFileError(required, "file not found")
    evidence = load_evidence(evidence_path, read_yaml(evidence_path))
    pitfalls = load_pitfalls(pitfalls_path, read_yaml(pitfalls_path))
    raw_files: dict[str, tuple[Path, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name in (EVIDENCE_FILE, PITFALLS_FILE) or parse_version(path.stem) is None:
            continue  # only <family>-<number>.yaml files are versions
        raw = read_yaml(path)
        declared = raw.get("version") if isinstance(raw, Mapping) else None
        if declared != path.stem:
            raise RulesFileError(
                path, f"version is {declared!r} but the file is named for {path.stem!r}"
            )
        raw_files[path.stem] = (path, raw)
    if not raw_files:
        raise RulesFileError(directory, "no guideline version files (<family>-<number>.yaml)")
    guidelines = {name: _build(resolve(name, raw_files), evidence, pitfalls) for name in raw_files}
    return GuidelineLibrary(directory, guidelines, evidence, pitfalls)
