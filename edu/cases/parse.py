"""Parse a case or quiz-bank file into a :class:`Case` or :class:`QuizBank`; never raise.

The steps, each of which may stop with a clear finding: decode the bytes
(:mod:`edu.cases.source`), read the front matter (:mod:`edu.cases.meta`), split the body
into ``## Title {#id}`` sections (:mod:`edu.cases.sections`) and read those as nodes
(:mod:`edu.cases.nodes`) or quiz items (:mod:`edu.cases.quiz`).
"""

from __future__ import annotations

from edu.cases.meta import read_meta
from edu.cases.model import Case, ParseResult, QuizBank
from edu.cases.nodes import parse_nodes
from edu.cases.quiz import parse_items
from edu.cases.report import Report
from edu.cases.sections import split_sections
from edu.cases.source import decode, split_front_matter


def parse_document(text: str | bytes, path: str = "<memory>") -> ParseResult:
    """Return the parsed document and the findings of parsing it.

    ``document`` is None when the file cannot be read at all (not UTF-8, binary, too large,
    empty, no or broken front matter); the findings then say why, with a line number. With
    lesser problems the document is returned alongside error findings: the linter can still
    check the rest, but such a version must not be published.
    """
    report = Report(path)
    try:
        return _parse(text, path, report)
    except RecursionError:
        # Every step is iterative or depth-limited; this is a last line of defence so that
        # no upload, however strange, turns into a server error.
        report.error(1, "the file is nested too deeply to read: simplify its structure")
        return ParseResult(None, report.findings)


def _parse(text: str | bytes, path: str, report: Report) -> ParseResult:
    source = decode(text, report)
    if source is None:
        return ParseResult(None, report.findings)
    front = split_front_matter(source.lines, report)
    if front is None:
        return ParseResult(None, report.findings)
    meta = read_meta(front.data, front.locations, report)
    if meta is None:
        return ParseResult(None, report.findings)
    sections = split_sections(source.lines, front.body_start, report)
    if not sections:
        what = "items" if meta.kind == "quiz" else "nodes"
        report.error(
            min(front.body_start + 1, len(source.lines)),
            f"the file has no {what}: add sections headed '## Title {{#some-id}}' "
            "below the front matter; see docs/case-format.md",
        )
        return ParseResult(None, report.findings)
    if meta.kind == "quiz":
        items, texts = parse_items(sections, report)
        bank = QuizBank(
            id=meta.id,
            title=meta.title,
            authors=meta.authors,
            tags=meta.tags,
            difficulty=meta.difficulty,
            minutes=meta.minutes,
            guideline=meta.guideline,
            objectives=meta.objectives,
            items=tuple(items),
            path=path,
            content_hash=source.content_hash,
            texts=tuple(texts),
            locations=front.locations,
        )
        return ParseResult(bank, report.findings)
    nodes, texts = parse_nodes(sections, report)
    if not nodes:
        return ParseResult(None, report.findings)
    case = Case(
        id=meta.id,
        title=meta.title,
        authors=meta.authors,
        tags=meta.tags,
        difficulty=meta.difficulty,
        minutes=meta.minutes,
        lines=meta.lines,
        guideline=meta.guideline,
        objectives=meta.objectives,
        patient=meta.patient,
        nodes=nodes,
        start=next(iter(nodes)),
        path=path,
        content_hash=source.content_hash,
        texts=tuple(texts),
        locations=front.locations,
    )
    return ParseResult(case, report.findings)
