"""The case linter: parse, then check links, prose and the guideline's verdicts.

``lint_document`` checks one text (the authoring preview uses it); ``lint_paths`` checks
files and directories (``flask cases lint``) and also what only shows across files, such
as two files with one id. Without a guideline library only the checks that need none run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from edu.cases.citations import find_stripped_html, find_too_complex
from edu.cases.graph import check_graph
from edu.cases.model import MAX_FILE_BYTES, Case, Document, Finding, LintResult
from edu.cases.parse import parse_document
from edu.cases.report import Report, listing
from edu.cases.verdicts import Judge, check_case, check_quiz

if TYPE_CHECKING:
    from edu.guideline import GuidelineLibrary

#: Directories of a case library that hold no case files (the rules live in guidelines/).
SKIPPED_DIRECTORIES = frozenset({"guidelines"})
#: Files a library may hold for humans, never parsed as cases.
SKIPPED_FILES = frozenset({"readme.md"})


def lint_document(
    text: str | bytes,
    path: str = "<memory>",
    library: GuidelineLibrary | None = None,
    judge: Judge | None = None,
) -> LintResult:
    """Return the document and every finding for one file's content; never raises.

    :param library: the guideline library; None skips the checks that need it.
    :param judge: a shared verdict cache, so a run over many files asks the engine once
        per distinct patient and decision.
    """
    parsed = parse_document(text, path)
    report = Report(path)
    report.findings.extend(parsed.findings)
    document = parsed.document
    if document is not None:
        _check_document(document, report, library, judge)
    return LintResult(document, sorted(set(report.findings)))


def _check_document(
    document: Document,
    report: Report,
    library: GuidelineLibrary | None,
    judge: Judge | None,
) -> None:
    if isinstance(document, Case):
        check_graph(document, report)
    for line, why in find_too_complex(document.texts):
        report.error(
            line,
            f"this text is too long or dense to render as Markdown ({why}): split it into "
            "shorter paragraphs with blank lines between them",
        )
    for line, removed in find_stripped_html(document.texts):
        report.warning(
            line,
            f"raw HTML that learners will not see: the sanitiser removes {listing(removed, 4)}; "
            "write it in Markdown instead (**bold**, lists, [links](https://...))",
        )
    if library is None:
        return
    judge = judge or Judge(library)
    if isinstance(document, Case):
        check_case(document, library, judge, report)
    else:
        check_quiz(document, library, judge, report)


def find_case_files(paths: Iterable[Path]) -> list[Path]:
    """Return the Markdown files under ``paths`` (files as given, directories walked).

    Walking skips hidden entries, ``guidelines/`` (the rules, not cases) and README files,
    so a library can carry notes for its maintainers.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(_walk(path)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _walk(directory: Path) -> Iterator[Path]:
    for entry in directory.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.name not in SKIPPED_DIRECTORIES:
                yield from _walk(entry)
        elif entry.suffix == ".md" and entry.name.lower() not in SKIPPED_FILES:
            yield entry


def read_case_file(path: Path) -> bytes | str:
    """Return a file's bytes, at most one byte past the size limit (so huge files stay cheap).

    On an OS error returns the error's text, which the caller reports.
    """
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return exc.strerror or str(exc)


def lint_files(
    paths: Iterable[Path], library: GuidelineLibrary | None, display: dict[Path, str] | None = None
) -> list[LintResult]:
    """Lint each file; results keep the files' order.

    :param display: how to name each file in findings (defaults to ``str(path)``).
    """
    judge = Judge(library) if library is not None else None
    results: list[LintResult] = []
    for path in paths:
        name = (display or {}).get(path, str(path))
        data = read_case_file(path)
        if isinstance(data, str):
            finding = Finding(name, 1, "error", f"cannot read the file: {data}")
            results.append(LintResult(None, [finding]))
            continue
        results.append(lint_document(data, name, library, judge))
    _check_unique_ids(results)
    return results


def lint_paths(paths: Iterable[Path | str], library: GuidelineLibrary | None) -> list[Finding]:
    """Return every finding for the files under ``paths``, sorted by file and line."""
    files = find_case_files(Path(path) for path in paths)
    results = lint_files(files, library)
    return sorted(finding for result in results for finding in result.findings)


def _check_unique_ids(results: list[LintResult]) -> None:
    """Add an error to every file whose id another file already uses."""
    first: dict[str, Document] = {}
    for result in results:
        document = result.document
        if document is None or not document.id:
            continue
        other = first.setdefault(document.id, document)
        if other is not document:
            result.findings.append(
                Finding(
                    document.path,
                    document.line_of("id"),
                    "error",
                    f"id '{document.id}' is already used by {other.path}:{other.line_of('id')}: "
                    "ids must be unique across the library; rename one",
                )
            )
            result.findings.sort()
