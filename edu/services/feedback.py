"""What the learner sees: the node they are at, feedback on a choice, the debrief.

These build plain view objects from an attempt; templates only lay them out. Nothing
here reveals a verdict before the learner has chosen: ``node_view`` carries option
labels and codes, never judgements.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from edu.cases import Case, PatientState, QuizBank, QuizItem, state_on_path
from edu.guideline import Guideline, Judgement
from edu.services.content import html
from edu.services.memo import BoundedCache
from edu.services.play import (
    QUIZ_END,
    ShownAttempt,
    ShownChoice,
    current_step,
    document_of,
    guideline_of,
    judged_at,
)

VERDICT_WORDS = {
    "preferred": "Preferred",
    "acceptable": "Acceptable",
    "not_recommended": "Not recommended",
    "contraindicated": "Contraindicated — safety error",
    "correct": "Correct",
    "incorrect": "Incorrect",
}


@dataclass(frozen=True)
class PanelRow:
    label: str
    value: str


@dataclass(frozen=True)
class NodeView:
    attempt: ShownAttempt
    step: int
    kind: str  # narrative | decision | ending | quiz | finished
    title: str
    body_html: str
    question_html: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    panel: tuple[PanelRow, ...] = ()
    progress: int = 0  # percent


@dataclass(frozen=True)
class Evidence:
    id: str
    name: str
    design: str
    figures: tuple[str, ...]


@dataclass(frozen=True)
class PitfallView:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class FeedbackView:
    choice: ShownChoice
    title: str
    chosen_label: str
    verdict_word: str
    explanation: str
    note_html: str
    preferred: tuple[str, ...]  # labels of the preferred option(s)
    evidence: tuple[Evidence, ...]
    pitfalls: tuple[PitfallView, ...]
    sources_differ_note: str | None = None
    next_kind: str = "node"  # node | debrief


@dataclass
class Debrief:
    attempt: ShownAttempt
    title: str
    outcome: str | None
    debrief_html: str
    points: float
    max_points: float
    percent: float | None
    decisions: list[FeedbackView] = field(default_factory=list)
    pitfalls: list[PitfallView] = field(default_factory=list)
    safety_errors: int = 0
    references: list[Evidence] = field(default_factory=list)


# --- the current node ---------------------------------------------------------------------


def node_view(attempt: ShownAttempt) -> NodeView:
    """Return what the learner sees at the attempt's current step."""
    document = document_of(attempt)
    step = current_step(attempt)
    if isinstance(document, QuizBank):
        return _quiz_view(attempt, document, step)
    node = document.nodes[attempt.current_node]
    guideline = guideline_of(attempt)
    return NodeView(
        attempt=attempt,
        step=step,
        kind=node.kind,
        title=node.title,
        body_html=html(node.body),
        question_html=html(node.question),
        options=tuple((o.code, o.label) for o in node.options),
        panel=_panel_on_path(document, attempt.path, guideline),
        progress=progress_percent(document, attempt.current_node, step),
    )


# The patient panel is a pure function of the guideline, the case content and the path, so
# learners on the same path share it; the guideline object is compared on a hit, as in
# ``play.judged_at``, so a reloaded rules file is never served a stale panel.
_PANELS: BoundedCache[tuple[Guideline, tuple[PanelRow, ...]]] = BoundedCache(2048)


def _panel_on_path(case: Case, path: list, guideline: Guideline) -> tuple[PanelRow, ...]:
    key = (guideline.version, case.content_hash, tuple((n, c) for n, c in path))
    hit = _PANELS.get(key)
    if hit is not None and hit[0] is guideline:
        return hit[1]
    panel = patient_panel(state_on_path(case, list(key[2])), guideline)
    _PANELS.put(key, (guideline, panel))
    return panel


def _quiz_view(attempt: ShownAttempt, bank: QuizBank, step: int) -> NodeView:
    total = len(bank.items)
    if attempt.current_node == QUIZ_END or attempt.status != "in_progress":
        return NodeView(attempt, step, "finished", bank.title, "", progress=100)
    item = _item(bank, attempt.current_node)
    return NodeView(
        attempt=attempt,
        step=step,
        kind="quiz",
        title=f"Question {step + 1} of {total}",
        body_html=html(item.stem),
        options=tuple((letter, f"{letter}. {text}") for letter, text in item.choices),
        progress=round(100 * step / total),
    )


def _item(bank: QuizBank, item_id: str) -> QuizItem:
    return next(item for item in bank.items if item.id == item_id)


