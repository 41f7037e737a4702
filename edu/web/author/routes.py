"""Authoring: the case editor, versions, analytics and guideline changes.

Every route needs an instructor or admin. Routes about one case also need
:func:`edu.services.authoring.can_edit` (owner, co-author or admin), else 403.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from edu.cases import MAX_FILE_BYTES
from edu.extensions import db
from edu.guideline import GuidelineError
from edu.models import CaseRecord
from edu.services import analytics, authoring, rescoring
from edu.services.guidelines import current_library
from edu.web.access import instructor_required
from edu.web.author.forms import (
    AnalyticsFilterForm,
    CoauthorForm,
    EditorForm,
    GuidelineChangeForm,
    RemoveCoauthorForm,
    RescoreForm,
    UploadForm,
    VersionForm,
)

bp = Blueprint("author", __name__)


@bp.context_processor
def _case_state():
    def case_state(case: CaseRecord):
        """(newest version, has a draft) for the case header of every case page."""
        latest = authoring.latest_version(case)
        return latest, latest is not None and latest.id != case.published_version_id

    return {"case_state": case_state}


def _case_or_404(slug: str) -> CaseRecord:
    """Return the case ``slug`` if the current user may edit it.

    :raises NotFound: no such case. :raises Forbidden: not its owner, co-author or an admin.
    """
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == slug))
    if case is None:
        abort(404)
    if not authoring.can_edit(current_user, case):
        abort(403)
    return case


def _version_number(value: str | None) -> int:
    if value is None or not value.isdigit():
        abort(400, "Name a version number.")
    return int(value)


def _can_preview() -> bool:
    return "play.preview" in current_app.view_functions


@bp.route("/")
@instructor_required
def index():
    """List the cases the user may edit: published version, draft and lint state."""
    rows = []
    for case in authoring.editable_cases(current_user):
        latest = authoring.latest_version(case)
        rows.append((case, latest, authoring.has_draft(case)))
    return render_template("author/index.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@instructor_required
def new():
    """Start a case: the editor with a starter text; saving creates version 1 (a draft)."""
    form = EditorForm()
    if request.method == "GET":
        form.content.data = authoring.new_case_template(current_user)
    elif form.validate_on_submit() and request.form.get("action") == "save":
        try:
            result = authoring.create_case(form.content.data.replace("\r\n", "\n"), current_user)
        except authoring.AuthoringError as error:
            flash(str(error), "error")
        else:
            flash(_saved_message(result), "success" if result.ok else "info")
            return redirect(url_for("author.edit", slug=result.case.slug))
    preview = authoring.preview_text((form.content.data or "").replace("\r\n", "\n"))
    return render_template("author/edit.html", form=form, case=None, latest=None, preview=preview)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@instructor_required
def edit(slug: str):
    """The editor: Check (lint + preview, saves nothing), Save draft, Save and publish."""
    case = _case_or_404(slug)
    latest = authoring.latest_version(case)
    form = EditorForm()
    if request.method == "GET" and latest is not None:
        form.content.data = latest.content
    if form.validate_on_submit():
        action = request.form.get("action", "check")
        if action in ("save", "publish"):
            result = authoring.save_draft(case, form.content.data, current_user)
            if action == "publish" and result.ok:
                try:
                    authoring.publish(case, result.version)
                except authoring.PublishRefused as error:
                    flash(str(error), "error")
                else:
                    flash(
                        f"Version {result.version.number} is published: learners get it now.",
                        "success",
                    )
                    return redirect(url_for("author.edit", slug=slug))
            elif action == "publish":
                flash(
                    f"Saved as draft version {result.version.number}, not published: "
                    "fix the lint errors first.",
                    "error",
                )
                return redirect(url_for("author.edit", slug=slug))
            flash(_saved_message(result), "success" if result.ok else "info")
            return redirect(url_for("author.edit", slug=slug))
    preview = authoring.preview_text(form.content.data or "")
    return render_template(
        "author/edit.html",
        form=form,
        case=case,
        latest=latest,
        preview=preview,
        draft=authoring.has_draft(case),
        publish_form=VersionForm(version=str(latest.number) if latest else ""),
        can_preview=_can_preview(),
    )


def _saved_message(result: authoring.SaveResult) -> str:
    number = result.version.number
    if not result.created:
        return f"No changes since version {number}: nothing new was saved."
    errors = sum(f.severity == "error" for f in result.findings)
    if errors:
        return (
            f"Saved as draft version {number} with {errors} lint error"
            f"{'s' if errors != 1 else ''}: fix them before publishing."
        )
    return f"Saved as draft version {number}. It lints clean: publish it when ready."


@bp.route("/lint-preview", methods=["POST"])
@instructor_required
def lint_preview():
    """JSON: lint findings and rendered nodes of the posted text (the editor's live view).

    Takes ``{"content": "..."}`` (or a form field ``content``); CSRF token in X-CSRFToken.
    """
    payload = request.get_json(silent=True) or {}
    text = payload.get("content") if payload else request.form.get("content")
    if not isinstance(text, str):
        return jsonify(error="Send the case text as 'content'."), 400
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return jsonify(error=f"The text is larger than {MAX_FILE_BYTES // 1024} KiB."), 413
    return jsonify(authoring.preview_text(text.replace("\r\n", "\n")).to_json())


@bp.route("/<slug>/publish", methods=["POST"])
@instructor_required
def publish(slug: str):
    """Publish the newest version, if it lints clean (older ones are restored instead)."""
    case = _case_or_404(slug)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400, "Name the version to publish.")
    version = authoring.get_version(case, _version_number(form.version.data))
    latest = authoring.latest_version(case)
    if version is None:
        abort(404)
    if version.id != latest.id:
        flash("Only the newest version can be published; restore an older one instead.", "error")
        return redirect(url_for("author.history", slug=slug))
    try:
        authoring.publish(case, version)
    except authoring.PublishRefused as error:
        flash(str(error), "error")
    else:
        flash(f"Version {version.number} is published: learners get it now.", "success")
    back = "author.history" if request.form.get("back") == "history" else "author.edit"
    return redirect(url_for(back, slug=slug))


@bp.route("/upload", methods=["GET", "POST"])
@instructor_required
def upload():
    """Upload .md files; each is linted and saved as a new version of the case it names."""
    form = UploadForm()
    entries = None
    if form.validate_on_submit():
        files = [
            (storage.filename or "", storage.read(MAX_FILE_BYTES + 1))
            for storage in form.files.data
            if storage and storage.filename
        ]
        if not files:
            form.files.errors.append("Choose at least one .md file.")
        else:
            entries = authoring.upload_files(
                files, current_user, publish_clean=form.publish_clean.data
            )
    return render_template("author/upload.html", form=form, entries=entries)


@bp.route("/<slug>/history")
@instructor_required
def history(slug: str):
    """Every version, newest first, with its status, lint state and actions."""
    case = _case_or_404(slug)
    versions = list(reversed(case.versions))
    return render_template(
        "author/history.html",
        case=case,
        versions=versions,
        status=lambda v: authoring.version_status(case, v),
        coauthors=authoring.coauthors(case),
        coauthor_form=CoauthorForm(),
        remove_form=RemoveCoauthorForm(),
        action_form=VersionForm(),
        can_preview=_can_preview(),
    )


@bp.route("/<slug>/versions/<int:number>")
@instructor_required
def version(slug: str, number: int):
    """One version's text (read-only, escaped) and its stored lint report."""
    case = _case_or_404(slug)
    shown = authoring.get_version(case, number)
    if shown is None:
        abort(404)
    return render_template(
        "author/version.html",
        case=case,
        version=shown,
        status=authoring.version_status(case, shown),
        action_form=VersionForm(),
        can_preview=_can_preview(),
    )


@bp.route("/<slug>/diff")
@instructor_required
def diff(slug: str):
    """Unified diff between two versions (``?from=N&to=M``; default: the last two)."""
    case = _case_or_404(slug)
    latest = authoring.latest_version(case)
    if latest is None:
        abort(404)
    to_number = request.args.get("to", type=int) or latest.number
    from_number = request.args.get("from", type=int) or max(1, to_number - 1)
    old = authoring.get_version(case, from_number)
    new_ = authoring.get_version(case, to_number)
    if old is None or new_ is None:
        abort(404)
    return render_template(
        "author/diff.html",
        case=case,
        old=old,
        new=new_,
        lines=authoring.diff_versions(old, new_),
        numbers=[v.number for v in case.versions],
    )


@bp.route("/<slug>/rollback", methods=["POST"])
@instructor_required
def rollback(slug: str):
    """Restore an older version: its text becomes a new, published version."""
    case = _case_or_404(slug)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400, "Name the version to restore.")
    old = authoring.get_version(case, _version_number(form.version.data))
    if old is None:
        abort(404)
    try:
        result = authoring.rollback(case, old, current_user)
    except authoring.PublishRefused as error:
        flash(str(error), "error")
    else:
        if result.created:
            flash(
                f"Restored version {old.number} as version {result.version.number}, now published.",
                "success",
            )
        else:
            flash(
                f"Version {result.version.number} already has that text; it is published.",
                "success",
            )
    return redirect(url_for("author.history", slug=slug))


