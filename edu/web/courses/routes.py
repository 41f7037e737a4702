"""Courses: rosters, assignments, leaderboards and gradebook exports.

Access, decided by :func:`_course_for` for every course page:

- not logged in: redirected to the log-in page;
- not a member (and not an admin): **404**, the same answer as for a course that does not
  exist, so course ids cannot be probed to learn which courses exist;
- a resident of the course on an instructor page (roster, settings, exports): **403**;
  on the leaderboard: 403 unless the instructor made it visible;
- instructors of the course (owner and co-instructors) and admins: everything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from edu.exports.cells import format_number
from edu.extensions import limiter
from edu.models import Course
from edu.services import courses, gradebook
from edu.web.access import instructor_required
from edu.web.courses.forms import (
    AssignForm,
    CoInstructorForm,
    ConfirmForm,
    CreateCourseForm,
    JoinConfirmForm,
    JoinForm,
    SettingsForm,
)

bp = Blueprint("courses", __name__)

ROSTER_PER_PAGE = 100
LEADERBOARD_PER_PAGE = gradebook.PER_PAGE
# Streamed responses are sent in chunks of about this size rather than line by line.
CHUNK_BYTES = 32 * 1024


@bp.context_processor
def formatting() -> dict:
    """Scores print as the exports write them (17.5, 20), so page and file agree."""

    def points(value: float | None) -> str:
        return "" if value is None else format_number(value)

    def when(value) -> str:
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")

    return {"points": points, "when": when}


def _course_for(course_id: int, *, manage: bool = False) -> tuple[Course, courses.Membership]:
    """Return the course and the current user's membership in it.

    :param manage: the page is for the course's instructors and admins only.
    :raises 404: no such course, or the user is not a member (see the module docstring).
    :raises 403: ``manage`` and the user is a resident of the course.
    """
    course = courses.get_course(course_id)
    if course is None:
        abort(404)
    member = courses.membership(course, current_user)
    if not member.is_member:
        abort(404)
    if manage and not member.can_manage:
        abort(403)
    return course, member


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("/")
@login_required
def index():
    """My courses, a join form, and (for instructors) a link to create one."""
    return render_template(
        "courses/index.html", summaries=courses.my_courses(current_user), form=JoinForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@instructor_required
def create():
    """Create a course; its creator becomes its first instructor."""
    form = CreateCourseForm()
    if form.validate_on_submit():
        course = courses.create_course(current_user, form.title.data)
        flash(f"Course created. Residents join with the code {course.join_code}.", "success")
        return redirect(url_for(".detail", course_id=course.id))
    return render_template("courses/create.html", form=form)


@bp.route("/join", methods=["POST"])
@login_required
@limiter.limit("20 per minute")
def join():
    """Join a course by code (from the courses page or an invite link's confirm button)."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            course, joined = courses.join_course(current_user, form.code.data)
        except courses.UnknownJoinCode as error:
            form.code.errors.append(str(error))
        else:
            if joined:
                flash(f"You joined {course.title}.", "success")
            else:
                flash(f"You are already a member of {course.title}.", "info")
            return redirect(url_for(".detail", course_id=course.id))
    summaries = courses.my_courses(current_user)
    return render_template("courses/index.html", summaries=summaries, form=form), 400


@bp.route("/join/<code>")
@login_required
def join_link(code: str):
    """An invite link: shows the course and a confirm button; only the POST enrols."""
    course = courses.find_by_code(code)
    if course is None:
        abort(404)
    member = courses.membership(course, current_user)
    form = JoinConfirmForm(code=course.join_code)
    return render_template("courses/join.html", course=course, member=member, form=form)


def _render_detail(course: Course, member: courses.Membership, status: int = 200, **forms):
    """Render the course page; instructors' forms come back with their errors on a 400."""
    context: dict = {"course": course, "member": member}
    if member.role == courses.RESIDENT:
        context["statuses"] = courses.assignment_statuses(course, current_user)
        context["can_play"] = "play.start" in current_app.view_functions
    if member.can_manage:
        counts = courses.member_count(course)
        total = sum(counts.values())
        pages = max(1, math.ceil(total / ROSTER_PER_PAGE))
        page = min(max(_page_number(), 1), pages)
        # formdata=None: after another form's failed POST, these must show stored values,
        # not be filled (and their checkboxes cleared) from that other form's fields.
        assign_form = forms.get("assign_form") or AssignForm(prefix="assign", formdata=None)
        assign_form.case_id.choices = [
            (c.id, f"{c.title} ({'quiz bank' if c.kind == 'quiz' else 'case'})")
            for c in courses.assignable_cases()
        ]
        context.update(
            assignments=courses.course_assignments(course),
            completions=courses.completion_counts(course),
            assignment_title=courses.assignment_title,
            counts=counts,
            roster=courses.roster(
                course, offset=(page - 1) * ROSTER_PER_PAGE, limit=ROSTER_PER_PAGE
            ),
            roster_page=page,
            roster_pages=pages,
            join_url=url_for(".join_link", code=course.join_code, _external=True),
            settings_form=forms.get("settings_form")
            or SettingsForm(prefix="settings", obj=course, formdata=None),
            assign_form=assign_form,
            instructor_form=forms.get("instructor_form")
            or CoInstructorForm(prefix="instructor", formdata=None),
            confirm_form=ConfirmForm(),
        )
    return render_template("courses/detail.html", **context), status


@bp.route("/<int:course_id>")
@login_required
def detail(course_id: int):
    """The course: my assignments with status; instructors also manage it here."""
    course, member = _course_for(course_id)
    return _render_detail(course, member)


@bp.route("/<int:course_id>/settings", methods=["POST"])
@login_required
def settings(course_id: int):
    """Save the leaderboard settings (visibility, late policy, pseudonyms)."""
    course, member = _course_for(course_id, manage=True)
    form = SettingsForm(prefix="settings")
    if not form.validate_on_submit():
        return _render_detail(course, member, 400, settings_form=form)
    courses.update_settings(
        course,
        leaderboard_visible=form.leaderboard_visible.data,
        late_attempts_count=form.late_attempts_count.data,
        pseudonyms=form.pseudonyms.data,
    )
    flash("Settings saved.", "success")
    return redirect(url_for(".detail", course_id=course.id))


@bp.route("/<int:course_id>/assignments", methods=["POST"])
@login_required
def assign(course_id: int):
    """Assign a case or quiz bank (or change its due date and Canvas id)."""
    course, member = _course_for(course_id, manage=True)
    form = AssignForm(prefix="assign")
    form.case_id.choices = [(c.id, c.title) for c in courses.assignable_cases()]
    if form.validate_on_submit():
        try:
            courses.assign(
                course,
                form.case_id.data,
                due_at=form.due_at.data,
                canvas_assignment_id=form.canvas_assignment_id.data,
            )
        except courses.UnknownCase as error:
            form.case_id.errors.append(str(error))
        else:
            flash("Assignment saved.", "success")
            return redirect(url_for(".detail", course_id=course.id))
    return _render_detail(course, member, 400, assign_form=form)


@bp.route("/<int:course_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def unassign(course_id: int, assignment_id: int):
    """Remove an assignment; attempts are kept but stop counting."""
    course, _ = _course_for(course_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        courses.unassign(course, assignment_id)
    except courses.UnknownAssignment:
        abort(404)
    flash("Assignment removed.", "success")
    return redirect(url_for(".detail", course_id=course.id))


@bp.route("/<int:course_id>/instructors", methods=["POST"])
@login_required
def add_instructor(course_id: int):
    """Add a co-instructor by email: they get the roster, settings and exports too."""
    course, member = _course_for(course_id, manage=True)
    form = CoInstructorForm(prefix="instructor")
    if form.validate_on_submit():
        try:
            user = courses.add_co_instructor(course, form.email.data)
        except courses.CourseError as error:
            form.email.errors.append(str(error))
        else:
            flash(f"{user.name} is now an instructor of this course.", "success")
            return redirect(url_for(".detail", course_id=course.id))
    return _render_detail(course, member, 400, instructor_form=form)


@bp.route("/<int:course_id>/leaderboard")
@login_required
def leaderboard(course_id: int):
    """The ranked leaderboard, a page at a time; residents only if the instructor allows."""
    course, member = _course_for(course_id)
    if not member.can_manage and not course.leaderboard_visible:
        abort(403)
    board = gradebook.leaderboard_page(
        course, current_user, page=_page_number(), per_page=LEADERBOARD_PER_PAGE
    )
    return render_template("courses/leaderboard.html", course=course, member=member, board=board)


def _buffered(lines: Iterable[str]) -> Iterator[bytes]:
    """Re-chunk many short lines into ~32 KiB writes, encoded as UTF-8."""
    parts: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8")
        parts.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)


@bp.route("/<int:course_id>/export/<any(leaderboard, canvas, moodle, research):kind>.csv")
@login_required
def export(course_id: int, kind: str):
    """Download an export as a streamed CSV; research takes ``?pseudonymise=1``."""
    course, _ = _course_for(course_id, manage=True)
    pseudonymise = kind == "research" and request.args.get("pseudonymise") == "1"
    lines = gradebook.export_lines(course, kind, pseudonymise=pseudonymise)
    suffix = f"{kind}-pseudonymised" if pseudonymise else kind
    filename = gradebook.export_filename(course, suffix)
    return Response(
        stream_with_context(_buffered(lines)),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Names, emails and grades: never kept in a shared cache.
            "Cache-Control": "no-store",
        },
    )
