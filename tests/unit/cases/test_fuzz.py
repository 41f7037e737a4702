"""Property-based fuzzing: no file, however mangled, makes the parser or linter raise.

Starts from valid cases and quiz banks and mutates them: deletes, duplicates and swaps
lines, inserts random bytes, truncates, corrupts the YAML. Every run must end in a result
whose findings all point at a real line (>= 1).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edu.cases import lint_document, parse_document

from .conftest import ROOT, fixture_text

SEEDS = [
    fixture_text("valid/minimal.md"),
    fixture_text("valid/branching.md"),
    fixture_text("valid/quiz.md"),
    (ROOT / "cases" / "example-denovo-hr-negative.md").read_text(encoding="utf-8"),
]
SNIPPETS = [
    "---",
    "## X {#start}",
    "## {#}",
    "Decision: metastatic_line",
    "Decision:",
    "Ending: good",
    "Next: #start",
    "Next: #",
    "Events:",
    "- progressed_on: chosen",
    "- months_elapsed: [[[",
    "- THP_DOCETAXEL: x -> #start",
    "- X: -> #",
    "  Note: n",
    "Answer: Z",
    "Explanation:",
    "Citations: [NOPE]",
    "Pitfalls: P0",
    "patient: &a [*a]",
    "id: *x",
    "title: [unclosed",
    "  - deeply: {nested: [1, {2: 3}]}",
    "```",
    "<script>alert(1)</script>",
    "[CLEOPATRA]",
    "\t\t\t",
    "\ufeff",
]

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("text"), st.integers(0, 10_000), st.text(max_size=40)),
    st.tuples(st.just("truncate"), st.integers(0, 100_000)),
)


def mutate(text: str, mutations: list[tuple]) -> str:
    lines = text.split("\n")
    for step in mutations:
        if not lines:
            lines = [""]
        kind = step[0]
        at = step[1] % len(lines)
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = step[2] % len(lines)
            lines[at], lines[other] = lines[other], lines[at]
        elif kind in ("insert", "text"):
            lines.insert(at, step[2])
        else:
            joined = "\n".join(lines)
            lines = joined[: step[1] % (len(joined) + 1)].split("\n")
    return "\n".join(lines)


def check(result, data: str | bytes) -> None:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    # Lines as an editor counts them: LF, CRLF and a lone CR each end a line.
    last_line = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
    for finding in result.findings:
        assert 1 <= finding.line <= last_line, str(finding)
        assert finding.severity in ("error", "warning")
        assert finding.message
    if result.document is None:
        assert any(f.is_error for f in result.findings)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_text_never_crashes_the_parser(seed, mutations):
    text = mutate(seed, mutations)
    check(parse_document(text, "fuzz.md"), text)


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    mutations=st.lists(mutation, max_size=4),
    junk=st.binary(max_size=30),
    at=st.integers(0, 100_000),
)
def test_random_bytes_never_crash_the_parser(seed, mutations, junk, at):
    data = mutate(seed, mutations).encode("utf-8")
    at %= len(data) + 1
    data = data[:at] + junk + data[at:]
    check(parse_document(data, "fuzz.md"), data)


@FUZZ
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_text_never_crashes_the_linter(library, seed, mutations):
    text = mutate(seed, mutations)
    check(lint_document(text, "fuzz.md", library), text)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_never_crash_the_parser(data):
    check(parse_document(data, "fuzz.md"), data)


@pytest.mark.parametrize("seed", SEEDS, ids=["minimal", "branching", "quiz", "example"])
def test_every_truncation_of_a_valid_file_is_handled(library, seed):
    for end in range(0, len(seed), max(1, len(seed) // 120)):
        check(lint_document(seed[:end], "cut.md", library), seed[:end])