@bp.route("/<slug>/coauthors", methods=["POST"])
@instructor_required
def coauthors(slug: str):
    """Add (``email``) or remove (``user_id``) a co-author."""
    case = _case_or_404(slug)
    if "user_id" in request.form:
        form = RemoveCoauthorForm()
        if form.validate_on_submit() and form.user_id.data.isdigit():
            authoring.remove_coauthor(case, int(form.user_id.data))
            flash("Co-author removed.", "success")
        return redirect(url_for("author.history", slug=slug))
    form = CoauthorForm()
    if form.validate_on_submit():
        try:
            user = authoring.add_coauthor(case, form.email.data)
        except authoring.AuthoringError as error:
            flash(str(error), "error")
        else:
            flash(f"{user.name} can now edit this case.", "success")
    else:
        flash("Enter the co-author's email address.", "error")
    return redirect(url_for("author.history", slug=slug))


@bp.route("/<slug>/analytics", endpoint="analytics")
@instructor_required
def case_analytics(slug: str):
    """Attempts, completion, score histogram, option shares and pitfalls, filterable."""
    case = _case_or_404(slug)
    form = AnalyticsFilterForm(request.args)
    courses = analytics.filter_courses(case)
    form.course.choices = [("", "All courses")] + [(str(c.id), c.title) for c in courses]
    filters = analytics.Filters()
    if form.validate():
        course = form.course.data
        filters = analytics.Filters(
            course_id=int(course) if course and course.isdigit() else None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    data = analytics.case_analytics(case, filters)
    return render_template("author/analytics.html", case=case, form=form, data=data)


@bp.route("/guideline-changes", methods=["GET", "POST"])
@instructor_required
def guideline_changes():
    """The verdict diff between two guideline versions, the cases it touches, re-scoring."""
    library = current_library()
    versions = library.versions()
    form = GuidelineChangeForm(request.args)
    form.old.choices = form.new.choices = [(v, v) for v in versions]
    new_name = form.new.data if form.new.data in versions else versions[0]
    new_guideline = library.get(new_name)
    default_old = new_guideline.extends or next((v for v in versions if v != new_name), new_name)
    old_name = form.old.data if form.old.data in versions else default_old
    form.old.data, form.new.data = old_name, new_name
    old_guideline = library.get(old_name)
    scope = (
        None if current_user.is_admin else [c.id for c in authoring.editable_cases(current_user)]
    )
    report = None
    rescore_form = RescoreForm(version=new_name)
    if request.method == "POST":
        if not rescore_form.validate_on_submit():
            abort(400, "Name the guideline version to re-score under.")
        try:
            report = rescoring.rescore(rescore_form.version.data, case_ids=scope)
        except GuidelineError as error:
            abort(400, str(error))
        flash(report.summary(), "success")
    diff = rescoring.rules_diff(old_guideline, new_guideline)
    impacts = rescoring.case_impact(rescoring.cases_in_scope(scope), old_guideline, new_guideline)
    forecast = report or rescoring.rescore(new_name, case_ids=scope, dry_run=True)
    return render_template(
        "author/guideline_changes.html",
        form=form,
        old=old_guideline,
        new=new_guideline,
        diff=diff,
        impacts=impacts,
        report=report,
        forecast=forecast,
        rescore_form=rescore_form,
        scoped=scope is not None,
    )
