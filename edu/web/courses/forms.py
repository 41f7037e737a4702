"""Forms of the courses area. Every one is a FlaskForm, so every POST carries a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp


class CreateCourseForm(FlaskForm):
    title = StringField(
        "Course title",
        validators=[DataRequired(), Length(max=200)],
        description="Residents see this title, e.g. “PGY-3 oncology — HER2 module”.",
    )


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        validators=[DataRequired(), Length(max=32)],
        description="The code your instructor gave you, e.g. K7QW-3PZD.",
    )


class JoinConfirmForm(FlaskForm):
    """The confirm button behind an invite link: GET shows it, only the POST enrols."""

    code = HiddenField(validators=[DataRequired(), Length(max=32)])


class SettingsForm(FlaskForm):
    leaderboard_visible = BooleanField("Residents can see the leaderboard")
    late_attempts_count = BooleanField(
        "Late attempts count",
        description="Off: attempts completed after an assignment's due date earn nothing.",
    )
    pseudonyms = BooleanField(
        "Show pseudonyms instead of names to other residents",
        description="Each resident still sees their own name; instructors see all names.",
    )


class AssignForm(FlaskForm):
    case_id = SelectField("Case or quiz bank", coerce=int, validators=[DataRequired()])
    due_at = DateTimeLocalField(
        "Due (UTC, optional)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Attempts completed after this time are late.",
    )
    canvas_assignment_id = StringField(
        "Canvas assignment id (optional)",
        validators=[
            Optional(),
            Length(max=32),
            Regexp(r"^\s*\d+\s*$", message="Use the number from the Canvas assignment's URL."),
        ],
        description="The number in the assignment's Canvas URL; Canvas then matches the column.",
    )


class CoInstructorForm(FlaskForm):
    email = EmailField(
        "Co-instructor's email",
        validators=[DataRequired(), Email(), Length(max=254)],
        description="They need an instructor account already.",
    )


class ConfirmForm(FlaskForm):
    """A bare form for one-button actions (remove an assignment): CSRF only."""