def patient_panel(state: PatientState, guideline: Guideline) -> tuple[PanelRow, ...]:
    """Who the patient is now: the facts a clinician glances at before choosing."""
    facts = state.display
    attrs = state.engine_patient()
    rows = []
    who = ", ".join(str(v) for v in (facts.get("name"), _age(facts.get("age"))) if v)
    if who:
        rows.append(PanelRow("Patient", who))
    hr = attrs.get("hr_status")
    if hr:
        meno = "premenopausal" if attrs.get("menopausal_status") == "pre" else "postmenopausal"
        rows.append(PanelRow("Receptors", f"HER2-positive, HR-{hr}, {meno}"))
    adjuvant = attrs.get("adjuvant_her2", "none")
    if adjuvant and adjuvant != "none":
        months = attrs.get("months_since_adjuvant_her2")
        since = (
            f", relapse {months:g} months after it ended" if isinstance(months, int | float) else ""
        )
        rows.append(PanelRow("Adjuvant HER2 therapy", adjuvant.replace("_", " + ") + since))
    regimens = attrs.get("metastatic_regimens") or []
    rows.append(
        PanelRow(
            "Metastatic therapy so far",
            "; ".join(guideline.option_label(code) for code in regimens) or "none yet",
        )
    )
    if state.last_line_choice and (not regimens or regimens[-1] != state.last_line_choice):
        rows.append(PanelRow("Current therapy", guideline.option_label(state.last_line_choice)))
    try:
        line = guideline.effective_line(attrs).line
    except ValueError:
        line = None
    if line:
        rows.append(PanelRow("Line of therapy", f"line {line}"))
    lvef = attrs.get("lvef_percent", 60)
    rows.append(PanelRow("LVEF", f"{lvef:g} %"))
    brain = attrs.get("brain_metastases", "none")
    if brain != "none":
        where = " (brain predominant)" if attrs.get("cns_predominant") else ""
        rows.append(PanelRow("Brain metastases", f"{brain}{where}"))
    else:
        rows.append(PanelRow("Brain metastases", "none known"))
    flags = [
        label
        for key, label in (
            ("ild_history", "interstitial lung disease history"),
            ("heart_failure", "heart failure"),
            ("pregnant", "pregnant"),
            ("frail", "frail"),
        )
        if attrs.get(key)
    ]
    if attrs.get("chemo_suitable") is False:
        flags.append("not fit for chemotherapy")
    if flags:
        rows.append(PanelRow("Also", "; ".join(flags)))
    if state.months_elapsed:
        rows.append(PanelRow("Time in case", f"{state.months_elapsed:g} months"))
    return tuple(rows)


def _age(age: object) -> str | None:
    return f"{age} years" if age else None


def progress_percent(case: Case, node_id: str, step: int) -> int:
    """Share of the way through: steps taken over steps taken plus the shortest way out."""
    distances = _DISTANCES.get(case.content_hash)
    if distances is None:
        distances = _DISTANCES.put(case.content_hash, _distance_to_ending(case))
    remaining = distances.get(node_id, 0)
    return 100 if remaining == 0 else round(100 * step / (step + remaining))


# Keyed by content hash: a case version never changes, so neither do its distances.
# Bounded: every saved draft has its own hash, and a long-lived worker must not grow.
_DISTANCES: BoundedCache[dict[str, int]] = BoundedCache(512)


def _distance_to_ending(case: Case) -> dict[str, int]:
    """Return, per node, the fewest steps to an ending (for the progress bar)."""
    incoming: dict[str, list[str]] = {node_id: [] for node_id in case.nodes}
    for node in case.nodes.values():
        for target in node.targets():
            incoming.setdefault(target, []).append(node.id)
    distance = {n.id: 0 for n in case.nodes.values() if n.kind == "ending"}
    queue = deque(distance)
    while queue:
        current = queue.popleft()
        for source in incoming.get(current, []):
            if source not in distance:
                distance[source] = distance[current] + 1
                queue.append(source)
    return distance


# --- feedback on one choice ---------------------------------------------------------------


def feedback_view(attempt: ShownAttempt, choice: ShownChoice) -> FeedbackView:
    """Return the feedback for a stored choice (recomputed under its pinned guideline)."""
    return _feedback_view(attempt, document_of(attempt), guideline_of(attempt), choice)


