"""Log-in, log-out and self-registration (as a resident)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from edu.extensions import limiter
from edu.services import accounts
from edu.web.auth.forms import LoginForm, RegisterForm
from edu.web.redirects import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Show the log-in form; on success go to ``next`` if it is a local path."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
        flash(result.message, "error")
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST only, so a link on another site cannot log a user out)."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
# Registration creates accounts and says when an email is taken: throttle it like log-in.
@limiter.limit(_login_limit, methods=["POST"])
def register():
    """Create a resident account. Instructors are promoted by an admin."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.name.data, form.password.data)
        except accounts.AccountError as error:
            form[error.field].errors.append(str(error))
        else:
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)
