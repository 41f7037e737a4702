"""The play path's caches return exactly what recomputing would, and never a stale entry."""

from pathlib import Path

import pytest

from edu.cases import Case, state_on_path
from edu.extensions import db
from edu.guideline import VERDICTS
from edu.models import CaseVersion
from edu.services import content, feedback, play
from edu.services.memo import BoundedCache
from tests.factories import create_user, sync_fixture_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"
CASES = Path(__file__).resolve().parents[2] / "cases"


@pytest.fixture
def resident(app):
    return create_user("resident")


def decision_paths(case: Case, limit: int = 40):
    """Paths from the start to decision nodes, every option tried (breadth first)."""
    found, frontier = [], [[[case.start, None]]]
    while frontier and len(found) < limit:
        path = frontier.pop(0)
        node = case.nodes[path[-1][0]]
        if node.kind == "narrative" and node.next:
            frontier.append([*path, [node.next, None]])
        elif node.kind == "decision":
            found.append(path)
            for option in node.options:
                done = [list(e) for e in path]
                done[-1][1] = option.code
                frontier.append([*done, [option.target, None]])
    return found


def uncached(attempt, case, path):
    """The three evaluations decide used to make, straight from the engine."""
    guideline = play.guideline_of(attempt)
    node = case.nodes[path[-1][0]]
    state = state_on_path(case, [(n, c) for n, c in path[:-1]] + [(path[-1][0], None)])
    offered = guideline.evaluate(
        node.decision, state.engine_patient(), [o.code for o in node.options]
    )
    every = guideline.evaluate(node.decision, state.engine_patient(), None)
    verdicts = {j.verdict for j in every.judgements}
    best = next(v for v in VERDICTS if v in verdicts)
    return {j.code: j for j in offered.judgements}, best


@pytest.mark.parametrize(
    "source",
    [FIXTURES / "play-short.md", FIXTURES / "play-pregnancy.md", *sorted(CASES.glob("0[1-4]*.md"))],
    ids=lambda p: p.stem,
)
def test_cached_judgements_equal_fresh_evaluations(app, resident, source):
    record = sync_fixture_cases(source)[0]
    attempt = play.start_attempt(resident.id, record)
    case = play.document_of(attempt)
    paths = decision_paths(case)
    assert paths
    for path in paths:
        play.clear_judgement_cache()
        judgements, best = uncached(attempt, case, path)
        cold = play.judged_at(attempt, case, path)
        warm = play.judged_at(attempt, case, path)
        assert warm is cold
        assert dict(cold.judgements) == judgements
        assert list(cold.judgements) == list(judgements)
        assert cold.best_available == best
        assert play.judge_options(attempt, case, path) == judgements
        assert play.best_available_verdict(attempt, case, path) == best


def test_a_reloaded_guideline_is_never_served_a_cached_judgement(app, resident, monkeypatch):
    record = sync_fixture_cases(FIXTURES / "play-short.md")[0]
    attempt = play.advance(play.start_attempt(resident.id, record).id, resident.id, 0)
    case = play.document_of(attempt)
    first = play.judged_at(attempt, case, attempt.path)
    original = play.guideline_of(attempt)
    # Same version name, another object: what a library reload after an edit gives.
    clone = type(original).__new__(type(original))
    clone.__dict__.update(original.__dict__)
    monkeypatch.setattr(play, "guideline_of", lambda _attempt: clone)
    again = play.judged_at(attempt, case, attempt.path)
    assert again is not first and again.guideline is clone
    assert dict(again.judgements) == dict(first.judgements)


def test_the_parsed_document_cache_is_keyed_by_id_and_hash(app, resident):
    record = sync_fixture_cases(FIXTURES / "play-short.md")[0]
    version = db.session.get(CaseVersion, record.published_version_id)
    version_id, digest = version.id, version.content_hash
    db.session.expunge_all()
    content.clear_cache()
    document = content.parsed_by_id(version_id)
    assert content.parsed_by_id(version_id) is document
    assert content.parsed(db.session.get(CaseVersion, version_id)) is document
    assert (version_id, digest) in content._DOCUMENTS
    # Another text under the same id (tables emptied, identities restarted): not a hit.
    content._DOCUMENTS.put((version_id, "not-" + digest), object())
    assert content.parsed_by_id(version_id) is document
    with pytest.raises(LookupError):
        content.parsed_by_id(version_id + 1000)


def test_the_debrief_matches_the_feedback_of_each_choice(app, resident):
    record = sync_fixture_cases(FIXTURES / "play-short.md")[0]
    attempt = play.advance(play.start_attempt(resident.id, record).id, resident.id, 0)
    while attempt.status == "in_progress":
        case = play.document_of(attempt)
        node = case.nodes[attempt.current_node]
        if node.kind == "narrative":
            attempt = play.advance(attempt.id, resident.id, play.current_step(attempt))
            continue
        play.decide(attempt.id, resident.id, play.current_step(attempt), node.options[-1].code)
        attempt = play.get_attempt(attempt.id, resident.id)
    play.clear_judgement_cache()
    summary = feedback.debrief(attempt)
    play.clear_judgement_cache()
    separately = [feedback.feedback_view(attempt, c) for c in attempt.choices]
    assert summary.decisions == separately
    for choice in attempt.choices:
        assert feedback.judgement_for(attempt, choice).verdict == choice.verdict


def test_the_distance_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(feedback, "_DISTANCES", BoundedCache(3))

    class Fake:
        nodes = {}

        def __init__(self, digest):
            self.content_hash = digest

    for n in range(10):
        feedback.progress_percent(Fake(str(n)), "x", 1)
        assert len(feedback._DISTANCES) <= 3