def _feedback_view(
    attempt: ShownAttempt, document: Case | QuizBank, guideline: Guideline, choice: ShownChoice
) -> FeedbackView:
    if isinstance(document, QuizBank):
        return _quiz_feedback(attempt, document, choice, guideline)
    node = document.nodes[choice.node_id]
    judgements = judged_at(attempt, document, attempt.path[: choice.step + 1]).judgements
    judgement = judgements[choice.option_code]
    option = node.option(choice.option_code)
    preferred = tuple(o.label for o in node.options if judgements[o.code].verdict == "preferred")
    return FeedbackView(
        choice=choice,
        title=node.title,
        chosen_label=option.label if option else choice.option_code,
        verdict_word=VERDICT_WORDS.get(choice.verdict, choice.verdict),
        explanation=judgement.explanation,
        note_html=html(option.note if option else None),
        preferred=preferred,
        evidence=_evidence(guideline, judgement.citations),
        pitfalls=_pitfalls(guideline, choice.pitfalls),
        sources_differ_note=judgement.note if judgement.sources_differ else None,
        next_kind="debrief" if attempt.status == "completed" else "node",
    )


def _quiz_feedback(
    attempt: ShownAttempt, bank: QuizBank, choice: ShownChoice, guideline: Guideline
) -> FeedbackView:
    item = _item(bank, choice.node_id)
    key_text = item.choice(item.answer) or ""
    return FeedbackView(
        choice=choice,
        title=item.title,
        chosen_label=f"{choice.option_code}. {item.choice(choice.option_code) or ''}",
        verdict_word=VERDICT_WORDS[choice.verdict],
        explanation="",
        note_html=html(item.explanation),
        preferred=(f"{item.answer}. {key_text}",),
        evidence=_evidence(guideline, item.citations),
        pitfalls=_pitfalls(guideline, item.pitfalls if choice.verdict == "incorrect" else ()),
        next_kind="debrief" if attempt.status == "completed" else "node",
    )


def _evidence(guideline: Guideline, trial_ids) -> tuple[Evidence, ...]:
    found = []
    for trial_id in trial_ids:
        if trial_id in guideline.evidence:
            trial = guideline.evidence.get(trial_id)
            figures = tuple(trial.figures[key] for key in trial.key_figures if key in trial.figures)
            design = f"{trial.design}: {trial.comparison}" if trial.comparison else trial.design
            found.append(Evidence(trial.id, trial.name, design, figures))
    return tuple(found)


def _pitfalls(guideline: Guideline, pitfall_ids) -> tuple[PitfallView, ...]:
    return tuple(
        PitfallView(pid, guideline.pitfalls[pid].title, guideline.pitfalls[pid].text)
        for pid in pitfall_ids
        if pid in guideline.pitfalls
    )


# --- the debrief --------------------------------------------------------------------------


def debrief(attempt: ShownAttempt) -> Debrief:
    """Return the end-of-attempt summary: score, every decision, pitfalls, references."""
    document = document_of(attempt)
    if isinstance(document, Case):
        ending = document.nodes.get(attempt.current_node)
        title, outcome = document.title, ending.outcome if ending else None
        body = html(ending.body) if ending and ending.kind == "ending" else ""
    else:
        title, outcome, body = document.title, None, ""
    # One document and guideline for every decision; the judgements come from the cache
    # decide filled (one evaluation per decision on a miss).
    guideline = guideline_of(attempt)
    views = [_feedback_view(attempt, document, guideline, choice) for choice in attempt.choices]
    pitfalls: dict[str, PitfallView] = {}
    references: dict[str, Evidence] = {}
    for view in views:
        for pitfall in view.pitfalls:
            pitfalls.setdefault(pitfall.id, pitfall)
        for evidence in view.evidence:
            references.setdefault(evidence.id, evidence)
    points = sum(c.points for c in attempt.choices)
    max_points = sum(c.max_points for c in attempt.choices)
    return Debrief(
        attempt=attempt,
        title=title,
        outcome=outcome,
        debrief_html=body,
        points=points,
        max_points=max_points,
        percent=round(100 * points / max_points, 1) if max_points else None,
        decisions=views,
        pitfalls=list(pitfalls.values()),
        safety_errors=sum(1 for c in attempt.choices if c.safety_error),
        references=sorted(references.values(), key=lambda e: e.name),
    )


def judgement_for(attempt: ShownAttempt, choice: ShownChoice) -> Judgement:
    """The judgement a case choice was scored on (recomputed; used by re-scoring checks)."""
    case = document_of(attempt)
    return judged_at(attempt, case, attempt.path[: choice.step + 1]).judgements[choice.option_code]
