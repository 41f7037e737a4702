"""Playing cases and quizzes: catalogue, nodes, decisions, feedback, debrief, progress."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from edu.extensions import db
from edu.models import CaseRecord, CaseVersion, Enrolment
from edu.services import authoring, catalog, courses, feedback, play
from edu.services.guidelines import current_library
from edu.web.access import NOT_READ, attempt_read_with_user, instructor_required, read_only
from edu.web.play.forms import StartForm, StepForm

bp = Blueprint("play", __name__)


def _own_attempt(attempt_id: int):
    try:
        return play.get_attempt(attempt_id, current_user.id)
    except play.AttemptNotFound:
        abort(404)


def _own_attempt_to_show(attempt_id: int, *, with_choices: bool = False):
    """The learner's attempt as a read-only copy, for pages that change nothing (read
    with the user when the user loader did: ``access.load_signed_in_user``)."""
    read = attempt_read_with_user(attempt_id)
    if read is NOT_READ:
        try:
            return play.read_attempt(attempt_id, current_user.id, with_choices=with_choices)
        except play.AttemptNotFound:
            abort(404)
    if read is None:
        abort(404)
    return play.attempt_with_choices(read) if with_choices else read


@bp.route("/", endpoint="catalog")
@login_required
def catalog_page():
    """The case and quiz catalogue, filterable by tag and searchable by title."""
    tag = request.args.get("tag") or None
    query = (request.args.get("q") or "").strip() or None
    entries = catalog.catalog(current_user.id, tag=tag, query=query)
    return render_template(
        "play/catalog.html",
        entries=entries,
        tags=catalog.all_tags(),
        tag=tag,
        query=query or "",
    )


@bp.route("/<slug>/start", methods=["POST"])
@login_required
def start(slug: str):
    """Start (or resume) an attempt at a published case or quiz bank."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == slug))
    if case is None:
        abort(404)
    course_id = form.course_id.data
    if course_id is not None and not db.session.get(Enrolment, (course_id, current_user.id)):
        abort(403)
    restart = form.restart.data == "1"
    if course_id is None and not restart:
        # From the catalogue: "Resume" means the attempt the learner left open, wherever
        # it was started; a new attempt counts for the course that assigns the case.
        open_attempt = play.latest_open_attempt(current_user.id, case.id)
        if open_attempt is not None:
            return redirect(url_for("play.attempt", attempt_id=open_attempt.id))
    if course_id is None:
        course_id = courses.course_assigning(current_user.id, case.id)
    try:
        attempt = play.start_attempt(
            current_user.id,
            case,
            course_id=course_id,
            restart=restart,
            mode="timed" if form.mode.data == "timed" else "practice",
        )
    except play.NotPlayable as error:
        flash(str(error), "error")
        return redirect(url_for("play.catalog"))
    return redirect(url_for("play.attempt", attempt_id=attempt.id))


