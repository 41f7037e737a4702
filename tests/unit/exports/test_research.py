"""The research per-decision export."""

import csv
import io
from datetime import UTC, datetime

import pytest

from edu.exports import RESEARCH_HEADER, DecisionRow, ExportError, research_csv, research_csv_tuples
from edu.exports import research as research_module
from edu.exports.cells import csv_lines
from edu.scoring import pseudonym


def decision(learner_id=7, email="jdoe@med.example.edu", **changes) -> DecisionRow:
    values = dict(
        learner_id=learner_id,
        email=email,
        case="her2-mbc-first-line",
        case_version=4,
        guideline_version="her2-mbc-2026.2",
        decision="metastatic_line",
        option="THP_DOCETAXEL",
        verdict="preferred",
        points=10,
        decided_at=datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC),
    )
    values.update(changes)
    return DecisionRow(**values)


def test_header_is_the_documented_one():
    assert ",".join(RESEARCH_HEADER) == (
        "learner,case,case_version,guideline_version,decision,option,verdict,points,decided_at"
    )


def test_identified_export_writes_the_email():
    assert list(research_csv([decision()])) == [
        "\ufeff" + ",".join(RESEARCH_HEADER) + "\r\n",
        "jdoe@med.example.edu,her2-mbc-first-line,4,her2-mbc-2026.2,metastatic_line,"
        "THP_DOCETAXEL,preferred,10,2026-03-02T09:14:05Z\r\n",
    ]


def test_pseudonymised_export_writes_the_stable_pseudonym_and_no_email():
    lines = list(research_csv([decision(), decision(option="TH_TAXANE")], secret="s3cret"))
    expected = pseudonym("s3cret", 7)
    assert [line.split(",")[0] for line in lines[1:]] == [expected, expected]
    assert "jdoe" not in "".join(lines)


def test_pseudonyms_are_distinct_per_learner_and_stable_across_exports():
    rows = [decision(learner_id=n, email=f"l{n}@example.edu") for n in range(50)]
    first = [line.split(",")[0] for line in list(research_csv(rows, secret="k"))[1:]]
    again = [line.split(",")[0] for line in list(research_csv(rows, secret="k"))[1:]]
    assert first == again
    assert len(set(first)) == 50
    other_course = [line.split(",")[0] for line in list(research_csv(rows, secret="k2"))[1:]]
    assert not set(first) & set(other_course)


def test_a_pseudonym_collision_stops_the_export(monkeypatch):
    monkeypatch.setattr(research_module, "pseudonym", lambda secret, learner_id: "p-00000000")
    rows = research_csv([decision(learner_id=1), decision(learner_id=2)], secret="k")
    next(rows), next(rows)
    with pytest.raises(ExportError, match="collision between learners 1 and 2"):
        next(rows)


def test_an_empty_secret_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="non-empty"):
        research_csv([decision()], secret="")


def test_parses_back_and_cells_are_neutralised():
    rows = [decision(email="=cmd@example.edu", points=0, verdict="contraindicated")]
    text = "".join(research_csv(rows))
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert parsed[1][0] == "'=cmd@example.edu"
    assert parsed[1][6:8] == ["contraindicated", "0"]
    assert {len(line) for line in parsed} == {9}


def test_tuple_fast_path_writes_the_same_file_as_decision_rows():
    rows = [
        decision(),
        decision(learner_id=8, email="=evil@x.edu", option="-TH", points=2.5),
        decision(points=-3.0, verdict="a,b"),
        decision(learner_id=8, email="=evil@x.edu", option="-TH", points=2.5),
    ]
    as_tuples = [
        (r.learner_id, r.email, r.case, r.case_version, r.guideline_version, r.decision,
         r.option, r.verdict, r.points, r.decided_at)
        for r in rows
    ]  # fmt: skip
    for secret in (None, "k"):
        expected = list(
            csv_lines(
                RESEARCH_HEADER,
                [
                    [pseudonym(secret, r.learner_id) if secret else r.email, r.case,
                     r.case_version, r.guideline_version, r.decision, r.option, r.verdict,
                     r.points, r.decided_at]
                    for r in rows
                ],
            )
        )  # fmt: skip
        assert list(research_csv(rows, secret=secret)) == expected
        assert list(research_csv_tuples(as_tuples, secret=secret)) == expected


def test_the_source_is_closed_when_a_row_fails_or_the_reader_stops():
    closed = []

    def source(rows):
        try:
            yield from rows
        finally:
            closed.append(True)

    good = tuple(vars(decision()).values())
    bad = good[:-1]  # a cell short
    lines = research_csv_tuples(source([good, bad, good]))
    with pytest.raises(ExportError, match="row 2"):
        list(lines)
    assert closed == [True]  # at once, not when the generators are garbage-collected

    lines = research_csv_tuples(source([good, good, good]))
    next(lines), next(lines)
    lines.close()
    assert closed == [True, True]
