"""Walks through the library's cases: the paths, verdicts and points attempts replay.

For each case the generator plays a few dozen walks through the play service's own scoring
functions, from a careless one (any option) to a careful one (the preferred option when
there is one), and every generated attempt replays one of them. So the stored verdicts,
points, pitfalls and paths are exactly what ``edu.services.play.decide`` would have stored,
at a fraction of the cost of scoring every attempt.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from edu.cases import Case, QuizBank
from edu.extensions import db
from edu.models import Attempt, CaseRecord
from edu.services.content import parsed
from edu.services.play import _score_case_choice, _score_quiz_answer, judge_options

WALKS_PER_CASE = 48
MAX_WALK_STEPS = 200


@dataclass(frozen=True)
class ChoiceTemplate:
    step: int
    node_id: str
    decision: str
    option_code: str
    verdict: str
    rule: str
    points: float
    max_points: float
    safety_error: bool
    pitfalls_json: str


@dataclass(frozen=True)
class Walk:
    """One way through a case or quiz bank, scored as the application would score it."""

    path: tuple[tuple[str, str | None], ...]
    choices: tuple[ChoiceTemplate, ...]
    points: float
    max_points: float

    @cached_property
    def path_json(self) -> str:
        return json.dumps([list(entry) for entry in self.path])

    @property
    def final_node(self) -> str:
        return self.path[-1][0]


@dataclass
class Playable:
    """A published case or quiz bank with its walks, worst first."""

    case_id: int
    version_id: int
    slug: str
    kind: str
    guideline_version: str
    walks: list[Walk]
    document: Case | QuizBank

    def walk_for(self, quality: float) -> Walk:
        """The walk of a learner playing at ``quality`` (0 careless .. 1 careful)."""
        quality = min(1.0, max(0.0, quality))
        return self.walks[round(quality * (len(self.walks) - 1))]


def build_playables(
    case_ids: Sequence[int], seed: int, walks: int = WALKS_PER_CASE
) -> list[Playable]:
    """Play ``walks`` walks through each case (inside an app context); worst first."""
    rng = random.Random(seed)
    from edu.services.guidelines import current_library

    library = current_library()
    result = []
    for case_id in case_ids:
        record = db.session.get(CaseRecord, case_id)
        version = record.published_version
        document = parsed(version)
        guideline = library.get(document.guideline or None)
        made = []
        for index in range(walks):
            care = index / max(1, walks - 1)
            if isinstance(document, Case):
                made.append(_case_walk(guideline.version, document, rng, care))
            else:
                made.append(_quiz_walk(guideline.version, document, rng, care))
        made.sort(key=lambda w: (w.points / w.max_points if w.max_points else 0, len(w.choices)))
        result.append(
            Playable(
                case_id, version.id, record.slug, document.kind, guideline.version, made, document
            )
        )
    return result


def _scorer(guideline_version: str, path: list, kind: str) -> Attempt:
    """A transient attempt (never added to the session) to score choices on.

    Choices are scored by the play service's own functions, so the generated verdicts,
    points and pitfalls are exactly what ``edu.services.play.decide`` would store.
    """
    return Attempt(
        id=0,
        kind=kind,
        guideline_version=guideline_version,
        course_id=None,
        path=path,
        current_node=path[-1][0],
    )


def _template(choice: dict) -> ChoiceTemplate:
    """A scored choice's column values (as the play service's scorers give them)."""
    return ChoiceTemplate(
        step=choice["step"],
        node_id=choice["node_id"],
        decision=choice["decision"],
        option_code=choice["option_code"],
        verdict=choice["verdict"],
        rule=choice["rule"] or "",
        points=choice["points"],
        max_points=choice["max_points"],
        safety_error=bool(choice["safety_error"]),
        pitfalls_json=json.dumps(list(choice["pitfalls"] or [])),
    )


def _case_walk(guideline_version: str, case: Case, rng: random.Random, care: float) -> Walk:
    attempt = _scorer(guideline_version, [[case.start, None]], "case")
    choices = []
    for _ in range(MAX_WALK_STEPS):
        node = case.nodes[attempt.current_node]
        if node.kind == "ending":
            break
        if node.kind == "narrative":
            attempt.path = [*attempt.path, [node.next, None]]
            attempt.current_node = node.next
            continue
        judgements = judge_options(attempt, case, attempt.path)
        preferred = [o for o in node.options if judgements[o.code].verdict == "preferred"]
        if preferred and rng.random() < care:
            option = rng.choice(preferred)
        else:
            option = rng.choice(node.options)
        choice, path = _score_case_choice(attempt, case, len(attempt.path) - 1, option.code)
        choices.append(_template(choice))
        attempt.path, attempt.current_node = path, path[-1][0]
    else:
        raise RuntimeError(f"case {case.id}: a walk did not reach an ending")
    return _walk(attempt.path, choices)


def _quiz_walk(guideline_version: str, bank: QuizBank, rng: random.Random, care: float) -> Walk:
    attempt = _scorer(guideline_version, [[bank.items[0].id, None]], "quiz")
    choices = []
    for step, item in enumerate(bank.items):
        letter = item.answer if rng.random() < care else rng.choice(item.choices)[0]
        choice, path = _score_quiz_answer(attempt, bank, step, letter)
        choices.append(_template(choice))
        attempt.path, attempt.current_node = path, path[-1][0]
    return _walk(attempt.path, choices)


def _walk(path: list[list], choices: list[ChoiceTemplate]) -> Walk:
    return Walk(
        path=tuple((node, code) for node, code in path),
        choices=tuple(choices),
        points=sum(c.points for c in choices),
        max_points=sum(c.max_points for c in choices),
    )