@bp.route("/preview/<int:version_id>", methods=["POST"])
@instructor_required
def preview(version_id: int):
    """Play a saved version as a learner would; nothing is scored or counted.

    A published version is open to every instructor; a draft only to those who may edit
    the case (its owner, co-authors, admins), since it is the author's until published.
    """
    # CSRFProtect guards every POST app-wide, so this form-less action is protected too.
    version = db.session.get(CaseVersion, version_id)
    if version is None:
        abort(404)
    if version.published_at is None and not authoring.can_edit(current_user, version.case):
        abort(403)
    try:
        attempt = play.start_attempt(
            current_user.id, version.case, preview=True, version=version, restart=True
        )
    except play.NotPlayable as error:
        flash(str(error), "error")
        return redirect(url_for("author.index"))
    return redirect(url_for("play.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@read_only
@login_required
def attempt(attempt_id: int):
    """The node the learner is at: narrative, decision or quiz question."""
    current = _own_attempt_to_show(attempt_id)
    if current.status != "in_progress":
        return redirect(url_for("play.debrief", attempt_id=current.id))
    # The forms are plain HTML with ``csrf_token()`` (no form objects to build for a GET);
    # StepForm and the decide view validate what comes back.
    return render_template("play/node.html", view=feedback.node_view(current))


@bp.route("/attempts/<int:attempt_id>/advance", methods=["POST"])
@login_required
def advance(attempt_id: int):
    """Continue past a narrative node (a replayed post changes nothing)."""
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    current = play.advance(_own_attempt(attempt_id).id, current_user.id, form.step.data)
    return redirect(url_for("play.attempt", attempt_id=current.id))


@bp.route("/attempts/<int:attempt_id>/decide", methods=["POST"])
@login_required
def decide(attempt_id: int):
    """Record the learner's choice at a decision or quiz question, exactly once."""
    # Two plain fields, read without building a form object (a tenth of a decision's
    # cost); CSRFProtect has checked the token before the view, and play.decide checks
    # the step and the option against the attempt.
    step = request.form.get("step", type=int)
    option = request.form.get("option", "").strip()
    if step is None or not option:
        current = _own_attempt_to_show(attempt_id)  # someone else's attempt: 404 all the same
        flash("Choose one option first.", "error")
        return redirect(url_for("play.attempt", attempt_id=current.id))
    try:
        read = attempt_read_with_user(attempt_id)
        outcome = play.decide(
            attempt_id, current_user.id, step, option, read=None if read is NOT_READ else read
        )
    except play.AttemptNotFound:
        abort(404)
    except play.InvalidChoice as error:
        flash(str(error), "error")
        return redirect(url_for("play.attempt", attempt_id=attempt_id))
    if not outcome.recorded:
        flash("Your answer to this question was already recorded; it was not changed.", "info")
    current = outcome.attempt
    if current.mode == "timed" and current.status == "in_progress":
        return redirect(url_for("play.attempt", attempt_id=current.id))
    # The feedback is the answer to the POST itself: no redirect, no second request to
    # load it all again. Its own address goes in Content-Location and, through app.js, in
    # the address bar, so a reload or a shared link is a plain GET of the same page; a
    # reload that does post again (no JavaScript) is a replay, stored once as always.
    return _feedback_response(current, outcome.choice)


@bp.route("/attempts/<int:attempt_id>/steps/<int:step>", endpoint="feedback")
@read_only
@login_required
def feedback_page(attempt_id: int, step: int):
    """Feedback on the choice made at ``step``: verdict, why, evidence, pitfall."""
    current = _own_attempt_to_show(attempt_id, with_choices=True)
    choice = next((c for c in current.choices if c.step == step), None)
    if choice is None:
        abort(404)
    if current.mode == "timed" and current.status == "in_progress":
        abort(404)  # a timed block shows feedback only at the end
    return _feedback_response(current, choice)


def _feedback_response(current, choice):
    page_url = url_for("play.feedback", attempt_id=current.id, step=choice.step)
    page = render_template(
        "play/feedback.html",
        attempt=current,
        fb=feedback.feedback_view(current, choice),
        page_url=page_url,
    )
    return page, {"Content-Location": page_url}


@bp.route("/attempts/<int:attempt_id>/debrief")
@read_only
@login_required
def debrief(attempt_id: int):
    """The end of an attempt: score, each decision, pitfalls, references, try again."""
    current = _own_attempt_to_show(attempt_id, with_choices=True)
    if current.status == "in_progress":
        return redirect(url_for("play.attempt", attempt_id=current.id))
    return render_template(
        "play/debrief.html",
        d=feedback.debrief(current),
        slug=current.case_slug,
    )


@bp.route("/attempts/<int:attempt_id>/restart", methods=["POST"])
@login_required
def restart(attempt_id: int):
    """Abandon this attempt and start the same case again from the beginning."""
    current = play.abandon(_own_attempt(attempt_id).id, current_user.id)
    case = db.session.get(CaseRecord, current.case_id)
    fresh = play.start_attempt(
        current_user.id,
        case,
        course_id=current.course_id,
        restart=True,
        preview=current.preview,
        mode=current.mode,
    )
    return redirect(url_for("play.attempt", attempt_id=fresh.id))


@bp.route("/progress")
@login_required
def progress():
    """The learner's history, best scores, scores over time and most frequent pitfalls."""
    data = catalog.progress(current_user.id)
    titles = {pid: pitfall.title for pid, pitfall in current_library().get(None).pitfalls.items()}
    return render_template(
        "play/progress.html",
        p=data,
        timeline=[
            (f"{title} ({when:%Y-%m-%d})", percent) for when, percent, title in data.timeline
        ],
        pitfall_rows=[(titles.get(pid, pid), count) for pid, count in data.pitfalls[:8]],
    )
